"""The protocol at the places data and metadata leave the portal, for each role."""

from __future__ import annotations

import json

import pytest
from ckan.tests.helpers import call_action

from tests.imwg_sensitivity.matrix import DATA, METADATA, ROLES, SECRET, build_portal, context, headers

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


@pytest.fixture
def portal():
    return build_portal()


def visible_names(role, **params):
    result = call_action("package_search", context=context(role), rows=100, **params)
    return {p["name"] for p in result["results"]}, result


@pytest.mark.parametrize("role", ROLES)
def test_search_shows_metadata_by_protocol_and_never_gated_addresses(portal, role):
    """package_search lists what the role may see; gated addresses are not in any result."""
    names, result = visible_names(role)
    for level, ds in portal["datasets"].items():
        assert (ds["name"] in names) == (role in METADATA[level]), (level, role)
    for pkg in result["results"]:
        level = pkg["sensitivity"]
        has_data = role in DATA[level]
        url = pkg["resources"][0]["url"]
        assert (url == SECRET) == has_data, (level, role)
        assert pkg["resources"][0].get("access_controlled", False) == (not has_data)


@pytest.mark.parametrize("role", ROLES)
def test_search_fields_and_free_text_do_not_leak_addresses(portal, role):
    """Asking for stored dicts or address fields, or searching for the address, reveals nothing gated."""
    _, result = visible_names(role, fl="name,res_url,urls,data_dict,validated_data_dict")
    for pkg in result["results"]:
        level = pkg["name"].removeprefix("hazards-").replace("-", "_")
        if role not in DATA[level]:
            assert SECRET not in json.dumps(pkg), (level, role)
    found, _ = visible_names(role, q='"secret.example.org"')
    assert found <= {"hazards-public"}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("level", list(DATA))
def test_package_and_resource_show(portal, role, level):
    """package_show and resource_show: metadata by protocol, the address only with data access."""
    import ckan.logic as logic

    ds = portal["datasets"][level]
    if role not in METADATA[level]:
        # answered as a missing dataset would be: a 403 would confirm that it exists
        with pytest.raises(logic.NotFound):
            call_action("package_show", context=context(role), id=ds["id"])
        with pytest.raises(logic.NotFound):
            call_action("resource_show", context=context(role), id=ds["resources"][0]["id"])
        return
    pkg = call_action("package_show", context=context(role), id=ds["id"])
    res = call_action("resource_show", context=context(role), id=ds["resources"][0]["id"])
    assert pkg["title"] == ds["title"]
    assert (pkg["resources"][0]["url"] == SECRET) == (role in DATA[level])
    assert (res["url"] == SECRET) == (role in DATA[level])


@pytest.mark.parametrize("role", ROLES)
def test_listings_hide_strictly_confidential(portal, role):
    """package_list, current_package_list_with_resources and package_autocomplete follow the protocol."""
    strict = portal["datasets"]["strictly_confidential"]["name"]
    listed = call_action("package_list", context=context(role))
    assert (strict in listed) == (role in METADATA["strictly_confidential"])
    full = call_action("current_package_list_with_resources", context=context(role), limit=100)
    assert (strict in {p["name"] for p in full}) == (role in METADATA["strictly_confidential"])
    for pkg in full:
        level = pkg["name"].removeprefix("hazards-").replace("-", "_")
        if role not in DATA[level]:
            assert SECRET not in json.dumps(pkg)
    auto = call_action("package_autocomplete", context=context(role), q="hazards")
    assert (strict in {p["name"] for p in auto}) == (role in METADATA["strictly_confidential"])


@pytest.mark.parametrize("role", ["anonymous", "no_org", "other_member", "owner_member", "grant", "revoked_grant"])
def test_activity_hides_addresses_and_strict_datasets(portal, role):
    """Activity streams carry no gated address, and nothing of a hidden dataset."""
    import ckan.logic as logic

    for level, ds in portal["datasets"].items():
        if role not in METADATA[level]:
            with pytest.raises(logic.NotFound):
                call_action("package_activity_list", context=context(role), id=ds["id"])
            continue
        activities = call_action("package_activity_list", context=context(role), id=ds["id"])
        assert activities
        text = json.dumps(activities)
        assert (SECRET in text) == (role in DATA[level]), (level, role)
    org_stream = json.dumps(call_action("organization_activity_list", context=context(role), id="imsma-authority"))
    assert ("hazards-strictly-confidential" in org_stream) == (role in METADATA["strictly_confidential"])


@pytest.mark.parametrize("role", ROLES)
def test_downloads_follow_the_protocol(app, portal, role):
    """The download address answers with the file (a redirect to it) only to those with data access."""
    auth = headers(role)
    for level, ds in portal["datasets"].items():
        if role not in METADATA[level]:
            continue
        res = ds["resources"][0]
        url = f"/dataset/{ds['id']}/resource/{res['id']}/download"
        resp = app.get(url, headers=auth, follow_redirects=False)
        if role in DATA[level]:
            assert resp.status_code == 302, (level, role)
            assert resp.headers["Location"] == SECRET, (level, role)
        else:
            assert resp.status_code == 403, (level, role)
            assert SECRET not in resp.get_data(as_text=True)


@pytest.mark.parametrize("role", ["anonymous", "no_org", "other_member", "owner_member"])
def test_pages_do_not_show_gated_addresses(app, portal, role):
    """Dataset and resource pages name the data but show its address only with access."""
    auth = headers(role)
    for level, ds in portal["datasets"].items():
        res = ds["resources"][0]
        for url in (f"/dataset/{ds['name']}", f"/dataset/{ds['name']}/resource/{res['id']}"):
            resp = app.get(url, headers=auth)
            body = resp.get_data(as_text=True)
            if role not in METADATA[level]:
                assert resp.status_code in (403, 404)
                assert ds["title"] not in body
                continue
            assert resp.status_code == 200
            assert ds["title"] in body
            assert (SECRET in body) == (role in DATA[level]), (url, role)
            if role not in DATA[level]:
                assert "Access controlled" in body
