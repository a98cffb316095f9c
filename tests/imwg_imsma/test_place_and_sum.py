"""Placing records, bad records, totals and suppression (no CKAN)."""

from __future__ import annotations

import csv
import io
import random

import pytest

from ckanext.imwg_imsma import aggregate, analysis, read, roles
from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma import gazetteer_support


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


def parse(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1], rows[2:]


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


def test_no_hidden_cell_can_be_recomputed(tmp_path):
    """Small cells are hidden, and none can be worked out from the published
    CSVs alone: every sum they obey (a row's total of its sex-and-age cells,
    a unit's cell of its children's) is solved whenever it has one unknown,
    repeatedly, as someone holding the files could."""
    path, _ = many_victims(tmp_path)
    result = analysed(path, below=5)
    published, parents = {}, {}
    for level in result.levels:
        header, tags, rows = parse(aggregate.level_csv(result.gazetteer, result.aggregates, level, 100))
        for row in rows:
            parents[(level, row[0])] = row[2]
            for tag, value in zip(tags[4:], row[4:], strict=True):
                if tag.startswith("#affected"):
                    published[(level, row[0], row[3], tag)] = None if value == "" else float(value)
    hidden = {cell for cell, value in published.items() if value is None}
    assert len(hidden) > 20, "the test data has small cells"
    assert all(v is None or v == 0 or v >= 5 for v in published.values())
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
    known = {cell: v for cell, v in published.items() if v is not None}
    solved = True
    while solved:
        solved = False
        for total, members in sums:
            unknown = [c for c in (total, *members) if c not in known]
            if len(unknown) == 1:
                rest = sum(known[c] for c in members if c in known)
                known[unknown[0]] = rest if unknown[0] == total else known[total] - rest
                solved = True
    assert not (hidden & set(known)), "a hidden cell was worked out"


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
