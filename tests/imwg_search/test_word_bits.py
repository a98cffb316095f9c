"""The words' bitmaps of migration 0016: a free-text search's count read
from them is the count of its matching entries, and the bitmaps follow the
index's entries through every write."""

from __future__ import annotations

import random

import ckan.model as model
import pytest

from ckanext.imwg_search import searcher
from ckanext.imwg_search.backend import PostgresSolrConnection
from ckanext.imwg_search.writer import WORD_BITS
from tests.support import search_statements, worded_entry

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_search"),
    pytest.mark.postgres_only("the PostgreSQL backend's own table"),
]

CLASS = "site_id, state, capacity, dataset_type, labels"
#: each entry's words, with its class and place, as the bitmaps should hold them
EXPECTED = (
    f"SELECT {CLASS}, u.word, e.ord FROM imwg_search_package e "
    "CROSS JOIN LATERAL unnest(tsvector_to_array(e.fts)) AS u(word)"
)
#: the same read from the bitmaps: each key's rows XOR-ed, its set bits listed
KEPT = f"""
    WITH x AS (
        SELECT {CLASS}, word, block, bits AS b FROM {WORD_BITS} WHERE bits IS NOT NULL
        UNION ALL SELECT {CLASS}, word, block, set_bit(CAST(B'0' AS bit(4096)), p, 1)
        FROM {WORD_BITS} CROSS JOIN LATERAL unnest(coalesce(flips, spots)) AS p
    ), k AS (SELECT {CLASS}, word, block, bit_xor(b) AS b FROM x GROUP BY {CLASS}, word, block)
    SELECT {CLASS}, word, CAST(block AS bigint) * 4096 + i FROM k
    CROSS JOIN LATERAL generate_series(0, 4095) AS i WHERE get_bit(k.b, i) = 1
"""

SEARCHES = [
    {"q": "water"},
    {"q": "water camp"},
    {"q": "mine road flood"},
    {"q": "mine road flood", "mm": "1"},
    {"q": "health flood market school", "mm": "2"},
    {"q": "camp", "fq": "+permission_labels:public"},
    {"q": "camp school", "fq": '+permission_labels:("public" OR "member-x") +capacity:public'},
    {"q": "road", "fq": "+dataset_type:dataset +site_id:test"},
    {"q": "zebra"},
]
#: searches whose count is not a matter of words and classes
OTHER_SEARCHES = [
    {"q": '"water camp"'},
    {"q": "wat*", "defType": "lucene", "df": "text"},
    {"q": "water -camp", "defType": "lucene", "df": "text"},
    {"q": "water", "fq": 'organization:"north"'},
    {"q": "title:water", "defType": "lucene"},
]


def connection():
    return PostgresSolrConnection(model.Session)


def entry(i, rnd, private=False):
    """An entry of the postings' tests, of one dataset type."""
    return {**worded_entry(i, rnd, private), "dataset_type": "dataset"}


def index(n=160, seed=5, first=None):
    """``n`` entries; with ``first`` their places start there (across a block's end)."""
    if first is not None:
        model.Session.execute("SELECT setval('imwg_search_package_ord_seq', :f, false)", {"f": first})
    rnd = random.Random(seed)
    docs = [entry(i, rnd, private=i % 5 == 0) for i in range(n)]
    connection().add(docs)
    return docs


def kept():
    return sorted(tuple(r) for r in model.Session.execute(KEPT))


def expected():
    return sorted(tuple(r) for r in model.Session.execute(EXPECTED))


def counted(params):
    """The hit count of a search, and whether it was read from the bitmaps."""
    base = {"defType": "dismax", "qf": "text", "fl": "name", "rows": 3, "sort": "score desc, metadata_modified desc"}
    with search_statements() as seen:
        hits = connection().search(**{**base, **params}).hits
    return hits, any(WORD_BITS in sql for sql, _p in seen)


def test_counts_from_the_bitmaps_are_the_entries_counted(ckan_config, monkeypatch):
    """Across a block's end, with public and private entries: every search of
    words (and, or; CKAN's minimum match) with visibility filters has the
    count of counting its entries, read from the bitmaps; other searches
    count their entries."""
    index(first=4096 - 70)
    assert {r[-1] // 4096 for r in expected()} == {0, 1}
    from_bits = [counted(p) for p in SEARCHES + OTHER_SEARCHES]
    assert [b for _h, b in from_bits] == [True] * len(SEARCHES) + [False] * len(OTHER_SEARCHES)
    monkeypatch.setitem(ckan_config, "ckanext.imwg_search.word_bits", False)
    by_entries = [counted(p) for p in SEARCHES + OTHER_SEARCHES]
    assert not any(b for _h, b in by_entries)
    assert [h for h, _b in from_bits] == [h for h, _b in by_entries]
    assert all(h > 0 for h, _b in by_entries[: len(SEARCHES) - 1]) and by_entries[len(SEARCHES) - 1][0] == 0


def test_bitmaps_follow_every_write():
    """Flipped on by an entry written, off by one deleted; moved when an
    entry's text or class changes; kept when it is written again unchanged;
    folded into one row per key; gone with a truncated index."""
    docs = index(60)
    assert kept() == expected() and kept()
    before = model.Session.execute(f"SELECT count(*) FROM {WORD_BITS}").scalar()
    connection().add(docs[:10])  # the same entries again: nothing to flip
    assert model.Session.execute(f"SELECT count(*) FROM {WORD_BITS}").scalar() == before
    rnd = random.Random(9)
    changed = [entry(i, rnd, private=i % 2 == 0) for i in range(0, 60, 3)]
    changed[0]["title"] = "Entry market school"
    connection().add(changed)
    assert kept() == expected()
    connection().delete(id=["ix-002", "ix-005"])
    connection().delete(q="name:entry-010 OR name:entry-011")
    assert kept() == expected()
    searches = [counted(p) for p in SEARCHES]
    connection().fold_bits()
    assert kept() == expected()
    assert not model.Session.execute(f"SELECT count(*) FROM {WORD_BITS} WHERE flips IS NOT NULL").scalar()
    keys = f"SELECT count(*), count(DISTINCT ({CLASS}, word, block)) FROM {WORD_BITS}"
    rows, distinct = model.Session.execute(keys).one()
    assert rows == distinct > 0
    assert [counted(p) for p in SEARCHES] == searches
    model.Session.execute("TRUNCATE imwg_search_package")
    assert kept() == []
    model.Session.rollback()


def test_a_search_folds_its_words_when_their_flips_pile_up(monkeypatch):
    """The flips a count reads beyond :data:`searcher.FOLD_BITS_AFTER` fold
    the search's words' bitmaps (in a transaction of its own), and those
    words' only; the counts stay the same."""
    index(80)
    model.Session.commit()
    flips = f"SELECT word, count(*) FILTER (WHERE flips IS NOT NULL) FROM {WORD_BITS} GROUP BY word"
    assert all(n > 0 for _w, n in model.Session.execute(flips))
    hits = counted({"q": "water camp"})
    monkeypatch.setattr(searcher, "FOLD_BITS_AFTER", 0)
    assert counted({"q": "water camp"}) == hits
    model.Session.rollback()
    left = dict(model.Session.execute(flips).fetchall())
    assert left["water"] == left["camp"] == 0
    assert left["road"] > 0
    assert counted({"q": "water camp"}) == hits
    assert kept() == expected()


def test_the_migration_down_and_up_keeps_counts(migrate_db_for):
    """Before migration 0016 the entries are counted, with the same counts;
    the upgrade writes the bitmaps of the entries already indexed, folded."""
    index()
    counts = [counted(p)[0] for p in SEARCHES]
    model.Session.remove()
    migrate_db_for("imwg_search", "imwg_search_0015", False)
    assert not model.Session.execute(f"SELECT to_regclass('{WORD_BITS}') IS NOT NULL").scalar()
    assert [counted(p) for p in SEARCHES] == [(n, False) for n in counts]
    model.Session.remove()
    migrate_db_for("imwg_search")
    assert kept() == expected()
    assert not model.Session.execute(f"SELECT count(*) FROM {WORD_BITS} WHERE flips IS NOT NULL").scalar()
    assert [counted(p) for p in SEARCHES] == [(n, True) for n in counts]


def test_compacting_after_a_rebuild_folds_every_word_and_gives_the_pages_back():
    """At the end of a rebuild every word's flips are folded and the table
    vacuumed twice: one row per key, in fewer pages than the flips took;
    a bitmap where a word is in many of a block's entries, else their places."""
    for seed in range(4):  # the same entries written four times, with other words
        index(200, seed=seed)
    model.Session.commit()
    size = f"SELECT pg_relation_size('{WORD_BITS}') / current_setting('block_size')::int"
    grown = model.Session.execute(size).scalar()
    model.Session.remove()
    connection().compact_counts()
    model.Session.remove()
    assert not model.Session.execute(f"SELECT count(*) FROM {WORD_BITS} WHERE flips IS NOT NULL").scalar()
    assert kept() == expected()
    assert model.Session.execute(size).scalar() < grown / 2, grown
    # words in more than 64 of a block's entries as a bitmap, the others as their places
    forms = f"SELECT count(bits), count(spots), max(cardinality(spots)), min(bit_count(bits)) FROM {WORD_BITS}"
    dense, sparse, most_spots, least_bits = model.Session.execute(forms).one()
    assert dense and sparse and most_spots <= searcher.BITS_SPOTS < least_bits
