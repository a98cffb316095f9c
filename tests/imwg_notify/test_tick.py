"""The tick (periodic work in one command) and the local mail catcher: the
TICK signal reaches the features, held messages go out in one digest per
user and period (with an unsubscribe link), the catcher writes .eml files
that the sysadmin page shows."""

from __future__ import annotations

import datetime
import smtplib
import time
from email.message import EmailMessage

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import interfaces
from ckanext.imwg_notify import outbox
from ckanext.imwg_notify.mail import catcher, digests, tick
from ckanext.imwg_notify.model import message_table
from tests.imwg_notify.conftest import SMTP_SERVER, run_jobs, text_of
from tests.support import editor_dataset, free_port

PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_notify imwg_search"
)


def statuses():
    return sorted(model.Session.execute(sa.select(message_table.c.kind, message_table.c.status)).all())


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config("smtp.server", SMTP_SERVER)
class TestTick:
    def test_tick_signal_reaches_receivers(self):
        """Features connected to TICK are called with the time; one that fails does not stop the tick."""
        seen = []

        def feature(now):
            seen.append(now)

        def broken(now):
            raise RuntimeError("boom")

        signal = interfaces.signal(interfaces.TICK)
        signal.connect(feature)
        signal.connect(broken)
        try:
            now = datetime.datetime(2026, 11, 26, 6, 0)
            done = tick.tick(now)
        finally:
            signal.disconnect(feature)
            signal.disconnect(broken)
        assert seen == [now]
        assert done["failed_receivers"] >= 1  # ``broken`` (the other features' receivers may be connected too)

    def test_daily_digest_once_a_day(self, inbox):
        """Held messages go out in one daily digest, built once that day, with an unsubscribe link."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        address = editor.email
        call_action("notify_preferences_update", context={"user": "editor"}, overdue="daily")
        outbox.notify(editor.id, "overdue", "k1", "dataset_overdue", {"due": "2026-11-01"}, package_id=dataset["id"])
        outbox.notify(editor.id, "overdue", "k2", "dataset_overdue", {"due": "2026-11-08"}, package_id=dataset["id"])
        model.Session.commit()
        run_jobs()
        assert inbox.messages == []
        now = datetime.datetime.utcnow()
        assert tick.tick(now)["digests"] == 1
        assert tick.tick(now)["digests"] == 0
        run_jobs()
        [message] = inbox.to(address)
        body = text_of(message)
        assert "daily notifications (2)" in message["Subject"]
        assert "Casualties 2024 is due for an update (since 01 November 2026)" in body
        assert "(since 08 November 2026)" in body
        assert "/notify/unsubscribe/" in body
        assert statuses() == [("digest", "sent"), ("overdue", "sent"), ("overdue", "sent")]

    def test_weekly_digest_waits_for_its_day(self, ckan_config, monkeypatch):
        """Weekly messages are gathered on the configured weekday only."""
        monkeypatch.setitem(ckan_config, "ckanext.imwg_notify.weekly_day", 2)  # Wednesday
        dataset = editor_dataset()
        editor = model.User.get("editor")
        call_action("notify_preferences_update", context={"user": "editor"}, overdue="weekly")
        outbox.notify(editor.id, "overdue", "k1", "dataset_overdue", {"due": "2026-11-01"}, package_id=dataset["id"])
        model.Session.commit()
        today = datetime.datetime.utcnow()
        wednesday = today + datetime.timedelta(days=(2 - today.weekday()) % 7 or 7)
        tuesday = wednesday - datetime.timedelta(days=1)
        assert digests.build(tuesday) == 0
        assert digests.build(wednesday) == 1
        assert digests.period_key("weekly", datetime.datetime(2026, 11, 25)) == "digest:weekly:2026-W48"

    def test_digest_leaves_out_what_the_user_can_no_longer_see(self, inbox):
        """A held message about a dataset since made private is withheld, not sent in the digest."""
        dataset = editor_dataset()
        other = factories.User(name="reader")
        call_action("notify_preferences_update", context={"user": "reader"}, overdue="daily")
        outbox.notify(other["id"], "overdue", "k1", "dataset_overdue", {"due": "2026-11-01"}, package_id=dataset["id"])
        model.Session.commit()
        call_action("package_patch", context={"user": "editor"}, id=dataset["id"], private=True)
        tick.tick()
        run_jobs()
        assert inbox.messages == []
        assert statuses() == [("digest", "withheld"), ("overdue", "withheld")]


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestMailCatcher:
    def test_catcher_writes_eml_and_page_shows_it(self, app, tmp_path, ckan_config, monkeypatch):
        """A message sent to the catcher is written as an .eml file; the sysadmin page shows its text."""
        port = free_port()
        monkeypatch.setitem(ckan_config, "ckanext.imwg_notify.catch_dir", str(tmp_path))
        server = catcher.controller(str(tmp_path), port)
        server.start()
        try:
            message = EmailMessage()
            message["From"], message["To"], message["Subject"] = "portal@localhost", "ana@example.org", "Caught"
            message.set_content("Hello from the portal")
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                smtp.send_message(message)
        finally:
            server.stop()
        for _ in range(50):
            if list(tmp_path.glob("*.eml")):
                break
            time.sleep(0.05)
        [eml] = list(tmp_path.glob("*.eml"))
        assert b"Hello from the portal" in eml.read_bytes()
        factories.Sysadmin(name="root")
        token = call_action("api_token_create", context={"user": "root"}, user="root", name="t")["token"]
        page = app.get("/ckan-admin/mail", headers={"Authorization": token})
        assert "Caught" in page.body and "Hello from the portal" in page.body
