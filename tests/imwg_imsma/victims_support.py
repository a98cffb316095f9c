"""Victims' exports with a victim type (a second partition of casualties),
their analysis, and what the published CSVs show of them."""

from __future__ import annotations

import csv
import random

from ckanext.imwg_imsma import aggregate, analysis, read, roles
from tests.imwg_imsma import gazetteer_support
from tests.imwg_imsma.suppression_support import parse

TYPES = ["Civilian", "Deminer", "civil", "Desminador", ""]


def victims(path, n=300, seed=5):
    rng = random.Random(seed)
    units = [c for c, _n, lvl, *_ in gazetteer_support.squares() if lvl == 3]
    rows = []
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Id", "Killed", "Injured", "Sex", "Age", "Date", "Victim type", "Latitude", "Longitude"])
        for i in range(n):
            unit = rng.choice(units)
            x, y = gazetteer_support.centre(unit)
            row = [f"V{i}", rng.choice([0, 1, 1, 2, 6]), rng.choice([0, 1, 3]), rng.choice("FM"),
                   rng.choice([9, 30]), f"2024-0{rng.randint(1, 2)}-10", rng.choice(TYPES), y, x]  # fmt: skip
            w.writerow(row)
            rows.append(row)
    return path, rows


def analysed(path, below):
    table = read.read(path)
    mapping = roles.detect(table.columns)
    assert mapping.column("victim_type") == "Victim type"
    return analysis.analyse(table, mapping, gazetteer_support.gazetteer(), below)


def published(result):
    """Published casualty cells and every sum they obey: each row's total by
    sex and age, by victim type, and each unit's cell of its children's."""
    cells, parents = {}, {}
    for level in result.levels:
        _, tags, rows = parse(aggregate.level_csv(result.gazetteer, result.aggregates, level, 100))
        for row in rows:
            parents[(level, row[0])] = row[2]
            for tag, value in zip(tags[4:], row[4:], strict=True):
                if tag.startswith("#affected"):
                    cells[(level, row[0], row[3], tag)] = None if value == "" else float(value)
    sums = []
    by_row = {}
    for cell in cells:
        by_row.setdefault(cell[:3], []).append(cell)
    for row, members in by_row.items():
        for what in ("#affected+killed", "#affected+injured"):
            total = (*row, what)
            for parts in (2, 1):  # +sex+age, +type
                part = [c for c in members if c[3].startswith(what + "+") and c[3].count("+") == 1 + parts]
                if total in cells and part:
                    sums.append((total, part))
    children = {}
    for level, code, month, tag in cells:
        if level > 0:
            children.setdefault((level - 1, parents[(level, code)], month, tag), []).append((level, code, month, tag))
    sums += [(total, members) for total, members in children.items() if total in cells]
    return cells, sums
