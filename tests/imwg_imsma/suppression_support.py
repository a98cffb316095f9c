"""Reading the aggregates' CSVs back, and the attacker's audit: which hidden
cells the published figures and the sums they obey give away."""

from __future__ import annotations

import csv
import io

import numpy as np


def parse(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1], rows[2:]


def recoverable(published, sums):
    """The hidden cells (value None) someone holding the published figures
    works out, solving every sum (total - members = 0 known, or a constant
    taken as known) together: a hidden cell is determined exactly when its
    unit vector lies in the row space of the sums restricted to the hidden
    cells, rank(A_H) == rank(A_H with e_i)."""
    hidden = sorted(cell for cell, value in published.items() if value is None)
    index = {cell: j for j, cell in enumerate(hidden)}
    rows = []
    for total, members in sums:
        row = np.zeros(len(hidden))
        for cell, sign in [(total, 1.0)] + [(m, -1.0) for m in members]:
            if cell in index:
                row[index[cell]] += sign
        if row.any():
            rows.append(row)
    if not rows:
        return set()
    # the sums fall apart into independent systems (hidden cells linked by a sum): each solved on its own
    linked = {j: {j} for j in range(len(hidden))}
    for row in rows:
        cells = set(np.flatnonzero(row))
        for j in list(cells):
            cells |= linked[j]
        for j in cells:
            linked[j] = cells
    found = set()
    for part in {id(c): c for c in linked.values()}.values():
        cols = sorted(part)
        matrix = np.array([row[cols] for row in rows if row[cols].any()])
        rank = np.linalg.matrix_rank(matrix)
        for k, j in enumerate(cols):
            unit = np.zeros(len(cols))
            unit[k] = 1.0
            if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
                found.add(hidden[j])
    return found
