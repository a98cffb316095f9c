"""The outbox: what the suite's features call to owe a user (or an address)
a message. A message is stored in the caller's transaction and sent later by
a background job (``mail.sender``), never from the request that caused it.

Senders call :func:`notify`; nothing here renders or sends. A message that
the recipient asked to get immediately is handed to the jobs queue once the
caller's transaction commits (the worker could not read it before); one
asked for in a digest is held for it; "none" stores nothing.
"""

from __future__ import annotations

import atexit
import datetime
import json
import logging
import os
import queue
import threading
import uuid
from typing import Any

import ckan.model as model
import flask
import rq
import sqlalchemy as sa
from sqlalchemy import orm

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
    # the recipient's choice read and the message stored in one statement
    spec = KINDS[kind]
    now = datetime.datetime.utcnow()
    message_id = str(uuid.uuid4())
    stored = model.Session.execute(
        _STORE,
        {
            "id": message_id,
            "recipient": user_id or f"mailto:{email.strip().lower()}",
            "user_id": user_id,
            "email": None if user_id else email.strip(),
            "kind": kind,
            "key": key,
            "template": template,
            "data": json.dumps(data),
            "package_id": package_id,
            "allowed": list(spec["frequencies"]),
            "default": spec["default"] if user_id else IMMEDIATE,
            "next_attempt": now + REQUEUE_AFTER,
            "now": now,
        },
    ).first()
    if stored is None:  # told already (the same key), or the recipient chose "none"
        return False
    if stored.status == notify_model.QUEUED:
        send_after_commit(message_id)
    return True


#: one message stored as its recipient's choice for its kind says: queued
#: (immediate), held for a digest (daily, weekly) or not at all (none)
_STORE = sa.text(
    """
    INSERT INTO imwg_notify_message
        (id, recipient, user_id, email, kind, key, template, data, package_id, status, digest, attempts,
         next_attempt, created)
    SELECT :id, :recipient, :user_id, :email, :kind, :key, :template, CAST(:data AS jsonb), :package_id,
           CASE WHEN f.how = 'immediate' THEN 'queued' ELSE 'held' END,
           CASE WHEN f.how = 'immediate' THEN NULL ELSE f.how END,
           0,
           CASE WHEN f.how = 'immediate' THEN CAST(:next_attempt AS timestamp) END,
           :now
    FROM (
        SELECT CASE WHEN p.frequency = ANY(CAST(:allowed AS text[])) THEN p.frequency ELSE :default END AS how
        FROM (SELECT 1) AS one
        LEFT JOIN imwg_notify_preference p ON p.user_id = :user_id AND p.kind = :kind
    ) AS f
    WHERE f.how <> 'none'
    ON CONFLICT ON CONSTRAINT imwg_notify_message_recipient_key DO NOTHING
    RETURNING id, status
    """
)


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
    if flask.has_request_context() and rq.get_current_job() is None:
        # a web request's answer does not wait for Redis: a thread of this
        # process queues them (a job's work horse ends with a hard exit that
        # would leave them to the tick: jobs queue them themselves)
        _hand_over(pending)
    else:
        _enqueue(pending)


def _enqueue(pending: list[str]) -> None:
    from .mail import sender

    try:  # one job for the transaction's messages
        if len(pending) == 1:
            sender.enqueue(pending[0])
        else:
            sender.enqueue_many(pending)
    except Exception:  # Redis down: the tick hands the messages to the queue later
        log.exception("imwg_notify: could not queue messages %s", ", ".join(pending))


#: the messages web requests of this process committed, waiting for the thread that queues them
_handed: queue.Queue[list[str]] | None = None
_handed_in = 0  # the process that made the thread (a forked child makes its own)
_handing = threading.Lock()


def _hand_over(pending: list[str]) -> None:
    global _handed, _handed_in
    with _handing:
        if _handed is None or _handed_in != os.getpid():
            _handed, _handed_in = queue.Queue(), os.getpid()
            threading.Thread(target=_queue_handed, args=(_handed,), name="imwg_notify-queue", daemon=True).start()
            atexit.register(flush)
    _handed.put(pending)


def _queue_handed(handed: queue.Queue[list[str]]) -> None:
    while True:
        pending = handed.get()
        try:
            _enqueue(pending)
        finally:
            handed.task_done()


def flush() -> None:
    """Wait until the messages this process's web requests committed are on
    the jobs queue (a process that ends, tests). A message whose queueing is
    lost all the same (the process killed) is queued again by the tick."""
    if _handed is not None and _handed_in == os.getpid():
        _handed.join()


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
