"""Placing each record of an export in an administrative unit of the gazetteer.

In order: the P-code columns (checked against the gazetteer; the deepest known
code wins, and codes of several levels must agree); else coordinates (a point,
or a polygon's centroid, already in longitude/latitude) in the deepest unit
whose boundary contains them (one STRtree over every boundary); else the
admin names, matched case-, accent- and punctuation-insensitively to the
units' names and other names, each level among the children of the unit
matched at the level above (municipality names repeat across departments).
A record that cannot be placed, or is ambiguous, gets a reason; nothing is
guessed. No database, no CKAN: the gazetteer is given as plain units."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from .roles import normalise

#: how a record was placed
BY_CODE, BY_COORDINATES, BY_NAME = "code", "coordinates", "name"
#: why a record was not placed (or placed less deep than its columns say)
UNKNOWN_PCODE = "unknown_pcode"
CODES_DISAGREE = "codes_disagree"
BAD_COORDINATES = "bad_coordinates"
SWAPPED = "lat_lon_swapped"
OUTSIDE = "outside_country"
ON_BORDER = "ambiguous_boundary"
UNKNOWN_NAME = "unknown_name"
AMBIGUOUS_NAME = "ambiguous_name"
NOTHING = "no_location"
OTHER_COUNTRY = "other_country"


@dataclass
class Unit:
    """One unit of the gazetteer: ``names`` are its other names (any language)."""

    code: str
    name: str
    level: int
    parent: str | None
    country: str
    names: tuple[str, ...] = ()
    geometry: Any = None


class Gazetteer:
    """A country's units with their boundaries, indexed for placing."""

    def __init__(self, units: list[Unit]):
        self.units = {u.code: u for u in units}
        self.children: dict[str | None, list[str]] = defaultdict(list)
        for u in units:
            self.children[u.parent].append(u.code)
        with_geometry = [u for u in units if u.geometry is not None]
        self._codes = np.array([u.code for u in with_geometry], dtype=object)
        self._levels = np.array([u.level for u in with_geometry], dtype=np.int64)
        geoms = np.array([u.geometry for u in with_geometry], dtype=object)
        self.tree = shapely.STRtree(geoms) if len(geoms) else None
        self._geoms = geoms
        countries = [u for u in with_geometry if u.level == 0]
        if countries:
            self.outline = shapely.union_all(np.array([u.geometry for u in countries], dtype=object))
        elif len(geoms):
            top = min(u.level for u in with_geometry)
            self.outline = shapely.union_all(np.array([u.geometry for u in with_geometry if u.level == top]))
        else:
            self.outline = None
        self._names: dict[int, dict[str, list[str]]] = {}

    @property
    def deepest(self) -> int:
        return max((u.level for u in self.units.values()), default=0)

    def ancestors(self, code: str) -> list[str]:
        """The code and its ancestors, deepest first."""
        out = []
        while code:
            out.append(code)
            code = self.units[code].parent if code in self.units else None
        return out

    def at_level(self, code: str, level: int) -> str | None:
        """The unit at ``level`` containing ``code`` (itself or an ancestor)."""
        for c in self.ancestors(code):
            if self.units[c].level == level:
                return c
        return None

    def names_under(self, parent: str | None, level: int) -> dict[str, list[str]]:
        """Normalised name -> codes of the units of ``level`` under ``parent``
        (any depth; None: the whole gazetteer)."""
        if level not in self._names:
            table: dict[str, list[str]] = defaultdict(list)
            for u in self.units.values():
                if u.level == level:
                    for n in {normalise(x) for x in (u.name, *u.names) if x}:
                        table[n].append(u.code)
            self._names[level] = dict(table)
        if parent is None:
            return self._names[level]
        return _Under(self, parent, self._names[level])


class _Under:
    """The names of one level restricted to the descendants of ``parent``."""

    def __init__(self, gazetteer: Gazetteer, parent: str, names: dict[str, list[str]]):
        self.gazetteer, self.parent, self.names = gazetteer, parent, names

    def get(self, name: str, default: list[str]) -> list[str]:
        codes = [c for c in self.names.get(name, []) if self.parent in self.gazetteer.ancestors(c)[1:]]
        return codes or default


@dataclass
class Placement:
    """Each record's unit (``codes``, None when not placed), how it was placed
    (``how``), and ``problems``: record index -> list of (reason, detail)."""

    codes: list[str | None]
    how: list[str | None]
    problems: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def note(self, i: int, reason: str, detail: str = "") -> None:
        self.problems.setdefault(i, []).append((reason, detail))


def place(
    gazetteer: Gazetteer,
    count: int,
    codes: dict[int, list[Any]] | None = None,
    points: Any = None,
    names: dict[int, list[Any]] | None = None,
) -> Placement:
    """Place ``count`` records. ``codes``: level (or -1 for a column of any
    level) -> the P-code column's values; ``points``: a shapely array of the
    records' geometries in EPSG:4326 (None items where missing), or None;
    ``names``: level -> the name column's values."""
    result = Placement([None] * count, [None] * count)
    if codes:
        _by_code(gazetteer, codes, result)
    if points is not None:
        _by_coordinates(gazetteer, points, result)
    if names:
        _by_name(gazetteer, names, result)
    for i in range(count):
        if result.codes[i] is None and i not in result.problems:
            result.note(i, NOTHING)
    return result


def _by_code(gazetteer: Gazetteer, codes: dict[int, list[Any]], result: Placement) -> None:
    units = gazetteer.units
    columns = sorted(codes.items(), key=lambda kv: -kv[0])
    for i in range(len(result.codes)):
        known = []
        for _level, values in columns:
            value = values[i]
            if not value:
                continue
            code = str(value).strip().upper()
            if code in units:
                known.append(code)
            else:
                result.note(i, UNKNOWN_PCODE, code)
        if not known:
            continue
        deepest = max(known, key=lambda c: units[c].level)
        line = set(gazetteer.ancestors(deepest))
        if any(c not in line for c in known):
            result.note(i, CODES_DISAGREE, ", ".join(known))
            continue
        result.codes[i], result.how[i] = deepest, BY_CODE


def _by_coordinates(gazetteer: Gazetteer, points: Any, result: Placement) -> None:
    todo = np.array([i for i, c in enumerate(result.codes) if c is None and points[i] is not None], dtype=np.int64)
    if not len(todo) or gazetteer.tree is None:
        return
    geoms = points[todo]
    invalid = shapely.is_empty(geoms) | ~shapely.is_valid_input(geoms)
    # polygons (and lines) by their centroid
    geoms = np.where(shapely.get_type_id(geoms) == 0, geoms, shapely.centroid(geoms))
    xy = shapely.get_coordinates(geoms) if len(geoms) else np.empty((0, 2))
    bad = invalid.copy()
    if len(xy) == len(geoms):
        bad |= ~np.isfinite(xy).all(axis=1) | (np.abs(xy[:, 0]) > 180) | (np.abs(xy[:, 1]) > 90)
    for i in todo[bad]:
        result.note(int(i), BAD_COORDINATES)
    todo, geoms = todo[~bad], geoms[~bad]
    hit_in, hit_tree = gazetteer.tree.query(geoms, predicate="intersects")
    levels = gazetteer._levels[hit_tree]
    # for each record: the deepest level hit, and how many units of it
    order = np.lexsort((-levels, hit_in))
    hit_in, hit_tree, levels = hit_in[order], hit_tree[order], levels[order]
    first = np.r_[True, hit_in[1:] != hit_in[:-1]]
    starts = np.flatnonzero(first)
    best_level = levels[starts]
    placed = np.zeros(len(todo), dtype=bool)
    for s, lvl in zip(starts, best_level, strict=False):
        k = int(hit_in[s])
        j = s
        same = []
        while j < len(hit_in) and hit_in[j] == k and levels[j] == lvl:
            same.append(hit_tree[j])
            j += 1
        i = int(todo[k])
        placed[k] = True
        if len(same) > 1:
            result.note(i, ON_BORDER, ", ".join(sorted(gazetteer._codes[same])))
            continue
        result.codes[i], result.how[i] = str(gazetteer._codes[same[0]]), BY_COORDINATES
    missing = todo[~placed]
    if len(missing):
        outside = geoms[~placed]
        swapped = shapely.points(shapely.get_coordinates(outside)[:, ::-1])
        inside = (
            shapely.intersects(gazetteer.outline, swapped)
            if gazetteer.outline is not None
            else np.zeros(len(missing), bool)
        )
        for i, was_swapped, g in zip(missing, inside, outside, strict=False):
            x, y = shapely.get_coordinates(g)[0]
            result.note(int(i), SWAPPED if was_swapped else OUTSIDE, f"{y:.5f}, {x:.5f}")


def _by_name(gazetteer: Gazetteer, names: dict[int, list[Any]], result: Placement) -> None:
    levels = sorted(names)
    for i in range(len(result.codes)):
        if result.codes[i] is not None:
            continue
        parent: str | None = None
        found: str | None = None
        reasons: list[tuple[str, str]] = []
        for level in levels:
            value = names[level][i]
            if not value:
                continue
            matches = gazetteer.names_under(parent, level).get(normalise(value), [])
            if len(matches) == 1:
                found = parent = matches[0]
                continue
            reasons.append((AMBIGUOUS_NAME if matches else UNKNOWN_NAME, f"{level}: {value}"))
            break
        if found is None:
            if reasons or any(names[level][i] for level in levels):
                for r in reasons:
                    result.note(i, *r)
            continue
        result.codes[i], result.how[i] = found, BY_NAME
        # placed less deep than the names given: kept, and said
        for r in reasons:
            result.note(i, *r)
