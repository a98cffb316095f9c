"""What became of the messages: counts by status, the last failures."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import sqlalchemy as sa

from .. import model as notify_model


def summary(limit: int) -> dict[str, Any]:
    """``counts`` (every status, 0 included) and the last ``limit`` messages
    that failed or wait for a retry (``failures``), without their content."""
    table = notify_model.message_table
    counts = dict.fromkeys(notify_model.STATUSES, 0)
    for name, count in model.Session.execute(sa.select(table.c.status, sa.func.count()).group_by(table.c.status)):
        counts[name] = count
    failures = model.Session.execute(
        sa.select(
            table.c.id,
            table.c.key,
            table.c.kind,
            table.c.status,
            table.c.attempts,
            table.c.next_attempt,
            table.c.last_error,
            table.c.created,
        )
        .where(table.c.last_error.isnot(None), table.c.status.in_([notify_model.FAILED, notify_model.QUEUED]))
        .order_by(table.c.created.desc())
        .limit(limit)
    ).mappings()
    return {"counts": counts, "failures": [dict(row) for row in failures]}
