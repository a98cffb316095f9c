"""The protocol in the notifications of changes: every role follows each
level's dataset (by the dataset, its organisation or its place), the
datasets change, the jobs and the digest run, and the mails a real SMTP
server receives name a dataset to exactly the roles that may see its
metadata, and never carry a gated address."""

from __future__ import annotations

import datetime as dt

import pytest
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.imwg_notify.conftest import SMTP_SERVER, text_of
from tests.imwg_notify.follows_support import prefer, run_jobs
from tests.imwg_pcode import places
from tests.imwg_sensitivity.matrix import METADATA, ROLES, SECRET, build_portal, context

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue"),
    pytest.mark.ckan_config("smtp.server", SMTP_SERVER),
]

WAINGMAW, KACHIN = "MMR001014", "MMR001"
FOLLOWERS = [r for r in ROLES if r != "anonymous"]


def _user_id(role: str) -> str:
    return model.User.get(context(role)["user"]).id


def _email(role: str) -> str:
    return model.User.get(context(role)["user"]).email


def _follow(role: str, how: str, portal: dict) -> None:
    user_id = _user_id(role)
    if how == "dataset":
        # stored directly: also someone who followed before the level was raised
        for ds in portal["datasets"].values():
            model.Session.add(model.UserFollowingDataset(user_id, ds["id"]))
    elif how == "organization":
        model.Session.add(model.UserFollowingGroup(user_id, portal["owner"]["id"]))
    else:
        call_action("notify_place_follow", context=context(role), pcode=KACHIN)
    model.Session.commit()


@pytest.fixture
def portal(tmp_path):
    places.load(tmp_path)
    built = build_portal()
    factories.User(name="changer")
    call_action("organization_member_create", id=built["owner"]["id"], username="changer", role="editor")
    for level, ds in built["datasets"].items():
        built["datasets"][level] = call_action(
            "package_patch", context={"user": "changer"}, id=ds["id"], pcodes=[WAINGMAW]
        )
    return built


@pytest.mark.parametrize("frequency", ["immediate", "daily"])
@pytest.mark.parametrize("how", ["dataset", "organization", "place"])
def test_changes_reach_exactly_those_who_see_the_dataset(portal, inbox, how, frequency):
    """Each level's dataset gets a new resource; each role's mails name it iff the role
    sees its metadata; no mail holds the gated address or a resource's address."""
    for role in FOLLOWERS:
        _follow(role, how, portal)
        prefer(_user_id(role), "changes", frequency)
    for ds in portal["datasets"].values():
        call_action(
            "resource_create",
            context={"user": "changer", "ignore_auth": False},
            package_id=ds["id"],
            url=SECRET,
            name="Minefield polygons",
            format="CSV",
        )
    run_jobs()
    if frequency == "daily":
        from ckanext.imwg_notify.mail import digests

        assert digests.build(dt.datetime.utcnow() + dt.timedelta(seconds=1)) > 0
        run_jobs()
    assert inbox.messages, "no mail was sent"
    for message in inbox.messages:
        text = f"{message['Subject']}\n{text_of(message)}"
        assert SECRET not in text
        assert "secret.example.org" not in text
    for role in FOLLOWERS:
        mails = inbox.to(_email(role))
        texts = "\n".join(f"{m['Subject']}\n{text_of(m)}" for m in mails)
        for level, ds in portal["datasets"].items():
            sees = role in METADATA[level]
            assert (ds["title"] in texts) == sees, (role, level, how, frequency)
            if not sees:
                assert ds["name"] not in texts, (role, level)
        if frequency == "daily":
            assert len(mails) <= 1, (role, "one digest a day")
    assert inbox.to(model.User.get("changer").email) == []


def test_a_level_raised_after_the_change_withholds_the_held_notification(portal, inbox):
    """A change told to a restricted dataset's followers, then the level raised to strictly
    confidential before the digest: the digest leaves it out for those who no longer see it."""
    for role in ("other_member", "owner_member"):
        _follow(role, "place", portal)
        prefer(_user_id(role), "changes", "daily")
    ds = portal["datasets"]["restricted"]
    call_action("resource_create", context={"user": "changer"}, package_id=ds["id"], url=SECRET, name="Annex")
    call_action("package_patch", context={"user": "changer"}, id=ds["id"], sensitivity="strictly_confidential")
    from ckanext.imwg_notify.mail import digests

    digests.build(dt.datetime.utcnow() + dt.timedelta(seconds=1))
    run_jobs()
    outsider = "\n".join(text_of(m) for m in inbox.to(_email("other_member")))
    insider = "\n".join(text_of(m) for m in inbox.to(_email("owner_member")))
    assert ds["title"] not in outsider
    assert ds["title"] in insider
    assert SECRET not in outsider + insider


#: the mails of the access workflow and of freshness, each about one dataset:
#: (kind, template, data), as their receivers store them
ABOUT_A_DATASET = [
    ("access", "access_request_decided", {"decision": "approved", "reason": "", "expires": "2026-12-31"}),
    ("access", "access_grant_revoked", {"reason": "Project over", "organization": ""}),
    ("access", "access_grant_expiring", {"expires": "2026-12-31", "expired": False, "organization": ""}),
    ("overdue", "dataset_overdue", {"due": "2026-11-01", "status": "overdue"}),
]


@pytest.mark.parametrize(("kind", "template", "data"), ABOUT_A_DATASET)
def test_mails_about_a_dataset_name_it_only_to_those_who_see_it(portal, inbox, kind, template, data):
    """Every role is told about each level's dataset: the title (and name) reaches exactly
    the roles that see its metadata; an access mail says "a dataset" to the others, any
    other kind is withheld; no mail holds a gated address."""
    from ckanext.imwg_notify import outbox

    for role in FOLLOWERS:
        for level, ds in portal["datasets"].items():
            outbox.notify(_user_id(role), kind, f"{template}:{level}", template, dict(data), package_id=ds["id"])
    model.Session.commit()
    run_jobs()
    assert inbox.messages, "no mail was sent"
    for role in FOLLOWERS:
        texts = "\n".join(f"{m['Subject']}\n{text_of(m)}" for m in inbox.to(_email(role)))
        assert "secret.example.org" not in texts, role
        for level, ds in portal["datasets"].items():
            sees = role in METADATA[level]
            assert (ds["title"] in texts) == sees, (role, level, template)
            if not sees:
                assert ds["name"] not in texts and ds["id"] not in texts, (role, level, template)
        expected = sum(1 for level in portal["datasets"] if role in METADATA[level] or kind == "access")
        assert len(inbox.to(_email(role))) == expected, (role, template)
