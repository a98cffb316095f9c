"""activity_diff where activity details are public: CKAN's diff, of the
versions as the caller may see them."""

from __future__ import annotations

import re

import ckan.model as model
import pytest
from ckan.tests.helpers import call_action

from tests.imwg_sensitivity.matrix import DATA, METADATA, SECRET, build_portal, context

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
NEW_ADDRESS = SECRET + "?version=2"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckan.auth.public_activity_stream_detail", True),
]


@pytest.fixture
def changed():
    """The gating portal; each dataset's notes and file address changed in one edit."""
    portal = build_portal()
    for ds in portal["datasets"].values():
        resources = [{**ds["resources"][0], "url": NEW_ADDRESS}]
        call_action(
            "package_patch", context={"user": "the-sysadmin"}, id=ds["id"], notes="Surveyed again", resources=resources
        )
    return {
        level: call_action("package_activity_list", context={"user": "the-sysadmin"}, id=ds["id"])[0]["id"]
        for level, ds in portal["datasets"].items()
    }


def diff(role, activity_id, diff_type="unified"):
    return call_action(
        "activity_diff", context=context(role), id=activity_id, object_type="package", diff_type=diff_type
    )


def text(answer):
    """The diff's text (an HTML diff without its markup)."""
    return re.sub(r"<[^>]+>", "", answer["diff"]).replace("&nbsp;", " ")


@pytest.mark.parametrize("role", ["anonymous", "other_member", "grant", "owner_member"])
@pytest.mark.parametrize("diff_type", ["unified", "context", "html"])
def test_the_diff_shows_the_change_and_only_the_addresses_the_caller_gets(changed, role, diff_type):
    """Those without the data get the diff of the other changes, without the
    file's addresses, old or new; those with it get the addresses too."""
    for level, activity_id in changed.items():
        if role not in METADATA[level]:
            continue
        answer = diff(role, activity_id, diff_type)
        assert "Surveyed again" in text(answer), (level, role)
        if role in DATA[level]:
            assert NEW_ADDRESS in text(answer), (level, role)
        else:
            assert "secret.example.org" not in answer["diff"], (level, role)
            assert [v["data"]["package"]["resources"][0]["url"] for v in answer["activities"]] == ["", ""]


def test_the_versions_are_put_back_for_the_next_caller(changed):
    """After a diff withheld the addresses, the versions the session holds are
    the stored ones again: a later caller in the same request who gets the data
    gets them."""
    from ckanext.activity.model import Activity

    held = model.Session.get(Activity, changed["restricted"])  # as code earlier in the request holds it
    assert SECRET not in text(diff("anonymous", changed["restricted"]))
    assert held.data["package"]["resources"][0]["url"] == NEW_ADDRESS
    assert NEW_ADDRESS in text(diff("sysadmin", changed["restricted"]))
