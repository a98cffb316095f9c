"""The outbox: what the suite's features call to owe a user (or an address)
a message. A message is stored in the caller's transaction and sent later by
a background job (``mail.sender``), never from the request that caused it.

Senders call :func:`notify`; nothing here renders or sends. A message that
the recipient asked to get immediately is handed to the jobs queue once the
caller's transaction commits (the worker could not read it before); one
asked for in a digest is held for it; "none" stores nothing.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

import ckan.model as model
import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects.postgresql import insert

from . import model as notify_model

log = logging.getLogger(__name__)

IMMEDIATE, DAILY, WEEKLY, NONE = "immediate", "daily", "weekly", "none"
FREQUENCIES = (IMMEDIATE, DAILY, WEEKLY, NONE)

#: the kinds of notification a user chooses a frequency for. ``frequencies``:
#: the choices offered (access decisions are never put off to a digest).
KINDS: dict[str, dict[str, Any]] = {
    "access": {"default": IMMEDIATE, "frequencies": (IMMEDIATE, NONE)},
    "changes": {"default": DAILY, "frequencies": FREQUENCIES},
    "overdue": {"default": IMMEDIATE, "frequencies": FREQUENCIES},
    "needs": {"default": IMMEDIATE, "frequencies": FREQUENCIES},
}

#: ``Session.info`` key: ids of the messages to hand to the queue after commit
_PENDING = "imwg_notify_pending"
#: a queued message not sent by then is handed to the queue again by the tick
REQUEUE_AFTER = datetime.timedelta(minutes=5)


def notify(
    user_id: str | None,
    kind: str,
    key: str,
    template: str,
    data: dict[str, Any],
    *,
    email: str | None = None,
    package_id: str | None = None,
) -> bool:
    """Store one notification in the caller's transaction (``model.Session``; not committed).

    Args:
        user_id: the recipient user's id; None with ``email``: an address that
            is not an account (it sees what an anonymous visitor sees).
        kind: one of :data:`KINDS`; the recipient's preference for it decides.
        key: what makes the call idempotent: a second call with the same
            recipient and key stores nothing.
        template: the name under ``templates/imwg_notify/mail/``
            (``<template>.subject.txt``, ``<template>.txt``, optional ``.html``).
        data: plain values (ids, dates as ISO strings...) given to the template.
        email: the address when ``user_id`` is None.
        package_id: the dataset the message is about; at render time it is read
            as the recipient (``package`` in the template, None when they may
            not see it, and then a message of any kind but ``access`` is withheld).

    Returns:
        Whether a message was stored.
    """
    if kind not in KINDS:
        raise ValueError(f"imwg_notify: unknown kind {kind!r}")
    if not user_id and not email:
        raise ValueError("imwg_notify: a notification needs a user_id or an email")
    how = frequency(user_id, kind) if user_id else IMMEDIATE
    if how == NONE:
        return False
    now = datetime.datetime.utcnow()
    message_id = str(uuid.uuid4())
    values = {
        "id": message_id,
        "recipient": user_id or f"mailto:{email.strip().lower()}",
        "user_id": user_id,
        "email": None if user_id else email.strip(),
        "kind": kind,
        "key": key,
        "template": template,
        "data": data,
        "package_id": package_id,
        "status": notify_model.QUEUED if how == IMMEDIATE else notify_model.HELD,
        "digest": None if how == IMMEDIATE else how,
        "attempts": 0,
        "next_attempt": now + REQUEUE_AFTER if how == IMMEDIATE else None,
        "created": now,
    }
    statement = (
        insert(notify_model.message_table)
        .values(**values)
        .on_conflict_do_nothing(constraint="imwg_notify_message_recipient_key")
        .returning(notify_model.message_table.c.id)
    )
    stored = model.Session.execute(statement).scalar() is not None
    if stored and how == IMMEDIATE:
        send_after_commit(message_id)
    return stored


def send_after_commit(message_id: str) -> None:
    """Hand message ``message_id`` to the jobs queue once the current transaction commits
    (forgotten if it rolls back: the message is gone with it)."""
    model.Session().info.setdefault(_PENDING, []).append(message_id)


def frequency(user_id: str, kind: str) -> str:
    """How often ``user_id`` wants notifications of ``kind`` (their choice, else the kind's default)."""
    table = notify_model.preference_table
    chosen = model.Session.execute(
        sa.select(table.c.frequency).where(table.c.user_id == user_id, table.c.kind == kind)
    ).scalar()
    if chosen in KINDS[kind]["frequencies"]:
        return chosen
    return KINDS[kind]["default"]


def _after_commit(session: orm.Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint (another plugin's ``begin_nested``): the transaction goes on
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    from .mail import sender

    for message_id in pending:
        try:
            sender.enqueue(message_id)
        except Exception:  # Redis down: the tick hands the message to the queue later
            log.exception("imwg_notify: could not queue message %s", message_id)


def _after_rollback(session: orm.Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(_PENDING, None)


def install() -> None:
    """Hand the messages stored by a transaction to the jobs queue when it
    commits (installed by the plugin)."""
    # On the Session class, so that every CKAN session (the scoped one is
    # re-created after a worker's fork) is covered; registered once per process.
    if not sa.event.contains(orm.Session, "after_commit", _after_commit):
        sa.event.listen(orm.Session, "after_commit", _after_commit)
        sa.event.listen(orm.Session, "after_rollback", _after_rollback)
