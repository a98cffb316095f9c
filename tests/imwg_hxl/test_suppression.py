"""Aggregate-only previews against someone who works hidden figures out:
the suppression rule step by step, then a differencing attack on real
profiles (pure: files on disk, no CKAN).

The attacker is written here, apart from the rule: the shown figures, the
key figures, and which groups of two breakdowns share records (counted from
the records with the csv module, as someone who knows the districts of each
state and where each organisation works would know it), solved exactly over
fractions."""

from __future__ import annotations

import csv
import random
from fractions import Fraction
from itertools import combinations
from pathlib import Path

import pytest

from ckanext.imwg_hxl import charts, profile, suppression, tables

BELOW = 5
PLACES = "State,District,Killed\n#adm1+code,#adm2+code,#affected+killed\n"


def preview(tmp_path: Path, text: str, below: int = BELOW) -> tuple[dict, dict]:
    """The stored profile of a CSV text and its aggregate-only preview."""
    path = tmp_path / "t.csv"
    path.write_text(text)
    with tables.read(path, "csv") as table:
        stored = profile.profile(table)
    return stored, charts.as_seen(stored, "aggregates", below)


def places(*cells: tuple[str, str, int]) -> str:
    """A table of one killed person per record, ``n`` records per (state, district)."""
    return PLACES + "".join(f"{state},{district},1\n" * n for state, district, n in cells)


def shown(seen: dict, header: str) -> list[tuple[str, int]]:
    agg = seen["aggregates"]
    by = next(b for b in agg["by"] + [agg["months"]] if b and b["header"] == header)
    return [(g["key"], g["n"]) for g in by["groups"]]


def suppressed(seen: dict, header: str) -> int:
    agg = seen["aggregates"]
    return next(b for b in agg["by"] + [agg["months"]] if b and b["header"] == header)["suppressed"]


class TestTheRule:
    def test_groups_below_the_threshold_are_hidden(self, tmp_path):
        """Every group of fewer than ``below`` records is hidden, and nothing more when that is enough."""
        _, seen = preview(tmp_path, places(("S", "A", 9), ("S", "B", 8), ("S", "C", 2), ("S", "D", 3)))
        assert shown(seen, "District") == [("A", 9), ("B", 8)]
        assert suppressed(seen, "District") == 2

    def test_a_lone_small_group_takes_the_smallest_other_with_it(self, tmp_path):
        """A single small group would be the total less the others: the smallest shown one is hidden too."""
        _, seen = preview(tmp_path, places(("S", "A", 9), ("S", "B", 6), ("S", "C", 2)))
        assert shown(seen, "District") == [("A", 9)]

    def test_the_complement_shares_the_hidden_groups_links(self, tmp_path):
        """The district hidden with a small one is in the same state, not merely the smallest elsewhere."""
        cells = [("S1", "D1", 9), ("S1", "D2", 7), ("S1", "D3", 2), ("S2", "D4", 6), ("S2", "D5", 9)]
        _, seen = preview(tmp_path, places(*cells))
        # D4 (6) is smaller than D2 (7), but hiding it would leave D3 = S1 - D1 - D2
        assert sorted(shown(seen, "District")) == [("D1", 9), ("D4", 6), ("D5", 9)]
        assert shown(seen, "State") == [("S1", 18), ("S2", 15)]

    def test_a_district_alone_in_its_state_is_hidden_with_another_state_and_district(self, tmp_path):
        """A small state of one district is that district: another state and one of its districts go too."""
        cells = [("S1", "D1", 9), ("S1", "D2", 8), ("S2", "D3", 2), ("S3", "D4", 6), ("S3", "D5", 7)]
        _, seen = preview(tmp_path, places(*cells))
        assert shown(seen, "State") == [("S1", 17)]
        assert sorted(shown(seen, "District")) == [("D1", 9), ("D2", 8), ("D5", 7)]

    def test_hidden_groups_hold_at_least_the_threshold_together(self, tmp_path):
        """Two hidden groups of one record each would give both away: the next smallest is hidden too."""
        _, seen = preview(tmp_path, places(("S", "A", 9), ("S", "B", 8), ("S", "C", 1), ("S", "D", 1)))
        assert shown(seen, "District") == [("A", 9)]
        assert suppressed(seen, "District") == 3

    def test_records_without_a_date_are_protected_like_a_month(self, tmp_path):
        """One record without a date is not the key figure less the months: a month is hidden with it."""
        text = "Date,Killed\n#date,#affected+killed\n" + "2024-01-05,1\n" * 6 + "2024-02-05,2\n" * 7
        _, seen = preview(tmp_path, text + "2024-03-05,1\n" * 8 + ",9\n")
        months = seen["aggregates"]["months"]
        assert months["other"] is None
        assert months["suppressed"] == 2
        assert [g["key"] for g in months["groups"]] == ["2024-02-01", "2024-03-01"]

    def test_a_table_below_the_threshold_shows_no_figure(self, tmp_path):
        """Fewer records than the threshold: no count, no sum, no group."""
        _, seen = preview(tmp_path, places(("S", "A", 2), ("S", "B", 1)))
        agg = seen["aggregates"]
        assert (seen["rows"], agg["rows"], agg["measures"][0]["sum"]) == (None, None, None)
        assert all(b["groups"] == [] and b["other"] is None for b in agg["by"])
        assert all("non_empty" not in c and "sum" not in c and "distinct" not in c for c in seen["columns"])

    def test_the_same_table_in_another_order_gives_the_same_preview(self, tmp_path):
        """The rule is deterministic: the order of the records changes nothing."""
        records = records_of(3)
        first = attacked(tmp_path / "a", records)[1]
        random.Random(1).shuffle(records)
        assert attacked(tmp_path / "b", records)[1]["aggregates"] == first["aggregates"]

    def test_a_profile_without_links_shows_its_first_breakdown_only(self, tmp_path):
        """Without the links between breakdowns, only one breakdown can be shown safely."""
        stored, _ = preview(tmp_path, places(("S1", "D1", 9), ("S2", "D2", 8)))
        del stored["links"]
        seen = charts.as_seen(stored, "aggregates", BELOW)
        assert [b["header"] for b in seen["aggregates"]["by"]] == ["State"]

    def test_a_cell_follows_when_the_relations_pin_it(self):
        """``solved``: x + y known and x known give both; x + y + z known gives none."""
        assert suppression.solved([{0: 1, 1: 1}, {0: 1}], {0, 1}) == {0, 1}
        assert suppression.solved([{0: 1, 1: 1, 2: 1}, {0: 1, 1: -1, 3: -1}], {0, 1, 2}) == set()

    def test_cells_in_the_same_relations_never_follow(self):
        """``solved``: two hidden cells that trade records unseen stay unknown when all else follows."""
        relations = [{0: 1, 1: 1, 2: 1}, {0: 1, 1: 1, 3: -1}, {2: 1, 4: -1}]
        assert suppression.solved(relations, {0, 1, 2, 3}) == {2, 3}


# -- the differencing attack -------------------------------------------------------------

HEADER = ["State", "District", "Sector", "Organisation", "Date", "Killed", "Injured"]
TAGS = ["#adm1+code", "#adm2+code", "#sector", "#org", "#date", "#affected+killed", "#affected+injured"]
BREAKDOWNS = ["State", "District", "Sector", "Organisation", "Date"]
MEASURES = ["Killed", "Injured"]


def records_of(seed: int, count: int = 160) -> list[dict[str, str]]:
    """Casualty records with what makes differencing work: states of one
    district, districts of few records, organisations working in one
    district only, records without a date or an organisation."""
    rng = random.Random(seed)
    states = {
        f"MMR{s:03d}": [f"MMR{s:03d}D{d:03d}" for d in range(rng.randint(1, 5))] for s in range(rng.randint(2, 6))
    }
    weight = {d: rng.choice([1, 1, 2, 4, 8, 20]) for districts in states.values() for d in districts}
    districts = list(weight)
    orgs = {f"NGO {chr(65 + i)}": rng.choice([1, 3, 10]) for i in range(rng.randint(2, 7))}
    orgs[""] = 2
    local = {o: rng.choice(districts) for o in orgs if o and rng.random() < 0.3}
    sectors = {"Protection": 10, "Health": 10, "WASH": 5, "Shelter": rng.choice([0, 1])}
    found = []
    for _ in range(count):
        org = rng.choices(list(orgs), list(orgs.values()))[0]
        district = local.get(org) or rng.choices(districts, [weight[d] for d in districts])[0]
        found.append(
            {
                "State": district[:6],
                "District": district,
                "Sector": rng.choices(list(sectors), list(sectors.values()))[0],
                "Organisation": org,
                "Date": f"2024-0{rng.randint(1, 6)}-1{rng.randint(0, 9)}" if rng.random() > 0.03 else "",
                "Killed": str(rng.randint(0, 4)),
                "Injured": str(rng.randint(0, 9)),
            }
        )
    return found


def attacked(folder: Path, records: list[dict[str, str]]) -> tuple[dict, dict]:
    """The stored profile of the records and their aggregate-only preview."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "casualties.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(HEADER)
        out.writerow(TAGS)
        out.writerows([r[h] for h in HEADER] for r in records)
    with tables.read(path, "csv") as table:
        stored = profile.profile(table)
    return stored, charts.as_seen(stored, "aggregates", BELOW)


def cell_of(header: str, record: dict[str, str]) -> tuple[str, str | None]:
    value = record[header].strip()
    return header, (value[:7] if header == "Date" else value) or None


def figures_shown(seen: dict) -> tuple[dict[tuple[str, str | None], list], list | None]:
    """What the preview shows: each shown cell's count and sums, and the key figures."""
    agg = seen["aggregates"]
    header = {c["index"]: c["header"] for c in seen["columns"]}
    cells = {}
    for by in agg["by"] + ([agg["months"]] if agg.get("months") else []):
        name = header[by["index"]]
        for g in by["groups"]:
            cells[name, g["key"][:7] if name == "Date" else g["key"]] = [g["n"], *g["sums"]]
        if by.get("other"):
            cells[name, None] = [by["other"]["n"], *by["other"]["sums"]]
    totals = None if agg["rows"] is None else [agg["rows"], *(m["sum"] for m in agg["measures"])]
    return cells, totals


def shared(records: list[dict[str, str]], a: str, b: str) -> list[list[tuple[str, str | None]]]:
    """The cells of breakdowns ``a`` and ``b`` connected by records they share."""
    parent: dict = {}

    def root(x):
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for r in records:
        parent[root(cell_of(a, r))] = root(cell_of(b, r))
    parts: dict = {}
    for c in sorted(parent, key=str):
        parts.setdefault(root(c), []).append(c)
    return list(parts.values())


def work_out(records: list[dict[str, str]], seen: dict) -> dict[tuple[str, str | None], list]:
    """Every hidden cell whose count and sums follow by linear differencing
    from the shown cells, the key figures, and the totals that groups of two
    breakdowns sharing records have in common."""
    cells_shown, totals = figures_shown(seen)
    header = {c["index"]: c["header"] for c in seen["columns"]}
    agg = seen["aggregates"]
    names = [header[b["index"]] for b in agg["by"] + ([agg["months"]] if agg.get("months") else [])]
    every = sorted({cell_of(name, r) for r in records for name in names}, key=str)
    hidden = [c for c in every if c not in cells_shown]
    column = {c: i for i, c in enumerate(hidden)}
    width = 1 + len(MEASURES)
    equations = []

    def equation(plus: list, minus: list, known: list) -> None:
        row = [Fraction(0)] * len(hidden) + [Fraction(k) for k in known]
        for cells, sign in ((plus, 1), (minus, -1)):
            for c in cells:
                if c in column:
                    row[column[c]] += sign
                else:
                    for k in range(width):
                        row[len(hidden) + k] -= sign * Fraction(cells_shown[c][k])
        equations.append(row)

    if totals is not None:
        for name in names:
            equation([c for c in every if c[0] == name], [], totals)
    for a, b in combinations(names, 2):
        for part in shared(records, a, b):
            equation([c for c in part if c[0] == a], [c for c in part if c[0] == b], [0] * width)
    # Gauss-Jordan over fractions; a row left with one unknown gives it away
    pivots, top = [], 0
    for col in range(len(hidden)):
        found = next((i for i in range(top, len(equations)) if equations[i][col] != 0), None)
        if found is None:
            continue
        equations[top], equations[found] = equations[found], equations[top]
        lead = equations[top][col]
        equations[top] = [x / lead for x in equations[top]]
        for i, row in enumerate(equations):
            if i != top and row[col] != 0:
                factor = row[col]
                equations[i] = [x - factor * y for x, y in zip(row, equations[top], strict=True)]
        pivots.append((top, col))
        top += 1
    return {
        hidden[col]: equations[row][len(hidden) :]
        for row, col in pivots
        if all(equations[row][j] == 0 for j in range(len(hidden)) if j != col)
    }


def primary_only(stored: dict) -> dict:
    """A preview that hides the small cells and nothing else (what the rule must do better than)."""
    seen = charts.as_seen(stored, "aggregates", BELOW)
    agg = stored["aggregates"]
    for name in ("by", "months"):
        many = agg[name] if name == "by" else [agg[name]]
        kept = [
            dict(
                by,
                groups=[g for g in by["groups"] if g["n"] >= BELOW],
                other=by["other"] if by["other"] and by["other"]["n"] >= BELOW else None,
            )
            for by in many
        ]
        seen["aggregates"][name] = kept if name == "by" else kept[0]
    return seen


class TestTheDifferencingAttack:
    def test_the_attacker_works_out_cells_that_primary_suppression_leaves(self, tmp_path):
        """Hiding the small cells alone gives some away: the attack below is a real one."""
        records = records_of(0)
        stored, _ = attacked(tmp_path, records)
        found = work_out(records, primary_only(stored))
        assert found
        for (name, key), figures in found.items():  # and what it works out is true
            mine = [r for r in records if cell_of(name, r) == (name, key)]
            assert figures == [len(mine), *(sum(int(r[m]) for r in mine) for m in MEASURES)]

    @pytest.mark.parametrize("seed", range(16))
    def test_no_hidden_cell_can_be_worked_out(self, tmp_path, seed):
        """Across breakdowns, totals and key figures, no suppressed cell comes out of the shown figures."""
        records = records_of(seed)
        _, seen = attacked(tmp_path, records)
        agg = seen["aggregates"]
        assert sum(b["suppressed"] for b in [*agg["by"], agg["months"]]) > 0  # something to find
        assert work_out(records, seen) == {}
