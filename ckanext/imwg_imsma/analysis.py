"""One export analysed, without CKAN: the mapping checked, the records placed,
their figures summed into aggregates, and the report. What the importer
stores, the benchmark times and most tests check."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from . import aggregate, place
from .read import ReadError, Table
from .roles import Mapping

#: how many record lines a report lists per reason (the counts are complete)
LISTED = 200
#: GICHD's minimum data requirements, by record kind: the roles each kind's
#: records should have (one of a tuple is enough), and the measure that
#: tells that a file holds records of the kind
REQUIREMENTS: dict[str, tuple[str, list[tuple[str, ...]]]] = {
    "hazard": ("hazards", [("status",), ("hazard_type",), ("area",), ("date", "year")]),
    "land_release": ("released", [("cancelled", "reduced", "cleared", "method"), ("date", "year")]),
    "spot_task": ("items", [("items",), ("item_type", "device_type"), ("date", "year")]),
    "casualty": (
        "killed",
        [
            ("killed", "outcome"),
            ("injured", "outcome"),
            ("sex",),
            ("age", "age_group"),
            ("victim_type",),
            ("device_type", "item_type"),
            ("date", "year"),
        ],
    ),  # fmt: skip
}
CODE_ROLES = {"adm1_pcode": 1, "adm2_pcode": 2, "adm3_pcode": 3, "pcode": -1}
NAME_ROLES = {"adm1_name": 1, "adm2_name": 2, "adm3_name": 3}


@dataclass
class Result:
    """An analysed export: its placement, figures, aggregates and report."""

    placement: place.Placement
    figures: aggregate.Contributions
    aggregates: aggregate.Aggregates
    levels: list[int]
    report: dict[str, Any]
    gazetteer: place.Gazetteer


def points_of(table: Table, mapping: Mapping) -> Any:
    """Each record's geometry (the file's, else from latitude/longitude
    columns) as a shapely array, or None when the file has neither; a
    record without coordinates gets None."""
    geometry = None
    if table.geometry is not None:
        geometry = np.array(table.geometry, dtype=object)
    lat, lon = mapping.column("latitude"), mapping.column("longitude")
    if lat and lon:
        ys = np.array([_float(v) for v in table.values[lat]], dtype=float)
        xs = np.array([_float(v) for v in table.values[lon]], dtype=float)
        missing = np.isnan(xs) | np.isnan(ys)
        points = shapely.points(np.where(missing, 0, xs), np.where(missing, 0, ys))
        points = np.where(missing, None, points)
        if geometry is None:
            geometry = points
        else:
            empty = np.array([g is None or shapely.is_empty(g) for g in geometry])
            geometry = np.where(empty, points, geometry)
    return geometry


def _float(value: Any) -> float:
    try:
        return float(str(value).replace(",", ".")) if value not in (None, "") else np.nan
    except ValueError:
        return np.nan


def check_mapping(table: Table, mapping: Mapping) -> None:
    """ReadError when the file has no location column or no figure."""
    located = (
        table.geometry is not None
        or (mapping.column("latitude") and mapping.column("longitude"))
        or any(mapping.column(r) for r in (*CODE_ROLES, *NAME_ROLES))
    )
    if not located:
        raise ReadError("no_location_columns", field="mapping", columns=", ".join(table.columns))


def analyse(table: Table, mapping: Mapping, gazetteer: place.Gazetteer, suppress_below: int) -> Result:
    """Place, sum and suppress; the report says what happened to every record."""
    check_mapping(table, mapping)
    count = len(table)
    codes = {lvl: table.values[mapping.column(r)] for r, lvl in CODE_ROLES.items() if mapping.column(r)}
    names = {lvl: table.values[mapping.column(r)] for r, lvl in NAME_ROLES.items() if mapping.column(r)}
    placement = place.place(gazetteer, count, codes=codes, points=points_of(table, mapping), names=names)
    figures = aggregate.contributions(table.values, count, mapping)
    excluded = _duplicates(table, mapping, placement)
    codes_used = [None if i in excluded else c for i, c in enumerate(placement.codes)]
    aggregates = aggregate.aggregate(gazetteer, codes_used, figures, suppress_below)
    levels = sorted(aggregates.cells)
    report = _report(table, mapping, placement, figures, aggregates, excluded)
    return Result(placement, figures, aggregates, levels, report, gazetteer)


def _duplicates(table: Table, mapping: Mapping, placement: place.Placement) -> set[int]:
    """Records whose id an earlier record has: listed, and left out of the aggregates."""
    column = mapping.column("id")
    if not column:
        return set()
    seen: dict[str, int] = {}
    out = set()
    for i, value in enumerate(table.values[column]):
        if value is None:
            continue
        if value in seen:
            out.add(i)
            placement.note(i, "duplicate_id", f"{value} ({table.where[seen[value]]})")
        else:
            seen[value] = i
    return out


def _report(
    table: Table,
    mapping: Mapping,
    placement: place.Placement,
    figures: aggregate.Contributions,
    aggregates: aggregate.Aggregates,
    excluded: set[int],
) -> dict[str, Any]:
    how = Counter(h for i, h in enumerate(placement.how) if h and i not in excluded)
    unplaced = [i for i, c in enumerate(placement.codes) if c is None or i in excluded]
    reasons: Counter[str] = Counter()
    lines: list[dict[str, str]] = []
    for i in unplaced:
        problems = placement.problems.get(i) or [(place.NOTHING, "")]
        reason = "duplicate_id" if i in excluded else problems[-1][0]
        reasons[reason] += 1
        if sum(1 for line in lines if line["reason"] == reason) < LISTED:
            detail = next((d for r, d in problems if r == reason), problems[-1][1])
            lines.append({"record": table.where[i], "reason": reason, "detail": detail})
    warnings: list[dict[str, str]] = []
    warning_counts: Counter[str] = Counter()
    for i in sorted(set(placement.problems) | set(figures.problems)):
        if i in unplaced and i not in figures.problems:
            continue
        items = figures.problems.get(i, []) + ([] if i in unplaced else placement.problems.get(i, []))
        for reason, detail in items:
            warning_counts[reason] += 1
            if warning_counts[reason] <= LISTED:
                warnings.append({"record": table.where[i], "reason": reason, "detail": detail})
    in_file: Counter[str] = Counter()
    placed: Counter[str] = Counter()
    for i, values in enumerate(figures.values):
        for key, value in values.items():
            if "__" not in key:
                in_file[key] += value
                if placement.codes[i] is not None and i not in excluded:
                    placed[key] += value
    requirements = _requirements(table, mapping, figures)
    by_level = {
        str(level): {key: aggregates.total(level, key) for key in in_file} for level in sorted(aggregates.cells)
    }
    return {
        "file": {"kind": table.kind, "layer": table.layer, "crs": table.crs, "columns": table.columns},
        "mapping": {"columns": mapping.columns, "area_unit": mapping.area_unit, "detected": mapping.detected},
        "records": len(table),
        "placed": sum(how.values()),
        "placed_by": {k: how.get(k, 0) for k in (place.BY_CODE, place.BY_COORDINATES, place.BY_NAME)},
        "unplaced": len(unplaced),
        "unplaced_reasons": dict(reasons),
        "unplaced_records": lines,
        "warnings": dict(warning_counts),
        "warning_records": warnings,
        "totals": {"file": dict(in_file), "placed": dict(placed), "aggregates": by_level},
        "levels": sorted(aggregates.cells),
        "suppressed_cells": aggregates.hidden_count,
        "requirements": requirements,
        "months": sorted({m for m in figures.months if m}),
    }


def _requirements(table: Table, mapping: Mapping, figures: aggregate.Contributions) -> dict[str, dict[str, Any]]:
    """For each kind of record the file holds, each required field: ``"no column"``,
    or the number of that kind's records where it is empty (0: complete)."""
    out: dict[str, dict[str, Any]] = {}
    for kind, (measure, fields) in REQUIREMENTS.items():
        measures = ("killed", "injured") if measure == "killed" else (measure,)
        records = [i for i, values in enumerate(figures.values) if any(m in values for m in measures)]
        if not records:
            continue
        checks: dict[str, Any] = {"records": len(records)}
        for roles_ in fields:
            columns = [mapping.column(r) for r in roles_ if mapping.column(r)]
            name = " / ".join(roles_)
            if not columns:
                checks[name] = "no column"
                continue
            checks[name] = sum(1 for i in records if not any(table.values[c][i] for c in columns))
        out[kind] = checks
    return out
