"""Units of the gazetteer with their ancestors, looked up in bulk.

Indexing, the ``pcode_lookup`` action and the coverage job all need, for a
set of codes, each unit and the chain of its parents (explicit parents: some
national systems do not nest by prefix). A gazetteer small enough is read
whole once per process; a larger one answers each set of codes with one
recursive query.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from sys import intern
from typing import Any

import sqlalchemy as sa

from ckanext.imwg import txcache

from . import config

#: deepest chain followed (admin levels 0-5, with room for irregular systems)
MAX_DEPTH = 10


@dataclass(slots=True)
class Unit:
    pcode: str
    level: int
    parent: str | None
    country: str
    name: str
    retired: bool
    bbox: tuple[float, float, float, float] | None
    #: its other stored names (any language), without ``name``
    other_names: tuple[str, ...] = ()


@dataclass
class Places:
    """The asked-for units (``found``) and every unit on their paths (``units``)."""

    found: dict[str, Unit]
    units: dict[str, Unit]

    def ancestors(self, pcode: str) -> list[Unit]:
        """From the unit's parent up to its country."""
        chain: list[Unit] = []
        unit = self.units.get(pcode)
        seen = {pcode}
        while unit is not None and unit.parent and unit.parent not in seen:
            seen.add(unit.parent)
            unit = self.units.get(unit.parent)
            if unit is not None:
                chain.append(unit)
        return chain

    def path(self, pcode: str) -> str:
        """ "Waingmaw — Myitkyina — Kachin — Myanmar"."""
        unit = self.units[pcode]
        return " — ".join([unit.name] + [a.name for a in self.ancestors(pcode)])

    def with_ancestors(self) -> list[Unit]:
        """The found units and all their ancestors, each once (``units``:
        each found unit, then those of its ancestors not already listed)."""
        return list(self.units.values())


_COLUMNS = "pcode, level, parent, country, name, retired_at, minx, miny, maxx, maxy"
#: the units and their ancestors in one pass along the primary key (each step
#: reads one row per code; a unit shared by several codes comes more than once)
_QUERY = sa.text(
    f"WITH RECURSIVE up AS (SELECT {_COLUMNS}, 0 AS depth FROM imwg_pcode_unit WHERE pcode = ANY(:codes)"
    f" UNION ALL SELECT {', '.join('u.' + c for c in _COLUMNS.split(', '))}, up.depth + 1"
    f" FROM up JOIN imwg_pcode_unit u ON u.pcode = up.parent WHERE up.depth < {MAX_DEPTH})"
    f" SELECT DISTINCT ON (pcode) {_COLUMNS.replace('retired_at', 'retired_at IS NOT NULL AS retired')} FROM up"
)
#: the same with every stored name of each unit, in any language (one round trip)
_QUERY_NAMES = sa.text(
    "SELECT d.*, (SELECT array_agg(n.name) FROM imwg_pcode_name n WHERE n.pcode = d.pcode)"
    f" AS names FROM ({_QUERY.text}) d"
)


#: the gazetteer's token, kept for the transaction that read it (``txcache``)
TOKEN_KEY = "imwg_pcode_token"
#: units kept by this process at the most when it reads them as asked for
#: (then it starts again)
MAX_KEPT = 100_000
#: answers kept for codes asked for again
MAX_ANSWERS = 64
#: sent as it is (no statement to compile: it runs once per transaction)
_TOKEN = "SELECT token FROM imwg_pcode_token"
_COUNT = sa.text("SELECT count(*) FROM imwg_pcode_unit")
#: every unit, then the names that differ from each unit's own, for a
#: gazetteer held whole (most units have no other name: little comes back)
_ALL_UNITS = f"SELECT {_COLUMNS.replace('retired_at', 'retired_at IS NOT NULL')} FROM imwg_pcode_unit"
_ALL_OTHER_NAMES = (
    "SELECT n.pcode, n.name FROM imwg_pcode_name n JOIN imwg_pcode_unit u USING (pcode)"
    " WHERE n.name <> u.name ORDER BY n.pcode, n.lang"
)


class _Kept:
    """The units this process has read (with their ancestors and names), and
    the codes it found unknown, under one gazetteer token. ``whole`` once it
    holds every unit: a code it lacks is then unknown without asking."""

    def __init__(self, token: Any):
        self.token = token
        self.units: dict[str, Unit] = {}
        self.unknown: set[str] = set()
        self.whole = False
        self.size: int | None = None
        #: the last answers, by the codes asked for (validating a dataset and
        #: indexing it ask for the same codes)
        self.answers: dict[tuple[str, ...], Places] = {}


_kept = _Kept(None)


def forget() -> None:
    """Drop the units this process holds (the next lookup reads them again)."""
    global _kept
    _kept = _Kept(None)


def held() -> int:
    """How many units this process holds."""
    return len(_kept.units)


def lookup(session: Any, codes: Iterable[str]) -> Places:
    """The units of ``codes`` (unknown codes are left out) with their ancestors
    and the other stored names of each.

    Units are kept across transactions while the gazetteer's token (renewed
    by the first write to it in a transaction, see migrations 0005 and 0006)
    stays the same; the token is read once per transaction, so a loaded
    gazetteer is seen by the next one. A gazetteer of at most
    ``ckanext.imwg_pcode.memory_units`` units is read whole at the first code
    this process does not know; a larger one, the asked-for units and their
    ancestors only. The same codes asked again under the same token get the
    same answer, which callers must not change."""
    global _kept
    wanted = tuple(dict.fromkeys(codes))
    if hasattr(session, "registry"):  # a scoped session: the caller's own session
        session = session()
    token = _token(session)
    kept = _kept
    if kept.token != token or (not kept.whole and len(kept.units) > MAX_KEPT):
        kept = _kept = _Kept(token)
    answer = kept.answers.get(wanted)
    if answer is not None:
        return answer
    if not kept.whole:
        missing = [c for c in wanted if c not in kept.units and c not in kept.unknown]
        if missing:
            if kept.size is None:
                kept.size = session.execute(_COUNT).scalar()
            if 0 < kept.size <= config.memory_units():
                kept.units, kept.unknown, kept.whole = _read_all(session), set(), True
            else:
                read = _read(session.execute(_QUERY_NAMES, {"codes": missing}))
                kept.units.update(read)
                kept.unknown.update(c for c in missing if c not in read)
    units: dict[str, Unit] = {}
    held = kept.units
    for code in wanted:
        unit = held.get(code)
        while unit is not None and unit.pcode not in units:
            units[unit.pcode] = unit
            unit = held.get(unit.parent) if unit.parent else None
    answer = Places({c: units[c] for c in wanted if c in units}, units)
    if len(kept.answers) >= MAX_ANSWERS:
        kept.answers.clear()
    kept.answers[wanted] = answer
    return answer


def _token(session: Any) -> Any:
    """The gazetteer's token, read once per transaction."""
    return txcache.value(TOKEN_KEY, lambda: session.connection().exec_driver_sql(_TOKEN).scalar(), session)


def _unit(pcode, level, parent, country, name, retired, minx, miny, maxx, maxy, others=()) -> Unit:
    """A unit from a row of ``_COLUMNS`` (and its other names)."""
    bbox = (minx, miny, maxx, maxy) if minx is not None else None
    return Unit(pcode, level, parent, intern(country), name, retired, bbox, others)


def _read(rows: Iterable[Any]) -> dict[str, Unit]:
    """Units from rows of ``_COLUMNS`` followed by all their names."""
    units: dict[str, Unit] = {}
    for *columns, names in rows:
        unit = _unit(*columns)
        unit.other_names = tuple(n for n in dict.fromkeys(names or ()) if n != unit.name)
        units[unit.pcode] = unit
    return units


def _read_all(session: Any) -> dict[str, Unit]:
    """Every unit, with its other names: streamed through the driver's own
    cursors (plain tuples; a server-side cursor keeps the transfer small),
    and kept small, since every process may hold them."""
    units: dict[str, Unit] = {}
    dbapi = session.connection().connection
    with dbapi.cursor("imwg_pcode_all_units") as cursor:
        cursor.itersize = 20_000
        cursor.execute(_ALL_UNITS)
        for row in cursor:
            units[row[0]] = _unit(*row)
    others: dict[str, list[str]] = {}
    with dbapi.cursor() as cursor:
        cursor.execute(_ALL_OTHER_NAMES)
        for pcode, name in cursor:
            others.setdefault(pcode, []).append(name)
    for pcode, names in others.items():
        units[pcode].other_names = tuple(dict.fromkeys(names))
    for unit in units.values():  # one string per code: the parent's own
        parent = units.get(unit.parent) if unit.parent else None
        if parent is not None:
            unit.parent = parent.pcode
    return units


_GEOMETRY = sa.text("SELECT pcode, geometry FROM imwg_pcode_unit WHERE pcode = ANY(:codes) AND geometry IS NOT NULL")


def for_others(session: Any, codes: Iterable[str], geometry: bool = False) -> dict[str, dict[str, Any]]:
    """What ``ckanext.imwg.interfaces.IPlaces`` answers: the known units among
    ``codes``, as plain dictionaries, with their boundaries when asked."""
    wanted = [c.strip().upper() for c in codes if c and c.strip()]
    found = lookup(session, wanted).found
    result = {
        code: {
            "level": unit.level,
            "name": unit.name,
            "country": unit.country,
            "retired": unit.retired,
            "parent": unit.parent,
            "geometry": None,
        }
        for code, unit in found.items()
    }
    if geometry and result:
        if hasattr(session, "registry"):
            session = session()
        for row in session.execute(_GEOMETRY, {"codes": list(result)}):
            result[row.pcode]["geometry"] = row.geometry
    return result
