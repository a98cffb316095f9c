"""From placed records to aggregates by P-code and month, with small-cell
suppression. No database, no CKAN.

Each record contributes to *measures* (GICHD's minimum data requirements):
hazardous areas (count and area, by status), area released (by method:
cancelled, reduced, cleared, or the ``method`` column's value), items
destroyed (by type), casualties (killed and injured, by sex and age group, and by victim type:
civilian or deminer, when the export says it).
A record placed in a unit counts in that unit and in each of its ancestors:
the aggregate of admin level *L* holds every record placed at level *L* or
deeper; level 0 is the country.

Each record is of one kind, decided by the roles it fills: a *victim*
record (a number killed or injured above zero, an outcome, a sex, an age or
an age group) counts in the casualty measures only; any other record counts
as land released (an area with a method, or cleared/reduced/cancelled
areas), as a hazardous area (an area, a status or a hazard type, without a
method) and as items destroyed (items, an item type or, when no killed
column is mapped, a device type). So no measure but the casualties' counts
victims, and the suppressed casualty cells cannot be read from the others.

Suppression (casualty figures only: they count people). *Primary*: a cell
(one unit, one month, one casualty measure) above zero and below
``suppress_below`` is hidden. *Complementary*: the published figures obey
sums: within a row, the total killed (injured) is the sum of its
sex-and-age cells, and the sum of its victim-type cells; down the hierarchy, a unit's cell is the sum of its
children's cells plus what was placed no deeper than the unit (taken as
known). The whole system of these sums is audited: a hidden cell can be
worked out from the published ones exactly when its unit vector lies in the
row space of the sums restricted to the hidden cells (solved block by block
along the admin tree, one tree per month and head: see ``audit``). While a hidden cell
can be, the smallest shown cell above zero of a sum holding it is hidden
too (cells worth zero are never hidden: they protect nothing). Areas are
rounded."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import audit
from .place import Gazetteer
from .roles import AREA_UNITS, Mapping, normalise

SEXES = {
    "f": "f", "female": "f", "woman": "f", "women": "f", "girl": "f", "femenino": "f", "mujer": "f", "nina": "f",
    "feminin": "f", "femme": "f", "fille": "f", "feminino": "f", "mulher": "f", "menina": "f",
    "m": "m", "male": "m", "man": "m", "men": "m", "boy": "m", "masculino": "m", "hombre": "m", "nino": "m",
    "masculin": "m", "homme": "m", "garcon": "m", "homem": "m", "menino": "m", "h": "m",
}  # fmt: skip
CHILDREN = {"child", "children", "boy", "girl", "minor", "nino", "nina", "menor", "enfant", "crianca", "menino",
            "menina", "under 18", "0 17", "17"}  # fmt: skip
ADULTS = {"adult", "adults", "adulto", "adulte", "adultos", "18", "18 and over", "over 18"}
KILLED = {"killed", "dead", "death", "fatal", "muerto", "fallecido", "tue", "mort", "morto", "died", "muerta"}
INJURED = {"injured", "wounded", "herido", "lesionado", "blesse", "ferido", "herida", "injury"}
RELEASE = ("cancelled", "reduced", "cleared")
#: victim types (GICHD: civilian or deminer), normalised
CIVILIANS = {"civilian", "civil", "civilians", "civiles", "civils", "civis", "population civile"}
DEMINERS = {"deminer", "deminers", "desminador", "desminadores", "demineur", "demineurs", "humanitarian deminer",
            "mine action personnel", "personal de desminado", "sapador"}  # fmt: skip
#: what a hidden figure is written as
HIDDEN = ""


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    hashtag: str
    kind: str  # count | area | people


@functools.lru_cache(maxsize=4096)
def _normalised_text(text: str) -> str:
    return normalise(text)


def _normalised(value: Any) -> str:
    """``normalise``, remembered for the few words a column repeats (sex, victim type, ...)."""
    return _normalised_text(value) if isinstance(value, str) else normalise(value)


def _slug(value: Any) -> str:
    return re.sub(r"[^a-z0-9]+", "_", _normalised(value)).strip("_")[:40] or "unknown"


def measure(key: str) -> Measure:
    """What a measure key means (label in English, HXL hashtag, kind)."""
    parts = key.split("__")
    head, rest = parts[0], parts[1:]
    attrs = "".join(f"+{p}" for p in rest)
    words = ", ".join(rest)
    if head == "hazards":
        return Measure(key, f"Hazardous areas ({words})" if rest else "Hazardous areas",
                       f"#indicator+hazards{attrs}+num", "count")  # fmt: skip
    if head == "hazard_area":
        return Measure(key, f"Hazardous area, m² ({words})" if rest else "Hazardous area, m²",
                       f"#indicator+hazard_area{attrs}+m2", "area")  # fmt: skip
    if head == "released":
        return Measure(key, f"Area released, m² ({words})" if rest else "Area released, m²",
                       f"#indicator+released{attrs}+m2", "area")  # fmt: skip
    if head == "items":
        return Measure(key, f"Items destroyed ({words})" if rest else "Items destroyed",
                       f"#indicator+items_destroyed{attrs}+num", "count")  # fmt: skip
    if head in ("killed", "injured"):
        hashtag = (
            "#affected+"
            + head
            + "".join("+" + {"f": "f", "m": "m", "child": "children", "adult": "adults"}.get(p, p) for p in rest)
        )
        return Measure(key, f"{head.capitalize()} ({words})" if rest else head.capitalize(), hashtag, "people")
    return Measure(key, key, f"#indicator+{_slug(key)}", "count")


def is_casualty(key: str) -> bool:
    return key.split("__")[0] in ("killed", "injured")


@dataclass
class Contributions:
    """Each record's figures (``values``: measure key -> number), its month
    (``YYYY-MM`` or None), and ``problems``: record index -> (reason, detail)."""

    values: list[dict[str, float]]
    months: list[str | None]
    problems: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def note(self, i: int, reason: str, detail: str = "") -> None:
        self.problems.setdefault(i, []).append((reason, detail))


def _number(text: Any) -> float | None:
    if text is None or text == "":
        return None
    value = str(text).strip().replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    else:
        value = value.replace(",", "")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(text)
    return number


_ISO_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-\d{2})?(?:[T ].*)?$")
_DATE_FORMATS = ("%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y/%m/%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


@functools.lru_cache(maxsize=4096)
def _date_month(text: str) -> str:
    """``YYYY-MM`` of a date written in one of the usual ways; ValueError otherwise."""
    iso = _ISO_MONTH.match(text)
    if iso and 1 <= int(iso.group(2)) <= 12:
        return f"{iso.group(1)}-{iso.group(2)}"
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).strftime("%Y-%m")
        except ValueError:
            continue
    raise ValueError(text)


def _month(date: Any, year: Any, month: Any) -> str | None:
    if date:
        return _date_month(str(date).strip())
    if year:
        y = int(_number(year) or 0)
        m = int(_number(month) or 0) if month else None
        if not 1900 <= y <= 2100 or (m is not None and not 1 <= m <= 12):
            raise ValueError(f"{year}-{month}")
        return f"{y:04d}-{m:02d}" if m else None
    return None


def _age_group(age_group: Any, age: Any) -> str:
    if age_group:
        g = _normalised(age_group)
        if g in CHILDREN or g.startswith(("child", "nin", "enfant", "crian", "menor")):
            return "child"
        if g in ADULTS or g.startswith(("adult", "adulto", "adulte")):
            return "adult"
        return "unknown"
    if age not in (None, ""):
        try:
            return "child" if (_number(age) or 0.0) < 18 else "adult"
        except ValueError:
            return "unknown"
    return "unknown"


def _victim_type(value: Any) -> str:
    """``civilian``, ``deminer`` (mine-action personnel) or ``unknown_type``."""
    v = _normalised(value) if value else ""
    if v in DEMINERS or v.startswith(("demin", "desmin", "deminag", "eod", "mine action")):
        return "deminer"
    if v in CIVILIANS or v.startswith(("civil", "non combat")):
        return "civilian"
    return "unknown_type"


def contributions(values: dict[str, list[Any]], count: int, mapping: Mapping) -> Contributions:
    """Each record's figures from the mapped columns; invalid values are
    reported and leave out that figure (never the record's other figures)."""
    factor = AREA_UNITS[mapping.area_unit]

    def col(role: str) -> list[Any]:
        name = mapping.column(role)
        return values[name] if name else [None] * count

    c = {role: col(role) for role in (
        "area", "cleared", "reduced", "cancelled", "items", "item_type", "device_type", "killed", "injured",
        "outcome", "sex", "age", "age_group", "date", "year", "month", "status", "hazard_type", "method",
        "record_type", "victim_type",
    )}  # fmt: skip
    by_victim_type = mapping.column("victim_type") is not None
    result = Contributions([], [])
    has_method = mapping.column("method") is not None
    victims_by_outcome = mapping.column("outcome") is not None and not (
        mapping.column("killed") or mapping.column("injured")
    )
    for i in range(count):
        figures: dict[str, float] = defaultdict(float)

        def number(role: str, i: int = i) -> float | None:
            try:
                value = _number(c[role][i])
            except ValueError:
                result.note(i, "bad_number", f"{mapping.column(role)}: {c[role][i]}")
                return None
            if value is not None and value < 0:
                result.note(i, "bad_number", f"{mapping.column(role)}: {c[role][i]}")
                return None
            return value

        try:
            result.months.append(_month(c["date"][i], c["year"][i], c["month"][i]))
        except ValueError:
            result.months.append(None)
            result.note(i, "bad_date", str(c["date"][i] or f"{c['year'][i]}-{c['month'][i]}"))
        sex = SEXES.get(_normalised(c["sex"][i]), "unknown") if c["sex"][i] else "unknown"
        age = _age_group(c["age_group"][i], c["age"][i])
        people = {"killed": number("killed"), "injured": number("injured")}
        if victims_by_outcome and c["outcome"][i]:
            outcome = _normalised(c["outcome"][i])
            if outcome in KILLED or outcome.startswith(("kill", "muert", "fallec", "tue", "mort")):
                people["killed"] = 1
            elif outcome in INJURED or outcome.startswith(("injur", "herid", "lesion", "bless", "ferid")):
                people["injured"] = 1
            else:
                result.note(i, "bad_value", f"{mapping.column('outcome')}: {c['outcome'][i]}")
        # a victim record counts in the casualty measures alone (see the module's docstring)
        victim = any(people.values()) or any(c[r][i] for r in ("outcome", "sex", "age", "age_group", "victim_type"))
        kind = _victim_type(c["victim_type"][i]) if by_victim_type else None
        if not victim:
            _other_figures(figures, c, i, number, has_method, factor, mapping)
        for what, value in people.items():
            if value:
                figures[what] += value
                figures[f"{what}__{sex}__{age}"] += value
                if kind:
                    figures[f"{what}__{kind}"] += value
        result.values.append(dict(figures))
    return result


def _other_figures(
    figures: dict[str, float],
    c: dict[str, list[Any]],
    i: int,
    number: Any,
    has_method: bool,
    factor: float,
    mapping: Mapping,
) -> None:
    """A record's hazard, land release and items figures (not a victim record's)."""
    area = number("area")
    if area is not None and has_method and c["method"][i]:
        figures[f"released__{_slug(c['method'][i])}"] += area * factor
        figures["released"] += area * factor
    elif area is not None or c["status"][i] or c["hazard_type"][i]:
        status = _slug(c["status"][i]) if c["status"][i] else "unknown"
        figures["hazards"] += 1
        figures[f"hazards__{status}"] += 1
        if area is not None:
            figures["hazard_area"] += area * factor
            figures[f"hazard_area__{status}"] += area * factor
    for method in RELEASE:
        value = number(method)
        if value:
            figures[f"released__{method}"] += value * factor
            figures["released"] += value * factor
    items = number("items")
    kind = c["item_type"][i] or (None if mapping.column("killed") else c["device_type"][i])
    if items is None and kind and not mapping.column("items"):
        items = 1.0
    if items:
        figures["items"] += items
        figures[f"items__{_slug(kind) if kind else 'unknown'}"] += items


@dataclass
class Aggregates:
    """``cells``: level -> (P-code, month) -> measure key -> value;
    ``hidden``: level -> set of (P-code, month, key); ``remainder``: level ->
    (P-code, month) -> key -> what was placed no deeper than the unit."""

    cells: dict[int, dict[tuple[str, str], dict[str, float]]]
    hidden: dict[int, set[tuple[str, str, str]]]
    remainder: dict[int, dict[tuple[str, str], dict[str, float]]]
    keys: list[str]

    def total(self, level: int, key: str) -> float:
        return sum(row.get(key, 0.0) for row in self.cells.get(level, {}).values())

    @property
    def hidden_count(self) -> int:
        return sum(len(h) for h in self.hidden.values())


def aggregate(gazetteer: Gazetteer, codes: list[str | None], figures: Contributions, suppress_below: int) -> Aggregates:
    """Sum the placed records' figures per unit and month at each level present, then suppress."""
    cells: dict[int, dict[tuple[str, str], dict[str, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    remainder: dict[int, dict[tuple[str, str], dict[str, float]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(float))
    )
    # each record into its own unit's row, then each such row into its ancestors' (far fewer rows than records)
    own: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for i, code in enumerate(codes):
        if code is None or not figures.values[i]:
            continue
        row = own[(code, figures.months[i] or "")]
        for key, value in figures.values[i].items():
            row[key] += value
    keys: set[str] = set()
    for (code, month), figures_of in own.items():
        remainder[gazetteer.units[code].level][(code, month)] = figures_of
        keys.update(figures_of)
        for unit in gazetteer.ancestors(code):
            row = cells[gazetteer.units[unit].level][(unit, month)]
            for key, value in figures_of.items():
                row[key] += value
    result = Aggregates(
        {lvl: {k: dict(v) for k, v in rows.items()} for lvl, rows in cells.items()},
        {lvl: set() for lvl in cells},
        {lvl: {k: dict(v) for k, v in rows.items()} for lvl, rows in remainder.items()},
        sorted(keys, key=_order),
    )
    del cells, remainder, own  # copied into the result: not kept through the suppression
    suppress(gazetteer, result, suppress_below)
    return result


def _order(key: str) -> tuple[int, str]:
    head = key.split("__")[0]
    rank = ["hazards", "hazard_area", "released", "items", "killed", "injured"]
    return (rank.index(head) if head in rank else 99, "" if "__" not in key else key)


def _parent_level(gazetteer: Gazetteer, code: str, agg: Aggregates) -> int:
    """The level of the nearest ancestor level that has aggregates."""
    level = gazetteer.units[code].level - 1
    while level > 0 and level not in agg.cells:
        level -= 1
    return level


def suppress(gazetteer: Gazetteer, agg: Aggregates, below: int) -> None:
    """Primary and complementary suppression of the casualty cells (in place).

    Each head's (killed, injured) cells are held as trees of rows, one per
    month (see ``audit``): the cells above zero and below ``below`` are
    hidden; then, cheaply, each sum with exactly one hidden cell gets its
    smallest shown cell above zero hidden too (most of what the whole system
    gives away); then the whole system is audited, and each hidden cell it
    determines gets the smallest shown cell above zero of a sum holding it
    (else of the nearest sum linked to it) hidden, until it determines none
    (but those nothing can protect). After the first round only the months
    where a cell was hidden since are audited again."""
    if below <= 1:
        return
    parents: dict[str, str | None] = {}  # a unit's parent among the levels present (the same every month)

    def parent_of(node: tuple[int, str, str]) -> tuple[int, str, str] | None:
        level, code, month = node
        if level == 0:
            return None
        if code not in parents:
            parents[code] = gazetteer.at_level(code, _parent_level(gazetteer, code, agg))
        parent = parents[code]
        return (gazetteer.units[parent].level, parent, month) if parent else None

    for head in ("killed", "injured"):
        tree = audit.Trees(head, agg.cells, parent_of)
        tree.primary(below)
        tree.protect_single_sums()
        months: set[str] | None = None
        given_up: set[tuple[int, int]] = set()
        while months is None or months:
            exposed = [cell for cell in tree.exposed(months) if cell not in given_up]
            picks = []
            for node, column in sorted(exposed, key=lambda c: tree.cell(*c)):
                pick = tree.nearest_shown(node, column)
                if pick is None:  # no shown cell above zero is linked to it: nothing can protect it
                    given_up.add((node, column))
                    continue
                tree.hide(*pick)
                picks.append(pick)
            # what these give away through one sum, before the whole system again
            picks += tree.protect_single_sums(since=picks)
            months = {tree.nodes[node][2] for node, _ in picks}
        for level, code, month, key in tree.hidden_cells():
            agg.hidden.setdefault(level, set()).add((code, month, key))


def exposed_cells(
    sums: list[tuple[Any, ...]],
    hidden: set[Any],
    using: dict[Any, list[int]] | None = None,
    incidence: dict[Any, list[tuple[int, float]]] | None = None,
) -> set[Any]:
    """The hidden cells that the published cells and the sums (each tuple:
    a total, then its members: total - sum(members) is known) determine,
    all sums solved together: a hidden cell is determined exactly when its
    unit vector lies in the row space of the sums restricted to the hidden
    cells.

    A row's sum (total = its sex-and-age cells) of a unit with children
    follows from its children's rows and the sums down the hierarchy, so it
    is left out; then each cell is in at most two sums, with signs that
    flipping some sums makes opposite: the sums are the nodes of a graph
    whose edges are the hidden cells (a cell in one sum only is an edge to
    a common "outside" node), its matrix an incidence matrix, whose row
    space holds a cell's unit vector exactly when the cell is a bridge. A
    part of the system that is not of this form is solved with numpy (an
    SVD: the cell is determined when every null-space vector is zero at it)."""
    edges: dict[Any, list[tuple[int, float]]] = {}
    used = _needed(sums) if incidence is None else set()
    for cell in hidden:
        if incidence is not None:
            edges[cell] = incidence.get(cell, [])
            continue
        if using is not None:
            found = [(n, _coefficient(sums[n], cell)) for n in using.get(cell, ()) if n in used]
        else:
            found = [(n, _coefficient(sums[n], cell)) for n in used if cell in sums[n]]
        edges[cell] = [(n, c) for n, c in found if c]
    # the sums' sign flips that make every cell +1 in one sum and -1 in the other
    flip: dict[int, float] = {}
    odd: set[int] = set()
    graph: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for cell, ends in edges.items():
        if len(ends) == 2:
            (n1, _), (n2, _) = ends
            graph[n1].append((n2, cell))
            graph[n2].append((n1, cell))
    by_cell = {cell: dict(ends) for cell, ends in edges.items()}
    for start in graph:
        if start in flip:
            continue
        flip[start] = 1.0
        stack, part = [start], [start]
        while stack:
            n = stack.pop()
            for m, cell in graph[n]:
                want = -by_cell[cell][n] * flip[n] / by_cell[cell][m]
                if m not in flip:
                    flip[m] = want
                    stack.append(m)
                    part.append(m)
                elif flip[m] != want:
                    odd.update(part)
    awkward = {cell for cell, ends in edges.items() if len(ends) > 2 or any(n in odd for n, _ in ends)}
    exposed = _bridges({cell: [n for n, _ in ends] for cell, ends in edges.items() if ends and cell not in awkward})
    if awkward:  # linked to the rest: the whole linked part by the SVD
        linked = _linked(edges, awkward)
        rows = sorted({n for cell in linked for n, _ in edges[cell]})
        exposed -= linked
        exposed |= _solved([sums[n] for n in rows], linked)
    return exposed


def _coefficient(cells: tuple[Any, ...], cell: Any) -> float:
    return (1.0 if cells[0] == cell else 0.0) - sum(1.0 for c in cells[1:] if c == cell)


def _needed(sums: list[tuple[Any, ...]]) -> set[int]:
    """The sums less the rows' sums of units with children (they follow from the others)."""
    parents = {total for total, *members in sums if members and members[0][:3] != total[:3]}
    return {
        n for n, (total, *members) in enumerate(sums)
        if not (members and all(m[:3] == total[:3] for m in members) and total in parents)
    }  # fmt: skip


def _bridges(edges: dict[Any, list[int]]) -> set[Any]:
    """The edges (cells, each between its one or two sums; one: to the outside) that are bridges."""
    outside = -1
    adjacency: dict[int, list[tuple[int, Any]]] = defaultdict(list)
    for cell, ends in edges.items():
        a, b = (ends[0], outside) if len(ends) == 1 else ends
        adjacency[a].append((b, cell))
        adjacency[b].append((a, cell))
    order: dict[int, int] = {}
    low: dict[int, int] = {}
    bridges: set[Any] = set()
    for root in adjacency:
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack = [(root, None, iter(adjacency[root]))]
        while stack:
            node, via, neighbours = stack[-1]
            step = next(neighbours, None)
            if step is None:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    low[parent] = min(low[parent], low[node])
                    if low[node] > order[parent]:
                        bridges.add(via)
                continue
            other, cell = step
            if cell == via:
                continue
            if other in order:
                low[node] = min(low[node], order[other])
            else:
                order[other] = low[other] = len(order)
                stack.append((other, cell, iter(adjacency[other])))
    return bridges


def _linked(edges: dict[Any, list[tuple[int, float]]], start: set[Any]) -> set[Any]:
    """The hidden cells linked to ``start`` through sums."""
    by_sum: dict[int, list[Any]] = defaultdict(list)
    for cell, ends in edges.items():
        for n, _ in ends:
            by_sum[n].append(cell)
    seen, todo = set(start), list(start)
    while todo:
        for n, _ in edges[todo.pop()]:
            for other in by_sum[n]:
                if other not in seen:
                    seen.add(other)
                    todo.append(other)
    return seen


def _solved(sums: list[tuple[Any, ...]], hidden: set[Any]) -> set[Any]:
    """The hidden cells the sums determine, by the null space of their matrix (an SVD)."""
    cells = sorted(hidden)
    index = {c: j for j, c in enumerate(cells)}
    matrix = np.zeros((max(len(sums), 1), len(cells)))
    for r, (total, *members) in enumerate(sums):
        if total in index:
            matrix[r, index[total]] += 1.0
        for c in members:
            if c in index:
                matrix[r, index[c]] -= 1.0
    _, singular, vt = np.linalg.svd(matrix, full_matrices=True)
    rank = int((singular > 1e-9 * max(1.0, singular[0] if len(singular) else 1.0)).sum())
    null = vt[rank:]
    norms = np.abs(null).max(axis=0) if len(null) else np.zeros(len(cells))
    return {c for c, norm in zip(cells, norms, strict=True) if norm < 1e-9}


def rounded(value: float, step: int) -> float | int:
    if step and step > 1:
        return int(round(value / step) * step)
    return round(value, 2) if value != int(value) else int(value)


def level_csv(gazetteer: Gazetteer, agg: Aggregates, level: int, area_round: int) -> str:
    """One level's aggregate as CSV with a row of HXL hashtags."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    prefix = "country" if level == 0 else f"adm{level}"
    measures = [measure(k) for k in agg.keys]
    writer.writerow(["P-code", "Admin unit", "Parent P-code", "Month"] + [m.label for m in measures])
    parent_tag = "" if level <= 1 else f"#adm{level - 1}+code"
    if level == 1:
        parent_tag = "#country+code"
    writer.writerow([f"#{prefix}+code", f"#{prefix}+name", parent_tag, "#date+month"] + [m.hashtag for m in measures])
    hidden = agg.hidden.get(level, set())
    for (code, month), row in sorted(agg.cells.get(level, {}).items()):
        unit = gazetteer.units[code]
        line: list[Any] = [code, unit.name, unit.parent or "", month]
        for m in measures:
            value = row.get(m.key, 0.0)
            if (code, month, m.key) in hidden:
                line.append(HIDDEN)
            elif m.kind == "area":
                line.append(rounded(value, area_round))
            else:
                line.append(int(value) if float(value).is_integer() else value)
        writer.writerow(line)
    return out.getvalue()
