"""Charts and columns in words, in the reader's language: a chart's title
("Households by state") from the column headers and the hashtags'
meaning, the hashtag kept beside it as a hint; column types, months and
figures formatted for the locale (babel)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import ckan.plugins.toolkit as tk
from babel import Locale, UnknownLocaleError
from babel.dates import format_skeleton
from babel.numbers import format_decimal

from . import hashtags

#: a column name that reads as words (not ``ADM1_PCODE`` nor ``#adm1``)
_WORDS = re.compile(r"^[^\W\d_][^\W_]*(?:[ '’\-/()]+[^\W_]+)*\)?$")
#: words at the end of a column name that say which form of a place it holds
_FORM = re.compile(
    r"\s*[\-(]?\s*\b(p[\s\-]?code|code|pcode|id|name|nom|nombre|c[oó]digo|ال?رمز|ال?اسم|كود)\)?\s*$", re.IGNORECASE
)
#: the same words before the place in Arabic ("رمز المحافظة", "اسم الناحية")
_FORM_BEFORE = re.compile(r"^\s*(رمز|اسم|كود)\s+(?=\S)")


def _meanings() -> dict[str, str]:
    """A hashtag (with the attributes that change its meaning) in words."""
    _ = tk._
    return {
        "#country": _("country"),
        "#adm1": _("admin level 1"),
        "#adm2": _("admin level 2"),
        "#adm3": _("admin level 3"),
        "#adm4": _("admin level 4"),
        "#adm5": _("admin level 5"),
        "#loc": _("location"),
        "#sector": _("sector"),
        "#subsector": _("sub-sector"),
        "#org": _("organisation"),
        "#status": _("status"),
        "#date": _("date"),
        "#affected": _("people affected"),
        "#affected+killed": _("people killed"),
        "#affected+injured": _("people injured"),
        "#affected+missing": _("people missing"),
        "#inneed": _("people in need"),
        "#targeted": _("people targeted"),
        "#reached": _("people reached"),
        "#population": _("population"),
        "#population+hh": _("households"),
        "#population+ind": _("individuals"),
        "#value": _("value"),
        "#indicator": _("indicator"),
        "#output": _("output"),
        "#capacity": _("capacity"),
        "#sex": _("sex"),
        "#activity": _("activity"),
    }


def meaning(hashtag: str | None) -> str | None:
    """A hashtag in words, or None: ``#population+hh`` -> "households"."""
    parsed = hashtags.parse(hashtag)
    if parsed is None:
        return None
    known = _meanings()
    for attribute in parsed.attributes:
        found = known.get(f"#{parsed.tag}+{attribute}")
        if found:
            return found
    return known.get("#" + parsed.tag)


def label(header: str | None, hashtag: str | None, lower: bool = False) -> str:
    """A column in words: its header when it reads as words (less a final
    "P-code" or "name"), else the hashtag's meaning, else the header or the
    hashtag as they are."""
    text = (header or "").strip()
    plain = _FORM_BEFORE.sub("", _FORM.sub("", text)).strip() if _WORDS.match(text) else ""
    if plain and not (plain.isupper() and len(plain) <= 5):
        return plain.lower() if lower and not plain.isupper() else plain
    return meaning(hashtag) or text or hashtag or ""


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def title(measure: dict[str, Any] | None, by: dict[str, Any] | None = None, monthly: bool = False) -> str:
    """A chart's title: "Households by state", "People killed by month",
    "Records by sector" (a measure of None counts records)."""
    what = label(measure.get("header"), measure.get("hashtag")) if measure else tk._("Records")
    if monthly:
        return tk._("{measure} by month").format(measure=capital(what))
    return tk._("{measure} by {by}").format(measure=capital(what), by=label(by["header"], by["hashtag"], lower=True))


def locale() -> Locale:
    """The page's locale (English when it has none)."""
    try:
        return Locale.parse(str(tk.h.lang() or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError, RuntimeError):
        return Locale.parse("en")


def month(key: Any) -> str:
    """A month ("2024-03-01") as the locale writes it: "Mar 2024", "mars 2024"."""
    try:
        day = dt.date.fromisoformat(str(key)[:10])
    except ValueError:
        return str(key)
    return format_skeleton("yMMM", day, locale=locale())


def date(value: Any) -> str:
    """A date ("2024-03-05") as the locale writes it, short."""
    try:
        day = dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return str(value)
    return format_skeleton("yMMMd", day, locale=locale())


def number(value: Any) -> str:
    """A figure for people, in the locale: 12,345 / 12 345 / 12.345,6."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_decimal(value, format="#,##0.#" if isinstance(value, float) else "#,##0", locale=locale())


def column_type(kind: str | None) -> str:
    """A column's type in words."""
    types = {
        "number": tk._("number"),
        "date": tk._("date"),
        "code": tk._("code"),
        "text": tk._("text"),
    }
    return types.get(kind or "", kind or "")
