"""The suppression audit over the whole system of published casualty sums,
solved block by block along the admin tree (numpy, no CKAN).

The published casualty cells of one head (killed, or injured) and one month
obey two kinds of sums: within each row (a unit and month), the total is the
sum of its sex-and-age cells and the sum of its victim-type cells; down the
hierarchy, each of a unit's cells is the sum of its children's plus what was
placed no deeper (known). No sum links two months or the two heads, and a
row's cells are linked to other rows only through its parent's row and its
children's rows: the rows of a month are the nodes of a tree, each holding a
small block (``K`` cells: the total, the sex-and-age cells, the victim-type
cells).

A hidden cell can be worked out exactly when every solution of the
homogeneous system on the hidden cells (the null space: the changes of the
hidden cells that keep every sum) is zero at it. Along the tree:

- ``W(u)``: the changes of unit *u*'s row that its subtree allows (each row
  keeping its own sums and shown cells, each parent the sum of its
  children): a leaf's is its row's sums restricted to its hidden cells
  (cached by hidden pattern: many rows share one); a parent's is the sum of
  its children's intersected with its own hidden cells;
- ``X(u)``: the changes of *u*'s row that the rest of the tree allows, with
  its own shown cells kept (from the root down: the root's are free; a
  child's come from its parent's ``X``, and its siblings' ``W``);
- a hidden cell of a child *c* of *u* can be worked out exactly when its
  change is zero on every solution of the block system "each child's row in
  ``W(c)``, their sum in ``X(u)``": one small ``K x K`` pseudo-inverse per
  parent tests all of its children's hidden cells at once; a root's hidden
  cell, when ``W(root)`` is zero at it.

Subspaces are held as orthogonal projectors (``K x K``), every step is
batched over the units of one level (all months at once), so the whole audit
costs a few dense ``K x K`` eigen-decompositions per parent unit and a few
vector operations per hidden cell of a leaf. It gives the same answer as the
rank test over the whole system (rank(A_H) = rank(A_H with e_i)), which the
tests check."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

#: eigenvalues below this (relative to the largest, at least 1) count as zero
TOLERANCE = 1e-9
#: hidden leaf cells tested at a time (memory)
CHUNK = 16384

Cell = tuple[int, str, str, str]


def _projector(matrices: np.ndarray, null: bool) -> np.ndarray:
    """Projectors onto the ranges (or, ``null``, the null spaces) of symmetric
    positive semi-definite matrices."""
    if not len(matrices):
        return matrices
    values, vectors = np.linalg.eigh(matrices)
    scale = np.maximum(values[:, -1:], 1.0)
    keep = (values <= TOLERANCE * scale) if null else (values > TOLERANCE * scale)
    return np.einsum("nik,nk,njk->nij", vectors, keep.astype(float), vectors)


def _range(matrices: np.ndarray) -> np.ndarray:
    """Projectors onto the ranges of symmetric positive semi-definite matrices."""
    return _projector(matrices, null=False)


def _null(matrices: np.ndarray) -> np.ndarray:
    """Projectors onto the null spaces of symmetric positive semi-definite matrices."""
    return _projector(matrices, null=True)


def _pinv(matrices: np.ndarray) -> np.ndarray:
    """Pseudo-inverses of symmetric positive semi-definite matrices."""
    if not len(matrices):
        return matrices
    values, vectors = np.linalg.eigh(matrices)
    scale = np.maximum(values[:, -1:], 1.0)
    inverse = np.where(values > TOLERANCE * scale, 1.0 / np.where(values == 0, 1.0, values), 0.0)
    return np.einsum("nik,nk,njk->nij", vectors, inverse, vectors)


def _meet(p: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Projectors onto range(p) ∩ {y: y_k = 0 where not mask} (batched)."""
    eye = np.eye(p.shape[-1])
    return _null((eye - p) + (1.0 - mask)[:, :, None] * eye)


class Trees:
    """One head's (killed, or injured) casualty rows as trees, one per month:
    ``cells``: level -> (P-code, month) -> key -> value (the aggregates);
    ``parent_of``: (level, P-code, month) -> the parent row's (level, P-code,
    month), or None (the roots)."""

    def __init__(self, head: str, cells: dict[int, dict[tuple[str, str], dict[str, float]]], parent_of: Any) -> None:
        self.head = head
        keys = sorted({k for rows in cells.values() for row in rows.values() for k in row if k.startswith(head + "__")})
        by_sex_age = [k for k in keys if k.count("__") == 2]
        by_type = [k for k in keys if k.count("__") == 1]
        self.keys = [head, *by_sex_age, *by_type]
        self.column = {k: j for j, k in enumerate(self.keys)}
        size = len(self.keys)
        # every row's sums: its total is the sum of each partition
        sums = []
        for part in (by_sex_age, by_type):
            if part:
                row = np.zeros(size)
                row[0] = 1.0
                row[[self.column[k] for k in part]] = -1.0
                sums.append(row)
        matrix = np.array(sums).reshape(-1, size)
        self.rows_allow = _null((matrix.T @ matrix)[None])[0]  # the changes a row's own sums allow
        self._by_pattern: dict[int, np.ndarray] = {}
        nodes = sorted(
            ((level, code, month) for level, rows in cells.items() for (code, month), row in rows.items()
             if row.get(head, 0.0) > 0),
            key=lambda n: (-n[0], n[1], n[2]),
        )  # fmt: skip
        self.nodes = nodes
        self.index = {n: i for i, n in enumerate(nodes)}
        self.level = np.array([n[0] for n in nodes], dtype=np.int64)
        months = sorted({n[2] for n in nodes})
        self.months = {m: j for j, m in enumerate(months)}
        self.month = np.array([self.months[n[2]] for n in nodes], dtype=np.int64)
        self.parent = np.array(
            [self.index.get(parent_of(n) or (), -1) for n in nodes],
            dtype=np.int64,  # type: ignore[arg-type]
        )
        self.has_children = np.zeros(len(nodes), dtype=bool)
        self.has_children[self.parent[self.parent >= 0]] = True
        self.children: list[list[int]] = [[] for _ in nodes]
        for node, parent in enumerate(self.parent.tolist()):
            if parent >= 0:
                self.children[parent].append(node)
        #: each row's values (by column) and hidden cells (bit j: column j)
        self.value = [[cells[n[0]][(n[1], n[2])].get(k, 0.0) for k in self.keys] for n in nodes]
        self.bits = [0] * len(nodes)
        #: the columns of each partition of a row's total (1: by sex and age, 2: by victim type)
        first = 1 + len(by_sex_age)
        self.parts = {p: cols for p, cols in ((1, list(range(1, first))), (2, list(range(first, size)))) if cols}
        self.part_of = {c: p for p, cols in self.parts.items() for c in cols}

    def cell(self, node: int, column: int) -> Cell:
        level, code, month = self.nodes[node]
        return (level, code, month, self.keys[column])

    def _leaf(self, patterns: np.ndarray) -> np.ndarray:
        """``W`` of leaves by hidden pattern (bit j: column j hidden), cached."""
        size = len(self.keys)
        missing = [int(p) for p in np.unique(patterns) if int(p) not in self._by_pattern]
        if missing:
            masks = np.array([[(p >> j) & 1 for j in range(size)] for p in missing], dtype=float)
            found = _meet(np.broadcast_to(self.rows_allow, (len(missing), size, size)), masks)
            self._by_pattern.update(zip(missing, found, strict=True))
        unique, inverse = np.unique(patterns, return_inverse=True)
        table = np.array([self._by_pattern[int(p)] for p in unique]).reshape(-1, size, size)
        return table, inverse

    def hide(self, node: int, column: int) -> None:
        self.bits[node] |= 1 << column

    def hidden(self, node: int, column: int) -> bool:
        return bool((self.bits[node] >> column) & 1)

    def hidden_cells(self) -> Iterable[Cell]:
        for node, bits in enumerate(self.bits):
            for column in range(len(self.keys)):
                if (bits >> column) & 1:
                    yield self.cell(node, column)

    def primary(self, below: int) -> None:
        """Hide the cells above zero and below ``below``."""
        for node, values in enumerate(self.value):
            self.bits[node] = sum(1 << j for j, v in enumerate(values) if 0 < v < below)

    # the sums: (0, row, partition): a row's total of one partition; (1, row,
    # column): a row's cell of its children's
    def sums_of(self, node: int, column: int) -> list[tuple[int, int, int]]:
        """The sums holding a cell."""
        out = [(0, node, p) for p in self.parts] if column == 0 else [(0, node, self.part_of[column])]
        if self.children[node]:
            out.append((1, node, column))
        parent = int(self.parent[node])
        if parent >= 0:
            out.append((1, parent, column))
        return out

    def members(self, total: tuple[int, int, int]) -> list[tuple[int, int]]:
        """A sum's cells: its total first."""
        kind, node, which = total
        if kind == 0:
            return [(node, 0), *((node, c) for c in self.parts[which])]
        return [(node, which), *((child, which) for child in self.children[node])]

    def _smallest(self, cells: Iterable[tuple[int, int]]) -> tuple[int, int] | None:
        shown = [c for c in cells if not self.hidden(*c) and self.value[c[0]][c[1]] > 0]
        if not shown:
            return None
        return min(shown, key=lambda c: (self.value[c[0]][c[1]], self.cell(*c)))

    def protect_single_sums(self, since: Iterable[tuple[int, int]] | None = None) -> list[tuple[int, int]]:
        """While a sum has exactly one hidden cell, hide its smallest shown
        cell above zero: every sum, or those holding the cells ``since``
        hidden. The cells hidden."""
        if since is None:
            todo = [(0, n, p) for n in range(len(self.nodes)) for p in self.parts]
            todo += [(1, n, c) for n in range(len(self.nodes)) if self.children[n] for c in range(len(self.keys))]
        else:
            todo = [total for cell in since for total in self.sums_of(*cell)]
        picked = []
        while todo:
            cells = self.members(todo.pop())
            if sum(1 for c in cells if self.hidden(*c)) != 1:
                continue
            pick = self._smallest(cells)
            if pick is not None:
                self.hide(*pick)
                picked.append(pick)
                todo.extend(self.sums_of(*pick))
        return picked

    def nearest_shown(self, node: int, column: int) -> tuple[int, int] | None:
        """The smallest shown cell above zero of a sum holding the cell; when
        there is none, of the sums holding those sums' hidden cells, and so on."""
        seen_cells, seen_sums, ring = {(node, column)}, set(), [(node, column)]
        while ring:
            now = {s for c in ring for s in self.sums_of(*c) if s not in seen_sums}
            seen_sums |= now
            pick = self._smallest({c for s in now for c in self.members(s)})
            if pick is not None:
                return pick
            ring = [c for s in now for c in self.members(s) if self.hidden(*c) and c not in seen_cells]
            seen_cells.update(ring)
        return None

    def exposed(self, months: set[str] | None = None) -> list[tuple[int, int]]:
        """The hidden cells, as (row, column), of ``months`` only when given,
        that the published cells and all the sums determine."""
        size = len(self.keys)
        pattern = np.array(self.bits, dtype=np.int64)
        chosen = np.ones(len(self.nodes), dtype=bool)
        if months is not None:
            wanted = np.zeros(len(self.months) + 1, dtype=bool)
            wanted[[self.months[m] for m in months if m in self.months]] = True
            chosen = wanted[self.month]
        # the chosen nodes, renumbered (children before parents: deepest level first)
        picked = np.flatnonzero(chosen)
        local = np.full(len(self.nodes), -1, dtype=np.int64)
        local[picked] = np.arange(len(picked))
        parent = np.where(self.parent[picked] >= 0, local[self.parent[picked]], -1)
        inner = self.has_children[picked]
        level = self.level[picked]
        bits = pattern[picked]
        masks = ((bits[:, None] >> np.arange(size)) & 1).astype(float)
        n = len(picked)
        # leaves' W from the pattern table; parents' W stored (few)
        leaf_table, leaf_of = self._leaf(bits[~inner]) if (~inner).any() else (np.zeros((0, size, size)), None)
        slot = np.full(n, -1, dtype=np.int64)
        slot[~inner] = leaf_of if leaf_of is not None else []
        parents = np.flatnonzero(inner)
        spot = np.full(n, -1, dtype=np.int64)
        spot[parents] = np.arange(len(parents))
        below = np.zeros((len(parents), size, size))  # S: the sum of the children's W
        upward = np.zeros((len(parents), size, size))  # W of each parent

        def w_of(nodes: np.ndarray) -> np.ndarray:
            out = np.empty((len(nodes), size, size))
            leaf = ~inner[nodes]
            out[leaf] = leaf_table[slot[nodes[leaf]]]
            out[~leaf] = upward[spot[nodes[~leaf]]]
            return out

        # bottom-up, one level at a time
        for lvl in sorted(set(level.tolist()), reverse=True):
            at = np.flatnonzero(level == lvl)
            inner_at = at[inner[at]]
            if len(inner_at):
                upward[spot[inner_at]] = _meet(_range(below[spot[inner_at]]), masks[inner_at])
            with_parent = at[parent[at] >= 0]
            for start in range(0, len(with_parent), CHUNK):
                part = with_parent[start : start + CHUNK]
                np.add.at(below, spot[parent[part]], w_of(part))
        # top-down: each parent's X, then its pseudo-inverse H = Q (Q S Q)^+ Q
        outside = np.zeros((len(parents), size, size))  # O of each parent (roots: everything)
        eye = np.eye(size)
        outside[parent[parents] < 0] = eye
        keeper = np.zeros((len(parents), size, size))  # H per parent
        for lvl in sorted(set(level[parents].tolist())):
            at = parents[level[parents] == lvl]
            own = _meet(outside[spot[at]], masks[at])  # X
            q = eye - own
            keeper[spot[at]] = q @ _pinv(q @ below[spot[at]] @ q) @ q
            kids = np.flatnonzero((parent >= 0) & inner)
            kids = kids[np.isin(parent[kids], at)]
            if len(kids):
                up = spot[parent[kids]]
                # O(child) = X(parent) + the sum of its siblings' W
                x_up = own[np.searchsorted(at, parent[kids])]
                outside[spot[kids]] = _range(x_up + below[up] - upward[spot[kids]])
        exposed: list[tuple[int, int]] = []
        # roots: a hidden cell is given away when W(root) is zero at it
        for r in np.flatnonzero((parent < 0) & (bits != 0)):
            w = w_of(np.array([r]))[0]
            for column in range(size):
                if (bits[r] >> column) & 1 and w[column, column] <= TOLERANCE:
                    exposed.append((int(picked[r]), column))
        # every other hidden cell: its change's residual off the block system's row space
        rows, columns = np.nonzero(masks * (parent >= 0)[:, None])
        for start in range(0, len(rows), CHUNK):
            r, c = rows[start : start + CHUNK], columns[start : start + CHUNK]
            leaf = ~inner[r]
            vector = np.empty((len(r), size))  # W's column of the cell
            vector[leaf] = leaf_table[slot[r[leaf]], :, c[leaf]]
            vector[~leaf] = upward[spot[r[~leaf]], :, c[~leaf]]
            h = keeper[spot[parent[r]]]
            residual = vector[np.arange(len(r)), c] - np.einsum("ni,nij,nj->n", vector, h, vector)
            for node, column in zip(r[residual <= TOLERANCE].tolist(), c[residual <= TOLERANCE].tolist(), strict=True):
                exposed.append((int(picked[node]), column))
        return exposed
