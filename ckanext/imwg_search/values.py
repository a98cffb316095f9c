"""Values as Solr stores and compares them: folded text, dates and date math,
numbers, booleans. Pure: no database, no CKAN."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from dateutil.relativedelta import relativedelta

from ckanext.imwg.text import fold  # noqa: F401  (re-exported for the backend)

from .query import QuerySyntaxError


def solr_string(value: Any) -> str:
    """A value as a Solr string field stores it (pysolr's conversion)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return format_date(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return str(value)


def format_date(value: dt.datetime) -> str:
    """A fixed-width UTC ISO form, so that dates compare as strings."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?" r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_date(text: str) -> dt.datetime:
    """Parse an ISO-8601 date as Solr accepts it (UTC, optional fraction)."""
    m = _ISO_RE.match(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not an ISO-8601 date")
    y, mo, d, h, mi, s, frac, tz = m.groups()
    micro = int((frac or "0")[:6].ljust(6, "0"))
    value = dt.datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), micro)
    if tz and tz != "Z":
        sign = 1 if tz[0] == "+" else -1
        hours, minutes = int(tz[1:3]), int(tz[-2:])
        value -= sign * dt.timedelta(hours=hours, minutes=minutes)
    return value


_UNITS = {
    "YEAR": "years",
    "YEARS": "years",
    "MONTH": "months",
    "MONTHS": "months",
    "DAY": "days",
    "DAYS": "days",
    "DATE": "days",
    "HOUR": "hours",
    "HOURS": "hours",
    "MINUTE": "minutes",
    "MINUTES": "minutes",
    "SECOND": "seconds",
    "SECONDS": "seconds",
    "MILLI": "microseconds",
    "MILLIS": "microseconds",
    "MILLISECOND": "microseconds",
    "MILLISECONDS": "microseconds",
}
_MATH_RE = re.compile(r"([+-])(\d+)([A-Z]+)|/([A-Z]+)")


def date_math(text: str, now: dt.datetime | None = None) -> str:
    """Evaluate a Solr date expression (``NOW-1DAY``, ``NOW/DAY+1MONTH``,
    ``2020-01-01T00:00:00Z+6MONTHS``) to the stored date form."""
    text = text.strip()
    if text.startswith("NOW"):
        base = now or dt.datetime.utcnow()
        rest = text[3:]
    else:
        cut = len(text)
        for m in re.finditer(r"[+/]|(?<=Z)-", text):
            cut = m.start()
            break
        try:
            base = parse_date(text[:cut])
        except ValueError:
            raise QuerySyntaxError(
                f"invalid date {text!r}: use ISO-8601, e.g. 2024-01-31T00:00:00Z or NOW-1DAY"
            ) from None
        rest = text[cut:]
    pos = 0
    while pos < len(rest):
        m = _MATH_RE.match(rest, pos)
        if not m or (m.group(3) or m.group(4)) not in _UNITS:
            raise QuerySyntaxError(f"invalid date math {rest[pos:]!r} in {text!r}")
        sign, amount, unit, round_unit = m.groups()
        if round_unit:
            base = _round_down(base, _UNITS[round_unit])
        else:
            try:
                n = int(amount) * (1 if sign == "+" else -1)
                key = _UNITS[unit]
                if key == "microseconds":
                    n *= 1000
                base = base + relativedelta(**{key: n})
            except (OverflowError, ValueError):
                # beyond the years 1-9999 that dates can hold (Solr's own limit is
                # wider, but no dataset date lies out there)
                raise QuerySyntaxError(f"date math {m.group(0)[:40]!r} leaves the range of dates") from None
        pos = m.end()
    return format_date(base)


def _round_down(value: dt.datetime, unit: str) -> dt.datetime:
    parts = ["years", "months", "days", "hours", "minutes", "seconds", "microseconds"]
    keep = parts.index(unit)
    fields = dict(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    names = ["month", "day", "hour", "minute", "second", "microsecond"]
    return value.replace(**{k: fields[k] for k in names[keep:]})


def number(text: Any) -> float | int:
    """A numeric value as stored (integers stay integers)."""
    if isinstance(text, bool):
        raise ValueError("a boolean is not a number")
    value = float(text)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value


def boolean(text: Any) -> str:
    """``true``/``false`` as Solr's BoolField reads it."""
    if isinstance(text, bool):
        return "true" if text else "false"
    s = str(text).strip().lower()
    return "true" if s in ("true", "t", "1", "yes", "on") else "false"
