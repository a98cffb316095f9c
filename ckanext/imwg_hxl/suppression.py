"""Aggregate-only previews: which figures of a profile are shown to someone
the sharing protocol gives aggregates of a table but not its records. Pure
(no CKAN).

What such a preview shows together: the number of records and the sum of
each measure (the key figures), and for every breakdown (each place and
category column, and the month) the count and sums of each group and of
its rest (empty cells, groups left out, records without a date). A *cell*
is one group of one breakdown, or its rest.

What someone may know besides the shown figures: that every breakdown adds
up to the key figures, and which cells of two breakdowns share records (the
districts of a state, the places an organisation works in; the profile job
records these *links*). Every set of cells of two breakdowns connected by
shared records has the same total on both sides. A hidden cell *can be
worked out* when its figures follow linearly from these relations and the
shown figures; this is decided exactly (integer Gaussian elimination over
the hidden cells), never estimated.

**The rule**, applied in the same order every time (cells in the order the
profile lists them), so that a profile always gives the same preview:

1. *Primary suppression.* Every cell of fewer than ``below`` records is
   hidden. A table of fewer than ``below`` records shows no figure at all.
2. *Complementary suppression.* While a hidden cell can be worked out, more
   cells are hidden. For each such cell, the smallest shown cell of its
   breakdown with the same links (its *twin*: the two could trade records
   without any shown figure changing); when no such cell has a twin, the
   first one gets the fewest, smallest cells that let it trade records with
   hidden ones: the shown cells are gone through from the largest, and each
   stays shown unless that would leave the cell worked out.
3. *No small remainder.* The hidden cells on one side of a relation whose
   total can be worked out (a breakdown's hidden groups together, a state's
   hidden districts) hold at least ``below`` records and more than one per
   cell; else the smallest shown cell on that side (or, failing one, the
   other) is hidden too: their total would be a small cell itself, and a
   total of one record per cell would give each one away.

Steps 2 and 3 are repeated until nothing changes. Hiding more never lets a
hidden cell be worked out, so this ends; at worst every cell is hidden but
those that hold the whole table (which the key figures give anyway). A
profile made before links were recorded shows its first breakdown only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Cell:
    """One group of one breakdown (``position`` past the last group: its rest)."""

    breakdown: int
    position: int
    n: int


class Figures:
    """The cells of the breakdowns shown together and the relations between them."""

    def __init__(self, breakdowns: list[dict[str, Any]], links: list[dict[str, Any]], rows: int):
        self.rows = rows
        self.cells: list[Cell] = []
        self.of_breakdown: list[list[int]] = []
        where: dict[tuple[int, int], int] = {}
        for b, agg in enumerate(breakdowns):
            mine = []
            sizes = [g["n"] for g in agg["groups"]] + [rows - sum(g["n"] for g in agg["groups"])]
            for position, n in enumerate(sizes):
                if n > 0:
                    where[b, position] = len(self.cells)
                    mine.append(len(self.cells))
                    self.cells.append(Cell(b, position, n))
            self.of_breakdown.append(mine)
        #: each relation: cell -> coefficient; the sum is known (a key figure, or 0)
        self.relations: list[dict[int, int]] = [dict.fromkeys(mine, 1) for mine in self.of_breakdown]
        #: each cell's part in every link of its breakdown
        self.signature: list[list[tuple[int, int]]] = [[] for _ in self.cells]
        self._basis: Basis | None = None
        column = {agg["index"]: b for b, agg in enumerate(breakdowns)}
        for number, link in enumerate(links):
            a, b = column[link["a"]], column[link["b"]]
            parts: dict[int, dict[int, int]] = {}
            for side, sign, breakdown in ((link["a_parts"], 1, a), (link["b_parts"], -1, b)):
                for position, part in enumerate(side):
                    cell = where.get((breakdown, position))
                    if cell is not None:
                        parts.setdefault(part, {})[cell] = sign
                        self.signature[cell].append((number, part))
            self.relations += parts.values()
        # every breakdown's total is the first one's less the parts of their
        # link: one total (the shortest) is enough for the elimination
        totals = self.relations[: len(breakdowns)]
        self.independent = [min(totals, key=len)] if totals else []
        self.independent += self.relations[len(breakdowns) :]

    def solved(self, hidden: set[int]) -> set[int]:
        """The hidden cells whose figures follow from the shown ones."""
        return solved(self.independent, hidden)

    def twin(self, cell: int, hidden: set[int]) -> int | None:
        """The smallest shown cell of the same breakdown with the same links."""
        same = [
            c
            for c in self.of_breakdown[self.cells[cell].breakdown]
            if c not in hidden and self.signature[c] == self.signature[cell] and self.cells[c].n < self.rows
        ]
        return min(same, key=self._order, default=None)

    def complement(self, cell: int, hidden: set[int]) -> list[int]:
        """The shown cells to hide so that ``cell`` can trade records with
        hidden ones unseen: going through the shown cells from the largest,
        each is kept shown unless that would leave ``cell`` worked out
        (so the fewest and smallest are hidden)."""
        if self._basis is None:
            self._basis = Basis()
            for relation in sorted(self.independent, key=len):
                self._basis.add(relation)
        # the relations, and "this cell is shown" for each cell kept shown:
        # rows added in order, each free of the pivots known when added, so
        # that eliminating pivots oldest first reduces any row
        basis = dict(self._basis.rows)
        age = dict.fromkeys(basis, 0)

        def residue(row: dict[int, int]) -> dict[int, int]:
            while pivots := [c for c in row if c in basis]:
                pivot = min(pivots, key=lambda c: (age[c], c))
                row = _eliminate(row, basis[pivot], pivot)
            return row

        target = residue({cell: 1})
        if not target:
            return []
        freed = []
        for c in sorted(set(range(len(self.cells))) - hidden, key=lambda c: (-self.cells[c].n, -c)):
            row = residue({c: 1})
            if not row:
                continue
            if _proportional(row, target):
                freed.append(c)
                continue
            pivot = min(row)
            basis[pivot] = row if row[pivot] > 0 else {k: -v for k, v in row.items()}
            age[pivot] = len(age)
            target = residue(target)
        return freed

    def thin(self, hidden: set[int], below: int) -> list[int]:
        """Smallest shown cells of the relations whose hidden cells, on one
        side only, hold together fewer than ``below`` records or one each."""
        found = []
        for relation in self.relations:
            mine = [c for c in relation if c in hidden]
            if len(mine) < 2 or len({relation[c] for c in mine}) > 1:
                continue
            total = sum(self.cells[c].n for c in mine)
            if total >= below and total > len(mine):
                continue
            side = relation[mine[0]]
            shown = [c for c in relation if c not in hidden and self.cells[c].n < self.rows]
            same = [c for c in shown if relation[c] == side]
            if same or shown:
                found.append(min(same or shown, key=self._order))
        return found

    def _order(self, cell: int) -> tuple[int, int]:
        return self.cells[cell].n, cell


def hidden_cells(figures: Figures, below: int) -> set[int]:
    """The cells an aggregate-only preview hides (see the module's rule)."""
    hidden = {c for c, cell in enumerate(figures.cells) if cell.n < below}
    for _ in range(len(figures.cells) + 1):
        exposed = sorted(figures.solved(hidden))
        added: set[int] = set()
        for cell in exposed:
            twin = figures.twin(cell, hidden | added)
            if twin is not None:
                added.add(twin)
        if exposed and not added:
            added.update(figures.complement(exposed[0], hidden))
        added.update(figures.thin(hidden | added, below))
        if not added:
            break
        hidden |= added
    if figures.solved(hidden):  # a safety net: no case is known to reach it
        hidden = {c for c, cell in enumerate(figures.cells) if cell.n < figures.rows}
    return hidden


def protect(aggregates: dict[str, Any], links: list[dict[str, Any]] | None, below: int) -> dict[str, Any]:
    """The aggregates of a profile as an aggregate-only preview shows them:
    hidden cells left out (each breakdown says how many it hides), and no
    figure at all for a table of fewer than ``below`` records."""
    rows = aggregates["rows"]
    months = aggregates.get("months")
    breakdowns, links = comparable(list(aggregates["by"]) + ([months] if months else []), links)
    figures = Figures(breakdowns, links, rows)
    small = rows < below
    hidden = set(range(len(figures.cells))) if small else hidden_cells(figures, below)
    result = dict(aggregates, by=[], months=None, measures=[dict(m, sum=None) for m in aggregates["measures"]])
    if not small:
        result["measures"] = aggregates["measures"]
    for b, agg in enumerate(breakdowns):
        mine = figures.of_breakdown[b]
        hide = {figures.cells[c].position for c in mine if c in hidden}
        rest = len(agg["groups"])
        has_rest = any(figures.cells[c].position == rest for c in mine)
        seen = dict(
            agg,
            groups=[g for position, g in enumerate(agg["groups"]) if position not in hide],
            other=(agg.get("other") or _rest(agg, aggregates)) if has_rest and rest not in hide else None,
            suppressed=len(hide),
        )
        if agg is months:
            result["months"] = seen
        else:
            result["by"].append(seen)
    return result


def comparable(
    breakdowns: list[dict[str, Any]], links: list[dict[str, Any]] | None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The breakdowns that can be shown together, in order, and their links:
    each is kept when it has links with every one kept before it (a profile
    made before links were recorded: the first breakdown alone)."""
    if links is None:
        return breakdowns[:1], []
    size = {agg["index"]: len(agg["groups"]) + 1 for agg in breakdowns}
    usable = {
        (link["a"], link["b"]): link
        for link in links
        if len(link["a_parts"]) == size.get(link["a"]) and len(link["b_parts"]) == size.get(link["b"])
    }
    kept: list[dict[str, Any]] = []
    for agg in breakdowns:
        if all((k["index"], agg["index"]) in usable for k in kept):
            kept.append(agg)
    return kept, [usable[a["index"], b["index"]] for i, a in enumerate(kept) for b in kept[i + 1 :]]


def _rest(agg: dict[str, Any], aggregates: dict[str, Any]) -> dict[str, Any]:
    """What a breakdown's groups leave out, from the key figures."""
    sums = []
    for i, m in enumerate(aggregates["measures"]):
        value = float((m["sum"] or 0) - sum(g["sums"][i] or 0 for g in agg["groups"]))
        sums.append(int(value) if value.is_integer() else round(value, 6))
    return {"n": aggregates["rows"] - sum(g["n"] for g in agg["groups"]), "sums": sums}


def solved(relations: list[dict[int, int]], hidden: set[int]) -> set[int]:
    """The hidden cells whose figures follow from relations whose other
    cells are shown: exactly those whose row of the reduced echelon form of
    the relations (restricted to the hidden cells) has no other entry.

    Hidden cells that stand in the same relations with the same signs (two
    districts of a state with the same links) can trade records unseen:
    neither follows, and they count as one unknown, their sum, which keeps
    the elimination small."""
    columns: dict[int, list[tuple[int, int]]] = {}
    for number, relation in enumerate(relations):
        for cell, sign in relation.items():
            if cell in hidden:
                columns.setdefault(cell, []).append((number, sign))
    alike: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for cell, column in columns.items():
        alike.setdefault(tuple(column), []).append(cell)
    rows: dict[int, dict[int, int]] = {}
    for column, cells in alike.items():
        for number, sign in column:
            rows.setdefault(number, {})[cells[0]] = sign
    basis = Basis()
    for row in sorted(rows.values(), key=len):  # short rows first: less fill-in
        basis.add(row)
    alone = {cells[0] for cells in alike.values() if len(cells) == 1}
    return {pivot for pivot, row in basis.rows.items() if len(row) == 1 and pivot in alone}


class Basis:
    """Integer rows in reduced echelon form (pivot column -> row), and for
    each column the pivots of the rows that hold it (so that adding a row
    touches only the rows it changes)."""

    def __init__(self) -> None:
        self.rows: dict[int, dict[int, int]] = {}
        self._holders: dict[int, set[int]] = {}

    def reduce(self, row: dict[int, int]) -> dict[int, int]:
        """``row`` less its part in the span of the rows."""
        for pivot in [c for c in row if c in self.rows]:
            row = _eliminate(row, self.rows[pivot], pivot)
        return row

    def add(self, row: dict[int, int]) -> None:
        row = self.reduce(row)
        if not row:
            return
        pivot = min(row)
        if row[pivot] < 0:
            row = {c: -k for c, k in row.items()}
        for other in list(self._holders.get(pivot, ())):
            self._set(other, _eliminate(self.rows[other], row, pivot))
        self._set(pivot, row)

    def _set(self, pivot: int, row: dict[int, int]) -> None:
        for column in self.rows.get(pivot, ()):
            self._holders[column].discard(pivot)
        self.rows[pivot] = row
        for column in row:
            self._holders.setdefault(column, set()).add(pivot)


def _proportional(a: dict[int, int], b: dict[int, int]) -> bool:
    """Whether two integer rows are multiples of each other."""
    if a.keys() != b.keys():
        return False
    first = next(iter(a))
    return all(a[c] * b[first] == b[c] * a[first] for c in a)


def _eliminate(row: dict[int, int], by: dict[int, int], column: int) -> dict[int, int]:
    """``row`` without ``column``, by an integer combination with ``by``
    (whose entry there is positive), divided by the gcd of its entries."""
    a, b = by[column], row[column]
    out = {c: a * k for c, k in row.items()}
    for c, k in by.items():
        value = out.get(c, 0) - b * k
        if value:
            out[c] = value
        else:
            out.pop(c, None)
    divisor = math.gcd(*out.values()) if out else 1
    return {c: k // divisor for c, k in out.items()} if divisor > 1 else out
