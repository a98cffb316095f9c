"""Digests: a user's notifications of a period gathered in one message, daily
(every day) or weekly (on ``ckanext.imwg_notify.weekly_day``): the followed
changes (``follows.digest``, written once per group of alike recipients) and
the messages held for it.

A digest is itself a queued message (kind ``digest``, template ``digest``)
whose key names its day (``digest:daily:2026-11-26``) or week
(``digest:weekly:2026-W48``): building twice the same day stores nothing more.
The held messages it carries point at it (``batch``) and are marked sent
with it. The digests are sent by jobs of up to :data:`BATCH` messages each.
"""

from __future__ import annotations

import datetime
import logging
import uuid

import ckan.model as model
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from .. import config
from .. import model as notify_model
from ..outbox import REQUEUE_AFTER

log = logging.getLogger(__name__)


def period_key(digest: str, now: datetime.datetime) -> str:
    """The key of ``digest`` (daily / weekly) for the period ``now`` falls in."""
    if digest == "daily":
        return f"digest:daily:{now.date().isoformat()}"
    year, week, _day = now.isocalendar()
    return f"digest:weekly:{year}-W{week:02d}"


def due(now: datetime.datetime) -> list[str]:
    """The digests to build at ``now``."""
    return ["daily", "weekly"] if now.weekday() == config.weekly_day() else ["daily"]


#: how far back the first run of a digest looks
PERIODS = {"daily": datetime.timedelta(days=1), "weekly": datetime.timedelta(days=7)}
#: how many digest messages one send job carries
BATCH = 200


def build(now: datetime.datetime) -> int:
    """Queue today's digests (and this week's on the weekly day): the
    followed changes of the period for those who chose that digest, and
    every user's held messages; commits. Returns how many digests were queued."""
    built: list[str] = []
    for digest in due(now):
        key = period_key(digest, now)
        built += _changes(digest, key, now)
        built += _held(digest, key, now)
    from ..follows import digest as follows_digest

    follows_digest.forget_before(now - config.keep_changes())
    model.Session.commit()
    for start in range(0, len(built), BATCH):
        _enqueue(built[start : start + BATCH])
    return len(built)


def _enqueue(ids: list[str]) -> None:
    from . import sender

    try:
        sender.enqueue_many(ids)
    except Exception:  # Redis down: the tick hands the messages to the queue later
        log.exception("imwg_notify: could not queue %s digests", len(ids))


def _changes(digest: str, key: str, now: datetime.datetime) -> list[str]:
    """The digests of the followed changes since the last run of ``digest``
    (once per period: a second run in the same period finds its key taken)."""
    from ..follows import digest as follows_digest

    runs = notify_model.digest_run_table
    since = model.Session.execute(sa.select(sa.func.max(runs.c.covered_until)).where(runs.c.digest == digest)).scalar()
    started = model.Session.execute(
        insert(runs).values(digest=digest, key=key, covered_until=now).on_conflict_do_nothing().returning(runs.c.key)
    ).scalar()
    if started is None:
        return []
    return follows_digest.build(digest, key, since or now - PERIODS[digest], now)


def _held(digest: str, key: str, now: datetime.datetime) -> list[str]:
    """A digest for each user with messages held for ``digest``."""
    table = notify_model.message_table
    built = []
    users = model.Session.execute(
        sa.select(table.c.user_id)
        .where(
            table.c.status == notify_model.HELD,
            table.c.digest == digest,
            table.c.batch.is_(None),
            table.c.user_id.isnot(None),
            table.c.created <= now,
        )
        .distinct()
    ).scalars()
    for user_id in list(users):
        digest_id = str(uuid.uuid4())
        stored = model.Session.execute(
            insert(table)
            .values(
                id=digest_id,
                recipient=user_id,
                user_id=user_id,
                kind="digest",
                key=key,
                template="digest",
                data={"digest": digest},
                status=notify_model.QUEUED,
                digest=digest,
                attempts=0,
                next_attempt=now + REQUEUE_AFTER,
                created=now,
            )
            .on_conflict_do_nothing(constraint="imwg_notify_message_recipient_key")
            .returning(table.c.id)
        ).scalar()
        if stored is None:  # this period's digest is built already: the rest waits for the next
            continue
        model.Session.execute(
            table.update()
            .where(
                table.c.user_id == user_id,
                table.c.status == notify_model.HELD,
                table.c.digest == digest,
                table.c.batch.is_(None),
                table.c.created <= now,
            )
            .values(batch=digest_id)
        )
        built.append(digest_id)
    return built
