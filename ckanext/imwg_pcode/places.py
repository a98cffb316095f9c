"""Units of the gazetteer with their ancestors, looked up in bulk.

Indexing, the ``pcode_lookup`` action and the coverage job all need, for a
set of codes, each unit and the chain of its parents (explicit parents: some
national systems do not nest by prefix). One recursive query answers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

#: deepest chain followed (admin levels 0-5, with room for irregular systems)
MAX_DEPTH = 10


@dataclass
class Unit:
    pcode: str
    level: int
    parent: str | None
    country: str
    name: str
    retired: bool
    bbox: tuple[float, float, float, float] | None
    names: dict[str, str] = field(default_factory=dict)


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
        """The found units and all their ancestors, each once."""
        result: dict[str, Unit] = {}
        for code in self.found:
            for unit in [self.found[code], *self.ancestors(code)]:
                result.setdefault(unit.pcode, unit)
        return list(result.values())


_COLUMNS = "pcode, level, parent, country, name, retired_at, minx, miny, maxx, maxy"
#: the units and their ancestors in one pass along the primary key (each step
#: reads one row per code; a unit shared by several codes comes more than once)
_QUERY = sa.text(
    f"WITH RECURSIVE up AS (SELECT {_COLUMNS}, 0 AS depth FROM imwg_pcode_unit WHERE pcode = ANY(:codes)"
    f" UNION ALL SELECT {', '.join('u.' + c for c in _COLUMNS.split(', '))}, up.depth + 1"
    f" FROM up JOIN imwg_pcode_unit u ON u.pcode = up.parent WHERE up.depth < {MAX_DEPTH})"
    f" SELECT DISTINCT ON (pcode) {_COLUMNS.replace('retired_at', 'retired_at IS NOT NULL AS retired')} FROM up"
)
#: the same with every stored name of each unit, as "lang<US>name" (one round trip)
_QUERY_NAMES = sa.text(
    "SELECT d.*, (SELECT array_agg(n.lang || chr(31) || n.name) FROM imwg_pcode_name n WHERE n.pcode = d.pcode)"
    f" AS names FROM ({_QUERY.text}) d"
)


#: where a session keeps, for its current transaction, the gazetteer's token
CACHE = "imwg_pcode_places"
#: units kept by this process at the most (then it starts again)
MAX_KEPT = 100_000
_TOKEN = sa.text("SELECT token FROM imwg_pcode_token")


class _Kept:
    """The units this process has read (with their ancestors and names), and
    the codes it found unknown, under one gazetteer token."""

    def __init__(self, token: Any):
        self.token = token
        self.units: dict[str, Unit] = {}
        self.unknown: set[str] = set()


_kept = _Kept(None)


def lookup(session: Any, codes: Iterable[str], names: bool = True) -> Places:
    """The units of ``codes`` (unknown codes are left out) with their ancestors
    and every stored name (by language) of each (``names`` is kept for the
    callers that need none; the names come anyway).

    Units are kept across transactions while the gazetteer's token (renewed
    by any write to it, see migration 0005) stays the same; the token is read
    once per transaction, so a loaded gazetteer is seen by the next one."""
    global _kept
    wanted = list(dict.fromkeys(codes))
    if hasattr(session, "registry"):  # a scoped session: the caller's own session
        session = session()
    token = _token(session)
    kept = _kept
    if kept.token != token or len(kept.units) > MAX_KEPT:
        kept = _kept = _Kept(token)
    missing = [c for c in wanted if c not in kept.units and c not in kept.unknown]
    if missing:
        read = _lookup(session, missing)
        kept.units.update(read)
        kept.unknown.update(c for c in missing if c not in read)
    units: dict[str, Unit] = {}
    for code in wanted:
        unit = kept.units.get(code)
        while unit is not None and unit.pcode not in units:
            units[unit.pcode] = unit
            unit = kept.units.get(unit.parent) if unit.parent else None
    return Places({c: units[c] for c in wanted if c in units}, units)


def _token(session: Any) -> Any:
    """The gazetteer's token, read once per transaction."""
    transaction = session.get_transaction()
    if transaction is None:
        return session.execute(_TOKEN).scalar()
    owner, token = session.info.get(CACHE, (None, None))
    if owner is not transaction:
        token = session.execute(_TOKEN).scalar()
        session.info[CACHE] = (transaction, token)
    return token


def _lookup(session: Any, wanted: list[str]) -> dict[str, Unit]:
    """The units of ``wanted`` and all their ancestors, with their names."""
    units: dict[str, Unit] = {}
    for r in session.execute(_QUERY_NAMES, {"codes": wanted}):
        bbox = (r.minx, r.miny, r.maxx, r.maxy) if r.minx is not None else None
        unit = units[r.pcode] = Unit(r.pcode, r.level, r.parent, r.country, r.name, r.retired, bbox)
        unit.names.update(n.split("\x1f", 1) for n in r.names or ())
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
