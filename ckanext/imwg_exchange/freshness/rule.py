"""The freshness rule: from a dataset's update frequency and the last time
its data changed (or was confirmed still current), a status.

The thresholds are HDX's (OCHA's hdx-data-freshness, its ``aging`` table):
a dataset is *due* once as old as its update period, *overdue* and
*delinquent* after a grace that grows with the period. HDX treats "Live",
"Never" and "As needed" as always fresh; here "Never" and "As needed" get a
status of their own, ``never`` ("no schedule"), so that a facet does not
count them among the datasets that keep to a schedule. A dataset without an
update frequency has no schedule either: ``never``. ``archived`` (the owner
marks the dataset as no longer updated) wins over everything.

Pure: no CKAN, no database. ``now`` and the times are naive UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

FRESH = "fresh"
DUE = "due"
OVERDUE = "overdue"
DELINQUENT = "delinquent"
ARCHIVED = "archived"
NEVER = "never"

#: every status, in the order facets and badges list them
STATUSES = (FRESH, DUE, OVERDUE, DELINQUENT, ARCHIVED, NEVER)
#: the statuses that ask the maintainer to act
LATE = (DUE, OVERDUE, DELINQUENT)

#: update frequency -> days after the last change at which the dataset
#: becomes (due, overdue, delinquent); HDX's ``aging`` table
THRESHOLDS: dict[str, tuple[int, int, int]] = {
    "daily": (1, 2, 3),
    "weekly": (7, 14, 21),
    "biweekly": (14, 21, 28),
    "monthly": (30, 44, 60),
    "quarterly": (90, 120, 150),
    "semiannual": (180, 210, 240),
    "yearly": (365, 425, 455),
}
#: frequencies that are never late: data that is updated continuously
ALWAYS_FRESH = frozenset(("live",))
#: frequencies without a schedule ("never", "as needed")
UNSCHEDULED = frozenset(("never", "adhoc"))


@dataclass(frozen=True)
class Freshness:
    """A dataset's freshness at one moment."""

    status: str
    #: the last change of the data or confirmation that it is current (None: unknown)
    last_current: dt.datetime | None
    #: when the dataset becomes due (None: never)
    next_due: dt.datetime | None

    def days_since(self, now: dt.datetime) -> int | None:
        """Whole days since ``last_current`` (None when unknown)."""
        if self.last_current is None:
            return None
        return max((now - self.last_current).days, 0)


def is_archived(value: object) -> bool:
    """Whether the ``archived`` field says yes (scheming stores "yes"/"no")."""
    return str(value).strip().lower() in ("yes", "true", "1") if value is not None else False


def last_current(data_changed: dt.datetime | None, confirmed: dt.datetime | None) -> dt.datetime | None:
    """The later of the last data change and the last confirmation."""
    known = [t for t in (data_changed, confirmed) if t is not None]
    return max(known) if known else None


def status(
    update_frequency: str | None,
    last: dt.datetime | None,
    now: dt.datetime,
    archived: bool = False,
) -> str:
    """The status of a dataset whose data was last current at ``last``.

    A scheduled dataset whose last change is unknown is ``delinquent``: nothing
    says that its data was ever current. A time in the future (clocks) counts as now.
    """
    if archived:
        return ARCHIVED
    frequency = (update_frequency or "").strip()
    if frequency in ALWAYS_FRESH:
        return FRESH
    if frequency not in THRESHOLDS:
        return NEVER
    if last is None:
        return DELINQUENT
    due, overdue, delinquent = THRESHOLDS[frequency]
    age = now - last
    if age >= dt.timedelta(days=delinquent):
        return DELINQUENT
    if age >= dt.timedelta(days=overdue):
        return OVERDUE
    if age >= dt.timedelta(days=due):
        return DUE
    return FRESH


def next_due(update_frequency: str | None, last: dt.datetime | None, archived: bool = False) -> dt.datetime | None:
    """When the dataset becomes due (None for an unscheduled, live or archived one)."""
    frequency = (update_frequency or "").strip()
    if archived or last is None or frequency not in THRESHOLDS:
        return None
    return last + dt.timedelta(days=THRESHOLDS[frequency][0])


def evaluate(
    update_frequency: str | None,
    data_changed: dt.datetime | None,
    confirmed: dt.datetime | None,
    now: dt.datetime,
    archived: bool = False,
) -> Freshness:
    """Status, last current time and next due date of a dataset."""
    last = last_current(data_changed, confirmed)
    return Freshness(
        status=status(update_frequency, last, now, archived),
        last_current=last,
        next_due=next_due(update_frequency, last, archived),
    )
