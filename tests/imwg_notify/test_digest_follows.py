"""The daily digest of followed changes: one mail a day per user, the day's
changes of every followed dataset, organisation and place grouped in it,
the ones they may not see left out."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_notify.mail import digests
from tests.imwg_notify.conftest import SMTP_SERVER, text_of
from tests.imwg_notify.follows_support import (
    KACHIN,
    SHAN,
    WAINGMAW,
    as_user,
    changes,
    messages,
    prefer,
    publish,
    run_jobs,
)
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
    # stored once each, not once per follower: the digest finds its readers
    assert messages(reader["id"]) == []
    assert {c["package_id"] for c in changes()} == {in_place["id"], elsewhere["id"], hidden["id"]}
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


def test_many_followers_share_one_written_digest(site, inbox):
    """Many followers of a place with every preference: the change is stored once, "immediate"
    ones get a mail at once, "none" nothing; the daily readers' digest is written once for
    all of them and each mail carries its reader's own name and unsubscribe link."""
    from ckanext.imwg_notify import model as notify_model
    from ckanext.imwg_notify import tokens
    from ckanext.imwg_notify.follows import fanout

    frequencies = ("daily", "weekly", "none", "immediate")
    users = [factories.User(fullname=f"Reader {i}") for i in range(24)]
    for i, user in enumerate(users):
        call_action("notify_place_follow", context=as_user(user["name"]), pcode=KACHIN)
        prefer(user["id"], "changes", frequencies[i % 4])
    ds = publish("editor", site["org"], name="in-kachin", title="Survey in Kachin", pcodes=[WAINGMAW])
    assert len(changes()) == 1
    by_user = {m["user_id"]: m for m in messages()}
    assert set(by_user) == {u["id"] for i, u in enumerate(users) if frequencies[i % 4] == "immediate"}
    assert fanout.fan_out({"user": "editor"}, ds["id"], fanout.NEW) == 0  # the same change: told already
    run_jobs()
    assert len(inbox.messages) == 6
    monday = dt.datetime.utcnow() + dt.timedelta(seconds=1)
    while monday.weekday() == 0:  # not the weekly day: the weekly readers wait
        monday += dt.timedelta(days=1)
    assert digests.build(monday) == 6
    contents = model.Session.execute(sa.select(notify_model.digest_content_table)).all()
    assert len(contents) == 1
    run_jobs()
    assert len(inbox.messages) == 12
    for i, user in enumerate(users):
        mails = inbox.to(model.User.get(user["id"]).email)
        if frequencies[i % 4] in ("weekly", "none"):
            assert mails == []
            continue
        (mail,) = mails
        text = text_of(mail)
        assert "Survey in Kachin" in text
        if frequencies[i % 4] == "daily":
            assert f"Hello Reader {i}," in text
            assert f"/user/{user['name']}/notifications" in text
            token = re.search(r"/notify/unsubscribe/([^\s]+)", text).group(1)
            assert tokens.read_unsubscribe_token(token) == {"user_id": user["id"], "kind": "changes"}
            assert "imwgnotify" not in text + mail["Subject"]


def test_a_long_digest_lists_the_newest_and_counts_the_rest(site, inbox, ckan_config, monkeypatch):
    """More changes than ``digest_max_items``: the newest are listed, the others counted, with a link."""
    monkeypatch.setitem(ckan_config, "ckanext.imwg_notify.digest_max_items", 2)
    reader = site["users"]["reader"]
    call_action("notify_place_follow", context=as_user("reader"), pcode=KACHIN)
    for i in range(4):
        publish("editor", site["org"], name=f"survey-{i}", title=f"Survey number {i}", pcodes=[WAINGMAW])
    assert digests.build(dt.datetime.utcnow() + dt.timedelta(seconds=1)) == 1
    run_jobs()
    (mail,) = inbox.to(model.User.get(reader["id"]).email)
    text = text_of(mail)
    assert "(4)" in mail["Subject"]
    assert "Survey number 3" in text and "Survey number 2" in text
    assert "Survey number 1" not in text and "Survey number 0" not in text
    assert "... and 2 more:" in text


def test_one_digest_for_changes_and_other_held_messages(site, inbox):
    """A reader with a held notice of another kind and followed changes gets one digest with both."""
    from ckanext.imwg_notify import outbox

    reader = site["users"]["reader"]
    prefer(reader["id"], "overdue", "daily")
    call_action("notify_place_follow", context=as_user("reader"), pcode=KACHIN)
    ds = publish("editor", site["org"], name="in-kachin", title="Survey in Kachin", pcodes=[WAINGMAW])
    outbox.notify(reader["id"], "overdue", "overdue:x", "dataset_overdue", {"due": "2026-11-01"}, package_id=ds["id"])
    model.Session.commit()
    assert digests.build(dt.datetime.utcnow() + dt.timedelta(seconds=1)) == 1
    run_jobs()
    (mail,) = inbox.to(model.User.get(reader["id"]).email)
    text = text_of(mail)
    assert "New dataset: Survey in Kachin" in text
    assert "is due for an update" in text


def test_group_digests_go_in_rounds_retried_when_refused_and_audited(site, inbox):
    """A group's digests: refused by the mail server they wait for a retry, a reader without an
    address is withheld with why; when the server is back each is sent once and audited."""
    from ckanext.imwg_notify import model as notify_model
    from ckanext.imwg_notify.mail import tick

    readers = [factories.User() for _ in range(3)]
    for user in readers:
        call_action("notify_place_follow", context=as_user(user["name"]), pcode=KACHIN)
    model.User.get(readers[2]["id"]).email = ""
    model.Session.commit()
    publish("editor", site["org"], name="in-kachin", title="Survey in Kachin", pcodes=[WAINGMAW])
    inbox.refuse = True
    assert digests.build(dt.datetime.utcnow() + dt.timedelta(seconds=1)) == 3
    run_jobs()
    table = notify_model.message_table
    rows = {r.user_id: r for r in model.Session.execute(sa.select(table).where(table.c.kind == "digest"))}
    assert [(rows[u["id"]].status, rows[u["id"]].attempts) for u in readers[:2]] == [("queued", 1)] * 2
    assert "451" in rows[readers[0]["id"]].last_error
    assert (rows[readers[2]["id"]].status, rows[readers[2]["id"]].last_error) == (
        "withheld",
        "the recipient has no e-mail address",
    )
    inbox.refuse = False
    model.Session.execute(table.update().where(table.c.status == "queued").values(next_attempt=dt.datetime(2000, 1, 1)))
    model.Session.commit()
    assert tick.tick()["requeued"] == 2
    run_jobs()
    run_jobs()
    for user in readers[:2]:
        (mail,) = inbox.to(model.User.get(user["id"]).email)
        assert "Survey in Kachin" in text_of(mail)
    sysadmin = factories.Sysadmin()
    audited = call_action("access_audit_list", context=as_user(sysadmin["name"]), event="notification_sent")
    assert sorted(e["detail"]["recipient"] for e in audited) == sorted(u["id"] for u in readers[:2])


def test_changes_older_than_kept_are_forgotten(site):
    """Building the digests deletes the changes older than ``keep_changes_days`` (a week at least)."""
    from ckanext.imwg_notify.follows import model as follow_model

    publish("editor", site["org"], name="in-kachin", pcodes=[WAINGMAW])
    (change,) = changes()
    table = follow_model.change_table
    model.Session.execute(
        table.update().values(created=dt.datetime.utcnow() - dt.timedelta(days=29)).where(table.c.id == change["id"])
    )
    model.Session.commit()
    digests.build(dt.datetime.utcnow())
    assert len(changes()) == 1
    digests.build(dt.datetime.utcnow() + dt.timedelta(days=2))
    assert changes() == []
