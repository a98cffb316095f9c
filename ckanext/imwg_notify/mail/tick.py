"""The periodic work, in one call (``ckan notify tick``, or the tick job):
retries that are due go back to the queue, the suite's ``TICK`` signal lets
features send their time-based events (expiries, reminders, overdue
datasets), and the digests due are built."""

from __future__ import annotations

import datetime
import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces

from . import digests, sender

log = logging.getLogger(__name__)


def tick(now: datetime.datetime | None = None) -> dict[str, Any]:
    """Run the periodic work as of ``now`` (UTC; default: now). Returns what it did."""
    now = now or datetime.datetime.utcnow()
    requeued = sender.requeue_due(now)
    receivers = failed = 0
    for receiver in list(interfaces.signal(interfaces.TICK).receivers_for(now)):
        # one feature's failure does not keep the others' events (nor the digests) from going
        receivers += 1
        try:
            receiver(now)
            model.Session.commit()
        except Exception:
            failed += 1
            log.exception("imwg_notify: a tick receiver failed")
            model.Session.rollback()
    built = digests.build(now)
    return {"requeued": requeued, "receivers": receivers, "failed_receivers": failed, "digests": built}


def enqueue_tick() -> None:
    """Run :func:`tick` as a background job."""
    tk.enqueue_job(tick, [], title="imwg_notify: tick")
