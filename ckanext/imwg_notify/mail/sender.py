"""The send job: one message, locked, written, sent through CKAN's mailer,
marked sent. A failure is retried later with a growing wait; after
``ckanext.imwg_notify.max_attempts`` tries the message is marked failed.

The job holds the message's row lock (``FOR UPDATE SKIP LOCKED``) from
before it writes until it commits: a second worker given the same message
skips it, and a sent message is never picked again.
"""

from __future__ import annotations

import concurrent.futures
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


def enqueue_many(message_ids: list[str]) -> None:
    """Hand many queued messages to the jobs queue as one job."""
    tk.enqueue_job(send_many, [message_ids], title=f"{JOB_TITLE}s ({len(message_ids)})")


def send_many(message_ids: list[str]) -> dict[str, int]:
    """The job of many messages. The digests written for a group of
    recipients (the bulk of a day's mail) go in rounds of
    :data:`ROUND`: their rows locked together, handed to the mail server
    by ``ckanext.imwg_notify.send_threads`` connections at a time (each
    through CKAN's mailer), marked and audited together; any other message
    is sent as :func:`send` sends it. Returns how many became of what."""
    outcome: dict[str, int] = {}
    contents: dict[str, dict[str, Any] | None] = {}
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=config.send_threads()) as pool:
            for start in range(0, len(message_ids), ROUND):
                done, others = _send_round(message_ids[start : start + ROUND], pool, contents)
                for message_id in others:
                    done.append(_send(message_id))
                for status in done:
                    outcome[status] = outcome.get(status, 0) + 1
    finally:
        model.Session.remove()
    return outcome


#: how many digests of a group are locked, sent and committed together
ROUND = 25


def _send_round(
    message_ids: list[str],
    pool: concurrent.futures.Executor,
    contents: dict[str, dict[str, Any] | None],
) -> tuple[list[str], list[str]]:
    """Send the group digests among ``message_ids``; returns what became of
    them and the ids left for :func:`_send` (other messages, and those
    this round could not lock)."""
    table = notify_model.message_table
    now = datetime.datetime.utcnow()
    rows = [
        dict(r)
        for r in model.Session.execute(
            sa.select(table)
            .where(
                table.c.id.in_(message_ids),
                table.c.status == notify_model.QUEUED,
                table.c.kind == "digest",
                table.c.data["content"].astext.isnot(None),
                sa.or_(table.c.attempts == 0, table.c.next_attempt <= now),
            )
            .with_for_update(skip_locked=True)
        ).mappings()
    ]
    locked = {row["id"] for row in rows}
    others = [m for m in message_ids if m not in locked]
    if not rows:  # nothing locked: the transaction goes on with the others
        return [], others
    users = {
        u.id: u for u in model.Session.query(model.User).filter(model.User.id.in_({row["user_id"] for row in rows}))
    }
    done: list[str] = []
    letters = []
    for row in rows:
        user = users.get(row["user_id"])
        if user is None or user.state != "active":
            done.append(_mark(row, notify_model.WITHHELD))
        elif not user.email:
            done.append(_mark(row, notify_model.WITHHELD, error="the recipient has no e-mail address"))
        else:
            letter = _shared(row["data"]["content"], user, contents)
            if letter is None:
                done.append(_mark(row, notify_model.WITHHELD))
            else:
                letters.append((row, user, letter))
    errors = list(pool.map(lambda item: _deliver(*item), letters))
    sent = []
    for (row, user, _letter), error in zip(letters, errors, strict=True):
        if error is None:
            done.append(notify_model.SENT)
            sent.append((row, user))
        else:
            log.warning("imwg_notify: message %s not sent: %s", row["id"], error)
            done.append(_retry_later(row, error))
    if sent:
        model.Session.execute(
            table.update()
            .where(table.c.id.in_([row["id"] for row, _user in sent]))
            .values(status=notify_model.SENT, sent_at=datetime.datetime.utcnow(), last_error=None)
        )
    try:
        _audit_many([row for row, _user in sent])
    except Exception:  # the mails are gone: they are marked sent whatever the audit log says
        log.exception("imwg_notify: %s messages sent but not recorded in the audit log", len(sent))
    model.Session.commit()
    return done, others


def _deliver(row: dict[str, Any], user: model.User, letter: dict[str, Any]) -> Exception | None:
    """Hand one letter to the mail server (in a thread of the round); its error, if any."""
    try:
        mailer.mail_recipient(
            user.display_name,
            user.email,
            letter["subject"],
            letter["body"],
            body_html=letter["html"],
            headers={"X-IMWG-Notification": row["kind"]},
        )
    except Exception as error:  # the mail server down or refusing
        return error
    return None


def _mark(row: dict[str, Any], status: str, error: str | None = None) -> str:
    table = notify_model.message_table
    now = datetime.datetime.utcnow()
    model.Session.execute(
        table.update()
        .where(table.c.id == row["id"])
        .values(status=status, sent_at=now if status == notify_model.SENT else None, last_error=error)
    )
    return status


def _retry_later(row: dict[str, Any], error: Exception) -> str:
    """A failed message: tried again later, or given up after ``max_attempts`` (in the caller's transaction)."""
    table = notify_model.message_table
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
    return "failed" if gave_up else "retry"


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
        if row["kind"] == "digest" and row["data"].get("content"):
            letter = _shared(row["data"]["content"], user)
        else:
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


def _shared(
    content_id: str, user: model.User, contents: dict[str, dict[str, Any] | None] | None = None
) -> dict[str, Any] | None:
    """A group's digest (written when it was built, for recipients who see
    what it names) with ``user``'s own name and links put in; ``contents``
    keeps the groups' digests read by one job."""
    from ..follows import digest

    contents = {} if contents is None else contents
    if content_id not in contents:
        table = notify_model.digest_content_table
        found = model.Session.execute(sa.select(table).where(table.c.id == content_id)).mappings().first()
        contents[content_id] = dict(found) if found else None
    content = contents[content_id]
    if content is None:
        return None
    return {
        "subject": digest.personal(content["subject"], user),
        "body": digest.personal(content["body"], user),
        "html": digest.personal(content["html"], user) if content["html"] else None,
        "withheld": [],
    }


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
    _mark(row, status, error)
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
    log.warning("imwg_notify: message %s not sent: %s", row["id"], error)
    model.Session.rollback()  # what the writing may have left; the lock goes with it
    outcome = _retry_later(row, error)
    model.Session.commit()
    return outcome


def _audit(row: dict[str, Any], user: model.User | None) -> None:
    _audit_many([row])


def _audit_many(rows: list[dict[str, Any]]) -> None:
    # The audit log belongs to the sensitivity plugin, when it is loaded.
    if not rows:
        return
    try:
        record = tk.get_action("access_audit_record")
    except KeyError:
        return
    entries = []
    for row in rows:
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
        entries.append(entry)
    record({"ignore_auth": True, "user": "", "defer_commit": True}, {"entries": entries})


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
