"""The protocol on the pages and feeds that list datasets, and on resource
views, for each role (the matrix of test_gating, its other exits)."""

from __future__ import annotations

import json

import ckan.logic as logic
import pytest
from ckan.tests.helpers import call_action

from tests.imwg_sensitivity.matrix import DATA, METADATA, ROLES, SECRET, build_portal, context, headers

PLUGINS = (
    "activity imwg image_view webpage_view resource_proxy scheming_datasets scheming_organizations "
    "imwg_sensitivity imwg_search"
)
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
STRICT_TITLE = "Hazardous areas strictly_confidential"


@pytest.fixture
def portal():
    """The gating portal, its datasets in a group, an image view and a web-page
    view on each resource."""
    _portal = build_portal()
    group = call_action("group_create", context={"user": "the-sysadmin"}, name="contamination", title="Contamination")
    views = {}
    for level, ds in _portal["datasets"].items():
        call_action(
            "member_create",
            context={"user": "the-sysadmin"},
            id=group["id"],
            object=ds["id"],
            object_type="package",
            capacity="public",
        )
        views[level] = [
            call_action(
                "resource_view_create",
                context={"user": "the-sysadmin"},
                resource_id=ds["resources"][0]["id"],
                view_type=view_type,
                title=view_type,
            )
            for view_type in ("image_view", "webpage_view")
        ]
    return {**_portal, "views": views}


def sees_strict(role):
    return role in METADATA["strictly_confidential"]


@pytest.mark.parametrize("role", ROLES)
def test_feeds(app, portal, role):
    for url in ("/feeds/dataset.atom", "/feeds/organization/imsma-authority.atom", "/feeds/group/contamination.atom"):
        body = app.get(url, headers=headers(role)).get_data(as_text=True)
        assert "Hazardous areas public" in body, url
        assert (STRICT_TITLE in body) == sees_strict(role), (url, role)
        assert SECRET not in body


@pytest.mark.parametrize("role", ROLES)
def test_organization_and_group_pages_and_counts(app, portal, role):
    visible = sum(role in METADATA[level] for level in METADATA)
    for kind, name in (("organization", "imsma-authority"), ("group", "contamination")):
        body = app.get(f"/{kind}/{name}", headers=headers(role)).get_data(as_text=True)
        assert "Hazardous areas public" in body
        assert (STRICT_TITLE in body) == sees_strict(role), (kind, role)
        shown = call_action(f"{kind}_show", context=context(role), id=name, include_datasets=True)
        assert shown["package_count"] == visible, (kind, role)
        assert SECRET not in json.dumps(shown) or role == "sysadmin" or role in DATA["confidential"]
    orgs = call_action("organization_list", context=context(role), all_fields=True)
    assert {o["name"]: o["package_count"] for o in orgs}["imsma-authority"] == visible


@pytest.mark.parametrize("role", ROLES)
def test_dataset_search_page(app, portal, role):
    body = app.get("/dataset/", headers=headers(role)).get_data(as_text=True)
    assert "Hazardous areas public" in body
    assert (STRICT_TITLE in body) == sees_strict(role), role
    assert SECRET not in body


@pytest.mark.parametrize("role", ROLES)
def test_activity_diffs_and_changes_pages(app, portal, role):
    """A changed address never shows in a diff or on the changes page to those
    without the data."""
    new_address = SECRET + "?version=2"
    for ds in portal["datasets"].values():
        # two edits, so that the newest activity and the one before are both dataset changes
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], notes="Surveyed again")
        resources = [{**ds["resources"][0], "url": new_address}]
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], resources=resources)
    for level, ds in portal["datasets"].items():
        if role not in METADATA[level]:
            continue
        activities = call_action("package_activity_list", context=context(role), id=ds["id"])
        newest = activities[0]
        try:
            diff = call_action(
                "activity_diff", context=context(role), id=newest["id"], object_type="package", diff_type="unified"
            )
        except logic.NotAuthorized:
            diff = None  # CKAN gives diffs to those who may edit the dataset only
        text = json.dumps(diff)
        page = app.get(f"/dataset/changes/{newest['id']}", headers=headers(role)).get_data(as_text=True)
        if role in DATA[level] and diff is not None:
            assert new_address in text, (level, role)
        elif role not in DATA[level]:
            assert SECRET not in text, (level, role)
            assert SECRET not in page, (level, role)


@pytest.mark.parametrize("role", ROLES)
def test_home_user_and_dashboard_pages(app, portal, role):
    home = app.get("/", headers=headers(role)).get_data(as_text=True)
    assert STRICT_TITLE not in home or sees_strict(role)
    user_page = app.get("/user/owner-editor", headers=headers(role)).get_data(as_text=True)
    assert (STRICT_TITLE in user_page) == sees_strict(role), role
    if role != "anonymous":
        dash = app.get("/dashboard/datasets", headers=headers(role)).get_data(as_text=True)
        assert STRICT_TITLE not in dash or sees_strict(role)
        news = app.get("/dashboard/", headers=headers(role)).get_data(as_text=True)
        assert STRICT_TITLE not in news or sees_strict(role)
        assert SECRET not in news or role in DATA["confidential"] or role == "sysadmin"


@pytest.mark.parametrize("role", ROLES)
def test_resource_views(app, portal, role):
    """A view page (and its embed) shows the data only to those who get it;
    resource_view_show never gives the address away."""
    for level, ds in portal["datasets"].items():
        if role not in METADATA[level]:
            continue
        res = ds["resources"][0]
        urls = [f"/dataset/{ds['id']}/resource/{res['id']}/view/{v['id']}" for v in portal["views"][level]]
        for url in urls:
            resp = app.get(url, headers=headers(role))
            body = resp.get_data(as_text=True)
            if role in DATA[level]:
                assert resp.status_code == 200, (level, role, url)
                assert SECRET in body, (level, role, url)
            else:
                assert resp.status_code == 403, (level, role, url)
                assert SECRET not in body, (level, role, url)
        listed = call_action("resource_view_list", context=context(role), id=res["id"])
        shown = [call_action("resource_view_show", context=context(role), id=v["id"]) for v in listed]
        assert len(listed) == 2
        for v in (*shown, *listed):
            address = v.get("image_url") or v.get("page_url")
            assert (address == SECRET) == (role in DATA[level]) or not address, (level, role)
            if role not in DATA[level]:
                assert SECRET not in json.dumps(v)


@pytest.mark.parametrize("role", ROLES)
def test_resource_proxy(app, portal, role):
    """The proxy fetches the data only for those who get it (the fetch itself
    fails here: no network; what matters is who is refused before it)."""
    for level, ds in portal["datasets"].items():
        if role not in METADATA[level]:
            continue
        res = ds["resources"][0]
        resp = app.get(f"/dataset/{ds['id']}/resource/{res['id']}/proxy", headers=headers(role))
        assert (resp.status_code == 403) == (role not in DATA[level]), (level, role, resp.status_code)
