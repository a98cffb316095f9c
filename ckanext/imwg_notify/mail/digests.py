"""Digests: the held messages of one user gathered in one message, daily
(every day) or weekly (on ``ckanext.imwg_notify.weekly_day``).

A digest is itself a queued message (kind ``digest``, template ``digest``)
whose key names its day (``digest:daily:2026-11-26``) or week
(``digest:weekly:2026-W48``): building twice the same day stores nothing more.
The held messages it carries point at it (``batch``) and are marked sent
with it.
"""

from __future__ import annotations

import datetime
import uuid

import ckan.model as model
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from .. import config
from .. import model as notify_model
from ..outbox import REQUEUE_AFTER, send_after_commit


def period_key(digest: str, now: datetime.datetime) -> str:
    """The key of ``digest`` (daily / weekly) for the period ``now`` falls in."""
    if digest == "daily":
        return f"digest:daily:{now.date().isoformat()}"
    year, week, _day = now.isocalendar()
    return f"digest:weekly:{year}-W{week:02d}"


def due(now: datetime.datetime) -> list[str]:
    """The digests to build at ``now``."""
    return ["daily", "weekly"] if now.weekday() == config.weekly_day() else ["daily"]


def build(now: datetime.datetime) -> int:
    """Queue today's digests (and this week's on the weekly day) for every user
    with held messages; commits. Returns how many digests were queued."""
    table = notify_model.message_table
    built = 0
    for digest in due(now):
        key = period_key(digest, now)
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
            send_after_commit(digest_id)
            built += 1
    model.Session.commit()
    return built
