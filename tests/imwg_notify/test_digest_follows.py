"""The daily digest of followed changes: one mail a day per user, the day's
changes of every followed dataset, organisation and place grouped in it,
the ones they may not see left out."""

from __future__ import annotations

import datetime as dt

import pytest
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_notify.mail import digests
from tests.imwg_notify.conftest import SMTP_SERVER, text_of
from tests.imwg_notify.follows_support import KACHIN, SHAN, WAINGMAW, as_user, messages, prefer, publish, run_jobs
from tests.imwg_pcode import places

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue"),
    pytest.mark.ckan_config("smtp.server", SMTP_SERVER),
]


@pytest.fixture
def site(tmp_path):
    places.load(tmp_path)
    users = {n: factories.User(name=n) for n in ("reader", "editor", "other-editor")}
    org = factories.Organization(name="operator", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])
    other = factories.Organization(
        name="authority", org_type="government", users=[{"name": "other-editor", "capacity": "editor"}]
    )
    return {"users": users, "org": org, "other": other}


def test_one_digest_groups_the_days_changes(site, inbox):
    """Changes through a place, an organisation and a dataset follow reach a daily
    reader as one digest naming each visible dataset once; a hidden one is left out."""
    reader = site["users"]["reader"]
    prefer(reader["id"], "changes", "daily")
    call_action("notify_place_follow", context=as_user("reader"), pcode=KACHIN)
    call_action("follow_group", context=as_user("reader"), id=site["org"]["id"])
    in_place = publish("editor", site["org"], name="in-kachin", title="Survey in Kachin", pcodes=[WAINGMAW])
    elsewhere = publish("editor", site["org"], name="in-shan", title="Survey in Shan", pcodes=[SHAN])
    hidden = publish(
        "other-editor",
        site["other"],
        name="hidden",
        title="Strictly hidden survey",
        pcodes=[WAINGMAW],
        sensitivity="strictly_confidential",
    )
    for ds in (in_place, elsewhere):
        for i in range(3):
            call_action("resource_create", context=as_user("editor"), package_id=ds["id"], url=f"http://x/{i}")
    assert {m["package_id"] for m in messages(reader["id"])} == {in_place["id"], elsewhere["id"]}
    run_jobs()
    assert inbox.to(model.User.get(reader["id"]).email) == []  # held for the digest
    assert digests.build(dt.datetime.utcnow() + dt.timedelta(seconds=1)) == 1
    run_jobs()
    (mail,) = inbox.to(model.User.get(reader["id"]).email)
    text = text_of(mail)
    assert "Survey in Kachin" in text and "Survey in Shan" in text
    assert hidden["title"] not in text
    assert "http://x/" not in text
    # the digest is built once a day: building again sends nothing more
    assert digests.build(dt.datetime.utcnow() + dt.timedelta(seconds=2)) == 0


def test_immediate_readers_get_one_mail_per_change(site, inbox):
    """A reader who chose "immediate" gets one mail per notification, at once, not a digest."""
    reader = site["users"]["reader"]
    prefer(reader["id"], "changes", "immediate")
    call_action("notify_place_follow", context=as_user("reader"), pcode=KACHIN)
    publish("editor", site["org"], name="in-kachin", title="Survey in Kachin", pcodes=[WAINGMAW])
    run_jobs()
    (mail,) = inbox.to(model.User.get(reader["id"]).email)
    assert "Survey in Kachin" in mail["Subject"]
    assert "Kachin" in text_of(mail)


def test_none_stores_nothing(site):
    """A reader who chose "none" for changes has nothing stored."""
    reader = site["users"]["reader"]
    prefer(reader["id"], "changes", "none")
    call_action("notify_place_follow", context=as_user("reader"), pcode=KACHIN)
    publish("editor", site["org"], name="in-kachin", pcodes=[WAINGMAW])
    assert messages(reader["id"]) == []


def test_many_followers_are_stored_in_bulk_by_their_preferences(site, inbox):
    """An event for more followers than ``BULK``: held ones stored in one statement, "none"
    skipped, "immediate" ones queued and sent; a second fan-out of the same event stores nothing."""
    from ckanext.imwg_notify.follows import fanout

    users = [factories.User() for _ in range(fanout.BULK + 6)]
    for i, user in enumerate(users):
        call_action("notify_place_follow", context=as_user(user["name"]), pcode=KACHIN)
        prefer(user["id"], "changes", ("daily", "weekly", "none", "immediate")[i % 4])
    ds = publish("editor", site["org"], name="in-kachin", title="Survey in Kachin", pcodes=[WAINGMAW])
    by_user = {m["user_id"]: m for m in messages()}
    for i, user in enumerate(users):
        frequency = ("daily", "weekly", "none", "immediate")[i % 4]
        if frequency == "none":
            assert user["id"] not in by_user
        else:
            assert by_user[user["id"]]["status"] == ("queued" if frequency == "immediate" else "held")
            assert by_user[user["id"]]["digest"] == (None if frequency == "immediate" else frequency)
    assert fanout.fan_out({"user": "editor"}, ds["id"], fanout.NEW) == 0
    run_jobs()
    assert len(inbox.messages) == len([u for i, u in enumerate(users) if i % 4 == 3])
