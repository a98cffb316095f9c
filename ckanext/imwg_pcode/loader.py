"""Load gazetteer files into the database, in one transaction.

Reloading a newer version updates names, parents and geometries, retires the
codes of the same countries and levels that the file no longer has (kept for
history, not deleted), brings back codes that reappear, and is idempotent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from ckanext.imwg.text import fold

from . import gazetteer
from .model import name_table, unit_table


@dataclasses.dataclass
class Summary:
    """What a load did, per (country, level)."""

    added: Counter = dataclasses.field(default_factory=Counter)
    changed: Counter = dataclasses.field(default_factory=Counter)
    retired: Counter = dataclasses.field(default_factory=Counter)
    unchanged: int = 0

    def totals(self) -> dict[str, int]:
        return {
            "added": sum(self.added.values()),
            "changed": sum(self.changed.values()),
            "retired": sum(self.retired.values()),
            "unchanged": self.unchanged,
        }

    def rows(self) -> list[tuple[str, int, int, int, int]]:
        keys = sorted(set(self.added) | set(self.changed) | set(self.retired))
        return [(c, lvl, self.added[(c, lvl)], self.changed[(c, lvl)], self.retired[(c, lvl)]) for c, lvl in keys]


def _display(geometry: dict[str, Any] | None, tolerance: float) -> tuple[dict | None, tuple | None]:
    """A geometry simplified for display, and its bounding box."""
    if not geometry:
        return None, None
    from shapely.geometry import mapping, shape

    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, KeyError):
        return None, None
    simple = geom.simplify(tolerance, preserve_topology=True) if tolerance > 0 else geom
    return mapping(simple), geom.bounds


def _record(unit: gazetteer.Unit, version: str, tolerance: float) -> dict[str, Any]:
    geometry, bounds = _display(unit.geometry, tolerance)
    minx, miny, maxx, maxy = bounds or (None, None, None, None)
    return {
        "pcode": unit.pcode,
        "level": unit.level,
        "parent": unit.parent,
        "country": unit.country,
        "name": unit.name,
        "valid_from": unit.valid_from,
        "retired_at": None,
        "version": version,
        "geometry": json.loads(json.dumps(geometry)) if geometry else None,
        "minx": minx,
        "miny": miny,
        "maxx": maxx,
        "maxy": maxy,
    }


def load(
    path: str | Path,
    session: Any,
    version: str | None = None,
    tolerance: float = 0.001,
    progress: Callable[[str], None] = lambda _: None,
) -> Summary:
    """Read, check and load one file; raises ``GazetteerError`` (nothing written)."""
    path = Path(path)
    version = version or f"{path.name}@{dt.datetime.utcnow():%Y-%m-%dT%H:%M:%SZ}"
    known = dict(session.execute(sa.select(unit_table.c.pcode, unit_table.c.level)).all())
    progress("reading and checking")
    units = gazetteer.read(path, known=known)
    scope = {(u.country, u.level) for u in units}
    existing = {
        row.pcode: row
        for row in session.execute(sa.select(unit_table).where(unit_table.c.country.in_({c for c, _ in scope}))).all()
    }
    names = {}
    for row in session.execute(sa.select(name_table).where(name_table.c.pcode.in_(list(existing)))).all():
        names.setdefault(row.pcode, {})[row.lang] = row.name

    summary = Summary()
    records = []
    for unit in units:
        record = _record(unit, version, tolerance)
        old = existing.get(unit.pcode)
        key = (unit.country, unit.level)
        if old is None:
            summary.added[key] += 1
        elif (
            old.retired_at is not None
            or (old.level, old.parent, old.name) != (unit.level, unit.parent, unit.name)
            or names.get(unit.pcode, {}) != unit.names
            or (unit.geometry is not None and old.geometry != record["geometry"])
        ):
            summary.changed[key] += 1
        else:
            summary.unchanged += 1
            continue
        if old is not None and unit.geometry is None:
            for column in ("geometry", "minx", "miny", "maxx", "maxy"):
                record[column] = getattr(old, column)
        records.append(record)
    in_file = {u.pcode for u in units}
    retire = [
        row.pcode
        for row in existing.values()
        if row.retired_at is None and row.pcode not in in_file and (row.country, row.level) in scope
    ]
    for pcode in retire:
        row = existing[pcode]
        summary.retired[(row.country, row.level)] += 1

    progress("writing")
    if records:
        _write_units(session, records)
        written = {r["pcode"] for r in records}
        session.execute(name_table.delete().where(name_table.c.pcode.in_(list(written))))
        rows = [
            (u.pcode, lang, name, fold(name)) for u in units if u.pcode in written for lang, name in u.names.items()
        ]
        session.execute(
            sa.text(
                "INSERT INTO imwg_pcode_name (pcode, lang, name, folded) "
                "SELECT * FROM unnest(CAST(:p AS text[]), CAST(:l AS text[]), CAST(:n AS text[]), CAST(:f AS text[]))"
            ),
            {k: [r[i] for r in rows] for i, k in enumerate("plnf")},
        )
    if retire:
        session.execute(
            unit_table.update().where(unit_table.c.pcode.in_(retire)).values(retired_at=dt.datetime.utcnow())
        )
    session.commit()
    if records or retire:
        # fresh planner statistics at once: lookups and searches pick their
        # indexes only when the planner knows how many units there are
        progress("analysing")
        for table in (unit_table, name_table):
            session.execute(sa.text(f"ANALYZE {table.name}"))
        session.commit()
    return summary


_COLUMNS = (
    "pcode",
    "level",
    "parent",
    "country",
    "name",
    "valid_from",
    "version",
    "geometry",
    "minx",
    "miny",
    "maxx",
    "maxy",
)
_TYPES = ("text", "smallint", "text", "text", "text", "text", "text", "jsonb", "float8", "float8", "float8", "float8")


def _write_units(session: Any, records: list[dict[str, Any]]) -> None:
    """Insert or update units in one statement (arrays, not one row per call)."""
    params = {
        c: [json.dumps(r[c]) if c == "geometry" and r[c] is not None else r[c] for r in records] for c in _COLUMNS
    }
    arrays = ", ".join(
        f"CAST(:{c} AS {'text' if t == 'jsonb' else t}[])" for c, t in zip(_COLUMNS, _TYPES, strict=False)
    )
    select = ", ".join(f"CAST({c} AS jsonb)" if t == "jsonb" else c for c, t in zip(_COLUMNS, _TYPES, strict=False))
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in _COLUMNS[1:])
    session.execute(
        sa.text(
            f"INSERT INTO imwg_pcode_unit ({', '.join(_COLUMNS)}, retired_at) "
            f"SELECT {select}, NULL FROM unnest({arrays}) AS u({', '.join(_COLUMNS)}) "
            f"ON CONFLICT (pcode) DO UPDATE SET {updates}, retired_at = NULL"
        ),
        params,
    )


def stats(session: Any) -> list[tuple[str, int, int, int]]:
    """(country, level, active, retired) for every country and level loaded."""
    query = (
        sa.select(
            unit_table.c.country,
            unit_table.c.level,
            sa.func.count().filter(unit_table.c.retired_at.is_(None)),
            sa.func.count().filter(unit_table.c.retired_at.isnot(None)),
        )
        .group_by(unit_table.c.country, unit_table.c.level)
        .order_by(unit_table.c.country, unit_table.c.level)
    )
    return [tuple(r) for r in session.execute(query).all()]


def export_rows(session: Any) -> tuple[list[str], list[dict[str, str]]]:
    """The active gazetteer as a COD-AB wide table (one row a unit, with its
    ancestors at their levels and its names in every language)."""
    units = {r.pcode: r for r in session.execute(sa.select(unit_table).where(unit_table.c.retired_at.is_(None)))}
    names: dict[str, dict[str, str]] = {}
    for r in session.execute(sa.select(name_table)):
        names.setdefault(r.pcode, {})[r.lang] = r.name
    langs = sorted({lang for n in names.values() for lang in n})
    max_level = max((u.level for u in units.values()), default=0)
    header = []
    for level in range(max_level + 1):
        header.append(f"ADM{level}_PCODE")
        header += [f"ADM{level}_{_lang_column(lang)}" for lang in langs]
    header.append("validOn")
    rows = []
    for unit in sorted(units.values(), key=lambda u: (u.level, u.pcode)):
        row = {h: "" for h in header}
        current: Any = unit
        while current is not None:
            row[f"ADM{current.level}_PCODE"] = current.pcode
            for lang, name in names.get(current.pcode, {}).items():
                row[f"ADM{current.level}_{_lang_column(lang)}"] = name
            current = units.get(current.parent) if current.parent else None
        row["validOn"] = unit.valid_from or ""
        rows.append(row)
    return header, rows


def _lang_column(lang: str) -> str:
    return f"NAME{lang[3:]}" if lang.startswith("alt") else lang.upper()
