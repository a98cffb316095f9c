"""The suppression audit block by block along the admin tree (``audit``)
against the rank test over the whole system, with both partitions of the
casualties (sex and age group, victim type); and the suppression it drives
leaves nothing to recompute (no CKAN)."""

from __future__ import annotations

import random

import pytest

from ckanext.imwg_imsma import audit
from tests.imwg_imsma.suppression_support import recoverable
from tests.imwg_imsma.victims_support import analysed, published, victims

SEX_AGE = ["killed__f__adult", "killed__f__child", "killed__m__adult", "killed__m__child"]
TYPES = ["killed__civilian", "killed__deminer", "killed__unknown_type"]


def random_system(seed):
    """A country, its provinces, districts and townships (records placed at
    any level, some units without records), one or two months, both
    partitions (or the first alone), and hidden cells at random: the
    aggregates, the published cells (None: hidden), the sums they obey, and
    each row's parent."""
    rng = random.Random(seed)
    sex_age = SEX_AGE[: rng.randint(1, 4)]
    types = TYPES[: rng.randint(0, 3)]
    parent = {"C": None}
    for p in range(rng.randint(1, 3)):
        parent[f"P{p}"] = "C"
        for d in range(rng.randint(1, 3)):
            parent[f"P{p}D{d}"] = f"P{p}"
            for t in range(rng.randint(1, 4)):
                parent[f"P{p}D{d}T{t}"] = f"P{p}D{d}"
    level = {code: code.count("P") + code.count("D") + code.count("T") for code in parent}
    cells: dict[int, dict[tuple[str, str], dict[str, float]]] = {}
    for month in ["2024-01", "2024-02"][: rng.randint(1, 2)]:
        for code in parent:
            if level[code] == 0 or (level[code] < 3 and rng.random() < 0.7) or rng.random() < 0.2:
                continue
            row: dict[str, float] = {}
            for _ in range(rng.randint(1, 4)):  # victims placed in this unit
                for key in ("killed", rng.choice(sex_age), *([rng.choice(types)] if types else [])):
                    row[key] = row.get(key, 0) + 1
            unit = code
            while unit:
                into = cells.setdefault(level[unit], {}).setdefault((unit, month), {})
                for key, value in row.items():
                    into[key] = into.get(key, 0) + value
                unit = parent[unit]
    keys = ["killed", *sex_age, *types]
    values = {
        (lvl, code, month, key): row.get(key, 0)
        for lvl, rows in cells.items()
        for (code, month), row in rows.items()
        for key in keys
    }
    share = rng.choice([0.2, 0.5, 0.8])
    hidden = {cell for cell, value in values.items() if value > 0 and rng.random() < share}
    shown = {cell: None if cell in hidden else value for cell, value in values.items()}
    sums = []
    for lvl, rows in cells.items():
        for code, month in rows:
            for part in (sex_age, types):
                if part:
                    sums.append(((lvl, code, month, "killed"), [(lvl, code, month, k) for k in part]))
            kids = [k for k in parent if parent[k] == code and (k, month) in cells.get(level[k], {})]
            for key in keys if kids else []:
                sums.append(((lvl, code, month, key), [(level[k], k, month, key) for k in kids]))

    def parent_of(node):
        lvl, code, month = node
        return None if parent[code] is None else (level[parent[code]], parent[code], month)

    return cells, shown, sums, parent_of


def audited(cells, hidden, parent_of, months=None):
    tree = audit.Trees("killed", cells, parent_of)
    for level, code, month, key in hidden:
        tree.hide(tree.index[(level, code, month)], tree.column[key])
    return {tree.cell(*c) for c in tree.exposed(months)}


@pytest.mark.parametrize("seed", range(60))
def test_the_audit_by_blocks_is_the_rank_test_over_the_whole_system(seed):
    """Exactly the hidden cells the whole system (both partitions, the
    hierarchy, remainders known) determines, no more, no fewer."""
    cells, shown, sums, parent_of = random_system(seed)
    hidden = {cell for cell, value in shown.items() if value is None}
    assert audited(cells, hidden, parent_of) == recoverable(shown, sums)


def test_a_month_audited_alone_is_audited_as_in_the_whole():
    """Months share no sum: auditing some of them finds what the whole finds in them."""
    found = 0
    for seed in range(40):
        cells, shown, sums, parent_of = random_system(seed)
        hidden = {cell for cell, value in shown.items() if value is None}
        whole = audited(cells, hidden, parent_of)
        alone = audited(cells, hidden, parent_of, months={"2024-02"})
        assert alone == {c for c in whole if c[2] == "2024-02"}
        found += len(alone)
    assert found, "the cases give cells away in February"


def test_both_partitions_together_give_away_what_neither_does_alone():
    """A row's victim-type cells are all shown (so its total follows) and
    one sex-and-age cell is shown: the hidden total and the other hidden
    sex-and-age cell both follow, from the two partitions together; with the
    victim types hidden too, nothing does."""
    row = {"killed": 7, "killed__f__adult": 3, "killed__m__adult": 4, "killed__civilian": 6, "killed__deminer": 1}
    cells = {0: {("C", "2024-01"): row}}
    sums = [
        ((0, "C", "2024-01", "killed"), [(0, "C", "2024-01", "killed__f__adult"), (0, "C", "2024-01", "killed__m__adult")]),
        ((0, "C", "2024-01", "killed"), [(0, "C", "2024-01", "killed__civilian"), (0, "C", "2024-01", "killed__deminer")]),
    ]  # fmt: skip
    cell = {k: (0, "C", "2024-01", k) for k in row}
    hidden = {cell["killed"], cell["killed__f__adult"]}
    shown = {c: None if c in hidden else row[c[3]] for c in cell.values()}
    assert recoverable(shown, sums) == hidden
    assert audited(cells, hidden, lambda node: None) == hidden
    more = hidden | {cell["killed__civilian"], cell["killed__deminer"]}
    shown = {c: None if c in more else row[c[3]] for c in cell.values()}
    assert not recoverable(shown, sums)
    assert not audited(cells, more, lambda node: None)


@pytest.mark.parametrize("seed", [3, 8])
def test_no_hidden_cell_can_be_recomputed_with_both_partitions_dense(tmp_path, seed):
    """Many victims with victim types over the test country, two months:
    after the suppression (single sums, then rounds auditing again only the
    months changed since), the published CSVs give no hidden cell away."""
    path, _ = victims(tmp_path / "v.csv", n=400, seed=seed)
    result = analysed(path, below=5)
    cells, sums = published(result)
    hidden = {c for c, v in cells.items() if v is None}
    assert any(c[3].endswith(("+civilian", "+deminer", "+unknown_type")) for c in hidden)
    assert any(c[3].count("+") == 3 for c in hidden), "sex-and-age cells hidden too"
    assert all(v is None or v == 0 or v >= 5 for v in cells.values())
    assert not recoverable(cells, sums), "a hidden cell was worked out"
