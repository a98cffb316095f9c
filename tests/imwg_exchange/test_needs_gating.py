"""The register never reveals a dataset (title, count, id) to a role the
sharing protocol hides it from: matches, answers, fulfilment, notices and
the need's page, for every role of the gating matrix (the register made
public, so that anonymous visitors are tested too).

The roles differ only in the user (or token) asking, so each exit is checked
for every role on one portal: a test per exit, asserts naming the role."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.logic import NotAuthorized
from ckan.tests.helpers import call_action

from ckanext.imwg_exchange.needs.model import notice_table
from tests.imwg_sensitivity.matrix import METADATA, ROLES, build_portal, context, headers

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckanext.imwg_exchange.needs_public", "true"),
]

STRICT = "strictly_confidential"


@pytest.fixture
def portal():
    """The matrix's portal, a need of the partner organisation that every dataset matches,
    answered with each dataset by the owner's editor, followed by every logged-in role;
    then every dataset is updated, which announces it to the followers who may see it."""
    built = build_portal()
    need = call_action(
        "need_create",
        context={"user": "other-admin"},
        title="Hazardous areas",
        sectors=["protection"],
        owner_org="partner-ngo",
    )
    for ds in built["datasets"].values():
        call_action("need_answer", context={"user": "owner-editor"}, id=need["id"], kind="dataset", package_id=ds["id"])
    for role in ROLES:
        if role != "anonymous":
            call_action("need_follow", context=context(role), id=need["id"])
    for ds in built["datasets"].values():
        call_action("package_patch", context={"user": "owner-editor"}, id=ds["id"], notes="Revised")
    return {**built, "need": need}


def hidden_from(role, portal):
    """The datasets (id, name, title) the role may not see."""
    return [ds for level, ds in portal["datasets"].items() if role not in METADATA[level]]


def leaks(text, datasets):
    return [ds["name"] for ds in datasets if ds["id"] in text or ds["title"] in text or ds["name"] in text]


def test_matches_list_exactly_what_the_role_may_see(portal):
    """need_matches: the visible datasets, and a count that does not count the others."""
    for role in ROLES:
        found = call_action("need_matches", context=context(role), id=portal["need"]["id"])
        expected = {ds["name"] for level, ds in portal["datasets"].items() if role in METADATA[level]}
        assert {d["name"] for d in found["results"]} == expected, f"{role}: results"
        assert found["count"] == len(expected), f"{role}: count"


def test_need_show_names_no_hidden_dataset(portal):
    """need_show's answers and history name only datasets the role may see."""
    for role in ROLES:
        need = call_action("need_show", context=context(role), id=portal["need"]["id"])
        assert leaks(json.dumps(need), hidden_from(role, portal)) == [], f"{role}: leaks"
        assert len(need["answers"]) == len(portal["datasets"]) - len(hidden_from(role, portal)), f"{role}: answers"


def test_notices_name_no_hidden_dataset(portal):
    """need_notice_list gives no dataset the role may not see (anonymous has no notices)."""
    with pytest.raises(NotAuthorized):
        call_action("need_notice_list", context=context("anonymous"))
    for role in (r for r in ROLES if r != "anonymous"):
        notices = call_action("need_notice_list", context=context(role))
        assert leaks(json.dumps(notices), hidden_from(role, portal)) == [], role


def test_no_notice_of_the_strictly_confidential_dataset_is_stored_for_others(portal):
    """Notices of the strictly confidential dataset are stored only for roles that see it
    (its editor, who made the change, is not told of it)."""
    strict = portal["datasets"][STRICT]["id"]
    rows = model.Session.execute(
        sa.select(model.User.name)
        .join(notice_table, notice_table.c.user_id == model.User.id)
        .where(notice_table.c.package_id == strict)
    ).all()
    allowed = {context(r)["user"] for r in METADATA[STRICT]} - {"owner-editor"}
    assert {r.name for r in rows} == allowed


def test_the_need_s_page_names_no_hidden_dataset(app, portal):
    """The need's page (matches, answers, history) as the role."""
    for role in ROLES:
        body = app.get(f"/needs/{portal['need']['id']}", headers=headers(role)).body
        assert leaks(body, hidden_from(role, portal)) == [], role
