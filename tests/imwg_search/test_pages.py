"""Every CKAN page and action that searches works on the PostgreSQL backend."""

from __future__ import annotations

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "activity imwg_search"),
]


def auth(user):
    token = factories.APIToken(user=user["name"])
    return {"Authorization": token["token"]}


@pytest.fixture
def portal():
    editor = factories.User(name="editor")
    admin = factories.User(name="orgadmin")
    org = factories.Organization(
        name="nmaa",
        title="National Mine Action Authority",
        users=[{"name": "editor", "capacity": "editor"}, {"name": "orgadmin", "capacity": "admin"}],
    )
    group = factories.Group(
        name="contamination", title="Contamination", users=[{"name": "editor", "capacity": "member"}]
    )
    ctx = {"user": editor["name"]}
    for i in range(23):
        call_action(
            "package_create",
            context=dict(ctx),
            name=f"hazard-{i:02d}",
            title=f"Hazard survey {i:02d}",
            owner_org=org["id"],
            tags=[{"name": "landmines"}, {"name": f"batch{i % 3}"}],
            groups=[{"name": group["name"]}] if i < 5 else [],
        )
    return {"editor": editor, "admin": admin, "org": org, "group": group}


def test_home_page(app, portal):
    """The home page renders with the dataset count from search."""
    resp = app.get("/")
    assert resp.status_code == 200


def test_dataset_search_facets_and_paging(app, portal):
    """/dataset shows results, facets with counts, and a second page."""
    page1 = app.get("/dataset/", query_string={"q": "hazard"})
    assert "23 datasets found" in page1.body
    assert "batch0" in page1.body
    assert "landmines" in page1.body
    page2 = app.get("/dataset/", query_string={"q": "hazard", "page": 2})
    assert "Hazard survey" in page2.body
    filtered = app.get("/dataset/", query_string={"tags": "batch1"})
    assert "8 datasets found" in filtered.body


def test_organization_pages_with_counts(app, portal):
    """Organisation list and page show dataset counts from search."""
    listing = call_action("organization_list", all_fields=True)
    assert listing[0]["package_count"] == 23
    page = app.get("/organization/nmaa")
    assert "23 datasets found" in page.body


def test_group_page_with_counts(app, portal):
    """Group pages list the group's datasets and count them."""
    assert call_action("group_show", id="contamination")["package_count"] == 5
    page = app.get("/group/contamination")
    assert "5 datasets found" in page.body


@pytest.mark.postgres_only("CKAN's Solr autocomplete matches whole title words ('Hazard survey 0' misses '00')")
def test_tag_list_and_autocomplete(app, portal):
    """Tag lists and dataset autocomplete answer from the index and database."""
    assert "landmines" in call_action("tag_list")
    resp = app.get("/api/2/util/dataset/autocomplete", query_string={"incomplete": "hazard-1"})
    names = [r["name"] for r in resp.json["ResultSet"]["Result"]]
    assert names
    assert all(n.startswith("hazard-1") for n in names)
    assert call_action("package_autocomplete", q="Hazard survey 0")


def test_dashboard_datasets(app, portal):
    """A logged-in user's dashboard lists their datasets."""
    resp = app.get("/dashboard/datasets", headers=auth(portal["editor"]))
    assert resp.status_code == 200
    assert "Hazard survey" in resp.body


def test_user_page(app, portal):
    """The user page lists the user's datasets from search."""
    resp = app.get("/user/editor", headers=auth(portal["editor"]))
    assert "Hazard survey" in resp.body


def test_bulk_make_private_and_public(app, portal):
    """Bulk private/public updates the index so anonymous search follows."""
    ids = [call_action("package_show", id=f"hazard-{i:02d}")["id"] for i in range(3)]
    call_action("bulk_update_private", context={"user": "orgadmin"}, datasets=ids, org_id=portal["org"]["id"])
    anon = call_action("package_search", context={"user": "", "ignore_auth": False}, q="*:*", rows=50)
    assert anon["count"] == 20
    call_action("bulk_update_public", context={"user": "orgadmin"}, datasets=ids, org_id=portal["org"]["id"])
    anon = call_action("package_search", context={"user": "", "ignore_auth": False}, q="*:*", rows=50)
    assert anon["count"] == 23


@pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)
def test_bulk_process_page(app, portal):
    """The organisation's bulk-process page makes datasets private."""
    pkg = call_action("package_show", id="hazard-00")
    resp = app.post(
        "/organization/bulk_process/nmaa",
        headers=auth(portal["admin"]),
        data={f"dataset_{pkg['id']}": "on", "bulk_action.private": "private"},
    )
    assert resp.status_code == 200
    assert call_action("package_show", id="hazard-00")["private"] is True
    anon = call_action("package_search", context={"user": "", "ignore_auth": False}, q="name:hazard-00")
    assert anon["count"] == 0
