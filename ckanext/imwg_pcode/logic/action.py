"""Read-only actions on the gazetteer."""

from __future__ import annotations

import dataclasses
from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.imwg.text import fold

from .. import export, gazetteer, places
from ..model import name_table, unit_table
from . import schema

#: candidates per way of matching considered for ranking (see pcode_search)
CANDIDATES = 200

from .units import pcode_units  # noqa: E402  (a branch of the gazetteer at once)

__all__ = ["pcode_show", "pcode_search", "pcode_list", "pcode_lookup", "pcode_export", "pcode_units"]


def _names(session: Any, codes: list[str]) -> dict[str, dict[str, str]]:
    names: dict[str, dict[str, str]] = {}
    if codes:
        for row in session.execute(sa.select(name_table).where(name_table.c.pcode.in_(codes))):
            names.setdefault(row.pcode, {})[row.lang] = row.name
    return names


def _ancestors(session: Any, pcode: str) -> list[dict[str, Any]]:
    """The unit's ancestors, from the country down to its parent."""
    rows = session.execute(
        sa.text(
            "WITH RECURSIVE up AS ("
            " SELECT pcode, parent, level, name, 0 AS depth FROM imwg_pcode_unit WHERE pcode = :p"
            " UNION ALL SELECT u.pcode, u.parent, u.level, u.name, up.depth + 1"
            " FROM imwg_pcode_unit u JOIN up ON u.pcode = up.parent WHERE up.depth < 10)"
            " SELECT pcode, level, name FROM up WHERE depth > 0 ORDER BY level"
        ),
        {"p": pcode},
    )
    return [{"pcode": r.pcode, "level": r.level, "name": r.name} for r in rows]


def _summary(row: Any, path: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "pcode": row.pcode,
        "name": row.name,
        "level": row.level,
        "country": row.country,
        "retired": row.retired_at is not None,
        "path": " — ".join([row.name] + [a["name"] for a in reversed(path)]),
    }


@tk.side_effect_free
@validate(schema.pcode_show)
def pcode_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Show an administrative unit with its ancestors and children count.

    :param id: the P-code (case and surrounding spaces do not matter)
    :type id: string
    :param include_geometry: include the (simplified) boundary as GeoJSON (default: false)
    :type include_geometry: bool

    :returns: ``pcode``, ``name``, ``names`` (by language), ``level``, ``parent``,
        ``country``, ``valid_from``, ``retired``, ``version``, ``bbox``
        ([minx, miny, maxx, maxy] or null), ``ancestors`` (country first),
        ``path`` ("Waingmaw — Kachin — MMR"), ``children`` (active children count)
        and, when asked, ``geometry``.
    """
    tk.check_access("pcode_show", context, data_dict)
    session = context["session"]
    code = gazetteer.normalise(data_dict["id"])
    row = session.execute(sa.select(unit_table).where(unit_table.c.pcode == code)).first()
    if row is None:
        raise tk.ObjectNotFound(tk._("No administrative unit with P-code {code}").format(code=code))
    ancestors = _ancestors(session, code)
    children = session.execute(
        sa.select(sa.func.count()).where(unit_table.c.parent == code, unit_table.c.retired_at.is_(None))
    ).scalar()
    result = {
        **_summary(row, ancestors),
        "names": _names(session, [code]).get(code, {}),
        "parent": row.parent,
        "valid_from": row.valid_from,
        "version": row.version,
        "bbox": [row.minx, row.miny, row.maxx, row.maxy] if row.minx is not None else None,
        "ancestors": ancestors,
        "children": children,
    }
    if data_dict["include_geometry"]:
        result["geometry"] = row.geometry
    return result


@tk.side_effect_free
@validate(schema.pcode_search)
def pcode_search(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Find administrative units by code or by name in any stored language.

    Accent- and case-insensitive. Ranked: exact code, then code or name
    starting with the query, then code or name containing it.

    :param q: the text to look for (at least one character)
    :type q: string
    :param country: only units of this country (ISO3 code)
    :type country: string
    :param level: only units of this admin level (0-5)
    :type level: int
    :param limit: how many results (default 20)
    :type limit: int
    :param include_retired: include retired codes (default: false)
    :type include_retired: bool

    :returns: a list of ``pcode``, ``name``, ``level``, ``country``, ``retired``,
        ``path`` ("Waingmaw — Myitkyina — Kachin — MMR") and ``match``
        (``code``, ``prefix`` or ``contains``)
    """
    tk.check_access("pcode_search", context, data_dict)
    session = context["session"]
    text = fold(data_dict["q"].strip())
    code = gazetteer.normalise(data_dict["q"])
    like = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    filters = ["TRUE"]
    params: dict[str, Any] = {
        "code": code,
        "lcode": code.lower(),
        "prefix": like + "%",
        "contains": "%" + like + "%",
        "limit": data_dict["limit"],
    }
    if data_dict.get("country"):
        filters.append("u.country = :country")
        params["country"] = gazetteer.normalise(data_dict["country"])
    if data_dict.get("level") is not None:
        filters.append("u.level = :level")
        params["level"] = data_dict["level"]
    if not data_dict["include_retired"]:
        filters.append("u.retired_at IS NULL")
    where = " AND ".join(filters)
    # Candidates come from the indexes in their own order (codes, then folded
    # names), at most CANDIDATES per way of matching, and are then ranked:
    # exact code, prefix, contains; within a rank by level and name. A text so
    # common that it has more candidates needs more letters anyway. "Contains"
    # (a trigram scan) only runs when the others leave room, no code matched
    # exactly and the text is long enough for trigrams.
    by_code = (
        "SELECT u.pcode FROM imwg_pcode_unit u WHERE lower(u.pcode) LIKE :{p}"
        f" AND {where} ORDER BY lower(u.pcode) LIMIT {CANDIDATES}"
    )
    if data_dict.get("country") or data_dict.get("level") is not None:
        by_name = (
            "SELECT u.pcode FROM imwg_pcode_name n JOIN imwg_pcode_unit u ON u.pcode = n.pcode"
            f" WHERE n.folded LIKE :{{p}} AND {where} ORDER BY n.folded LIMIT {CANDIDATES}"
        )
    else:  # no join: the name index alone, read in order, stops at the limit
        by_name = (
            f"SELECT n.pcode FROM imwg_pcode_name n WHERE n.folded LIKE :{{p}} ORDER BY n.folded LIMIT {CANDIDATES}"
        )

    def ranked(sql_rank: str, pattern: str, extra: str = "") -> str:
        return (
            f"SELECT u.*, {sql_rank} AS rank FROM imwg_pcode_unit u WHERE u.pcode IN ("
            f"SELECT pcode FROM ({by_code.format(p=pattern)}) c UNION SELECT pcode FROM ({by_name.format(p=pattern)}) n"
            f"{extra}) AND {where} AND NOT (u.pcode = ANY(:seen)) ORDER BY rank, u.level, u.name, u.pcode LIMIT :room"
        )

    rows = session.execute(
        sa.text(
            ranked(
                "CASE WHEN u.pcode = :code THEN 0 ELSE 1 END",
                "prefix",
                f" UNION SELECT u.pcode FROM imwg_pcode_unit u WHERE u.pcode = :code AND {where}",
            )
        ),
        {**params, "seen": [], "room": data_dict["limit"]},
    ).all()
    ranks = {r.pcode: r.rank for r in rows}
    room = data_dict["limit"] - len(rows)
    if room > 0 and 0 not in ranks.values() and len(text) >= 3:
        found = session.execute(sa.text(ranked("2", "contains")), {**params, "seen": list(ranks), "room": room}).all()
        ranks.update((r.pcode, 2) for r in found)
        rows += found
    paths = places.lookup(session, list(ranks))
    match = {0: "code", 1: "prefix", 2: "contains"}
    return [{**_summary(r, []), "path": paths.path(r.pcode), "match": match[ranks[r.pcode]]} for r in rows]


@tk.side_effect_free
@validate(schema.pcode_list)
def pcode_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """List the children of an administrative unit (or the countries).

    :param id: the parent's P-code; omitted: the countries (level 0)
    :type id: string
    :param include_retired: include retired codes (default: false)
    :type include_retired: bool

    :returns: a list of ``pcode``, ``name``, ``level``, ``country``, ``retired``,
        ``path`` and ``children`` (their own active children count)
    """
    tk.check_access("pcode_list", context, data_dict)
    session = context["session"]
    query = sa.select(unit_table)
    if data_dict.get("id"):
        parent = gazetteer.normalise(data_dict["id"])
        if session.execute(sa.select(unit_table.c.pcode).where(unit_table.c.pcode == parent)).first() is None:
            raise tk.ObjectNotFound(tk._("No administrative unit with P-code {code}").format(code=parent))
        query = query.where(unit_table.c.parent == parent)
        path = _ancestors(session, parent) + [
            {"name": session.execute(sa.select(unit_table.c.name).where(unit_table.c.pcode == parent)).scalar()}
        ]
    else:
        query = query.where(unit_table.c.level == 0)
        path = []
    if not data_dict["include_retired"]:
        query = query.where(unit_table.c.retired_at.is_(None))
    rows = session.execute(query.order_by(unit_table.c.name)).all()
    counts = dict(
        session.execute(
            sa.select(unit_table.c.parent, sa.func.count())
            .where(unit_table.c.parent.in_([r.pcode for r in rows]), unit_table.c.retired_at.is_(None))
            .group_by(unit_table.c.parent)
        ).all()
    )
    return [{**_summary(r, path), "children": counts.get(r.pcode, 0)} for r in rows]


@tk.side_effect_free
@validate(schema.pcode_lookup)
def pcode_lookup(context: Context, data_dict: DataDict) -> dict[str, dict[str, Any]]:
    """Look many P-codes up at once (what forms and validators use).

    :param ids: the P-codes (a list, or text separated by commas or spaces)
    :type ids: list of strings

    :returns: a dictionary from each known code (normalised) to its ``pcode``,
        ``name``, ``level``, ``country``, ``retired``, ``path`` and ``bbox``;
        unknown codes are absent
    """
    tk.check_access("pcode_lookup", context, data_dict)
    found = places.lookup(context["session"], data_dict["ids"])
    return {
        code: {
            "pcode": code,
            "name": unit.name,
            "level": unit.level,
            "country": unit.country,
            "retired": unit.retired,
            "path": found.path(code),
            "bbox": list(unit.bbox) if unit.bbox else None,
        }
        for code, unit in found.found.items()
    }


def _export_selection(session: Any, data_dict: DataDict) -> export.Selection:
    """The units a validated ``pcode_export`` call asks for; raises
    ``ValidationError`` (field by field) or ``ObjectNotFound``."""
    country, root, level = data_dict.get("country"), data_dict.get("pcode"), data_dict.get("level")
    if not country and not root:
        message = tk._("Give a country (ISO3 code) or a P-code")
        raise tk.ValidationError({"country": [message], "pcode": [message]})
    if country and root:
        raise tk.ValidationError({"pcode": [tk._("Give a country or a P-code, not both")]})
    if root:
        code = gazetteer.normalise(root)
        unit_level = session.execute(sa.select(unit_table.c.level).where(unit_table.c.pcode == code)).scalar()
        if unit_level is None:
            raise tk.ObjectNotFound(tk._("No administrative unit with P-code {code}").format(code=code))
        if level is not None and level <= unit_level:
            raise tk.ValidationError(
                {
                    "level": [
                        tk._("{code} is at admin level {level}: its sub-units are at the levels below it").format(
                            code=code, level=unit_level
                        )
                    ]
                }
            )
        selection = export.Selection(root=code, level=level)
    else:
        code = gazetteer.normalise(country)
        exists = session.execute(sa.select(unit_table.c.pcode).where(unit_table.c.country == code).limit(1)).first()
        if exists is None:
            raise tk.ObjectNotFound(tk._("No country {code} in the gazetteer").format(code=code))
        selection = export.Selection(country=code, level=level)
    return dataclasses.replace(
        selection, include_retired=data_dict["include_retired"], simplify=data_dict.get("simplify") or None
    )


@tk.side_effect_free
@validate(schema.pcode_export)
def pcode_export(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Describe a download of the gazetteer as a geodata file, and where it is.

    The file holds every unit of a country, or the descendants of a unit (not
    the unit itself), at one admin level or all: code, name, names in every
    language of the gazetteer (``name_<lang>``), level, parent, country,
    validity dates (``valid_from``, ``retired_on``), version, and (except in
    CSV) the boundary in longitude/latitude (EPSG:4326).

    :param country: the country's ISO3 code (or give ``pcode``)
    :type country: string
    :param pcode: the P-code of the unit whose descendants are wanted
    :type pcode: string
    :param level: only the units of this admin level (0-5; below the unit's
        own level when ``pcode`` is given)
    :type level: int
    :param format: ``geojson`` (default), ``gpkg``, ``shp`` (zipped) or ``csv``
    :type format: string
    :param simplify: simplify the boundaries further, with this tolerance in
        degrees (0 to 1; the stored boundaries are already simplified for
        display when loaded)
    :type simplify: float
    :param include_retired: include retired codes (default: false)
    :type include_retired: bool

    :returns: ``url`` (the file, streamed), ``filename``, ``format``,
        ``media_type``, ``count`` (features), ``columns`` (their attributes),
        and the selection as understood: ``country`` or ``pcode`` (normalised,
        the other null), ``level``, ``simplify``, ``include_retired``
    """
    tk.check_access("pcode_export", context, data_dict)
    session = context["session"]
    selection = _export_selection(session, data_dict)
    fmt = data_dict["format"]
    args: dict[str, Any] = {"fmt": fmt, "qualified": True}
    if selection.level is not None:
        args["level"] = selection.level
    if selection.simplify:
        args["simplify"] = selection.simplify
    if selection.include_retired:
        args["include_retired"] = "true"
    if selection.root:
        url = tk.h.url_for("imwg_pcode_export.subtree", pcode=selection.root, **args)
    else:
        url = tk.h.url_for("imwg_pcode_export.country", country=selection.country, **args)
    connection = session.connection()
    return {
        "url": url,
        "filename": export.filename(selection, fmt),
        "format": fmt,
        "media_type": export.FORMATS[fmt][0],
        "count": export.count(connection, selection),
        "columns": export.columns(export.languages(connection)),
        "country": selection.country,
        "pcode": selection.root,
        "level": selection.level,
        "simplify": selection.simplify,
        "include_retired": selection.include_retired,
    }
