"""Validation schemas of the register's actions.

Each field error is reported on the field (``tk.ValidationError({"field":
[message]})``) and nothing is saved. Choices are read from the dataset
schema (sectors, data types) and the gazetteer (places), so a need speaks
the same vocabulary as the datasets that may answer it.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid, StopOnError, missing
from ckan.logic.schema import validator_args
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey, Schema, Validator, ValidatorFactory

from ckanext.imwg.guard import no_nul, whole_number
from ckanext.imwg.levels import LEVELS
from ckanext.imwg.logic.validators import place_codes

from . import reference
from .matching import as_date

STATUSES = ("open", "in_discussion", "fulfilled", "closed")
#: statuses a need is worked on in (matches are announced, answers taken)
ACTIVE = ("open", "in_discussion")
#: why a need was closed without a dataset
OUTCOMES = ("not_available", "will_be_collected", "withdrawn", "duplicate", "other")
ANSWER_KINDS = ("dataset", "plan", "comment")
TITLE_MAX = 200
TEXT_MAX = 10000

_SPLIT = re.compile(r"[\s,;]+")


def _as_values(value: Any) -> list[str]:
    if value is missing or value is None:
        return []
    if isinstance(value, str):
        return [v for v in _SPLIT.split(value) if v]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return [s for v in value for s in _SPLIT.split(v) if s]
    raise Invalid(tk._("Not a list of strings"))


def _chosen(field_name: str, value: Any, many: bool) -> Any:
    values = list(dict.fromkeys(_as_values(value)))
    known = reference.choices(field_name)
    if known is not None:
        allowed = {str(c.get("value")) for c in known}
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise Invalid(tk._("Unknown value: {values}").format(values=", ".join(unknown)))
    if many:
        return values
    if len(values) > 1:
        raise Invalid(tk._("Only one value is allowed"))
    return values[0] if values else None


def sectors(value: Any) -> list[str]:
    """Sectors of the dataset schema (a list, or text separated by commas or spaces)."""
    return _chosen("sectors", value, many=True)


def data_type(value: Any) -> str | None:
    """One data type of the dataset schema."""
    return _chosen("data_type", value, many=False)


def pcodes(value: Any) -> list[str]:
    """Places: known, not retired codes of the gazetteer; without a gazetteer, well-formed codes."""
    if value is not missing and not isinstance(value, (str, list, tuple)):
        raise Invalid(tk._("Not a list of strings"))
    if isinstance(value, (list, tuple)) and not all(isinstance(v, str) for v in value):
        raise Invalid(tk._("Not a list of strings"))
    codes = place_codes(value)
    known = reference.places(codes)
    if known is None:
        bad = [c for c in codes if not reference.WELL_FORMED_PCODE.match(c)]
        if bad:
            raise Invalid(tk._("Not a P-code: {codes}").format(codes=", ".join(bad)))
        return codes
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(tk._("Unknown place: {codes}").format(codes=", ".join(unknown)))
    retired = [c for c in codes if known[c].get("retired")]
    if retired:
        raise Invalid(tk._("Retired place code: {codes}").format(codes=", ".join(retired)))
    return codes


def level(value: Any) -> str | None:
    """A sensitivity level of the suite."""
    if value in (missing, None, ""):
        return None
    if value not in LEVELS:
        raise Invalid(tk._("Unknown sensitivity level: {value}").format(value=value))
    return value


def one_of(allowed: tuple[str, ...]) -> Validator:
    def validator(value: Any) -> Any:
        if value not in allowed:
            raise Invalid(tk._("Must be one of: {values}").format(values=", ".join(allowed)))
        return value

    return validator


def a_date(value: Any) -> dt.date | None:
    """A date (``YYYY-MM-DD``); blank is none."""
    if value in (missing, None, ""):
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    date = as_date(value) if isinstance(value, str) and len(value.strip()) == 10 else None
    if date is None:
        raise Invalid(tk._("Not a date (YYYY-MM-DD)"))
    return date


def text_of(maximum: int) -> Validator:
    def validator(value: Any) -> Any:
        if value in (missing, None):
            return ""
        if not isinstance(value, str):
            raise Invalid(tk._("Not a text"))
        if len(value) > maximum:
            raise Invalid(tk._("At most {n} characters").format(n=maximum))
        return value.strip()

    return validator


def not_in_past(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """A deadline given now may not be over already (an edit that keeps the
    need's deadline as it was is not refused for it)."""
    import ckan.model as model
    import sqlalchemy as sa

    from .model import need_table

    value = data.get(key)
    if not isinstance(value, dt.date) or value >= dt.datetime.utcnow().date():
        return
    need_id = data.get(("id",))
    if isinstance(need_id, str):
        kept = model.Session.execute(sa.select(need_table.c.deadline).where(need_table.c.id == need_id)).scalar()
        if kept == value:
            return
    errors[key].append(tk._("The deadline is in the past"))


def period_end(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """A period may not end before it starts."""
    # the start may not have been converted yet: read both as dates
    end, start = as_date(data.get(key)), as_date(data.get(("reference_period_start",)))
    if end is not None and start is not None and end < start:
        errors[key].append(tk._("The end of the reference period is before its start"))


def organization(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """An active organisation (by id or name), stored by id."""
    import ckan.model as model

    value = data.get(key)
    group = model.Group.get(value) if isinstance(value, str) and value else None
    if group is None or not group.is_organization or group.state != "active":
        errors[key].append(tk._("Organisation not found"))
        raise StopOnError
    data[key] = group.id


def _fields(
    not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator, required: bool
) -> dict[str, list[Validator]]:
    first = [not_empty] if required else [ignore_missing]
    return {
        "title": [*first, unicode_safe, no_nul, text_of(TITLE_MAX)],
        "notes": [ignore_missing, no_nul, text_of(TEXT_MAX)],
        "purpose": [ignore_missing, no_nul, text_of(TEXT_MAX)],
        "sectors": [*first, no_nul, sectors, not_empty],
        "pcodes": [ignore_missing, no_nul, pcodes],
        "data_type": [ignore_missing, no_nul, data_type],
        "reference_period_start": [ignore_missing, no_nul, a_date],
        "reference_period_end": [ignore_missing, no_nul, a_date, period_end],
        "sensitivity": [ignore_missing, no_nul, level],
        "deadline": [ignore_missing, no_nul, a_date, not_in_past],
        "owner_org": [*first, unicode_safe, no_nul, organization],
    }


@validator_args
def need_create(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator) -> Schema:
    return _fields(not_empty, ignore_missing, unicode_safe, required=True)


@validator_args
def need_update(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator) -> Schema:
    fields = _fields(not_empty, ignore_missing, unicode_safe, required=False)
    fields["owner_org"] = [ignore_missing, unicode_safe, no_nul, organization]
    return {
        "id": [not_empty, unicode_safe, no_nul],
        **fields,
        "status": [ignore_missing, no_nul, one_of(ACTIVE)],
    }


@validator_args
def need_id(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe, no_nul]}


@validator_args
def need_matches(not_empty: Validator, unicode_safe: Validator, default: ValidatorFactory) -> Schema:
    return {"id": [not_empty, unicode_safe, no_nul], "limit": [default(20), whole_number(1, 100, cap=True)]}


@validator_args
def need_answer(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator) -> Schema:
    return {
        "id": [not_empty, unicode_safe, no_nul],
        "kind": [not_empty, no_nul, one_of(ANSWER_KINDS)],
        "package_id": [ignore_missing, unicode_safe, no_nul],
        "text": [ignore_missing, no_nul, text_of(TEXT_MAX)],
    }


@validator_args
def need_close(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator) -> Schema:
    return {
        "id": [not_empty, unicode_safe, no_nul],
        "status": [not_empty, no_nul, one_of(("fulfilled", "closed"))],
        "package_ids": [ignore_missing, no_nul, _as_values],
        "outcome": [ignore_missing, no_nul, one_of(OUTCOMES)],
        "text": [ignore_missing, no_nul, text_of(TEXT_MAX)],
    }


@validator_args
def need_search(ignore_missing: Validator, unicode_safe: Validator, default: ValidatorFactory) -> Schema:
    return {
        "q": [ignore_missing, unicode_safe, no_nul, text_of(500)],
        "sectors": [ignore_missing, no_nul, _as_values],
        "pcodes": [ignore_missing, no_nul, place_codes],
        "status": [ignore_missing, no_nul, _as_values],
        "owner_org": [ignore_missing, no_nul, _as_values],
        "rows": [default(20), whole_number(0, 1000, cap=True)],
        "start": [default(0), whole_number(0, 2**31 - 1)],
    }


@validator_args
def need_notice_list(default: ValidatorFactory) -> Schema:
    return {"limit": [default(20), whole_number(1, 100, cap=True)]}
