"""Counts kept per visibility class give every user the results that counting
the entries gives: hit counts, facets and pages, through creates, updates,
deletions, moves between organisations, sensitivity changes and rebuilds."""

from __future__ import annotations

import json

import ckan.lib.search as search
import ckan.model as model
import pytest
from ckan.common import config
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_search import config as search_config
from ckanext.imwg_search.backend import PostgresSolrConnection

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_pcode imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
FACETS = ["organization", "groups", "tags", "res_format", "license_id", "vocab_sectors"]
USERS = ["", "member-a", "member-b", "outsider", "the-sysadmin"]
#: the landing page and its variants: none has a query or a filter of its own
LANDING = [
    {"q": "", "sort": "score desc, metadata_modified desc"},
    {"q": "*:*", "include_private": True, "rows": 3, "start": 2},
    {"include_private": True, "include_drafts": True, "sort": "name asc"},
    {"include_private": True, "facet.mincount": 0},
]


def dataset(name, org, sensitivity="public", **fields):
    data = {
        "type": "dataset",
        "name": name,
        "title": name.replace("-", " ").title(),
        "owner_org": org,
        "source": "National authority",
        "sectors": ["protection"],
        "sensitivity": sensitivity,
        "maintainer": "Data Officer",
        "maintainer_email": "officer@example.org",
        "resources": [{"url": f"https://example.org/{name}.csv", "name": name, "format": "CSV"}],
        **fields,
    }
    return call_action("package_create", context={"user": "the-sysadmin"}, **data)


def patch(name, **fields):
    return call_action("package_patch", context={"user": "the-sysadmin"}, id=name, **fields)


@pytest.fixture
def portal():
    factories.Sysadmin(name="the-sysadmin")
    for name in ("member-a", "member-b", "outsider"):
        factories.User(name=name)
    a = factories.Organization(name="org-a", org_type="government", users=[{"name": "member-a", "capacity": "editor"}])
    b = factories.Organization(name="org-b", org_type="ingo", users=[{"name": "member-b", "capacity": "member"}])
    dataset("roads", a["id"], tags=[{"name": "roads"}, {"name": "access"}], license_id="cc-by")
    dataset("schools", a["id"], private=True, tags=[{"name": "education"}], sectors=["education", "protection"])
    dataset("clinics", b["id"], sensitivity="restricted", tags=[{"name": "health"}])
    dataset("hazards", b["id"], sensitivity="confidential", private=True, tags=[{"name": "access"}])
    dataset(
        "markets",
        b["id"],
        tags=[{"name": "cash"}],
        resources=[
            {"url": "https://example.org/m.xlsx", "name": "Prices", "format": "XLSX"},
            {"url": "https://example.org/m.csv", "name": "Prices", "format": "CSV"},
        ],
    )
    return {"a": a, "b": b}


def ask(user, params, kept):
    """``package_search`` as ``user``, reading the kept counts or counting the
    entries; also whether the kept counts were read."""
    statements = []
    original = PostgresSolrConnection._execute

    def spy(self, sql, values):
        statements.append(sql)
        return original(self, sql, values)

    config[search_config.FACET_COUNTS] = kept
    PostgresSolrConnection._execute = spy
    try:
        result = call_action(
            "package_search",
            context={"user": user, "ignore_auth": False},
            **{"facet.field": json.dumps(FACETS), "facet.limit": -1, **params},
        )
    finally:
        PostgresSolrConnection._execute = original
        config[search_config.FACET_COUNTS] = True
    model.Session.commit()
    read_kept = any("FROM imwg_search_facet_count" in s for s in statements)
    page = [r["name"] for r in result["results"]]
    return {"count": result["count"], "facets": result["facets"], "page": page}, read_kept


def recount():
    """The kept counts, and the same counted again from the entries."""
    model.Session.remove()
    kept = model.Session.execute(
        "SELECT site_id, state, capacity, dataset_type, labels, hash, sum(n) FROM imwg_search_facet_count "
        "GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0"
    ).fetchall()
    counted = model.Session.execute(
        "SELECT site_id, state, capacity, dataset_type, labels, h, count(*) "
        "FROM imwg_search_package CROSS JOIN LATERAL unnest(fids) AS h GROUP BY 1, 2, 3, 4, 5, 6 "
        "UNION ALL SELECT site_id, state, capacity, dataset_type, labels, NULL, count(*) "
        "FROM imwg_search_package GROUP BY 1, 2, 3, 4, 5"
    ).fetchall()
    model.Session.remove()
    key = lambda r: tuple(str(x) for x in r)  # noqa: E731
    return sorted(map(key, kept)), sorted(map(key, counted))


def assert_same_for_everyone(params_list=LANDING):
    kept, counted = recount()
    assert kept == counted
    for user in USERS:
        for params in params_list:
            fast, read_kept = ask(user, params, True)
            live, read_live = ask(user, params, False)
            assert read_kept and not read_live, (user, params)
            assert fast == live, (user, params)


def test_the_landing_page_reads_kept_counts_with_the_same_results(portal):
    """Anonymous, members of each organisation, an outsider and a sysadmin:
    the same counts, facets and pages from the kept counts as from the entries."""
    assert_same_for_everyone()
    anonymous, _ = ask("", {}, True)
    member, _ = ask("member-a", {"include_private": True}, True)
    assert "schools" not in anonymous["page"] and "schools" in member["page"]
    assert member["count"] > anonymous["count"]
    assert member["facets"]["tags"].get("education") == 1 and "education" not in anonymous["facets"]["tags"]
    assert anonymous["facets"]["res_format"]["CSV"] == member["facets"]["res_format"]["CSV"] - 1


def test_searches_with_their_own_query_or_filters_count_entries(portal):
    """A query or a filter on anything but the class columns counts entries."""
    for params in ({"q": "roads"}, {"fq": 'tags:"access"'}, {"fq": "organization:org-a"}):
        result, read_kept = ask("member-a", {"include_private": True, **params}, True)
        assert not read_kept
        assert result == ask("member-a", {"include_private": True, **params}, False)[0]


def test_changes_keep_the_counts_exact(portal):
    """Updates, a move to another organisation, sensitivity and privacy
    changes, a deletion and a purge each leave the kept counts exact."""
    patch("roads", tags=[{"name": "bridges"}], license_id="odc-odbl")
    assert_same_for_everyone()
    patch("schools", owner_org=portal["b"]["id"])  # moves to another organisation's members
    assert_same_for_everyone()
    member_b, _ = ask("member-b", {"include_private": True}, True)
    assert "schools" in member_b["page"]
    patch("clinics", sensitivity="confidential")
    patch("markets", private=True)
    assert_same_for_everyone()
    call_action("package_delete", context={"user": "the-sysadmin"}, id="hazards")
    assert_same_for_everyone()
    call_action("dataset_purge", context={"user": "the-sysadmin"}, id="roads")
    assert_same_for_everyone()
    anonymous, _ = ask("", {}, True)
    assert "bridges" not in anonymous["facets"]["tags"]


def test_a_draft_counts_for_its_creator_only(portal):
    """Drafts carry their own class (state and labels)."""
    call_action(
        "package_create",
        context={"user": "member-a"},
        type="dataset",
        name="draft-survey",
        owner_org=portal["a"]["id"],
        state="draft",
        source="Field team",
        sectors=["health"],
        sensitivity="public",
    )
    assert_same_for_everyone()


def test_clearing_and_rebuilding_the_index_keep_the_counts_exact(portal):
    """``search-index clear`` empties the table (TRUNCATE) and the counts with
    it; a rebuild over it and one after it count every entry once."""
    before = {user: ask(user, {"include_private": True}, True)[0] for user in USERS}
    search.rebuild()  # over the index: unchanged entries are not rewritten
    assert {user: ask(user, {"include_private": True}, True)[0] for user in USERS} == before
    search.clear_all()
    assert recount() == ([], [])
    assert ask("", {}, True)[0]["count"] == 0
    search.rebuild()
    assert {user: ask(user, {"include_private": True}, True)[0] for user in USERS} == before
    assert_same_for_everyone()


def test_counts_are_off_by_config(portal):
    """``ckanext.imwg_search.kept_counts = false`` counts entries for every search."""
    result, read_kept = ask("", {}, False)
    assert not read_kept and result == ask("", {}, True)[0]


def test_the_migration_counts_what_is_indexed(portal, migrate_db_for):
    """Upgrading counts the entries already indexed; before it, searches
    count entries."""
    # written at the head: the writer writes the columns of later migrations (0011)
    patch("roads", tags=[{"name": "written-before"}])
    model.Session.remove()  # the downgrade alters the table: no transaction may hold it
    migrate_db_for("imwg_search", "imwg_search_0007", False)
    result, read_kept = ask("", {}, True)
    assert not read_kept and result["facets"]["tags"]["written-before"] == 1
    model.Session.remove()
    migrate_db_for("imwg_search")
    assert_same_for_everyone()


def test_folding_the_rows_keeps_the_sums(portal, monkeypatch):
    """Rows appended by writes are folded into one per class and value, by a
    search that reads many more rows than values, with the same results."""
    from ckanext.imwg_search import searcher

    for i in range(3):
        patch("roads", tags=[{"name": f"round-{i}"}])
    model.Session.remove()
    rows = lambda: model.Session.execute("SELECT count(*) FROM imwg_search_facet_count").scalar()  # noqa: E731
    before = rows()
    monkeypatch.setattr(searcher, "FOLD_AFTER", 0)
    assert_same_for_everyone()
    model.Session.remove()
    assert rows() < before
    monkeypatch.setattr(searcher, "FOLD_AFTER", 10**9)
    PostgresSolrConnection(model.Session).fold_counts()
    assert_same_for_everyone()


def test_compacting_after_a_large_change_gives_the_pages_back(portal):
    """After a large change (a rebuild's commit) the kept counts are folded and the table
    shrinks back to the size of its rows, with the same sums: 200,000 rows appended and
    folded would otherwise leave a table of thousands of pages that every count reads."""
    model.Session.remove()
    model.Session.execute(
        "INSERT INTO imwg_search_facet_count (site_id, state, capacity, dataset_type, labels, hash, n) "
        "SELECT c.site_id, c.state, c.capacity, c.dataset_type, c.labels, c.hash, s.n "
        "FROM (SELECT * FROM imwg_search_facet_count LIMIT 1) c, "
        "(SELECT CASE WHEN i % 2 = 0 THEN 1 ELSE -1 END AS n FROM generate_series(1, 200000) i) s"
    )
    model.Session.commit()
    pages = lambda: model.Session.execute(  # noqa: E731
        "SELECT pg_relation_size('imwg_search_facet_count') / current_setting('block_size')::int"
    ).scalar()
    grown = pages()
    model.Session.remove()
    PostgresSolrConnection(model.Session).compact_counts()
    model.Session.remove()
    rows = model.Session.execute("SELECT count(*) FROM imwg_search_facet_count").scalar()
    assert grown > 500 and pages() <= max(2, rows // 50)
    assert_same_for_everyone()
