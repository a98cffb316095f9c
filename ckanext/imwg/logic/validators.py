"""Validators of the suite's schemas (registered with IValidators)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

START = "reference_period_start"
END = "reference_period_end"
ONGOING = "reference_period_ongoing"


def _date(value: Any) -> dt.date | None:
    """A date from what a form, the API or an earlier validator left."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not value or value is tk.missing or not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _sibling(key: FlattenKey, name: str) -> FlattenKey:
    return key[:-1] + (name,)


def imwg_period_end(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """The reference period must not end before it starts."""
    end = _date(data.get(key))
    start = _date(data.get(_sibling(key, START)))
    if end and start and end < start:
        errors[key].append(tk._("The end of the reference period is before its start"))


def imwg_period_ongoing(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """An ongoing reference period has no end date."""
    if data.get(key) == "yes" and _date(data.get(_sibling(key, END))):
        errors[key].append(tk._("An ongoing reference period has no end date: remove the end date"))
