"""The words' postings of migration 0012: a free-text page read from the
heaviest postings down is the page of ranking every match, and the postings
follow the index's entries through every write."""

from __future__ import annotations

import random
from contextlib import contextmanager

import ckan.model as model
import pytest
import sqlalchemy as sa

from ckanext.imwg_search import searcher
from ckanext.imwg_search.backend import PostgresSolrConnection
from tests.support import ENTRY_WORDS, search_statements, statements_run, worded_entry

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_search"),
    pytest.mark.postgres_only("the PostgreSQL backend's own table"),
]

WORDS = ENTRY_WORDS
#: a posting's weight as the promise states it: the word's own ts_rank_cd, in tenths
EXPECTED = (
    "SELECT u.lexeme, CAST(round(ts_rank_cd(d.fts, CAST(quote_literal(u.lexeme) AS tsquery)) * 10) AS int), "
    "d.index_id FROM imwg_search_package d CROSS JOIN LATERAL unnest(d.fts) AS u"
)


def connection():
    return PostgresSolrConnection(model.Session)


entry = worded_entry


def index(n=240, seed=5):
    rnd = random.Random(seed)
    docs = [entry(i, rnd, private=i % 7 == 0) for i in range(n)]
    connection().add(docs)
    return docs


def postings():
    return set(model.Session.execute("SELECT word, weight, index_id FROM imwg_search_posting"))


def expected_postings():
    return {r for r in model.Session.execute(EXPECTED) if r[1] >= searcher.POSTED_FROM}


SEARCHES = [
    {"q": "water"},
    {"q": "water", "rows": 7, "start": 3},
    {"q": "water", "rows": 5, "start": 40},
    {"q": "camp", "fq": 'organization:"north"', "rows": 6},
    {"q": "camp", "fq": "+permission_labels:public", "rows": 4, "start": 2},
    {"q": "mine road", "mm": "1"},
    {"q": "mine road", "mm": "1", "rows": 3, "start": 9},
    {"q": "health flood market", "mm": "1", "rows": 8},
    {"q": "school market", "mm": "2<-1 5<80%", "rows": 5},
    {"q": "health", "sort": "score desc, name asc", "rows": 9},
    {"q": "flood", "sort": "score desc, metadata_modified asc", "rows": 4, "start": 1},
]


def run(params):
    base = {"defType": "dismax", "qf": "text", "fl": "name,score", "rows": 10}
    base.update({"sort": "score desc, metadata_modified desc"} if "sort" not in params else {})
    result = connection().search(**{**base, **params})
    return result.hits, [(d["name"], d["score"]) for d in result.docs]


@pytest.fixture
def settled(monkeypatch):
    """The searches whose page the postings settled (small rounds, so a
    corpus of a few hundred entries needs several)."""
    monkeypatch.setattr(searcher, "POSTINGS_FIRST", 4)
    monkeypatch.setattr(searcher, "POSTINGS_SHARE", 1.0)
    done = []
    top = searcher.IndexSearcher._top_by_weight

    def recording(self, words, *args):
        page = top(self, words, *args)
        done.append(page is not None)
        return page

    monkeypatch.setattr(searcher.IndexSearcher, "_top_by_weight", recording)
    return done


def rank_every_match(monkeypatch):
    """From here on every match is ranked: neither the postings' rounds nor
    their bounds choose the entries scored."""
    monkeypatch.setattr(searcher, "POSTINGS_ROUNDS", 0)
    monkeypatch.setattr(searcher.IndexSearcher, "_rank_by_postings", lambda self, *args: None)


@pytest.mark.parametrize("refine", [0, 10**9])
@pytest.mark.parametrize("seed", [5, 6, 7])
def test_pages_from_the_postings_are_those_of_ranking_every_match(monkeypatch, settled, seed, refine):
    """Same hits, same entries in the same order with the same scores,
    whether the page comes from the postings or from ranking every match;
    most pages do come from the postings. The entries a round leaves are
    bounded again from all their postings (``refine`` 0) or not."""
    monkeypatch.setattr(searcher, "REFINE_SHARE", refine)
    index(seed=seed)
    from_postings = [run(p) for p in SEARCHES]
    assert len(settled) == len(SEARCHES) and sum(settled) >= len(SEARCHES) // 2, settled
    rank_every_match(monkeypatch)
    ranked = [run(p) for p in SEARCHES]
    assert from_postings == ranked
    assert all(hits and docs for hits, docs in ranked[:2])


@pytest.mark.parametrize("seed", [5, 6, 7])
def test_pages_the_rounds_leave_are_those_of_ranking_every_match(monkeypatch, seed):
    """A page no round settles is ranked over the matches whose weight,
    bounded from their postings, may reach it: same hits, same entries in
    the same order with the same scores as ranking every match, with fewer
    matches scored (each score's evaluation counted by a sequence)."""
    index(seed=seed)
    monkeypatch.setattr(searcher, "POSTINGS_ROUNDS", 0)
    model.Session.execute("CREATE SEQUENCE imwg_test_scored")
    model.Session.commit()
    scored = []
    bounded = searcher.IndexSearcher._rank_by_postings

    def counting(self, words, where, params, score, *rest):
        before = model.Session.execute("SELECT nextval('imwg_test_scored')").scalar()
        with statements_run() as run_:
            page = bounded(
                self, words, where, params, f"({score} + CAST(0 * nextval('imwg_test_scored') AS real))", *rest
            )
        used = model.Session.execute("SELECT nextval('imwg_test_scored')").scalar() - before - 1
        scored.append((any(s.startswith("WITH m AS MATERIALIZED") for s in run_), used))
        return page

    monkeypatch.setattr(searcher.IndexSearcher, "_rank_by_postings", counting)
    try:
        from_bounds = [run(p) for p in SEARCHES]
    finally:
        model.Session.rollback()
        model.Session.execute("DROP SEQUENCE imwg_test_scored")
        model.Session.commit()
    assert [bounds for bounds, _used in scored] == [True] * len(SEARCHES)
    hits = [h for h, _docs in from_bounds]
    assert all(used <= h for (_b, used), h in zip(scored, hits, strict=True))
    assert sum(used for _b, used in scored) < sum(hits) / 2, (scored, hits)
    rank_every_match(monkeypatch)
    assert from_bounds == [run(p) for p in SEARCHES]


def doc(key, date, **fields):
    return {
        "index_id": key,
        "id": key,
        "site_id": "test",
        "name": key,
        "metadata_modified": f"{date}T00:00:00Z",
    } | fields


def test_a_page_inside_a_tie_reads_the_whole_tie(settled):
    """Postings weighing what the last one read weighs are read with it: a
    page inside 30 entries of one score is theirs in date order."""
    docs = [doc(f"t-{i:02d}", f"2024-01-{1 + (i * 7) % 28:02d}", title="camp") for i in range(30)]
    docs += [doc(f"u-{i:02d}", "2023-01-01", notes="camp", extras_source="camp") for i in range(40)]  # 3
    docs += [doc(f"v-{i:02d}", "2023-01-01", notes="camp") for i in range(60)]  # 2: not posted
    connection().add(docs)
    hits, page = run({"q": "camp", "rows": 5, "start": 20})
    titled = sorted(range(30), key=lambda i: (-((i * 7) % 28), f"t-{i:02d}"))
    assert [name for name, _s in page] == [f"t-{i:02d}" for i in titled[20:25]]
    assert hits == 130 and settled == [True]


def test_a_score_an_entry_not_read_could_reach_is_read_before_the_page_is_settled(settled):
    """Two words whose first four postings weigh 0.5: an entry not read then
    weighs at most 0.4 in each, 0.8 in all, the score of the entries read;
    the newest such entry (read by neither word) comes first. The page is
    not taken from the first round: the second reads down to 0.4 in each word
    and finds it."""
    docs = [
        doc(f"a-{i}", f"2024-01-0{i + 1}", tags=["camp"], notes="road", extras_source="camp road") for i in range(4)
    ]
    docs += [
        doc(f"b-{i}", f"2024-02-0{i + 1}", tags=["road"], notes="camp", extras_source="camp road") for i in range(4)
    ]
    docs.append(doc("unread", "2024-06-01", tags=["camp", "road"]))
    docs += [doc(f"f-{i:02d}", "2023-01-01", notes="camp") for i in range(20)]
    connection().add(docs)
    hits, page = run({"q": "camp road", "mm": "1", "rows": 2})
    assert hits == 29 and page == [("unread", pytest.approx(0.8)), ("b-3", pytest.approx(0.8))]
    assert settled == [True]


@contextmanager
def rounds_scored(monkeypatch):
    """The number of scores the postings' rounds evaluate in the block (a
    sequence in the score expression), in the list yielded."""
    model.Session.execute("CREATE SEQUENCE imwg_test_scored")
    model.Session.commit()
    top = searcher.IndexSearcher._top_by_weight

    def counting(self, words, where, params, score, *rest):
        return top(self, words, where, params, f"({score} + CAST(0 * nextval('imwg_test_scored') AS real))", *rest)

    monkeypatch.setattr(searcher.IndexSearcher, "_top_by_weight", counting)
    scored = []
    try:
        yield scored
        scored.append(model.Session.execute("SELECT nextval('imwg_test_scored')").scalar() - 1)
    finally:
        model.Session.rollback()
        model.Session.execute("DROP SEQUENCE imwg_test_scored")
        model.Session.commit()
        monkeypatch.setattr(searcher.IndexSearcher, "_top_by_weight", top)


def test_a_round_scores_only_the_entries_read_that_may_reach_the_page(monkeypatch, settled):
    """Entries read in one word only weigh at most a tenth less than the
    other word's last posting read there: 1.0 + 0.9 is below the 2.0 of the
    five entries titled with both words, so of the 105 entries the round
    reads only those five are scored, and the page is that of ranking every
    match."""
    monkeypatch.setattr(searcher, "POSTINGS_SHARE", 2.0)  # the round's 110 postings, beyond 105 matches
    docs = [doc(f"a-{i}", f"2024-01-0{i + 1}", title="camp road") for i in range(5)]
    docs += [doc(f"c-{i:02d}", f"2024-02-{1 + i % 28:02d}", title="camp") for i in range(50)]
    docs += [doc(f"r-{i:02d}", f"2024-03-{1 + i % 28:02d}", title="road") for i in range(50)]
    connection().add(docs)
    with rounds_scored(monkeypatch) as scored:
        found = run({"q": "camp road", "mm": "1", "rows": 3})
    assert found[0] == 105 and [name for name, _s in found[1]] == ["a-4", "a-3", "a-2"]
    assert settled == [True] and scored == [5]
    rank_every_match(monkeypatch)
    assert run({"q": "camp road", "mm": "1", "rows": 3}) == found


@pytest.mark.parametrize("refine", [0, 10**9])
def test_the_entries_a_round_leaves_are_bounded_again_from_all_their_postings(monkeypatch, settled, refine):
    """ "camp" is read whole (two postings) and "road" down to 1.0: an entry
    read in "camp" at 0.4 may weigh up to 0.4 + 0.9 in the words read, as
    much as the page's 1.3 ("road" 1.0, "camp" 0.3), so it is kept by the
    first bound; all its postings bound it at 0.4 + 0.2 ("road" in its notes,
    not posted), so bounded again (``refine`` 0) it is not scored."""
    monkeypatch.setattr(searcher, "REFINE_SHARE", refine)
    monkeypatch.setattr(searcher, "POSTINGS_SHARE", 2.0)  # 4 postings a word, 2 words: beyond the 5 matches
    docs = [doc("u", "2024-01-09", title="road", notes="camp", extras_source="camp")]
    docs.append(doc("k", "2024-01-08", tags=["camp"], notes="road"))
    docs += [doc(f"r-{i}", f"2024-01-0{i + 1}", title="road") for i in range(3)]
    connection().add(docs)
    with rounds_scored(monkeypatch) as scored:
        found = run({"q": "camp road", "mm": "1", "rows": 1})
    assert settled == [True] and found == (5, [("u", pytest.approx(1.3))])
    assert scored == [1 if refine == 0 else 2]
    rank_every_match(monkeypatch)
    assert run({"q": "camp road", "mm": "1", "rows": 1}) == found


@pytest.mark.parametrize("refine", [0, 10**9])
def test_an_entry_a_round_read_in_one_word_is_bounded_with_the_word_it_has_no_posting_of(monkeypatch, settled, refine):
    """An entry read in "camp" (1.0) whose "road" is in its notes only (0.2,
    not posted) scores 1.2, above the 1.1 of the entry read first: bounded
    again from all its postings (``refine`` 0) or not, it is scored, and the
    page is settled in the first round."""
    monkeypatch.setattr(searcher, "REFINE_SHARE", refine)
    monkeypatch.setattr(searcher, "POSTINGS_SHARE", 2.0)  # 4 postings a word, 2 words: beyond the 5 matches
    docs = [doc("d", "2024-01-09", title="camp", extras_source="camp")]
    docs.append(doc("a", "2024-01-01", title="camp", notes="road"))
    docs += [doc(f"b-{i}", f"2024-01-0{i + 2}", title="road") for i in range(3)]
    connection().add(docs)
    found = run({"q": "camp road", "mm": "1", "rows": 1})
    assert settled == [True] and found == (5, [("a", pytest.approx(1.2))])
    rank_every_match(monkeypatch)
    assert run({"q": "camp road", "mm": "1", "rows": 1}) == found


def test_each_word_is_read_as_far_down_as_the_page_needs(monkeypatch, settled):
    """A common word and a rarer one: the second round reads the rare word
    whole and the common one down to 1.6 only (15 postings, within half of
    the 58 matches), where reading both down to the same weight (0.9) would
    read them all; the page is that of ranking every match."""
    monkeypatch.setattr(searcher, "POSTINGS_SHARE", 0.5)
    chosen = []
    floors = searcher.IndexSearcher._floors

    def recording(self, *args):
        chosen.append(floors(self, *args))
        return chosen[-1]

    monkeypatch.setattr(searcher.IndexSearcher, "_floors", recording)
    docs = [  # 1.0 to 1.6 in "camp"
        doc(f"a-{i:02d}", f"2024-01-{1 + i % 28:02d}", title="camp", extras_source=" ".join(["camp"] * (i % 7)))
        for i in range(50)
    ]
    # 1.4 in "road", 0.4 in "camp"
    docs += [doc(f"b-{i}", f"2024-02-0{i + 1}", title="road", tags=["road", "camp"]) for i in range(8)]
    connection().add(docs)
    params = {"q": "camp road", "mm": "1", "rows": 3}
    found = run(params)
    assert settled == [True] and chosen == [[16, searcher.POSTED_FROM]]
    rank_every_match(monkeypatch)
    assert run(params) == found
    assert found[0] == 58 and found[1] == [(f"b-{i}", pytest.approx(1.8)) for i in (7, 6, 5)]


def test_a_floor_between_two_weights_reads_the_heavier_only():
    """Ten entries weigh 1.0 in "camp" (titles), a hundred 0.4 (tags); "road"
    is not posted (notes, 0.2). For a page ending at 1.1, reading "camp"'s
    1.0 postings lets an entry not read reach 0.4 + 0.2: its floor is 0.5
    (a tenth above the next weight), not 1.0, whose bound (0.9 + 0.2) would
    not be below the page, leaving only the whole word (110 postings, over
    the cap of 50)."""
    docs = [doc(f"t-{i}", "2024-01-01", title="camp", notes="road") for i in range(10)]
    docs += [doc(f"g-{i:03d}", "2024-01-01", tags=["camp"]) for i in range(100)]
    connection().add(docs)
    assert connection()._floors(["camp", "road"], 1.1, 50) == [5, searcher.POSTED_FROM]
    assert connection()._floors(["camp", "road"], 1.1, 9) is None


def test_a_page_the_postings_cannot_settle_is_bounded_with_the_unposted_words(monkeypatch, settled):
    """Words weighing little everywhere (entries weighing 0.2 in each word,
    which is not posted, score as much as the page's last): no round settles
    the page, and the bounds count 0.2 for each word an entry has no posting
    of, so the page is made of entries with no posting at all."""
    docs = [doc(f"n-{i:02d}", f"2024-01-{1 + i % 28:02d}", notes="camp", extras_source="camp road") for i in range(40)]
    docs += [doc(f"m-{i:02d}", f"2024-02-{1 + i % 28:02d}", notes="road") for i in range(40)]
    docs += [doc(f"k-{i}", f"2024-03-0{i + 1}", notes="camp road") for i in range(5)]  # 0.4, nothing posted
    connection().add(docs)
    page = run({"q": "camp road", "mm": "1", "rows": 3})
    assert settled == [False]
    assert page[0] == 85 and [name for name, _s in page[1]] == ["k-4", "k-3", "k-2"]


def test_a_word_posted_for_fewer_matches_than_the_page_scores_every_match(monkeypatch):
    """One word, posted for fewer matches than the page reaches (the others
    hold it in their notes only: two tenths, not posted): the bounds score
    every match, the posted ones first, as ranking every match does."""
    monkeypatch.setattr(searcher, "POSTINGS_ROUNDS", 0)
    docs = [doc(f"t-{i}", f"2024-01-0{i + 1}", title="camp") for i in range(2)]
    docs += [doc(f"n-{i:02d}", f"2024-02-{i + 1:02d}", notes="camp") for i in range(10)]
    docs += [doc(f"o-{i:02d}", "2024-03-01", notes="road") for i in range(5)]
    connection().add(docs)
    with statements_run() as run_:
        found = run({"q": "camp", "rows": 5})
    assert any("UNION ALL SELECT m.index_id FROM m" in s for s in run_)
    assert found[0] == 12 and [name for name, _s in found[1]] == ["t-1", "t-0", "n-09", "n-08", "n-07"]
    rank_every_match(monkeypatch)
    assert run({"q": "camp", "rows": 5}) == found


def test_the_bounds_of_one_word_hash_the_matches_they_walk_the_postings_against(monkeypatch):
    """The matches' ids are a hashed condition of the walk (the postings in
    their index's order, not all joined and sorted); beyond
    ``WALK_ENTRIES`` entries, where they might not be hashed, the matches
    and the postings are joined, with the same page."""
    monkeypatch.setattr(searcher, "POSTINGS_ROUNDS", 0)
    connection().add(
        [doc(f"t-{i:02d}", f"2024-01-{i + 1:02d}", title=" ".join(["camp"] * (1 + i % 4))) for i in range(20)]
    )
    # the plan read below is chosen from the postings' statistics: those of
    # these entries, not of what an earlier test left
    model.Session.execute(sa.text("ANALYZE imwg_search_posting"))
    params = {"q": "camp", "fq": "-name:t-03", "rows": 4}
    with search_statements() as seen:
        found = run(params)
    [(walk, bound)] = [(q, p) for q, p in seen if q.startswith("WITH m AS MATERIALIZED")]
    # the settings the search ran it with (a text match: no sequential scans)
    model.Session.execute(sa.text(f"SET LOCAL work_mem = '{searcher.RANK_WORK_MEM}'"))
    model.Session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(r[0] for r in model.Session.execute(sa.text("EXPLAIN (COSTS OFF) " + walk), bound))
    model.Session.rollback()
    assert plan.count("hashed SubPlan") == 2 and "Index Only Scan using imwg_search_posting_word_idx" in plan, plan
    assert found[0] == 19 and [name for name, _s in found[1]] == ["t-19", "t-15", "t-11", "t-07"]
    monkeypatch.setattr(searcher, "WALK_ENTRIES", -1)  # fewer than any table holds
    with statements_run() as run_:
        assert run(params) == found
    assert any("GROUP BY m.index_id" in s for s in run_)


def test_a_page_the_filters_thin_out_reads_more_postings(monkeypatch, settled):
    """When the search's filters admit few of the entries read, the next round
    reads enough more to fill the page, with the page of ranking every match."""
    docs = [
        doc(f"h-{i:02d}", f"2024-01-{1 + i % 28:02d}", title="camp", extras_source=" ".join(["camp"] * (i % 7)))
        | {"organization": "rare" if i % 10 == 0 else "common"}
        for i in range(100)
    ]
    docs += [doc(f"w-{i:03d}", "2023-01-01", notes="camp") | {"organization": "rare"} for i in range(200)]
    connection().add(docs)
    params = {"q": "camp", "fq": 'organization:"rare"', "rows": 3}
    found = run(params)
    assert settled == [True]
    rank_every_match(monkeypatch)
    assert run(params) == found and found[0] == 210
    assert [name for name, _s in found[1]] == ["h-20", "h-90", "h-40"]


def test_a_tie_holding_most_postings_is_bounded_instead(monkeypatch, settled):
    """A word of one weight in every entry (a country in every title): the
    first round would read all its postings, more than its share of the
    matches, so the page is bounded from the postings instead (every entry
    ties, so every one is scored), the page of ranking every match."""
    monkeypatch.setattr(searcher, "POSTINGS_SHARE", 0.25)
    docs = [doc(f"c-{i:03d}", f"2024-01-{1 + i % 28:02d}", title=f"Myanmar {i}") for i in range(200)]
    connection().add(docs)
    hits, page = run({"q": "myanmar", "rows": 3})
    assert settled == [False]
    assert hits == 200 and [name for name, _s in page] == ["c-027", "c-055", "c-083"]
    rank_every_match(monkeypatch)
    assert run({"q": "myanmar", "rows": 3}) == (hits, page)


@pytest.mark.ckan_config("ckanext.imwg_search.word_bits", False)
def test_a_text_search_matches_permission_labels_on_the_rows_the_text_index_finds():
    """The planner costs a text match as cheap on any row, so it would take
    a label held by few entries through the labels' index and match the text
    on each; in CKAN's filter every user's labels include "public", held by
    nearly every entry, and that plan reads every entry's text vector. After
    a text match the labels are matched on the rows the text index finds:
    no count the search runs reads the labels' index, and the hits are those
    of the labels counted apart. (The entries are counted: without the
    words' bitmaps, as for a text search with any other filter.)"""
    docs = [entry(i, random.Random(i), private=i % 25 != 0) for i in range(400)]
    connection().add(docs)
    model.Session.execute("ANALYZE imwg_search_package")
    with search_statements() as seen:
        hits, _page = run({"q": "water", "fq": '+permission_labels:("public" OR "member-y")', "rows": 3})
    expected = model.Session.execute(
        "SELECT count(*) FROM imwg_search_package WHERE fts @@ 'water' AND labels && ARRAY['public', 'member-y']"
    ).scalar()
    assert hits == expected > 0
    counts = [(q, p) for q, p in seen if q.startswith("SELECT count(*) FROM imwg_search_package")]
    assert counts
    for sql_text, params in counts:
        model.Session.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in model.Session.execute(sa.text("EXPLAIN " + sql_text), params))
        assert "imwg_search_package_text_terms_idx" in plan and "labels_idx" not in plan, plan


def test_postings_follow_every_write():
    """Written with the entries, rewritten when an entry's text changes,
    kept when only other fields change, gone with deleted entries and with a
    truncated index."""
    docs = index(60)
    assert postings() == expected_postings() and postings()
    kept = "SELECT xmin::text, word FROM imwg_search_posting WHERE index_id = 'ix-001' ORDER BY word"
    before = model.Session.execute(kept).fetchall()
    rnd = random.Random(9)
    changed = [entry(i, rnd) for i in range(0, 60, 3)]
    changed[0]["title"] = "Entry market market"
    connection().add(changed + [{**docs[1], "metadata_modified": "2025-01-01T00:00:00Z"}])
    assert postings() == expected_postings()
    assert any(word == "market" and weight >= 20 and key == "ix-000" for word, weight, key in postings())
    # entry 1, indexed again with the same text: its postings were not written again
    assert model.Session.execute(kept).fetchall() == before and before
    connection().delete(id=["ix-002", "ix-005"])
    assert postings() == expected_postings()
    assert not any(r[2] in ("ix-002", "ix-005") for r in postings())
    connection().delete(q="name:entry-010 OR name:entry-011")
    assert postings() == expected_postings() and not any(r[2] in ("ix-010", "ix-011") for r in postings())
    model.Session.execute("TRUNCATE imwg_search_package")
    assert postings() == set()
    model.Session.rollback()


def test_the_migration_down_and_up_keeps_pages(migrate_db_for):
    """Before migration 0012 every match is ranked, with the same pages; the
    upgrade writes the postings of the entries already indexed."""
    index()
    pages = [run(p) for p in SEARCHES]
    model.Session.remove()
    migrate_db_for("imwg_search", "imwg_search_0011", False)
    assert not model.Session.execute("SELECT to_regclass('imwg_search_posting') IS NOT NULL").scalar()
    assert [run(p) for p in SEARCHES] == pages
    model.Session.remove()
    migrate_db_for("imwg_search")
    assert postings() == expected_postings()
    assert [run(p) for p in SEARCHES] == pages
