"""A gated resource's other address fields (extras such as ``access_url``,
``download_url`` or ``uri``, from a schema or a harvest) are withheld with
its ``url``, at every exit that shows resources."""

from __future__ import annotations

import pytest
from ckan.tests.helpers import call_action

from tests.imwg_sensitivity.matrix import DATA, METADATA, ROLES, build_portal, context, headers

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

OTHER = {
    "access_url": "https://secret.example.org/access",
    "download_url": "https://secret.example.org/download.csv",
    "uri": "https://secret.example.org/resource/1",
    "mirror": "ftp://secret.example.org/export.csv",
}


@pytest.fixture
def portal():
    built = build_portal()
    for ds in built["datasets"].values():
        res = ds["resources"][0]
        call_action("resource_patch", context={"user": "the-sysadmin"}, id=res["id"], **OTHER)
    return built


@pytest.mark.parametrize("role", ROLES)
def test_other_address_fields_follow_the_data(portal, role, app):
    for level, ds in portal["datasets"].items():
        if role not in METADATA[level]:
            continue
        has_data = role in DATA[level]
        res = call_action("package_show", context=context(role), id=ds["id"])["resources"][0]
        shown = call_action("resource_show", context=context(role), id=res["id"])
        page = app.get(f"/dataset/{ds['name']}/resource/{res['id']}", headers=headers(role)).body
        for key, value in OTHER.items():
            assert (res.get(key) == value) == has_data, (level, role, key)
            assert (shown.get(key) == value) == has_data, (level, role, key)
            assert (value in page) == has_data, (level, role, key)
        assert res.get("name") == shown.get("name") == "IMSMA export"
