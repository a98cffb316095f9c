"""The classification assistant's answers and suggestion go to those who may
update the dataset only: they tell that a dataset holds personal data about
victims, and that its publisher chose a looser level than suggested. Not in
``package_show``, search results, the index's fields or activities for the
others; the editors' edit form keeps them."""

from __future__ import annotations

import json
import re

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_index"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

FIELDS = ("sensitivity_assessment", "sensitivity_suggested")
ANSWERS = ["personal_data", "victims_survivors"]
#: who sees the dataset's metadata, and whether they may update it
CALLERS = {"anonymous": False, "outsider": False, "editor": True, "the-sysadmin": True}


@pytest.fixture
def dataset():
    factories.User(name="editor")
    factories.User(name="outsider")
    factories.Sysadmin(name="the-sysadmin")
    org = factories.Organization(name="ngo", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])
    factories.Organization(name="other", org_type="ingo", users=[{"name": "outsider", "capacity": "editor"}])
    return call_action(
        "package_create",
        context={"user": "editor"},
        type="dataset",
        name="survivors",
        title="Survivors",
        owner_org=org["id"],
        source="Field teams",
        sectors=["protection"],
        sensitivity_assessment=ANSWERS,
        sensitivity="public",
    )


def context(caller):
    return {"user": "" if caller == "anonymous" else caller, "ignore_auth": False}


def carries(text):
    return any(f in text for f in FIELDS) or any(a in text for a in ANSWERS)


@pytest.mark.parametrize("caller, may_edit", CALLERS.items())
def test_package_show(dataset, caller, may_edit):
    pkg = call_action("package_show", context=context(caller), id="survivors")
    assert pkg["sensitivity"] == "public"
    if may_edit:
        assert sorted(pkg["sensitivity_assessment"]) == ANSWERS
        assert pkg["sensitivity_suggested"] == "strictly_confidential"
    else:
        assert not carries(json.dumps(pkg))
    plain = call_action("package_show", context=context(caller), id="survivors", use_default_schema=True)
    assert carries(json.dumps(plain)) == may_edit


@pytest.mark.parametrize("caller, may_edit", CALLERS.items())
def test_package_search(dataset, caller, may_edit):
    (pkg,) = call_action("package_search", context=context(caller), q="name:survivors")["results"]
    assert pkg["name"] == "survivors"
    if may_edit:
        assert sorted(pkg["sensitivity_assessment"]) == ANSWERS
        assert pkg["sensitivity_suggested"] == "strictly_confidential"
    else:
        assert not carries(json.dumps(pkg))
    # the stored dicts, asked for by name
    fields = call_action(
        "package_search", context=context(caller), q="name:survivors", fl=["id", "validated_data_dict", "data_dict"]
    )["results"]
    assert carries(json.dumps(fields)) == may_edit
    # not in the index's fields: no query, filter or facet reads them, for anyone
    for params in (
        {"q": "victims_survivors"},
        {"q": "sensitivity_assessment:personal_data"},
        {"fq": "vocab_sensitivity_assessment:personal_data"},
        {"fq": "sensitivity_suggested:strictly_confidential"},
        {"fq": "extras_sensitivity_suggested:strictly_confidential"},
    ):
        assert call_action("package_search", context=context(caller), **params)["count"] == 0, params
    facets = call_action(
        "package_search",
        context=context(caller),
        **{"facet.field": json.dumps(["sensitivity_suggested", "vocab_sensitivity_assessment"])},
    )["facets"]
    assert not any(facets.values())


@pytest.mark.parametrize("caller, may_edit", CALLERS.items())
def test_activities(dataset, caller, may_edit):
    call_action("package_patch", context={"user": "editor"}, id="survivors", notes="Updated")
    activities = call_action("package_activity_list", context=context(caller), id="survivors")
    assert activities
    assert carries(json.dumps(activities)) == may_edit
    stream = call_action("organization_activity_list", context=context(caller), id="ngo")
    assert carries(json.dumps(stream)) == may_edit
    if may_edit:  # CKAN gives a version's whole data to those who may update the dataset only
        shown = call_action("activity_data_show", context=context(caller), id=activities[0]["id"])
        assert carries(json.dumps(shown))


def test_the_editors_form_keeps_the_answers(app, dataset):
    token = factories.APIToken(user="editor")["token"]
    body = app.get("/dataset/edit/survivors", headers={"Authorization": token}).get_data(as_text=True)
    for answer in ANSWERS:
        assert re.search(rf'value="{answer}"[^>]*checked', body), answer
    assert 'data-module-raise-only="true"' in body
    # saved again from the form's values, the answers stay
    call_action("package_patch", context={"user": "editor"}, id="survivors", title="Survivors (2025)")
    pkg = call_action("package_show", context=context("editor"), id="survivors")
    assert sorted(pkg["sensitivity_assessment"]) == ANSWERS


def test_every_role_at_every_level():
    """Every role of the gating matrix, every level: the answers and the suggestion reach
    the owner's editors and admins and sysadmins only, in package_show and search."""
    from tests.imwg_sensitivity import matrix

    portal = matrix.build_portal()
    for ds in portal["datasets"].values():
        call_action("package_patch", context={"user": "owner-editor"}, id=ds["id"], sensitivity_assessment=ANSWERS)
    editors = {"owner_editor", "owner_admin", "sysadmin"}
    wrong = []
    for role in matrix.ROLES:
        found = call_action("package_search", context=matrix.context(role), include_private=True, rows=10)["results"]
        for level, ds in portal["datasets"].items():
            if role not in matrix.METADATA[level]:
                continue
            shown = call_action("package_show", context=matrix.context(role), id=ds["id"])
            (listed,) = [pkg for pkg in found if pkg["id"] == ds["id"]] or [None]
            for exit, pkg in (("package_show", shown), ("package_search", listed)):
                if pkg is None or carries(json.dumps(pkg)) != (role in editors):
                    wrong.append((role, level, exit))
    assert not wrong
