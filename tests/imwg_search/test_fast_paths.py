"""The fast paths of migration 0010 give the results the paths before them gave:
the bounding-box filter narrowed by the boxes' index, pages read through the
filters' indexes when the matches are few, and hit counts taken in the
facets' pass."""

from __future__ import annotations

import ckan.model as model
import pytest

from ckanext.imwg_search import searcher, sql
from ckanext.imwg_search.backend import PostgresSolrConnection
from ckanext.imwg_search.query import parse_local_params
from ckanext.spatial.search import SolrBBoxSearchBackend

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_search"),
    pytest.mark.postgres_only("compares the PostgreSQL backend's paths"),
]

#: Entries' extents (minx, miny, maxx, maxy; None: no such corner): inside,
#: across, on and outside the searched boxes' edges, on the world's edges,
#: points, lines, inverted, half-given and world-sized extents.
EXTENTS = {
    "kachin": (96, 24, 98, 26),
    "shan": (97.5, 19, 101, 24),
    "touching-east": (98, 25, 99, 26),
    "touching-corner": (99, 27, 100, 28),
    "point": (97, 25, 97, 25),
    "line": (96.5, 20, 96.5, 30),
    "inverted": (98, 26, 96, 24),
    "no-box": (None, None, None, None),
    "half": (None, None, 5, 5),
    "origin-square": (-1, -1, 1, 1),
    "world": (-180, -90, 180, 90),
    "east-edge": (175, -20, 180, -10),
    "west-edge": (-180, -20, -175, -10),
    "pole": (-10, 85, 10, 90),
    "tiny": (97.0000001, 25.0000001, 97.0000002, 25.0000002),
    # beyond what the index's areas may reach (indexed clamped)
    "far-east": (0.5, 0.5, 1.7e308, 1),
    "far-south": (1, -1e300, 1.5, 0.5),
}
#: Searched boxes (west, south, east, north), as ckanext-spatial shifts them
#: (a west beyond 180 is moved by 360 degrees, with its east).
BOXES = [
    (97, 25, 99, 27),
    (98, 26, 99, 27),
    (99, 27, 100, 28),
    (96.5, 10, 96.5, 40),
    (97, 25, 97, 25),
    (0, 0, 2, 2),
    (-1, -1, 0, 0),
    (-180, -90, 180, 90),
    (170, -30, 190, 0),
    (-190, -30, -170, 0),
    (179.99, -15, 180, -14),
    (-5, 80, 5, 90),
    (97.00000015, 25.00000015, 98, 26),
    (10, 10, 11, 11),
]


def connection():
    return PostgresSolrConnection(model.Session)


def index_extents():
    docs = []
    for i, (name, corners) in enumerate(EXTENTS.items()):
        doc = {"index_id": f"ix-{i}", "id": f"id-{i}", "site_id": "test", "name": name}
        doc.update({k: v for k, v in zip(("minx", "miny", "maxx", "maxy"), corners, strict=True) if v is not None})
        doc["metadata_modified"] = f"2024-01-{i + 1:02d}T00:00:00Z"
        docs.append(doc)
    connection().add(docs)


def bbox_search(box):
    """What ckanext-spatial's bbox search asks of the backend for ``box``."""
    params = SolrBBoxSearchBackend().search_params(dict(zip(("minx", "miny", "maxx", "maxy"), box, strict=True)), {})
    result = connection().search(
        q="*:*", fq=params["fq_list"], bf=params["bf"], defType="edismax", rows=100, fl="name,score"
    )
    return result.hits, [(d["name"], d["score"]) for d in result.docs]


def test_bbox_hits_and_order_are_those_of_the_function_alone(monkeypatch):
    """For every box, the hits, their order and their scores are those of
    ckanext-spatial's function evaluated on every entry."""
    index_extents()
    fast = {box: bbox_search(box) for box in BOXES}
    monkeypatch.setattr(sql, "BOX_PREFILTER", False)
    assert {box: bbox_search(box) for box in BOXES} == fast
    # not a vacuous comparison: boxes find different, non-empty sets
    assert len({tuple(hits) for _n, hits in fast.values()}) > 8
    # an overlap of no area (a touching corner, a point, a line) is no hit
    assert {n for n, _s in fast[(97, 25, 99, 27)][1]} == {"kachin", "touching-east", "world", "tiny"}
    assert {n for n, _s in fast[(0, 0, 2, 2)][1]} == {"origin-square", "far-east", "far-south", "half", "world"}


def test_a_wrong_box_would_be_seen(monkeypatch):
    """The comparison above fails for a narrowing box that leaves out entries
    the function admits (here: shrunk by a tenth of a degree)."""
    index_extents()
    right = {box: bbox_search(box) for box in BOXES}

    def shrunk(n):
        box = sql_overlap_box(n)
        return box and (box[0] + 0.1, box[1] + 0.1, box[2] - 0.1, box[3] - 0.1)

    sql_overlap_box = sql.overlap_box
    monkeypatch.setattr(sql, "overlap_box", shrunk)
    assert {box: bbox_search(box) for box in BOXES} != right


def test_the_box_is_read_from_spatials_function_only():
    """The narrowing box is that of ckanext-spatial's function, whatever the
    order of min's and max's arguments; other ranges get none."""
    params = SolrBBoxSearchBackend().search_params({"minx": 96, "miny": 24, "maxx": 98.5, "maxy": 26}, {})
    node = parse_local_params(params["fq_list"][0])
    assert sql.overlap_box(node) == (96, 24, 98.5, 26)
    swapped = params["fq_list"][0].replace("min(98.5,maxx)", "min(maxx,98.5)").replace("max(96,minx)", "max(minx,96)")
    assert swapped != params["fq_list"][0]
    assert sql.overlap_box(parse_local_params(swapped)) == (96, 24, 98.5, 26)
    for other in (
        params["fq_list"][0].replace("incl=false", "incl=true"),  # admits 0: entries outside the box
        params["fq_list"][0].replace("l=0", "l=-1"),
        params["fq_list"][0].replace("min(26,maxy)", "min(26,maxx)"),  # no bound in y
        params["fq_list"][0].replace("max(0,sub(min(98.5", "min(0,sub(min(98.5"),
        "{!frange l=0 u=1}div(mul(maxx,2),add(1,minx))",
    ):
        assert sql.overlap_box(parse_local_params(other)) is None, other


def index_many():
    """60 entries in three organisations, modified in an order that puts
    one organisation's entries last (a walk along the date meets them late)."""
    docs = []
    for i in range(60):
        org = "rare" if i % 20 == 0 else ("north" if i < 40 else "south")
        docs.append(
            {
                "index_id": f"ix-{i:02d}",
                "id": f"id-{i:02d}",
                "site_id": "test",
                "name": f"entry-{i:02d}",
                "title": f"Survey {'water' if i % 3 else 'roads'} {i}",
                "organization": org,
                "owner_org": f"org-id-{org}",
                "tags": [f"tag-{i % 4}", "common"],
                "res_format": ["CSV"] if i % 2 else ["XLSX", "CSV"],
                "metadata_modified": f"2024-{1 + i // 28:02d}-{1 + i % 28:02d}T00:00:00Z",
                "title_string": f"Survey {i % 7} {i}",
            }
        )
    connection().add(docs)


SEARCHES = [
    {"fq": 'organization:"rare"', "sort": "metadata_modified desc"},
    {"fq": 'organization:"rare"', "sort": "metadata_modified desc", "rows": 2, "start": 1},
    {"fq": 'organization:"rare"', "sort": "metadata_modified desc", "rows": 2, "start": 5},
    {"fq": 'organization:"south"', "sort": "title_string asc", "rows": 7, "start": 3},
    {"fq": "tags:common", "sort": "metadata_modified asc", "rows": 5},
    {"q": "water", "fq": 'organization:"north"', "rows": 4, "start": 2},
    {"q": "water", "fq": 'organization:"nowhere"'},
    {"fq": 'organization:"north"', "rows": 0},
    {"fq": "tags:tag-1", "facet": "true", "facet.field": ["tags", "res_format", "organization"], "rows": 3},
    {"q": "roads", "facet": "true", "facet.field": ["organization"], "facet.mincount": 1, "rows": 3},
    {"fq": 'organization:"nowhere"', "facet": "true", "facet.field": ["tags"], "facet.mincount": 1},
    {"fq": 'organization:"rare"', "facet": "true", "facet.field": ["name"], "rows": 1},
]


def run(params):
    result = connection().search(**{"q": "*:*", "fl": "name,score", "rows": 10, **params})
    return result.hits, [(d["name"], d["score"]) for d in result.docs], result.facets


@pytest.mark.parametrize("kept_counts", [True, False])
def test_pages_read_by_their_matches_are_those_of_a_walk(monkeypatch, ckan_config, kept_counts):
    """A page read through the filters' indexes and sorted (few matches), and
    a hit count taken in the facets' pass, are what walking the sort key and
    counting apart gave."""
    monkeypatch.setitem(ckan_config, "ckanext.imwg_search.kept_counts", kept_counts)
    index_many()
    monkeypatch.setattr(searcher, "FENCE_FACTOR", 10**6)  # every page read by its matches
    fenced = [run(p) for p in SEARCHES]
    monkeypatch.setattr(searcher, "FENCE_FACTOR", 0)  # every page walked, as before
    walked = [run(p) for p in SEARCHES]
    assert fenced == walked
    assert [hits for hits, _d, _f in walked] == [3, 3, 3, 19, 60, 25, 0, 38, 15, 20, 0, 3]
    assert walked[0][1][0][0] == "entry-40" and walked[2][1] == []
    # the count of the facets' pass is the count of a search without facets
    for params, (hits, docs, _f) in zip(SEARCHES, walked, strict=True):
        plain = {k: v for k, v in params.items() if not k.startswith("facet")}
        assert run(plain)[:2] == (hits, docs), params


WORDS = ["mine", "survey", "water", "clearance", "school"]


def index_word_sets():
    """An entry for each set of WORDS (in its notes)."""
    docs = []
    for mask in range(2 ** len(WORDS)):
        words = [w for i, w in enumerate(WORDS) if mask >> i & 1]
        docs.append(
            {"index_id": f"w-{mask:02d}", "id": f"w-{mask:02d}", "site_id": "test", "name": f"w-{mask:02d}"}
            | {"title": "Entry", "notes": " ".join(words)}
        )
    connection().add(docs)


@pytest.mark.parametrize(
    ("q", "mm", "need"),
    [
        ("mine survey water", "2<-1 5<80%", 2),
        ("mine survey", "2<-1 5<80%", 2),
        ("mine survey water clearance school", "2<-1 5<80%", 4),
        ("mine survey water clearance", "3", 3),
        ("mine survey water clearance school", "60%", 3),
        ("mine survey water", "1", 1),
    ],
)
def test_minimum_should_match_as_one_text_query(monkeypatch, q, mm, need):
    """Dismax's "at least k of n words" answered by the text index (the
    matches of any k words at once) finds the entries with k of the words,
    as counting the words that match does."""
    index_word_sets()
    params = {"q": q, "defType": "dismax", "qf": "text", "mm": mm, "fl": "name,score", "rows": 100}
    one_query = connection().search(**params)
    asked = q.split()
    expected = {
        f"w-{mask:02d}"
        for mask in range(2 ** len(WORDS))
        if sum(1 for i, w in enumerate(WORDS) if mask >> i & 1 and w in asked) >= need
    }
    assert {d["name"] for d in one_query.docs} == expected and one_query.hits == len(expected)
    monkeypatch.setattr(sql, "MAX_COMBINATIONS", 0)  # every clause counted
    counted = connection().search(**params)
    assert [(d["name"], d["score"]) for d in counted.docs] == [(d["name"], d["score"]) for d in one_query.docs]


def test_minimum_should_match_over_other_clauses_counts_them():
    """Clauses other than text matches are counted (any one of them first)."""
    index_word_sets()
    params = {"q": "name:w-03 name:w-05 mine", "defType": "edismax", "qf": "text", "mm": "2", "rows": 100}
    found = connection().search(**{**params, "fl": "name"})
    # w-03 and w-05 hold "mine" (bit 0): two clauses each; other "mine" entries only one
    assert sorted(d["name"] for d in found.docs) == ["w-03", "w-05"]


@pytest.fixture
def statements(monkeypatch):
    """The statements the backend runs from here on."""
    seen = []
    execute = PostgresSolrConnection._execute

    def recording(self, sql_text, params):
        seen.append(sql_text)
        return execute(self, sql_text, params)

    monkeypatch.setattr(PostgresSolrConnection, "_execute", recording)
    return seen


def test_the_fence_follows_the_count(monkeypatch, statements):
    """Few matches are read through their indexes, many are walked to: the
    choice is made on the count (run first), so the statements show it."""
    index_many()
    run({"fq": 'organization:"rare" AND tags:common', "sort": "metadata_modified desc"})
    assert any("OFFSET 0) d ORDER BY" in s for s in statements)
    statements.clear()
    monkeypatch.setattr(searcher, "FENCE_FACTOR", 0.01)
    run({"fq": 'organization:"rare" AND tags:common', "sort": "metadata_modified desc"})
    assert not any("OFFSET 0) d ORDER BY" in s for s in statements)
    assert any("ORDER BY" in s for s in statements)


def test_a_walk_in_the_index_alone_is_taken_for_more_matches(monkeypatch, statements):
    """A filter the sort keys' indexes carry (the organisation) is met along
    the key's index from fewer matches on than one read from the table."""
    index_many()
    monkeypatch.setattr(searcher.IndexSearcher, "_entries", lambda self: 60)
    # "north": 38 matches; the fence for a page of 10 is 3 * sqrt(10 * 60) = 73, a fifth of it in the index
    for fq, read in (('organization:"north"', False), ('organization:"north" AND tags:common', True)):
        statements.clear()
        hits, docs, _f = run({"fq": fq, "sort": "metadata_modified desc"})
        assert hits == 38 and len(docs) == 10
        assert any("OFFSET 0) d ORDER BY" in s for s in statements) is read, fq
    statements.clear()
    run({"fq": 'organization:"north"', "sort": "metadata_modified asc"})  # against the index's direction
    assert any("OFFSET 0) d ORDER BY" in s for s in statements)
    walked = run({"fq": 'owner_org:"org-id-north"', "sort": "name asc", "start": 30})
    monkeypatch.setattr(searcher, "FENCE_FACTOR", 10**6)  # read, as a filter of the table would be
    assert run({"fq": 'owner_org:"org-id-north"', "sort": "name asc", "start": 30}) == walked
    assert (
        walked[0] == 38
        and [name for name, _s in walked[1]] == sorted(f"entry-{i:02d}" for i in range(40) if i % 20)[30:]
    )


def test_the_migration_down_and_up_keeps_bbox_results(migrate_db_for):
    """Without the boxes' index (before 0010) the same boxes find the same
    entries; the upgrade builds it over the entries already indexed."""
    index_extents()
    before = {box: bbox_search(box) for box in BOXES}
    index = "SELECT to_regclass('imwg_search_package_box_idx') IS NOT NULL"
    assert model.Session.execute(index).scalar()
    model.Session.remove()  # the downgrade alters the table: no transaction may hold it
    migrate_db_for("imwg_search", "imwg_search_0009", False)
    assert not model.Session.execute(index).scalar()
    assert {box: bbox_search(box) for box in BOXES} == before
    model.Session.remove()
    migrate_db_for("imwg_search")
    assert model.Session.execute(index).scalar()
    assert {box: bbox_search(box) for box in BOXES} == before
    model.Session.execute("SET LOCAL enable_seqscan = off")
    plan = "\n".join(
        r[0]
        for r in model.Session.execute(
            f"EXPLAIN SELECT 1 FROM imwg_search_package d WHERE {sql.BOX_SQL} && box(point(1, 1), point(2, 2))"
        )
    )
    assert "imwg_search_package_box_idx" in plan


def carried(index):
    row = model.Session.execute("SELECT pg_get_indexdef(to_regclass(:i))", {"i": index}).scalar()
    return row.partition(" INCLUDE ")[2]


def test_sort_indexes_carry_the_constant_filters(migrate_db_for):
    """Migration 0011: the organisation in columns of its own, filled from
    the entries; each sort key's index carries ``index_id``, the columns of
    CKAN's constant filters and the organisation's (a sorted walk reads the
    index alone); downgraded (as before it) and upgraded again, the pages are
    the same."""
    index_many()
    searches = [
        {"fq": fq, "sort": sort, "rows": 5, "start": start}
        for fq in ("tags:common", 'organization:"north"', 'owner_org:"org-id-south"')
        for sort in ("metadata_modified desc", "metadata_modified asc", "name asc", "title_string desc")
        for start in (0, 17, 58)
    ]
    after = [run(p) for p in searches]
    assert [h for h, _d, _f in after] == [60] * 12 + [38] * 12 + [19] * 12
    assert all(
        len(docs) == (5 if p["start"] < 58 else 2) for p, (_h, docs, _f) in zip(searches[:12], after[:12], strict=True)
    )
    names = ("modified", "created", "title", "name")
    for name in names:
        assert carried(f"imwg_search_package_{name}_idx") == (
            "(index_id, site_id, state, capacity, dataset_type, labels, owner_org, organization)"
        )
    columns = "SELECT organization, owner_org FROM imwg_search_package WHERE index_id = 'ix-05'"
    assert tuple(model.Session.execute(columns).one()) == ("north", "org-id-north")
    model.Session.remove()  # the downgrade alters the table's indexes: no transaction may hold it
    migrate_db_for("imwg_search", "imwg_search_0010", False)
    assert [carried(f"imwg_search_package_{name}_idx") for name in names] == [""] * 4
    has_column = (
        "SELECT count(*) FROM information_schema.columns "
        "WHERE table_name = 'imwg_search_package' AND column_name IN ('organization', 'owner_org')"
    )
    assert model.Session.execute(has_column).scalar() == 0
    # (the code reads the organisation's columns: only filters of other fields before the upgrade)
    assert [run(p) for p in searches[:12]] == after[:12]
    model.Session.remove()
    migrate_db_for("imwg_search")
    assert carried("imwg_search_package_name_idx").startswith("(index_id")
    assert tuple(model.Session.execute(columns).one()) == ("north", "org-id-north")  # filled from the entries
    assert [run(p) for p in searches] == after
