"""Bounding-box searches ranked from the counts kept per class and box
(migration 0013) give the page, the scores and the hit count that scoring
every entry gives, for whatever classes of entries a search admits: boxes
shared and nested, ties, paging, boxes new to the index, and the migration
down and up."""

from __future__ import annotations

import itertools
import json

import ckan.model as model
import pytest
from ckan.common import config
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_search import config as search_config
from ckanext.imwg_search import sql
from ckanext.imwg_search.backend import PostgresSolrConnection
from ckanext.spatial.search import SolrBBoxSearchBackend
from tests.support import statements_run

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "spatial_metadata spatial_query imwg_search"),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
    pytest.mark.postgres_only("compares the PostgreSQL backend's paths"),
]

#: Places' boxes (minx, miny, maxx, maxy; None: no such corner), each shared
#: by several entries: nested, overlapping, half-given, two that score the
#: same against (0, 0, 1, 1), one beyond what the boxes' index may reach, one
#: given twice (once with negative zeros), a point and none.
PLACES = {
    "country": (92, 9, 101, 28),
    "state": (96, 23, 98.5, 27.5),
    "township": (97, 25, 97.5, 25.6),
    "east": (98, 24, 101, 26),
    "half": (None, None, 98, 26),
    "wide": (0, 0, 2, 1),
    "tall": (0, 0, 1, 2),
    "far": (0.5, 0.5, 1.7e308, 1),
    "unit": (0, 0, 1, 1),
    "signed": (-0.0, -0.0, 1, 1),
    "point": (97, 25, 97, 25),
    "none": (None, None, None, None),
}
#: the boxes the places give (a negative zero is zero: one box; no corner:
#: the box (0, 0, 0, 0), as a function reads it)
NAMED = len({sql.box_term(c) for c in PLACES.values()})
#: Visibility classes: (site, state, capacity, permission labels)
CLASSES = [
    ("test", "active", "public", ["public"]),
    ("test", "active", "private", ["member-a"]),
    ("test", "draft", "public", ["creator-u"]),
    ("other", "active", "public", ["public"]),
]
#: CKAN's constant filters of several users, and filters of the box alone
FILTERS = {
    "anonymous": ["+site_id:test", "+state:active", "+capacity:public", "+permission_labels:(public)"],
    "member": ["+site_id:test +state:active", "+permission_labels:(public OR member-a)"],
    "drafts": ["+site_id:test", "+permission_labels:(public OR creator-u)"],
    "none": [],
}
BOXES = [(97, 25, 99, 27), (96, 23, 98.5, 27.5), (0, 0, 1, 1), (90, 0, 100, 30), (10, 10, 11, 11), (-180, -90, 180, 90)]
PAGES = [(0, 100), (0, 1), (0, 3), (2, 3), (7, 5), (39, 2), (200, 5)]


def connection():
    return PostgresSolrConnection(model.Session)


def index_places(count=4 * len(PLACES)):
    """``count`` entries, each place's in every class (up to four times the places)."""
    docs = []
    places = list(PLACES)
    for i in range(count):
        place = places[i % len(places)]
        site, state, capacity, labels = CLASSES[i // len(places) % len(CLASSES)]
        doc = {"index_id": f"ix-{i}", "id": f"id-{i}", "site_id": site, "name": f"e{i}-{place}"}
        doc.update({"state": state, "capacity": capacity, "permission_labels": labels})
        corners = dict(zip(("minx", "miny", "maxx", "maxy"), PLACES[place], strict=True))
        doc.update({k: v for k, v in corners.items() if v is not None})
        doc["metadata_modified"] = f"2024-01-{i % 7 + 1:02d}T00:00:00Z"  # ties broken by index_id
        docs.append(doc)
    connection().add(docs)


def spatial(box):
    """ckanext-spatial's filters and boost for ``box``."""
    params = SolrBBoxSearchBackend().search_params(dict(zip(("minx", "miny", "maxx", "maxy"), box, strict=True)), {})
    return params["fq_list"], params["bf"]


def bbox_search(box, fq, start=0, rows=100, kept=True):
    """ckanext-spatial's bbox search with the filters ``fq``: the hit count,
    the page (name, score), and whether it was ranked from the counts per box."""
    fq_list, bf = spatial(box)
    result, by_box, _statements = search([*fq, *fq_list], start, rows, kept, bf=bf)
    return result, by_box


def search(fq, start=0, rows=100, kept=True, **extra):
    """A search of every entry with the filters ``fq`` (and ``extra``; sorted
    by score then date unless told): the hit count, the page (name, score)
    and, with ``facet.field``, the facets; whether it read the counts; its
    statements."""
    extra.setdefault("sort", "score desc, metadata_modified desc")
    config[search_config.FACET_COUNTS] = kept
    try:
        with statements_run() as statements:
            result = connection().search(
                q="*:*", fq=fq, defType="edismax", start=start, rows=rows, fl="name,score", **extra
            )
    finally:
        config[search_config.FACET_COUNTS] = True
    by_box = any("FROM imwg_search_facet_count" in s for s in statements)
    found = (result.hits, [(d["name"], d["score"]) for d in result.docs])
    if "facet.field" in extra:
        found += (result.facets,)
    return found, by_box, statements


def assert_same_as_scoring_every_entry(boxes=BOXES, pages=PAGES):
    for (name, fq), box, (start, rows) in itertools.product(FILTERS.items(), boxes, pages):
        fast, by_box = bbox_search(box, fq, start, rows)
        every, by_box_off = bbox_search(box, fq, start, rows, kept=False)
        assert by_box and not by_box_off, (name, box)
        assert fast == every, (name, box, start, rows)


def test_pages_and_counts_are_those_of_scoring_every_entry():
    index_places()
    assert_same_as_scoring_every_entry()
    # not vacuous: the filters and boxes give different, non-empty results
    results = {(n, box): bbox_search(box, fq)[0] for n, fq in FILTERS.items() for box in BOXES}
    assert len({r for r in map(repr, results.values())}) > 12
    hits, page = results[("none", (0, 0, 1, 1))]
    # the two places that score the same tie, ordered by date then entry
    assert {n.split("-")[1] for n, _s in page} == {"wide", "tall", "far", "half", "unit", "signed"}
    assert hits == len(page) == len({n for n, _s in page})
    assert len({s for n, s in page if n.endswith(("-wide", "-tall"))}) == 1


def test_other_filters_count_their_entries():
    """A filter that reads more than a class and the boxes (a name) ranks
    every match, with the same result as without the counts."""
    index_places()
    fq = [*FILTERS["anonymous"], "name:e1*"]
    fast, by_box = bbox_search((90, 0, 100, 30), fq)
    assert not by_box and fast == bbox_search((90, 0, 100, 30), fq, kept=False)[0] and fast[0] > 0


def test_other_orders_functions_and_facets_give_the_same_results():
    """Sorts after the score other than the date, a range and a boost of the
    corners that admit boxes of no area and entries without corners, and
    facets (counted over the entries) give what scoring every entry gives; a
    sort that names the score again ranks every entry. A facet on the boxes'
    own field counts nothing, as on Solr (no document has it)."""
    index_places()
    fq_list, bf = spatial((90, 0, 100, 30))
    facets = {"facet": "true", "facet.field": ["site_id", "state", sql.BOX_FIELD]}
    cases = [  # (parameters, filters, ranked per box)
        ({"sort": "score desc, name asc", "bf": bf}, fq_list, True),
        ({"sort": "score desc, metadata_modified desc", "bf": "add(minx,maxy)"}, ["{!frange l=-1 u=1}minx"], True),
        (
            {"sort": "score desc, name desc", "bf": "sub(maxy,miny)"},
            ["{!frange l=0 u=0}maxx", *FILTERS["member"]],
            True,
        ),
        ({"bf": bf, **facets}, [*fq_list, *FILTERS["drafts"]], True),
        ({"sort": "score desc, score asc, index_id desc", "bf": bf}, fq_list, False),
    ]
    for extra, fq, per_box in cases:
        for start, rows in [(0, 100), (0, 2), (3, 4)]:
            fast, by_box, _s = search(fq, start, rows, **extra)
            every, by_box_off, _s = search(fq, start, rows, kept=False, **extra)
            assert by_box == per_box and not by_box_off and fast == every and fast[0] > 0, (extra, fq, start)
    found = search(cases[3][1], **cases[3][0])[0][2]["facet_fields"]
    assert found[sql.BOX_FIELD] == [] and found["state"]


def test_the_box_term_is_the_same_written_and_in_sql():
    """The writer's box term (``sql.box_term``) is the SQL function's, and
    every entry's facet hashes carry it, for half-given, negative-zero, tiny,
    huge and missing corners (the box (0, 0, 0, 0), as a function reads them)."""
    corners = [(None, None, 5, 5), (-0.0, 0.0, 1e-300, 1.7e308), (0.1, -0.2, 0.30000000000000004, -97), [None] * 4]
    for c in corners:
        in_sql = model.Session.execute(
            "SELECT imwg_search_box_term(CAST(:a AS float8), CAST(:b AS float8), CAST(:c AS float8), CAST(:d AS float8))",
            dict(zip("abcd", c, strict=True)),
        ).scalar()
        assert in_sql == sql.box_term(c) and in_sql.startswith(sql.BOX_FIELD + sql.SEP)
        assert sql.box_corners(in_sql.partition(sql.SEP)[2]) == tuple(0.0 if v is None else v for v in c)
    index_places(len(PLACES))
    model.Session.remove()
    carried = model.Session.execute(
        f"SELECT count(*) FILTER (WHERE d.fids @> ARRAY[{sql.facet_hash('t')}]), count(*) FROM imwg_search_package d, "
        "imwg_search_box_term(d.num_minx, d.num_miny, d.num_maxx, d.num_maxy) AS t"
    ).one()
    assert tuple(carried) == (len(PLACES), len(PLACES))


def test_boxes_new_to_the_index_are_named_by_the_first_search():
    """Boxes whose names are not stored (written by dataset commits) are
    named from the entries of the classes a search admits, by the first search
    that meets them: those its box leaves out (a point) too, so that no later
    search names them again."""
    index_places()
    stored = "SELECT count(*) FROM imwg_search_facet_value WHERE field = :f"
    assert model.Session.execute(stored, {"f": sql.BOX_FIELD}).scalar() == NAMED == len(PLACES) - 1
    before = {box: bbox_search(box, FILTERS["member"], 0, 5)[0] for box in BOXES}
    model.Session.execute("DELETE FROM imwg_search_facet_value WHERE field = :f", {"f": sql.BOX_FIELD})
    model.Session.commit()
    naming = lambda statements: [s for s in statements if "imwg_search_box_term(d." in s]  # noqa: E731
    fq_list, bf = spatial((-50, -50, -40, -40))  # no box overlaps it
    first = search([*FILTERS["member"], *fq_list], bf=bf)
    assert first[0][0] == 0 and naming(first[2])
    model.Session.remove()
    # every place has entries in the member's classes
    assert model.Session.execute(stored, {"f": sql.BOX_FIELD}).scalar() == NAMED
    again = {}
    for box in BOXES:
        fq_list, bf = spatial(box)
        again[box], _by_box, statements = search([*FILTERS["member"], *fq_list], 0, 5, bf=bf)
        assert not naming(statements)
    assert again == before


def test_the_migration_gives_entries_their_boxes_and_takes_them_back(migrate_db_for):
    index_places()
    before = {box: bbox_search(box, FILTERS["anonymous"], 0, 4)[0] for box in BOXES}
    model.Session.remove()
    migrate_db_for("imwg_search", "imwg_search_0012", False)
    code = f"SELECT count(*) FROM imwg_search_package WHERE EXISTS (SELECT 1 FROM unnest(fids) h WHERE (h >> 48) = {sql.facet_field_code(':f')})"
    assert model.Session.execute(code, {"f": sql.BOX_FIELD}).scalar() == 0
    after_down = {box: bbox_search(box, FILTERS["anonymous"], 0, 4) for box in BOXES}
    assert {box: r for box, (r, _b) in after_down.items()} == before
    assert not any(b for _r, b in after_down.values())
    model.Session.remove()
    migrate_db_for("imwg_search")
    assert model.Session.execute(code, {"f": sql.BOX_FIELD}).scalar() == 4 * len(PLACES)
    assert_same_as_scoring_every_entry(pages=[(0, 3), (5, 4)])


def test_users_see_in_ext_bbox_what_scoring_every_dataset_shows():
    """Through ``package_search``: private datasets of an organisation and
    drafts are ranked from the counts for the users allowed to see them only."""
    member = factories.User(name="member-a")
    org = factories.Organization(name="org-a", users=[{"name": "member-a", "capacity": "member"}])
    sysadmin = factories.Sysadmin()
    for i, (place, private) in enumerate(zip(itertools.cycle(["state", "township", "east"]), [False, True] * 6)):
        geo = {"type": "Polygon", "coordinates": [[[x, y] for x, y in ring(PLACES[place])]]}
        factories.Dataset(
            name=f"d{i}-{place}",
            owner_org=org["id"],
            private=private,
            notes="",
            extras=[{"key": "spatial", "value": json.dumps(geo)}],
        )
    for user in ["", member["name"], sysadmin["name"]]:
        for box, (start, rows) in itertools.product(["97,25,99,27", "96,23,98.5,27.5"], [(0, 20), (0, 2), (3, 4)]):
            params = {"extras": {"ext_bbox": box}, "include_private": True, "start": start, "rows": rows}
            context = {"user": user, "ignore_auth": False}
            config[search_config.FACET_COUNTS] = False
            try:
                every = call_action("package_search", context=dict(context), **params)
            finally:
                config[search_config.FACET_COUNTS] = True
            with statements_run() as statements:
                fast = call_action("package_search", context=dict(context), **params)
            assert any("FROM imwg_search_facet_count" in s for s in statements)
            assert fast["count"] == every["count"] > 0, (user, box)
            assert [d["name"] for d in fast["results"]] == [d["name"] for d in every["results"]], (user, box)
    counts = {
        u: call_action("package_search", context={"user": u, "ignore_auth": False}, include_private=True)["count"]
        for u in ["", "member-a"]
    }
    assert counts == {"": 6, "member-a": 12}


def ring(box):
    minx, miny, maxx, maxy = box
    return [(minx, miny), (maxx, miny), (maxx, maxy), (minx, maxy), (minx, miny)]
