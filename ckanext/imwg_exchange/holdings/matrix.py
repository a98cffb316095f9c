"""The holdings matrix: who (organisations or organisation types) holds what
(sectors) or where (admin units), counted with ``package_search`` as the
caller, so that a dataset the caller may not see is counted nowhere.

Cost: one search, whatever the size. It facets the row field (row totals),
the column field (column totals) and the column's pivot field (every
``organisation|column`` pair a dataset counts in, see :mod:`.pivot`): the
cells. A dataset has one organisation, so the cells of an organisation type
are the sums of its organisations' cells. Datasets indexed before the pivot
keys existed count in the totals but in no cell until ``ckan search-index
rebuild``.
"""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import pivot, query, vocab

ROWS = ("organization", "org_type")
COLUMNS = ("sectors", "places")
#: facet field in the index of each side
ROW_FIELDS = {"organization": "organization", "org_type": "organization_type"}
PLACE_FIELD = "vocab_pcode_adm{level}"


def _choice(data_dict: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = data_dict.get(name) or allowed[0]
    if value not in allowed:
        raise tk.ValidationError({name: [tk._("Must be one of: {values}").format(values=", ".join(allowed))]})
    return value


def place_columns(context: dict[str, Any], place: dict[str, Any] | None) -> tuple[str, list[dict[str, Any]]]:
    """The index field and the units of the place columns: the place's children,
    or the admin-1 units of the gazetteer's countries."""
    ctx = query._fresh
    try:
        pcode_list = tk.get_action("pcode_list")
    except KeyError:
        raise tk.ValidationError({"columns": [tk._("Places are not available on this portal")]}) from None
    if place is not None:
        if place["level"] >= 5 or not place.get("children"):
            raise tk.ValidationError({"columns": [tk._("{name} has no sub-units").format(name=place["name"])]})
        return PLACE_FIELD.format(level=place["level"] + 1), pcode_list(ctx(context), {"id": place["pcode"]})
    units: list[dict[str, Any]] = []
    for country in pcode_list(ctx(context), {}):
        if country.get("children"):
            units += pcode_list(ctx(context), {"id": country["pcode"]})
    return PLACE_FIELD.format(level=1), units


def _organisation_titles(names: list[str]) -> dict[str, str]:
    # organisations are public: their titles are no dataset content
    if not names:
        return {}
    rows = model.Session.query(model.Group.name, model.Group.title).filter(model.Group.name.in_(names))
    return {name: title or name for name, title in rows}


def _organisation_types(names: list[str]) -> dict[str, str]:
    """name -> ``org_type`` of the organisations (public, as their titles)."""
    if not names:
        return {}
    rows = model.Session.query(model.Group.name, model.GroupExtra.value).join(
        model.GroupExtra, model.GroupExtra.group_id == model.Group.id
    )
    rows = rows.filter(
        model.Group.name.in_(names), model.GroupExtra.key == "org_type", model.GroupExtra.state == "active"
    )
    return {name: value for name, value in rows if value}


def build(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    """The matrix for the caller (see ``holdings_matrix``)."""
    errors: dict[str, list[str]] = {}
    rows_by = columns_by = ""
    for name, allowed in (("rows", ROWS), ("columns", COLUMNS)):
        try:
            value = _choice(data_dict, name, allowed)
        except tk.ValidationError as error:
            errors.update(error.error_dict)
            continue
        if name == "rows":
            rows_by = value
        else:
            columns_by = value
    try:
        filters = query.parse(context, data_dict)
    except tk.ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise tk.ValidationError(errors)
    lang = vocab.language()

    row_field = ROW_FIELDS[rows_by]
    if columns_by == "sectors":
        column_field = query.INDEX_FIELDS["sectors"]
        column_values = [(value, vocab.text(label, lang)) for value, label in vocab.choices("sectors").items()]
    else:
        column_field, units = place_columns(context, filters.place)
        column_values = [(u["pcode"], u["name"]) for u in units]

    pivot_field = pivot.field_for(column_field)
    facets = [row_field, column_field, pivot_field]
    first = query.search(context, filters.fq_list(), filters.q, facets)
    searches = 1
    row_totals: dict[str, int] = first["facets"].get(row_field, {})
    column_totals: dict[str, int] = first["facets"].get(column_field, {})

    known = {value for value, _label in column_values}
    if columns_by == "sectors":
        # a value no longer in the vocabulary still holds data: show it under its code
        column_values += [(v, v) for v in sorted(column_totals) if v not in known]

    if rows_by == "organization":
        titles = _organisation_titles(list(row_totals))
        row_values = sorted(((v, titles.get(v, v)) for v in row_totals), key=lambda p: p[1].casefold())
    else:
        types = vocab.choices("org_type")
        row_values = [(v, vocab.text(label, lang)) for v, label in types.items() if v in row_totals]
        row_values += [(v, v) for v in sorted(row_totals) if v not in types]

    counts: dict[tuple[str, str], int] = {}
    pairs = [(*pivot.split(k), n) for k, n in first["facets"].get(pivot_field, {}).items()]
    if rows_by == "organization":
        row_of = {name: name for name, _column, _n in pairs}
    else:
        row_of = _organisation_types(list({name for name, _column, _n in pairs}))
    for name, column, n in pairs:
        row = row_of.get(name)
        if row is not None:
            counts[(row, column)] = counts.get((row, column), 0) + n

    def url(*extra: tuple[str, str]) -> str:
        return query.search_url(filters.search_params(*extra))

    return {
        "rows_by": rows_by,
        "columns_by": columns_by,
        "filters": filters.as_dict(),
        "place": (
            {"pcode": filters.place["pcode"], "name": filters.place["name"], "level": filters.place["level"]}
            if filters.place
            else None
        ),
        "rows": [
            {"value": v, "label": label, "total": row_totals.get(v, 0), "url": url((row_field, v))}
            for v, label in row_values
        ],
        "columns": [
            {"value": v, "label": label, "total": column_totals.get(v, 0), "url": url((column_field, v))}
            for v, label in column_values
        ],
        "cells": [
            [
                {"count": counts.get((row, column), 0), "url": url((row_field, row), (column_field, column))}
                for column, _c in column_values
            ]
            for row, _r in row_values
        ],
        "total": first["count"],
        "url": url(),
        "searches": searches,
    }
