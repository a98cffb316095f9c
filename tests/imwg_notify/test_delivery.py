"""Delivery: a notification stored in a transaction is sent by a jobs worker
through a real SMTP server, once; a server that is down delays it (retries
with backoff), never the request that caused it."""

from __future__ import annotations

import datetime

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_notify import outbox
from ckanext.imwg_notify.mail import sender
from ckanext.imwg_notify.model import message_table
from tests.imwg_notify.conftest import SMTP_SERVER, run_jobs, text_of
from tests.support import editor_dataset

PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_notify imwg_search"
)


def rows():
    return [
        dict(r) for r in model.Session.execute(sa.select(message_table).order_by(message_table.c.created)).mappings()
    ]


def time_passes():
    """The waits of the queued messages are over (as if their retry time had come)."""
    model.Session.execute(
        message_table.update()
        .where(message_table.c.status == "queued")
        .values(next_attempt=datetime.datetime.utcnow() - datetime.timedelta(seconds=1))
    )
    model.Session.commit()


def overdue(user_id, dataset, key="k1"):
    stored = outbox.notify(user_id, "overdue", key, "dataset_overdue", {"due": "2026-11-01"}, package_id=dataset["id"])
    model.Session.commit()
    return stored


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config("smtp.server", SMTP_SERVER)
@pytest.mark.usefixtures("app")  # the jobs write mail with the app last built: this one, with these plugins
class TestDelivery:
    def test_queued_message_arrives_once(self, inbox):
        """A stored message goes to the queue on commit; the worker sends it and marks it sent."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        assert overdue(editor.id, dataset)
        run_jobs()
        [message] = inbox.to(editor.email)
        assert message["Subject"] == "Casualties 2024 is due for an update"
        assert "http://test.ckan.net/dataset/casualties-2024\n" in text_of(message)
        [row] = rows()
        assert row["status"] == "sent" and row["sent_at"] is not None and row["attempts"] == 0
        run_jobs()
        assert len(inbox.messages) == 1

    def test_same_key_stores_nothing(self):
        """A second notification with the same recipient and key is not stored."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        assert overdue(editor.id, dataset)
        assert not overdue(editor.id, dataset)
        assert len(rows()) == 1

    def test_not_queued_before_commit(self):
        """Nothing reaches the queue while the transaction is open, nor after a rollback."""
        from ckan.lib import jobs

        dataset = editor_dataset()
        editor = model.User.get("editor")
        outbox.notify(editor.id, "overdue", "k", "dataset_overdue", {}, package_id=dataset["id"])
        assert jobs.get_queue().count == 0
        model.Session.rollback()
        assert jobs.get_queue().count == 0 and rows() == []

    def test_server_down_then_retried_with_backoff(self, inbox):
        """A refused message waits and is retried; the tick sends it when due, once."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        editor_id, email = editor.id, editor.email
        inbox.refuse = True
        overdue(editor_id, dataset)
        run_jobs()
        [row] = rows()
        assert row["status"] == "queued" and row["attempts"] == 1
        assert "451" in row["last_error"]
        wait = row["next_attempt"] - datetime.datetime.utcnow()
        assert datetime.timedelta(seconds=30) < wait <= datetime.timedelta(seconds=60)
        inbox.refuse = False
        from ckanext.imwg_notify.mail import tick

        assert tick.tick()["requeued"] == 0  # not due yet
        run_jobs()
        assert inbox.messages == []
        time_passes()
        assert tick.tick()["requeued"] == 1
        run_jobs()
        assert len(inbox.to(email)) == 1
        assert rows()[0]["status"] == "sent"

    def test_gives_up_after_max_attempts(self, inbox, ckan_config, monkeypatch):
        """After the configured number of tries a message is failed, with its error."""
        monkeypatch.setitem(ckan_config, "ckanext.imwg_notify.max_attempts", 2)
        dataset = editor_dataset()
        editor = model.User.get("editor")
        editor_id = editor.id
        inbox.refuse = True
        overdue(editor_id, dataset)
        run_jobs()
        from ckanext.imwg_notify.mail import tick

        time_passes()
        tick.tick()
        run_jobs()
        [row] = rows()
        assert row["status"] == "failed" and row["attempts"] == 2 and row["next_attempt"] is None
        status = call_action("notify_status_show")
        assert status["counts"]["failed"] == 1
        assert "451" in status["failures"][0]["last_error"]

    def test_server_down_never_fails_the_request(self, app):
        """With no SMTP server at all, the action that owes mail succeeds and stores it."""
        dataset = editor_dataset()
        sysadmin = factories.Sysadmin()
        overdue(sysadmin["id"], dataset)
        run_jobs()
        [row] = rows()
        assert row["status"] == "queued" and row["attempts"] == 1
        assert "Connection refused" in row["last_error"] or "111" in row["last_error"]

    def test_two_workers_never_send_twice(self, inbox):
        """The same message handed to the queue twice (a lost job and the tick's) is sent once."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        overdue(editor.id, dataset)
        [row] = rows()
        sender.enqueue(row["id"])
        sender.enqueue(row["id"])
        run_jobs()
        assert len(inbox.messages) == 1

    def test_locked_message_is_skipped(self, inbox):
        """While one worker holds a message, another skips it."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        overdue(editor.id, dataset)
        [row] = rows()
        engine = model.meta.engine
        with engine.connect() as other:
            transaction = other.begin()
            other.execute(sa.text("SELECT id FROM imwg_notify_message WHERE id = :id FOR UPDATE"), {"id": row["id"]})
            assert sender.send(row["id"]) == "skipped"
            transaction.rollback()
        assert sender.send(row["id"]) == "sent"
        assert sender.send(row["id"]) == "skipped"
        assert len(inbox.messages) == 1

    def test_each_mail_sent_is_in_the_audit_log(self, inbox):
        """A sent message is recorded in the sensitivity plugin's audit log (no content, its key)."""
        from ckanext.imwg_sensitivity.model import audit_table

        dataset = editor_dataset()
        editor = model.User.get("editor")
        overdue(editor.id, dataset)
        run_jobs()
        [entry] = model.Session.execute(
            sa.select(audit_table).where(audit_table.c.event == "notification_sent")
        ).mappings()
        assert entry["package_id"] == dataset["id"]
        assert "k1" in str(entry["detail"]) and "Casualties" not in str(entry["detail"])
