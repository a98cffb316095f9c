"""Casualties by victim type (GICHD: civilian or deminer), a second
partition of each row's total, suppressed with the others (no CKAN)."""

from __future__ import annotations

from ckanext.imwg_imsma import aggregate
from tests.imwg_imsma.suppression_support import parse, recoverable
from tests.imwg_imsma.victims_support import analysed, published, victims


def test_casualties_are_counted_by_victim_type(tmp_path):
    """Killed and injured by civilian / deminer (unknown when not said), summing to the totals, with HXL tags."""
    path, rows = victims(tmp_path / "v.csv")
    result = analysed(path, below=0)
    kinds = {"Civilian": "civilian", "civil": "civilian", "Deminer": "deminer", "Desminador": "deminer"}
    for what, column in (("killed", 1), ("injured", 2)):
        for kind in ("civilian", "deminer", "unknown_type"):
            expected = sum(r[column] for r in rows if kinds.get(r[6], "unknown_type") == kind)
            for level in result.levels:
                assert result.aggregates.total(level, f"{what}__{kind}") == expected, (what, kind, level)
    header, tags, _ = parse(aggregate.level_csv(result.gazetteer, result.aggregates, 3, 100))
    assert "#affected+killed+civilian" in tags and "#affected+injured+deminer" in tags
    assert "Killed (deminer)" in header


def test_no_hidden_cell_can_be_recomputed_with_both_partitions(tmp_path):
    path, _ = victims(tmp_path / "v.csv", n=120, seed=11)
    result = analysed(path, below=5)
    cells, sums = published(result)
    hidden = {c for c, v in cells.items() if v is None}
    assert any(c[3].endswith(("+civilian", "+deminer", "+unknown_type")) for c in hidden), "small type cells"
    assert all(v is None or v == 0 or v >= 5 for v in cells.values())
    assert not recoverable(cells, sums), "a hidden cell was worked out"
