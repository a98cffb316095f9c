"""The freshness rule (HDX's thresholds), without CKAN or a database."""

from __future__ import annotations

import datetime as dt

import pytest

from ckanext.imwg_exchange.freshness import rule

NOW = dt.datetime(2026, 11, 26, 12, 0, 0)
EPSILON = dt.timedelta(seconds=1)
#: HDX's aging table: frequency -> (due, overdue, delinquent) days
HDX = {
    "daily": (1, 2, 3),
    "weekly": (7, 14, 21),
    "biweekly": (14, 21, 28),
    "monthly": (30, 44, 60),
    "quarterly": (90, 120, 150),
    "semiannual": (180, 210, 240),
    "yearly": (365, 425, 455),
}
EDGES = [
    (frequency, offset, status)
    for frequency, (due, overdue, delinquent) in HDX.items()
    for offset, status in (
        (dt.timedelta(0), rule.FRESH),
        (dt.timedelta(days=due) - EPSILON, rule.FRESH),
        (dt.timedelta(days=due), rule.DUE),
        (dt.timedelta(days=overdue) - EPSILON, rule.DUE),
        (dt.timedelta(days=overdue), rule.OVERDUE),
        (dt.timedelta(days=delinquent) - EPSILON, rule.OVERDUE),
        (dt.timedelta(days=delinquent), rule.DELINQUENT),
        (dt.timedelta(days=delinquent * 10), rule.DELINQUENT),
    )
]


def test_the_thresholds_are_hdx_s():
    """Every scheduled frequency of the schema has HDX's due/overdue/delinquent days."""
    assert rule.THRESHOLDS == HDX


@pytest.mark.parametrize("frequency,age,expected", EDGES)
def test_each_threshold_edge(frequency, age, expected):
    """A status starts exactly at its threshold (HDX compares age >= days)."""
    assert rule.status(frequency, NOW - age, NOW) == expected


@pytest.mark.parametrize("age_days", [0, 1, 400, 5000])
def test_live_is_always_fresh(age_days):
    """Live data is fresh whatever its age (as on HDX)."""
    assert rule.status("live", NOW - dt.timedelta(days=age_days), NOW) == rule.FRESH


@pytest.mark.parametrize("frequency", ["never", "adhoc", None, "", "fortnightly"])
def test_no_schedule_is_never(frequency):
    """Never, as needed, no frequency and an unknown one: no schedule."""
    assert rule.status(frequency, NOW - dt.timedelta(days=1000), NOW) == rule.NEVER


@pytest.mark.parametrize("frequency", ["daily", "yearly", "live", "never", "adhoc", None])
def test_archived_wins(frequency):
    """An archived dataset is archived whatever its frequency and age."""
    assert rule.status(frequency, NOW - dt.timedelta(days=1000), NOW, archived=True) == rule.ARCHIVED


def test_a_scheduled_dataset_never_changed_is_delinquent():
    """Nothing says that its data was ever current."""
    assert rule.status("monthly", None, NOW) == rule.DELINQUENT


def test_a_time_in_the_future_counts_as_now():
    """A clock ahead does not make a dataset late."""
    assert rule.status("daily", NOW + dt.timedelta(days=3), NOW) == rule.FRESH


def test_a_confirmation_later_than_the_change_counts():
    """ "Still current" restarts the clock."""
    changed = NOW - dt.timedelta(days=100)
    confirmed = NOW - dt.timedelta(days=2)
    assert rule.evaluate("monthly", changed, confirmed, NOW).status == rule.FRESH


def test_an_older_confirmation_does_not_count():
    """A confirmation before the last change changes nothing."""
    changed = NOW - dt.timedelta(days=50)
    confirmed = NOW - dt.timedelta(days=100)
    assert rule.evaluate("monthly", changed, confirmed, NOW).last_current == changed


def test_next_due_is_the_due_threshold_after_the_last_change():
    """Monthly: due 30 days after the data was last current."""
    changed = NOW - dt.timedelta(days=10)
    assert rule.evaluate("monthly", changed, None, NOW).next_due == changed + dt.timedelta(days=30)


@pytest.mark.parametrize("frequency,archived", [("live", False), ("never", False), ("adhoc", False), ("weekly", True)])
def test_no_next_due_without_a_schedule(frequency, archived):
    """Live, unscheduled and archived datasets are never due."""
    assert rule.evaluate(frequency, NOW, None, NOW, archived).next_due is None


def test_days_since_the_last_change():
    """Whole days, never negative."""
    assert rule.evaluate("weekly", NOW - dt.timedelta(days=3, hours=5), None, NOW).days_since(NOW) == 3


@pytest.mark.parametrize("value,expected", [("yes", True), ("no", False), (None, False), ("", False), (True, True)])
def test_archived_flag(value, expected):
    """The schema's yes/no select (or a boolean)."""
    assert rule.is_archived(value) is expected
