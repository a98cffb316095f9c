"""Gazetteer downloads benchmark (imwg_pcode export).

    .venv/bin/python benchmarks/pcode_export.py [--units 100000]

A synthetic country of ``--units`` units (one country, 20 provinces, 400
districts, the rest townships laid out on a grid), each with a simplified
boundary (a ring of 33 points) and names in two languages, is written to
the database ``ckan_imwg_bench_export`` (recreated). Every unit of the
country is then exported in each format (GeoJSON, GeoPackage, zipped
Shapefile, CSV) by the writers the download routes use, each in a separate
process: wall time, the process's peak memory above what it held before the
export, the file's size, and its features counted back with pyogrio.

Results go to ``benchmarks/results/pcode_export.json`` and are printed as a
Markdown table.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import CKAN, RESULTS, ROOT, bench_ini, load_ckan, psql, sh  # noqa: E402

DB = "ckan_imwg_bench_export"
FORMATS = ("geojson", "gpkg", "shp", "csv")
COUNTRY = "BNC"
#: points of each boundary's ring (the last repeats the first)
RING = 32
PROVINCES = 20
DISTRICTS = 20  # per province


def _ring(x0: float, y0: float, w: float, h: float, seed: int) -> list[list[float]]:
    """A closed ring inside the cell: an ellipse with a little noise."""
    cx, cy = x0 + w / 2, y0 + h / 2
    points = []
    for i in range(RING):
        a = 2 * math.pi * i / RING
        r = 0.45 + 0.04 * math.sin(seed * 7.0 + i * 1.3)
        points.append([round(cx + r * w * math.cos(a), 5), round(cy + r * h * math.sin(a), 5)])
    points.append(points[0])
    return points


def generate(units: int) -> int:
    """Write the synthetic country (in this process's CKAN database)."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.imwg.text import fold

    rows: list[tuple] = []

    def add(pcode: str, level: int, parent: str | None, name: str, x0: float, y0: float, w: float, h: float):
        geometry = {"type": "Polygon", "coordinates": [_ring(x0, y0, w, h, len(rows))]}
        rows.append((pcode, level, parent, name, json.dumps(geometry), x0, y0, x0 + w, y0 + h))

    add(COUNTRY, 0, None, "Benchland", 0.0, 0.0, 20.0, 20.0)
    townships = units - 1 - PROVINCES - PROVINCES * DISTRICTS
    per_district = math.ceil(townships / (PROVINCES * DISTRICTS))
    side = math.ceil(math.sqrt(per_district))
    made = 0
    for p in range(PROVINCES):
        px, py = (p % 5) * 4.0, (p // 5) * 5.0
        province = f"{COUNTRY}{p + 1:02d}"
        add(province, 1, COUNTRY, f"Province {p + 1}", px, py, 4.0, 5.0)
        for d in range(DISTRICTS):
            dx, dy = px + (d % 4) * 1.0, py + (d // 4) * 1.0
            district = f"{province}{d + 1:02d}"
            add(district, 2, province, f"District {p + 1}-{d + 1}", dx, dy, 1.0, 1.0)
            for t in range(per_district):
                if made == townships:
                    break
                cell = 1.0 / side
                add(
                    f"{district}{t + 1:03d}",
                    3,
                    district,
                    f"Township {p + 1}-{d + 1}-{t + 1}",
                    dx + (t % side) * cell,
                    dy + (t // side) * cell,
                    cell,
                    cell,
                )
                made += 1
    session = model.Session
    for start in range(0, len(rows), 10_000):
        batch = rows[start : start + 10_000]
        cols = list(zip(*batch, strict=True))
        session.execute(
            sa.text(
                "INSERT INTO imwg_pcode_unit (pcode, level, parent, country, name, valid_from, version, geometry,"
                " minx, miny, maxx, maxy) SELECT p, l, par, :country, n, '2026-01-01', 'bench', CAST(g AS jsonb),"
                " x0, y0, x1, y1 FROM unnest(CAST(:p AS text[]), CAST(:l AS smallint[]), CAST(:par AS text[]),"
                " CAST(:n AS text[]), CAST(:g AS text[]), CAST(:x0 AS float8[]), CAST(:y0 AS float8[]),"
                " CAST(:x1 AS float8[]), CAST(:y1 AS float8[])) AS u(p, l, par, n, g, x0, y0, x1, y1)"
            ),
            dict(zip(("p", "l", "par", "n", "g", "x0", "y0", "x1", "y1"), map(list, cols), strict=True))
            | {"country": COUNTRY},
        )
        names = [(r[0], "en", r[3]) for r in batch] + [(r[0], "fr", r[3].replace("Township", "Commune")) for r in batch]
        session.execute(
            sa.text(
                "INSERT INTO imwg_pcode_name (pcode, lang, name, folded) SELECT * FROM unnest("
                "CAST(:p AS text[]), CAST(:l AS text[]), CAST(:n AS text[]), CAST(:f AS text[]))"
            ),
            {
                "p": [n[0] for n in names],
                "l": [n[1] for n in names],
                "n": [n[2] for n in names],
                "f": [fold(n[2]) for n in names],
            },
        )
    session.commit()
    session.execute(sa.text("ANALYZE imwg_pcode_unit"))
    session.execute(sa.text("ANALYZE imwg_pcode_name"))
    session.commit()
    return len(rows)


def _rss_mb() -> float:
    """Resident memory of this process now (MB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20


def measure(fmt: str, out: Path) -> dict:
    """Export the whole country in ``fmt`` to ``out`` (in this process)."""
    import ckan.model as model
    from pyogrio import read_info

    from ckanext.imwg_pcode import export

    selection = export.Selection(country=COUNTRY)
    before = _rss_mb()
    start, cpu = time.perf_counter(), time.process_time()
    size = 0
    with model.meta.engine.connect() as connection, open(out, "wb") as f:
        for chunk in export.stream(connection, selection, fmt):
            f.write(chunk)
            size += len(chunk)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    path = f"/vsizip/{out}" if fmt == "shp" else str(out)
    return {
        "format": fmt,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb_above_start": round(max(0.0, peak - before), 1),
        "peak_mb": round(peak, 1),
        "mb": round(size / 2**20, 1),
        "features": read_info(path)["features"],
    }


def export_suffix(fmt: str) -> str:
    from ckanext.imwg_pcode.export import FORMATS as SUFFIXES

    return SUFFIXES[fmt][1]


def markdown(result: dict) -> str:
    lines = [
        f"{result['units']:,} units, simplified boundaries ({RING + 1} points a ring), names in 2 languages;"
        f" {result['cpus']} CPUs, load average {result['load_average']:.1f} at the end",
        "",
        "| format | time (s) | CPU of the process (s) | peak memory above start (MB) | process peak (MB) "
        "| file (MB) | features read back |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in result["formats"]:
        lines.append(
            f"| {r['format']} | {r['seconds']:.2f} | {r['cpu_seconds']:.2f} | {r['peak_mb_above_start']:.0f} "
            f"| {r['peak_mb']:.0f} "
            f"| {r['mb']:.1f} | {r['features']:,} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=100_000)
    parser.add_argument("--ini", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", choices=FORMATS, help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate or args.measure:
        load_ckan(Path(args.ini))
        if args.generate:
            print(generate(args.units))
        else:
            print(json.dumps(measure(args.measure, Path(args.out))))
        return
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        ini = bench_ini(tmp, "imwg_pcode")
        ini.write_text(ini.read_text().replace("/ckan_imwg_bench\n", f"/{DB}\n"))
        print(f"database {DB}", flush=True)
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        sh("bash", str(ROOT / "scripts" / "db.sh"), DB)
        sh(CKAN, "-c", str(ini), "db", "init")
        sh(CKAN, "-c", str(ini), "db", "upgrade")
        print(f"gazetteer of {args.units:,} units", flush=True)
        made = int(sh(sys.executable, __file__, "--ini", str(ini), "--generate", "--units", str(args.units)).stdout)
        formats = []
        for fmt in FORMATS:
            out = tmp / ("export" + export_suffix(fmt))
            done = sh(sys.executable, __file__, "--ini", str(ini), "--measure", fmt, "--out", str(out))
            formats.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"{fmt}: {formats[-1]['seconds']:.2f} s", flush=True)
            out.unlink()
    result = {"units": made, "cpus": os.cpu_count(), "load_average": os.getloadavg()[0], "formats": formats}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "pcode_export.json").write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
