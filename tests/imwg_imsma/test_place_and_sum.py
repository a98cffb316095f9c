"""Placing records, bad records, totals and suppression (no CKAN)."""

from __future__ import annotations

import random

import pytest

from ckanext.imwg_imsma import aggregate, analysis, read, roles
from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma import gazetteer_support
from tests.imwg_imsma.suppression_support import parse, recoverable


def analysed(path, mapping=None, below=5):
    table = read.read(path)
    used = roles.load(mapping, table.columns) if mapping else roles.detect(table.columns)
    return analysis.analyse(table, used, gazetteer_support.gazetteer(), below)


def test_swapped_coordinates_are_detected_not_guessed(tmp_path):
    """Latitude and longitude swapped fall outside the country; swapped back inside: said so, not placed."""
    report = analysed(exports.csv_with_coordinates(tmp_path / "x.csv", swap={"A1", "H2"})).report
    assert report["unplaced_reasons"] == {"lat_lon_swapped": 2}
    assert {line["record"] for line in report["unplaced_records"]} == {"x.csv:2", "x.csv:8"}
    assert report["placed"] == 8


def test_points_outside_the_country(tmp_path):
    """A point in the sea (and its swap too): outside the country, listed with its coordinates."""
    report = analysed(exports.csv_with_coordinates(tmp_path / "x.csv", at={"A3": (-30.0, 10.0)})).report
    assert report["unplaced_reasons"] == {"outside_country": 1}
    assert report["unplaced_records"] == [
        {"record": "x.csv:4", "reason": "outside_country", "detail": "-30.00000, 10.00000"}
    ]


def test_duplicate_ids_are_listed_and_counted_once(tmp_path):
    """The second record with an id is left out of the aggregates and listed with the first's line."""
    records = [*exports.RECORDS, ("A1", "COL01001001", 3, 0, "F", 9, "2024-01-10", "", "", "", "")]
    report = analysed(exports.csv_with_coordinates(tmp_path / "x.csv", records=records)).report
    assert report["unplaced_reasons"] == {"duplicate_id": 1}
    assert report["unplaced_records"][0] == {"record": "x.csv:12", "reason": "duplicate_id", "detail": "A1 (x.csv:2)"}
    assert report["totals"]["aggregates"]["0"]["killed"] == exports.TOTALS["killed"]


def test_unknown_pcodes_are_listed(tmp_path):
    records = [(*r[:1], "COL09009009" if r[0] == "A2" else r[1], *r[2:]) for r in exports.RECORDS]
    report = analysed(exports.xlsx_with_codes(tmp_path / "x.xlsx", records=records)).report
    assert report["unplaced_reasons"] == {"unknown_pcode": 1}
    assert report["unplaced_records"][0]["detail"] == "COL09009009"
    assert report["totals"]["file"]["injured"] - report["totals"]["placed"]["injured"] == 2


def test_a_mapping_naming_a_missing_column(tmp_path):
    path = exports.csv_with_coordinates(tmp_path / "x.csv")
    table = read.read(path)
    with pytest.raises(roles.MappingError) as raised:
        roles.load("columns:\n  killed: Dead\n  sex: Sex\n", table.columns)
    assert list(raised.value.errors) == ["columns.killed"]


def test_unknown_units_are_refused_and_known_ones_converted(tmp_path):
    path = exports.csv_with_coordinates(tmp_path / "x.csv")
    table = read.read(path)
    with pytest.raises(roles.MappingError) as raised:
        roles.load("area_unit: acres\n", table.columns)
    assert list(raised.value.errors) == ["area_unit"]
    report = analysed(path, mapping="columns: {area: Area_m2}\narea_unit: ha\n").report
    assert report["totals"]["file"]["hazard_area"] == pytest.approx(exports.TOTALS["hazard_area"] * 10_000)


def test_a_mapping_written_out_reads_back(tmp_path):
    path = exports.csv_with_coordinates(tmp_path / "x.csv")
    table = read.read(path)
    detected = roles.detect(table.columns)
    again = roles.load(detected.to_yaml(), table.columns)
    assert again.columns == detected.columns


def test_headers_in_four_languages():
    for header, role in [("Fecha del accidente", None), ("Muertos", "killed"), ("Blessés", "injured"),
                         ("Área (ha)", "area"), ("Superfície reduzida", None), ("Área reduzida", "reduced"),
                         ("ADM2_PCODE", "adm2_pcode"), ("Municipalité", "adm2_name"), ("Sexe", "sex")]:  # fmt: skip
        found = roles.detect([header])
        assert (next(iter(found.columns), None)) == role, header
    assert roles.detect(["Área (ha)"]).area_unit == "ha"


def many_victims(tmp_path, n=400, seed=7):
    rng = random.Random(seed)
    units = [c for c, _n, lvl, *_ in gazetteer_support.squares() if lvl == 3]
    records = []
    for i in range(n):
        records.append((f"V{i}", rng.choice(units), rng.choice([0, 0, 1, 1, 2, 3, 7]), rng.choice([0, 1, 2, 4]),
                        rng.choice("FM"), rng.choice([8, 30]), f"2024-0{rng.randint(1, 3)}-10", "", "", "", ""))  # fmt: skip
    return exports.csv_with_coordinates(tmp_path / "many.csv", records=records), records


def test_totals_are_preserved_at_every_level(tmp_path):
    """Every level sums to the file's totals (all placed at admin 3)."""
    path, records = many_victims(tmp_path)
    result = analysed(path)
    killed = sum(r[2] for r in records)
    for level in (0, 1, 2, 3):
        assert result.aggregates.total(level, "killed") == killed


def published_sums(result):
    """The published casualty cells of every level, and the sums they obey."""
    published, parents = {}, {}
    for level in result.levels:
        header, tags, rows = parse(aggregate.level_csv(result.gazetteer, result.aggregates, level, 100))
        for row in rows:
            parents[(level, row[0])] = row[2]
            for tag, value in zip(tags[4:], row[4:], strict=True):
                if tag.startswith("#affected"):
                    published[(level, row[0], row[3], tag)] = None if value == "" else float(value)
    sums = []
    cells_by_row = {}
    for cell in published:
        cells_by_row.setdefault(cell[:3], []).append(cell)
    for row, cells in cells_by_row.items():
        for what in ("#affected+killed", "#affected+injured"):
            total = (*row, what)
            members = [c for c in cells if c[3].startswith(what + "+")]
            if total in published and members:
                sums.append((total, members))
    children = {}
    for level, code, month, tag in published:
        if level > 0:
            children.setdefault((level - 1, parents[(level, code)], month, tag), []).append((level, code, month, tag))
    sums += [(total, members) for total, members in children.items() if total in published]
    return published, sums


def test_no_hidden_cell_can_be_recomputed(tmp_path):
    """Small cells are hidden, and none can be worked out from the published
    CSVs alone: all the sums they obey (a row's total of its sex-and-age
    cells, a unit's cell of its children's) solved together."""
    path, _ = many_victims(tmp_path)
    result = analysed(path, below=5)
    published, sums = published_sums(result)
    hidden = {cell for cell, value in published.items() if value is None}
    assert len(hidden) > 20, "the test data has small cells"
    assert all(v is None or v == 0 or v >= 5 for v in published.values())
    assert not recoverable(published, sums), "a hidden cell was worked out"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_hidden_cell_can_be_recomputed_sparse(tmp_path, seed):
    """Few victims over many units (many zeros, the case one sum at a time missed)."""
    path, _ = many_victims(tmp_path, n=60, seed=seed)
    result = analysed(path, below=5)
    published, sums = published_sums(result)
    assert not recoverable(published, sums)
    # a cell worth zero is never hidden: it protects nothing
    for level, cells in result.aggregates.hidden.items():
        for code, month, key in cells:
            assert result.aggregates.cells[level][(code, month)][key] > 0


def test_the_check_solves_the_sums_together():
    """The counter-example to checking one sum at a time. Nationally,
    Injured (f, adult) = 9 and Injured (m, child) = 10 are shown; A0's and
    A1's (f, adult) are hidden; A1's children show 0 for (f, adult) (one of
    them hidden, worth 0, whose own children show 0): so A1's is 0, A0's is
    9, and the hidden 1 of A0's child B1 follows (9 - 3 - 5)."""
    fa, mc = "#affected+injured+f+adults", "#affected+injured+m+children"
    published = {
        (0, "C", "m", fa): 9.0, (0, "C", "m", mc): 10.0,
        (1, "A0", "m", fa): None, (1, "A1", "m", fa): None,
        (2, "A1a", "m", fa): 0.0, (2, "A1b", "m", fa): None, (3, "A1bx", "m", fa): 0.0,
        (2, "B1", "m", fa): None, (2, "B2", "m", fa): 3.0, (2, "B3", "m", fa): 5.0,
    }  # fmt: skip
    sums = [
        ((0, "C", "m", fa), [(1, "A0", "m", fa), (1, "A1", "m", fa)]),
        ((1, "A1", "m", fa), [(2, "A1a", "m", fa), (2, "A1b", "m", fa)]),
        ((2, "A1b", "m", fa), [(3, "A1bx", "m", fa)]),
        ((1, "A0", "m", fa), [(2, "B1", "m", fa), (2, "B2", "m", fa), (2, "B3", "m", fa)]),
    ]
    everything = {c for c, v in published.items() if v is None}
    assert recoverable(published, sums) == everything
    # the suite's own audit says the same
    assert aggregate.exposed_cells([(t, *m) for t, m in sums], everything) == everything
    # a sum of two hidden cells alone gives neither away
    two = {(0, "C", "m", fa): 9.0, (1, "A0", "m", fa): None, (1, "A1", "m", fa): None}
    assert not recoverable(two, sums[:1])
    assert not aggregate.exposed_cells([(t, *m) for t, m in sums[:1]], {c for c, v in two.items() if v is None})


def test_a_victim_record_counts_in_the_casualties_alone(tmp_path):
    """A victim record with a status, an area and an item type counts
    neither as a hazardous area nor as an item destroyed: those measures,
    unsuppressed, would give its casualty cells away."""
    records = [
        ("V1", "COL01001001", 1, 0, "F", 9, "2024-01-10", "Active", 50, 1, "AP mine"),
        *exports.RECORDS,
    ]
    result = analysed(exports.csv_with_coordinates(tmp_path / "x.csv", records=records))
    for level in result.levels:
        assert result.aggregates.total(level, "items") == exports.TOTALS["items"]
        assert result.aggregates.total(level, "hazards") == exports.TOTALS["hazards"]
        assert result.aggregates.total(level, "hazard_area") == pytest.approx(exports.TOTALS["hazard_area"])
        assert result.aggregates.total(level, "killed") == exports.TOTALS["killed"] + 1


def test_non_finite_numbers_are_refused(tmp_path):
    """inf and nan are not numbers: each is listed, and nothing of them reaches the CSVs."""
    records = [
        ("V1", "COL01001001", "inf", 0, "F", "nan", "2024-01-10", "", "", "", ""),
        ("H9", "COL01001003", "", "", "", "", "2024-01-05", "Active", "NaN", "", ""),
        ("S9", "COL02002004", "", "", "", "", "2024-03-09", "", "", "-inf", "UXO"),
        *exports.RECORDS,
    ]
    result = analysed(exports.csv_with_coordinates(tmp_path / "x.csv", records=records))
    assert result.report["warnings"].get("bad_number") == 3
    assert aggregate.contributions({"Year": ["inf"]}, 1, roles.load("columns: {year: Year}\n", ["Year"])).problems
    for level in result.levels:
        text = aggregate.level_csv(result.gazetteer, result.aggregates, level, 100).lower()
        assert "nan" not in text.replace("name", "")
        assert "inf" not in text


def test_areas_are_rounded(tmp_path):
    result = analysed(exports.csv_with_coordinates(tmp_path / "x.csv"))
    header, tags, rows = parse(aggregate.level_csv(result.gazetteer, result.aggregates, 0, 100))
    column = tags.index("#indicator+hazard_area+m2")
    # January: 12,345.6 + 5,000 m²; February: 800; March: none
    assert [r[column] for r in rows] == ["17300", "800", "0"]


def test_the_report_checks_the_minimum_data_requirements(tmp_path):
    """Per kind of record: each required field missing as a column, or how many records leave it empty."""
    report = analysed(exports.csv_with_coordinates(tmp_path / "x.csv")).report
    assert report["requirements"]["hazard"] == {
        "records": 3, "status": 0, "hazard_type": "no column", "area": 0, "date / year": 0,
    }  # fmt: skip
    assert report["requirements"]["casualty"]["victim_type"] == "no column"
    assert report["requirements"]["casualty"]["device_type / item_type"] == 5
    assert "land_release" not in report["requirements"]
