"""The completeness grid: for each admin unit and each core data category,
whether a dataset the caller may see covers the unit (with roll-up, as the
location pages count), and whether one of those is current.

States: ``fresh`` (a covering dataset is fresh, or not expected to change:
freshness ``fresh`` or ``never``), ``stale`` (covered, but only by datasets
that are due, overdue, delinquent, archived or have no freshness yet) and
``missing``. Two searches per category, both faceted by the units' level:
every covering dataset, and the current ones only.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk

from . import categories as cats
from . import config, matrix, query, vocab

CURRENT = ("fresh", "never")
STATES = ("fresh", "stale", "missing")
_cache: dict[str, Any] = {}


def vocabularies() -> dict[str, dict[str, Any]]:
    return {name: vocab.dataset_choices(name) for name in vocab.DATASET_FIELDS}


def configured() -> list[cats.Category]:
    """The configured categories, read again when the file changes;
    :class:`~.categories.CategoriesError` when they cannot be used."""
    spec = config.completeness_categories()
    path = cats.resolve(spec)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError:
        stamp = None
    key = (spec, stamp)
    if _cache.get("key") != key:
        try:
            _cache["value"] = cats.load(spec, vocabularies())
        except cats.CategoriesError as error:
            _cache["value"] = error
        _cache["key"] = key
    if isinstance(_cache["value"], cats.CategoriesError):
        raise _cache["value"]
    return _cache["value"]


def _any(field: str, values: tuple[str, ...]) -> str:
    return f"{field}:({' OR '.join(query.phrase(v) for v in values)})"


def clauses(category: cats.Category) -> list[str]:
    """The filters of a category (all must hold)."""
    found = [
        _any(query.INDEX_FIELDS[name], getattr(category, name))
        for name in ("sectors", "themes", "data_type")
        if getattr(category, name)
    ]
    if category.fq:
        found.append(f"({category.fq})")
    return found


def need_url(category: cats.Category, label: str, pcode: str) -> str:
    """The data-needs form prefilled with the category and the place."""
    params: list[tuple[str, str]] = [("title", label), ("pcodes", pcode)]
    params += [("sectors", s) for s in category.need_sectors]
    if category.need_data_type:
        params.append(("data_type", category.need_data_type))
    try:
        base = tk.h.url_for("/needs/new")
    except (RuntimeError, AttributeError):
        base = "/needs/new"
    return f"{base}?{urlencode(params)}"


def build(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The grid for the caller (see ``completeness_grid``)."""
    try:
        categories = configured()
    except cats.CategoriesError as error:
        raise tk.ValidationError(
            {"categories": [tk._("The completeness categories cannot be used: {reason}").format(reason=error)]}
        ) from None
    place_code = data_dict.get("place")
    if place_code is not None and not isinstance(place_code, str):
        raise tk.ValidationError({"place": [tk._("Must be one P-code")]})
    place = query.unit(context, place_code.strip()) if place_code and place_code.strip() else None
    try:
        field, units = matrix.place_columns(context, place)
    except tk.ValidationError as error:
        raise tk.ValidationError({"place": error.error_dict.get("columns", [])}) from None
    lang = vocab.language()
    within = [query.quoted("pcodes", place["pcode"])] if place else []
    current = f"freshness:({' OR '.join(CURRENT)})"
    columns = []
    cells: dict[tuple[str, str], dict[str, Any]] = {}
    searches = 0
    for category in categories:
        label = category.label_in(lang)
        fq = within + clauses(category)
        every = query.search(context, fq, "", [field])["facets"].get(field, {})
        fresh = query.search(context, [*fq, current], "", [field])["facets"].get(field, {}) if every else {}
        searches += 2 if every else 1
        q = " AND ".join(clauses(category))
        columns.append(
            {
                "name": category.name,
                "label": label,
                "units": sum(1 for u in units if every.get(u["pcode"])),
                "url": query.search_url([("q", q), *([("pcodes", place["pcode"])] if place else [])]),
            }
        )
        for u in units:
            n, ok = every.get(u["pcode"], 0), fresh.get(u["pcode"], 0)
            state = "fresh" if ok else "stale" if n else "missing"
            cell: dict[str, Any] = {"state": state, "count": n, "current": ok}
            if n:
                cell["url"] = query.search_url([("q", q), (field, u["pcode"])])
            else:
                cell["need_url"] = need_url(category, label, u["pcode"])
            cells[(u["pcode"], category.name)] = cell
    return {
        "place": (
            {
                "pcode": place["pcode"],
                "name": place["name"],
                "level": place["level"],
                "ancestors": place.get("ancestors", []),
            }
            if place
            else None
        ),
        "level": int(field.rsplit("adm", 1)[1]),
        "categories": columns,
        "units": [
            {"pcode": u["pcode"], "name": u["name"], "level": u["level"], "children": u.get("children", 0)}
            for u in units
        ],
        "cells": [[cells[(u["pcode"], c.name)] for c in categories] for u in units],
        "searches": searches,
    }
