"""Template helpers of the shared ground."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

#: Sections of the dataset page, in order: (display_group, title)
GROUPS = [
    ("about", "About the data"),
    ("coverage", "Sectors and coverage"),
    ("mine_action", "Mine action"),
    ("contact", "Licence and contact"),
]


PERIOD_FIELDS = ("reference_period_start", "reference_period_end", "reference_period_ongoing")


def imwg_field_groups(schema: dict[str, Any], pkg: dict[str, Any]) -> list[dict[str, Any]]:
    """The sections of a dataset page, in order, each with the filled fields
    that have its ``display_group``; the reference period as one line."""
    groups = []
    period = imwg_reference_period(pkg)
    for key, title in GROUPS:
        fields = [
            f
            for f in schema.get("dataset_fields", [])
            if f.get("display_group") == key and f["field_name"] not in PERIOD_FIELDS and pkg.get(f["field_name"])
        ]
        group_period = period if key == "about" else ""
        if fields or group_period:
            groups.append({"key": key, "title": tk._(title), "fields": fields, "period": group_period})
    return groups


def imwg_date(value: Any) -> str:
    """A day as "01 January 2024", the month named in the reader's language (babel)."""
    from flask_babel import format_date

    try:
        day = tk.h.date_str_to_datetime(value) if isinstance(value, str) else value
    except (TypeError, ValueError):
        return str(value)
    return format_date(day, "dd MMMM y") if day else ""


def imwg_datetime(value: Any) -> str:
    """A moment as "27 November 2026, 06:18" (UTC), the month named in the
    reader's language (CKAN's ``render_datetime(with_hours=True)`` puts the
    month first in every language)."""
    from flask_babel import format_datetime

    try:
        moment = tk.h.date_str_to_datetime(value) if isinstance(value, str) else value
    except (TypeError, ValueError):
        return str(value)
    return format_datetime(moment, "d MMMM y, HH:mm") if moment else ""


def imwg_list(items: Any, more: int = 0) -> Any:
    """Names as a list reads in the reader's language (CLDR's list patterns,
    babel): "Kachin, Shan and Kayah", "Kachin, Shan et Kayah", "Kachin, Shan y
    Kayah", "Kachin وShan وKayah"; each item escaped (markup kept as it is).
    ``more``: how many were left out, said last ("and 3 more")."""
    from babel import Locale, UnknownLocaleError
    from babel.lists import format_list
    from markupsafe import Markup, escape

    parts = [str(escape(item)) for item in items]
    if more:
        parts.append(str(escape(tk.ungettext("{n} more", "{n} more", more).format(n=more))))
    if not parts:
        return Markup("")
    try:
        locale = Locale.parse(str(tk.h.lang() or "en").replace("-", "_"))
        return Markup(format_list(parts, locale=locale))
    except (UnknownLocaleError, ValueError, TypeError, KeyError, RuntimeError):  # no request, or no list patterns
        return Markup(", ".join(parts))


def imwg_reference_period(pkg: dict[str, Any]) -> str:
    """The reference period as a reader says it."""
    start = pkg.get("reference_period_start")
    end = pkg.get("reference_period_end")
    ongoing = pkg.get("reference_period_ongoing") == "yes"
    fmt = imwg_date
    if start and end:
        return f"{fmt(start)} – {fmt(end)}"
    if start:
        return (
            tk._("Since {date} (ongoing)").format(date=fmt(start))
            if ongoing
            else tk._("From {date}").format(date=fmt(start))
        )
    if end:
        return tk._("Until {date}").format(date=fmt(end))
    return tk._("Ongoing") if ongoing else ""


def imwg_code_list(value: Any) -> list[str]:
    """The codes of a code-list field (list, JSON or text), normalised."""
    from .logic.validators import place_codes

    return place_codes(value)


def imwg_map(
    units: list[dict[str, Any]],
    context: list[dict[str, Any]] | None = None,
    highlight: str | None = None,
    frame: dict[str, Any] | None = None,
) -> Any:
    """A choropleth map (``ckanext.imwg.maps.Map``) for ``imwg/snippets/map.html``.

    ``units`` and ``context`` are dictionaries with ``pcode``, ``name``,
    ``datasets`` (the count), ``url``, ``geometry`` and ``parent_url``."""
    from . import maps

    def unit(d: dict[str, Any]) -> maps.Unit:
        return maps.Unit(
            pcode=d["pcode"],
            name=d.get("name") or d["pcode"],
            count=int(d.get("datasets") or 0),
            url=d.get("url") or "",
            geometry=d.get("geometry"),
            parent_url=d.get("parent_url") or "",
        )

    return maps.build(
        [unit(u) for u in units], context=[unit(u) for u in context or []], highlight=highlight, frame=frame
    )
