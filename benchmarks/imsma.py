"""Mine-action import benchmark (imwg_imsma): placing and aggregating.

    .venv/bin/python benchmarks/imsma.py [--points 100000] [--polygons 20000] [--units 5000]
                                         [--no-victim-types]

A synthetic country of ``--units`` admin-3 units (under 50 admin-1 and 500
admin-2 units), each boundary a square ring of 33 points on a grid, and two
exports written with pyogrio as GeoPackages: ``--points`` accident/victim
points (killed, injured, sex, age, date and victim type: civilian, deminer or
blank, unless ``--no-victim-types``) and ``--polygons`` hazardous areas
(status, area, date; 9-point polygons, placed by their centroid). A fresh
process then reads both exports, builds the gazetteer's index, places every
record, sums the aggregates of every level and month with suppression, and
writes their CSVs: the wall time of each step and the process's peak memory
(resident set, ``ru_maxrss``) are recorded.

Results go to ``benchmarks/results/imsma.json`` and are printed as a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
COUNTRY = "BNC"
WEST, SOUTH, SIZE = 20.0, 0.0, 10.0  # the country: 10° x 10°


def grid(units: int) -> list[tuple[str, str, int, str | None, tuple[float, float, float, float]]]:
    """(code, name, level, parent, bbox): 50 provinces (5 x 10 rows of
    columns), 10 districts each, the townships dividing the districts."""
    out = [(COUNTRY, "Bench country", 0, None, (WEST, SOUTH, WEST + SIZE, SOUTH + SIZE))]
    per_district = max(units // 500, 1)
    side = int(per_district**0.5 + 0.999)
    pw, ph = SIZE / 10, SIZE / 5
    for p in range(50):
        px, py = WEST + (p % 10) * pw, SOUTH + (p // 10) * ph
        pcode = f"{COUNTRY}{p + 1:02d}"
        out.append((pcode, f"Province {p + 1}", 1, COUNTRY, (px, py, px + pw, py + ph)))
        dw, dh = pw / 2, ph / 5
        for d in range(10):
            dx, dy = px + (d % 2) * dw, py + (d // 2) * dh
            dcode = f"{pcode}{d + 1:02d}"
            out.append((dcode, f"District {d + 1}", 2, pcode, (dx, dy, dx + dw, dy + dh)))
            tw, th = dw / side, dh / ((per_district + side - 1) // side)
            for t in range(per_district):
                tx, ty = dx + (t % side) * tw, dy + (t // side) * th
                # the last row's townships stretch to the district's edge
                right = dx + dw if t % side == side - 1 or t == per_district - 1 else tx + tw
                top = dy + dh if t // side == (per_district - 1) // side else ty + th
                out.append((f"{dcode}{t + 1:03d}", f"Township {t + 1}", 3, dcode, (tx, ty, right, top)))
    return out


def generate(folder: Path, points: int, polygons: int, units: int, victim_types: bool = True) -> dict:
    import numpy as np
    import pyogrio
    import shapely

    rng = np.random.default_rng(2026)
    cells = grid(units)
    # every ring is given 33 points (8 per side + the closing one)
    boxes = np.array([c[4] for c in cells])
    t = np.linspace(0, 1, 9)[:-1]
    rings = []
    for x0, y0, x1, y1 in boxes:
        xs = np.concatenate([x0 + (x1 - x0) * t, np.full(8, x1), x1 - (x1 - x0) * t, np.full(8, x0), [x0]])
        ys = np.concatenate([np.full(8, y0), y0 + (y1 - y0) * t, np.full(8, y1), y1 - (y1 - y0) * t, [y0]])
        rings.append(shapely.polygons(np.column_stack([xs, ys])))
    fields = ["pcode", "name", "level", "parent"]
    data = [
        np.array([c[0] for c in cells], dtype=object),
        np.array([c[1] for c in cells], dtype=object),
        np.array([c[2] for c in cells], dtype=np.int32),
        np.array([c[3] or "" for c in cells], dtype=object),
    ]
    pyogrio.raw.write(str(folder / "gazetteer.gpkg"), shapely.to_wkb(np.array(rings)), data, fields,
                      driver="GPKG", crs="EPSG:4326", geometry_type="Polygon")  # fmt: skip
    inner = 0.999
    xy = np.column_stack(
        [WEST + rng.random(points) * SIZE * inner + 0.0005, SOUTH + rng.random(points) * SIZE * inner + 0.0005]
    )
    months = np.array([f"2024-{m:02d}-15" for m in range(1, 13)], dtype=object)
    pdata = [
        np.array([f"V{i}" for i in range(points)], dtype=object),
        rng.choice([0, 0, 0, 1, 1, 2, 3], points).astype(float),
        rng.choice([0, 1, 1, 2, 4], points).astype(float),
        rng.choice(np.array(["F", "M"], dtype=object), points),
        rng.integers(3, 70, points).astype(float),
        rng.choice(months, points),
    ]
    names = ["Victim_ID", "Killed", "Injured", "Sex", "Age", "Date"]
    if victim_types:  # a second partition of each row's casualties: civilian, deminer or not said
        pdata.append(rng.choice(np.array(["Civilian"] * 8 + ["Deminer", ""], dtype=object), points))
        names.append("Victim_Type")
    pyogrio.raw.write(str(folder / "victims.gpkg"), shapely.to_wkb(shapely.points(xy)), pdata, names,
                      driver="GPKG", crs="EPSG:4326", geometry_type="Point")  # fmt: skip
    centres = np.column_stack(
        [WEST + rng.random(polygons) * SIZE * inner + 0.002, SOUTH + rng.random(polygons) * SIZE * inner + 0.002]
    )
    angles = np.linspace(0, 2 * np.pi, 9)[:-1]
    r = 0.001
    coords = np.stack([centres[:, None, 0] + r * np.cos(angles), centres[:, None, 1] + r * np.sin(angles)], axis=-1)
    coords = np.concatenate([coords, coords[:, :1]], axis=1)
    hazards = shapely.polygons(coords)
    hdata = [
        np.array([f"H{i}" for i in range(polygons)], dtype=object),
        rng.choice(np.array(["Active", "Closed", "Suspended"], dtype=object), polygons),
        np.round(rng.random(polygons) * 50_000, 1),
        rng.choice(months, polygons),
    ]
    pyogrio.raw.write(str(folder / "hazards.gpkg"), shapely.to_wkb(hazards), hdata,
                      ["Hazard_ID", "Status", "Area_m2", "Date"],
                      driver="GPKG", crs="EPSG:4326", geometry_type="Polygon")  # fmt: skip
    return {
        "units": sum(1 for c in cells if c[2] == 3),
        "points": points,
        "polygons": polygons,
        "victim_types": victim_types,
    }


def measure(folder: Path) -> dict:
    """Read, index, place, sum and write, in this process; times and peak memory."""
    import pyogrio
    import shapely
    from timing import time_calls

    from ckanext.imwg_imsma import aggregate, analysis, place, read, roles

    timings: dict[str, float] = {}
    # the parts of "place, sum, suppress", timed where the analysis calls them
    spent: dict[str, float] = {}

    time_calls(place, "place", "placing", spent)
    time_calls(aggregate, "contributions", "figures", spent)
    time_calls(aggregate, "aggregate", "sums", spent)
    time_calls(aggregate, "suppress", "suppression", spent)
    steps: dict[str, dict[str, float]] = {}
    start = time.perf_counter()
    meta, _fids, wkb, fields = pyogrio.raw.read(str(folder / "gazetteer.gpkg"))
    geoms = shapely.from_wkb(wkb)
    codes, names, levels, parents = (f.tolist() for f in fields)
    gazetteer = place.Gazetteer(
        [
            place.Unit(c, n, int(lvl), p or None, COUNTRY, (), g)
            for c, n, lvl, p, g in zip(codes, names, levels, parents, geoms, strict=True)
        ]
    )
    timings["gazetteer index"] = time.perf_counter() - start
    out = {}
    for name in ("victims", "hazards"):
        t0 = time.perf_counter()
        table = read.read(folder / f"{name}.gpkg")
        t1 = time.perf_counter()
        mapping = roles.detect(table.columns)
        spent.clear()
        result = analysis.analyse(table, mapping, gazetteer, 5)
        t2 = time.perf_counter()
        spent["sums"] -= spent.get("suppression", 0.0)  # the suppression runs inside the sums
        steps[name] = {k: round(v, 2) for k, v in spent.items()}
        size = sum(len(aggregate.level_csv(gazetteer, result.aggregates, lvl, 100)) for lvl in result.levels)
        t3 = time.perf_counter()
        timings[f"{name}: read"] = t1 - t0
        timings[f"{name}: place, sum, suppress"] = t2 - t1
        timings[f"{name}: write CSVs"] = t3 - t2
        out[name] = {
            "records": result.report["records"],
            "placed": result.report["placed"],
            "unplaced": result.report["unplaced_reasons"],
            "suppressed_cells": result.report["suppressed_cells"],
            "csv_bytes": size,
        }
    timings["total"] = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": {k: round(v, 2) for k, v in timings.items()},
        "steps": steps,
        "peak_rss_mb": round(peak_mb),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "imports": out,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--polygons", type=int, default=20_000)
    parser.add_argument("--units", type=int, default=5_000)
    parser.add_argument(
        "--no-victim-types", dest="victim_types", action="store_false",
        help="victims without a victim-type column (one partition of the casualties, not two)",
    )  # fmt: skip
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="imsma-bench-") as tmp:
        folder = Path(tmp)
        sizes = generate(folder, args.points, args.polygons, args.units, args.victim_types)
        answer = subprocess.run(
            [sys.executable, __file__, "--measure", str(folder)], check=True, capture_output=True, text=True
        )
        result = {**sizes, **json.loads(answer.stdout.strip().splitlines()[-1])}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "imsma.json").write_text(json.dumps(result, indent=1) + "\n")
    kinds = "with" if result["victim_types"] else "without"
    print(
        f"{result['units']} admin-3 units, {result['points']} points ({kinds} victim types), "
        f"{result['polygons']} polygons\n"
    )
    print("| step | seconds |\n|---|---|")
    for step, seconds in result["seconds"].items():
        print(f"| {step} | {seconds} |")
    for name, parts in result["steps"].items():
        print(f"{name}: place, sum, suppress: " + ", ".join(f"{k} {v}" for k, v in parts.items()))
    print(f"\npeak memory (resident): {result['peak_rss_mb']} MB")
    print("load average (1, 5, 15 min) at the end: " + ", ".join(str(x) for x in result["load_average"]))
    for name, figures in result["imports"].items():
        print(f"{name}: {figures}")


if __name__ == "__main__":
    main()
