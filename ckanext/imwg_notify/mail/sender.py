"""The send job: one message, locked, written, sent through CKAN's mailer,
marked sent. A failure is retried later with a growing wait; after
``ckanext.imwg_notify.max_attempts`` tries the message is marked failed.

The job holds the message's row lock (``FOR UPDATE SKIP LOCKED``) from
before it writes until it commits: a second worker given the same message
skips it, and a sent message is never picked again.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.lib import mailer

from .. import config
from .. import model as notify_model
from ..outbox import REQUEUE_AFTER
from . import render

log = logging.getLogger(__name__)

JOB_TITLE = "imwg_notify: send message"


def enqueue(message_id: str) -> None:
    """Hand a queued message to CKAN's jobs queue."""
    tk.enqueue_job(send, [message_id], title=f"{JOB_TITLE} {message_id}")


def send(message_id: str) -> str:
    """The job: send message ``message_id`` if it is still owed. Returns what became of it
    (``sent``, ``withheld``, ``retry``, ``failed`` or ``skipped``)."""
    try:
        return _send(message_id)
    finally:
        model.Session.remove()


def _send(message_id: str) -> str:
    table = notify_model.message_table
    now = datetime.datetime.utcnow()
    row = (
        model.Session.execute(
            sa.select(table)
            .where(
                table.c.id == message_id,
                table.c.status == notify_model.QUEUED,
                sa.or_(table.c.attempts == 0, table.c.next_attempt <= now),
            )
            .with_for_update(skip_locked=True)
        )
        .mappings()
        .first()
    )
    if row is None:  # sent, given up, waiting for its retry, or being sent by another worker
        model.Session.rollback()
        return "skipped"
    row = dict(row)
    user = model.User.get(row["user_id"]) if row["user_id"] else None
    if row["user_id"] and (user is None or user.state != "active"):
        return _finish(row, notify_model.WITHHELD)
    address = user.email if user else row["email"]
    items = _items(row) if row["kind"] == "digest" else None
    if not address:  # nothing to try again: kept, with why, for the status page
        return _finish(row, notify_model.WITHHELD, items=items, error="the recipient has no e-mail address")
    try:
        with render.in_language(render.locale_of(row["user_id"])):
            letter = render.write(row, user, items)
        if letter is None:
            return _finish(row, notify_model.WITHHELD, items=items)
        mailer.mail_recipient(
            user.display_name if user else "",
            address,
            letter["subject"],
            letter["body"],
            body_html=letter["html"],
            headers={"X-IMWG-Notification": row["kind"]},
        )
    except Exception as error:  # the mail server down or refusing, a template broken...
        return _failed(row, error)
    _finish(row, notify_model.SENT, items=items, withheld=letter["withheld"])
    try:
        _audit(row, user)
    except Exception:  # the mail is gone: it is marked sent whatever the audit log says
        log.exception("imwg_notify: message %s sent but not recorded in the audit log", row["id"])
    model.Session.commit()
    return "sent"


def _items(row: dict[str, Any]) -> list[dict[str, Any]]:
    table = notify_model.message_table
    rows = model.Session.execute(
        sa.select(table)
        .where(table.c.batch == row["id"], table.c.status == notify_model.HELD)
        .order_by(table.c.created)
    )
    return [dict(item) for item in rows.mappings()]


def _finish(
    row: dict[str, Any],
    status: str,
    items: list[dict[str, Any]] | None = None,
    withheld: list[str] | None = None,
    error: str | None = None,
) -> str:
    table = notify_model.message_table
    now = datetime.datetime.utcnow()
    model.Session.execute(
        table.update()
        .where(table.c.id == row["id"])
        .values(status=status, sent_at=now if status == "sent" else None, last_error=error)
    )
    if items:
        hidden = set(withheld or []) if status == notify_model.SENT else {item["id"] for item in items}
        for item in items:
            model.Session.execute(
                table.update()
                .where(table.c.id == item["id"])
                .values(
                    status=notify_model.WITHHELD if item["id"] in hidden else notify_model.SENT,
                    sent_at=None if item["id"] in hidden else now,
                )
            )
    if status != notify_model.SENT:
        model.Session.commit()
    return status


def _failed(row: dict[str, Any], error: Exception) -> str:
    table = notify_model.message_table
    log.warning("imwg_notify: message %s not sent: %s", row["id"], error)
    model.Session.rollback()  # what the writing may have left; the lock goes with it
    attempts = row["attempts"] + 1
    gave_up = attempts >= config.max_attempts()
    model.Session.execute(
        table.update()
        .where(table.c.id == row["id"], table.c.status == notify_model.QUEUED, table.c.attempts == row["attempts"])
        .values(
            attempts=attempts,
            status=notify_model.FAILED if gave_up else notify_model.QUEUED,
            next_attempt=None if gave_up else datetime.datetime.utcnow() + config.retry_delay(attempts),
            last_error=f"{type(error).__name__}: {error}"[:2000],
        )
    )
    model.Session.commit()
    return "failed" if gave_up else "retry"


def _audit(row: dict[str, Any], user: model.User | None) -> None:
    # The audit log belongs to the sensitivity plugin, when it is loaded.
    try:
        record = tk.get_action("access_audit_record")
    except KeyError:
        return
    entry: dict[str, Any] = {
        "event": "notification_sent",
        # the portal sent it: no actor; whom to is in the detail (a user's id, or "address")
        "detail": {
            "message_id": row["id"],
            "kind": row["kind"],
            "key": row["key"],
            "template": row["template"],
            "recipient": row["user_id"] or "address",
        },
    }
    if row["package_id"]:
        entry["package_id"] = row["package_id"]
    record({"ignore_auth": True, "user": "", "defer_commit": True}, entry)


def requeue_due(now: datetime.datetime) -> int:
    """Hand again to the queue every queued message whose time has come (a
    retry that is due, or one whose job was lost). Returns how many."""
    table = notify_model.message_table
    due = model.Session.execute(
        sa.select(table.c.id).where(table.c.status == notify_model.QUEUED, table.c.next_attempt <= now)
    ).scalars()
    ids = list(due)
    for message_id in ids:
        enqueue(message_id)
    # a first try that got lost waits the same grace again before the next hand-over
    if ids:
        model.Session.execute(
            table.update().where(table.c.id.in_(ids), table.c.attempts == 0).values(next_attempt=now + REQUEUE_AFTER)
        )
        model.Session.commit()
    return len(ids)
