"""HXL previews: the profile of a 1,000,000-row file, side by side with
libhxl doing the same aggregation, and the view of an already-profiled
resource.

    .venv/bin/python benchmarks/hxl.py [--rows 1000000] [--runs 30]

1. writes an HXL CSV of ROWS rows and 8 columns (about 50 MB at 1,000,000
   rows; seeded): state and district P-codes, a date, an organisation, a
   sector, killed, injured and reached;
2. profiles it in a fresh process (``profile.profile``: every column's
   counts, distinct values, top values, minimum, maximum, sums, and the
   aggregates by place, sector, organisation and month), three times; then
   the whole job's analysis (the profile plus libhxl's core schema over the
   first 50,000 rows) once; each process's peak memory is its maximum
   resident set, the interpreter and polars included;
3. has libhxl (the reference parser) read the same file and count the rows
   and sum the killed by state (``hxl.data(...).count(...)``), in a fresh
   process;
4. in a benchmark database, stores the profile of that file and of a
   20-row file for two resources, and times ``hxl_preview_show`` and the
   resource page with the view (through CKAN's Flask app) RUNS times each
   (``--no-view`` leaves this part out: it drops and makes the benchmark
   database);
5. writes an XLSX workbook of XLSX_ROWS rows whose hashtags are on its
   second sheet (a cover sheet first, another sheet after) and has the
   job's analysis (every sheet profiled, the tagged one shown) and libhxl
   (which reads the first tagged sheet) sum the killed by state; both must
   read the same sheet (the same totals).

Results go to ``benchmarks/results/hxl.json`` and are printed as a Markdown
table for the README.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))
from search import RESULTS, bench_ini, load_ckan, setup_database  # noqa: E402

# benchmarks/ off the path again: the profile's process (spawned with this
# path) must find libhxl under ``import hxl``, not this file
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != BENCHMARKS]

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_hxl imwg_sensitivity imwg_search"
HEADER = "State P-code,District P-code,Date,Organisation,Sector,Killed,Injured,Reached\n"
TAGS = "#adm1+code,#adm2+code,#date,#org,#sector,#affected+killed,#affected+injured,#reached\n"
ORGS = ["UNICEF", "UNHCR", "WFP", "IOM", "HALO Trust", "MAG", "DRC", "NRC"]
SECTORS = ["Protection", "Health", "Shelter", "WASH", "Food Security", "Mine Action"]


def write_file(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    with path.open("w") as f:
        f.write(HEADER + TAGS)
        for _ in range(rows):
            s, d = rng.randint(1, 15), rng.randint(1, 20)
            f.write(
                f"MMR{s:03d},MMR{s:03d}D{d:03d},2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d},"
                f"{rng.choice(ORGS)},{rng.choice(SECTORS)},{rng.randint(0, 5)},{rng.randint(0, 9)},{rng.randint(0, 500)}\n"
            )


_PROFILE = """
import json, resource, sys, time
from pathlib import Path
from ckanext.imwg_hxl import analysis, profile, tables
path, what = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if what == "profile":
    with tables.read(Path(path), "csv") as table:
        rows = profile.profile(table)["rows"]
else:
    rows = analysis.analyse(path, "csv", 100, 50000)["rows"]
seconds = time.perf_counter() - start
print(json.dumps({"rows": rows, "seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_LIBHXL = """
import json, resource, sys, time
import hxl
start = time.perf_counter()
counted = hxl.data(sys.argv[1], hxl.InputOptions(allow_local=True)).count(
    ["#adm1+code"], aggregators="sum(#affected+killed) as Killed#affected+killed"
)
groups = sum(1 for _ in counted)
seconds = time.perf_counter() - start
print(json.dumps({"groups": groups, "seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


_XLSX = """
import json, resource, sys, time
from ckanext.imwg_hxl import analysis
start = time.perf_counter()
result = analysis.analyse(sys.argv[1], "xlsx", 100, 50000)
seconds = time.perf_counter() - start
states = next(b for b in result["aggregates"]["by"] if b["tag"] == "adm1")
killed = {g["key"]: g["sums"][0] for g in states["groups"]}
print(json.dumps({"rows": result["rows"], "sheet": result["sheet"], "sheets": len(result["sheets"]),
    "killed": killed, "seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

_LIBHXL_XLSX = """
import json, resource, sys, time
import hxl
start = time.perf_counter()
counted = hxl.data(sys.argv[1], hxl.InputOptions(allow_local=True)).count(
    ["#adm1+code"], aggregators="sum(#affected+killed) as Killed#affected+killed"
)
killed = {row.get("#adm1+code"): float(row.get("#affected+killed")) for row in counted}
seconds = time.perf_counter() - start
print(json.dumps({"killed": killed, "seconds": seconds, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_workbook(path: Path, rows: int, seed: int = 1) -> None:
    """A cover sheet, the tagged data (``rows`` rows), and an untagged sheet."""
    from openpyxl import Workbook

    rng = random.Random(seed)
    book = Workbook(write_only=True)
    cover = book.create_sheet("Read me")
    cover.append(["Casualties by state, generated for the benchmark"])
    data = book.create_sheet("Data")
    data.append(HEADER.strip().split(","))
    data.append(TAGS.strip().split(","))
    for _ in range(rows):
        s, d = rng.randint(1, 15), rng.randint(1, 20)
        data.append(
            [
                f"MMR{s:03d}",
                f"MMR{s:03d}D{d:03d}",
                f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                rng.choice(ORGS),
                rng.choice(SECTORS),
                rng.randint(0, 5),
                rng.randint(0, 9),
                rng.randint(0, 500),
            ]
        )
    other = book.create_sheet("Sites")
    other.append(["Site", "Households"])
    for i in range(100):
        other.append([f"Site {i}", i])
    book.save(path)


def xlsx_run(rows: int, tmp: Path) -> dict:
    book = tmp / "casualties.xlsx"
    write_workbook(book, rows)
    ours = fresh(_XLSX, str(book))
    theirs = fresh(_LIBHXL_XLSX, str(book))
    return {
        "rows": rows,
        "file_mb": round(book.stat().st_size / 1e6, 1),
        "analysis": {"seconds": round(ours["seconds"], 3), "peak_mb": round(ours["peak_mb"]), "sheet": ours["sheet"]},
        "libhxl": {"seconds": round(theirs["seconds"], 3), "peak_mb": round(theirs["peak_mb"])},
        "same_sheet_and_totals": ours["rows"] == rows
        and {k: float(v) for k, v in ours["killed"].items()} == theirs["killed"],
    }


def fresh(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, text=True, capture_output=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def view_timings(tmp: Path, big: Path, runs: int) -> dict:
    """hxl_preview_show (through the API) and the resource page, for a large
    and a small profiled file, anonymous (the datasets are public)."""
    ini = bench_ini(tmp, PLUGINS)
    setup_database(ini)
    ctx = load_ckan(ini)
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from ckanext.imwg_hxl import jobs

    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"user": site, "ignore_auth": True}
    org = tk.get_action("organization_create")(context, {"name": "bench-org", "org_type": "ingo"})
    small = tmp / "small.csv"
    small.write_text(HEADER + TAGS + "".join(big.open().readlines()[2:22]))
    found = {}
    rows = sum(1 for _ in big.open()) - 2
    for name, path in ((f"{rows:,}-row file", big), ("20-row file", small)):
        ds = tk.get_action("package_create")(
            context,
            {
                "name": f"bench-{len(found)}",
                "title": name,
                "owner_org": org["id"],
                "source": "benchmark",
                "sectors": ["protection"],
                "sensitivity": "public",
                "resources": [{"url": "https://example.org/data.csv", "format": "CSV", "name": name}],
            },
        )
        res = model.Resource.get(ds["resources"][0]["id"])
        status, message, result = jobs.profile_file(path, "csv")
        jobs._store(res, "bench", status, message, result)
        jobs._add_view(res)
        found[name] = (ds, res.id)
    model.Session.remove()
    ctx.pop()
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from werkzeug.test import Client

    client = Client(make_app(load_config(str(ini))))  # the whole WSGI stack, as a portal serves it
    timings = {}
    for name, (ds, rid) in found.items():
        client.get(f"/dataset/{ds['name']}/resource/{rid}")  # templates compiled once, as in a running portal
        api, page = [], []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(f"/api/3/action/hxl_preview_show?id={rid}")
            api.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200 and json.loads(response.get_data())["result"]["status"] == "done"
            start = time.perf_counter()
            response = client.get(f"/dataset/{ds['name']}/resource/{rid}")
            page.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200 and "imwg-hxl-figure" in response.get_data(as_text=True)
        timings[name] = {
            "api_p50_ms": statistics.median(api),
            "api_p95_ms": percentile(api, 95),
            "page_p50_ms": statistics.median(page),
            "page_p95_ms": percentile(page, 95),
        }
    return timings


def run(rows: int, runs: int, tmp: Path, view: bool = True, xlsx_rows: int = 50_000) -> dict:
    big = tmp / "casualties.csv"
    write_file(big, rows)
    size_mb = big.stat().st_size / 1e6
    profiles = [fresh(_PROFILE, str(big), "profile") for _ in range(3)]
    best = min(profiles, key=lambda r: r["seconds"])
    whole = fresh(_PROFILE, str(big), "analysis")
    libhxl = fresh(_LIBHXL, str(big))
    return {
        "rows": rows,
        "file_mb": round(size_mb, 1),
        "profile": {
            "seconds": round(best["seconds"], 3),
            "rows_per_s": round(rows / best["seconds"]),
            "peak_mb": round(max(p["peak_mb"] for p in profiles)),
            "all_seconds": [round(p["seconds"], 3) for p in profiles],
        },
        "analysis": {"seconds": round(whole["seconds"], 3), "peak_mb": round(whole["peak_mb"])},
        "libhxl": {
            "seconds": round(libhxl["seconds"], 3),
            "rows_per_s": round(rows / libhxl["seconds"]),
            "peak_mb": round(libhxl["peak_mb"]),
            "groups": libhxl["groups"],
        },
        "view": view_timings(tmp, big, runs) if view else {},
        "xlsx": xlsx_run(xlsx_rows, tmp),
    }


def markdown(r: dict) -> str:
    p, lib, a = r["profile"], r["libhxl"], r["analysis"]
    lines = [
        f"Profile of a {r['rows']:,}-row, 8-column HXL CSV ({r['file_mb']} MB):",
        "",
        "| | time | rows/s | peak memory |",
        "|---|---:|---:|---:|",
        f"| imwg_hxl profile (every column + aggregates) | {p['seconds']} s | {p['rows_per_s']:,} | {p['peak_mb']} MB |",
        f"| libhxl: count by `#adm1+code`, sum of `#affected+killed` | {lib['seconds']} s | {lib['rows_per_s']:,} | {lib['peak_mb']} MB |",
        f"| the job's whole analysis (profile + libhxl schema on 50,000 rows) | {a['seconds']} s | | {a['peak_mb']} MB |",
        "",
        "| already-profiled resource | `hxl_preview_show` p50 / p95 | resource page with the view p50 / p95 |",
        "|---|---:|---:|",
    ]
    for name, t in r["view"].items():
        lines.append(
            f"| {name} | {t['api_p50_ms']:.1f} / {t['api_p95_ms']:.1f} ms | {t['page_p50_ms']:.1f} / {t['page_p95_ms']:.1f} ms |"
        )
    x = r.get("xlsx")
    if x:
        lines += [
            "",
            f"XLSX workbook, {x['rows']:,} tagged rows on its second sheet of three ({x['file_mb']} MB):",
            "",
            "| | time | peak memory |",
            "|---|---:|---:|",
            f"| imwg_hxl analysis (every sheet profiled, sheet {x['analysis']['sheet']} shown) | "
            f"{x['analysis']['seconds']} s | {x['analysis']['peak_mb']} MB |",
            f"| libhxl: sum of `#affected+killed` by `#adm1+code` | {x['libhxl']['seconds']} s | {x['libhxl']['peak_mb']} MB |",
            "",
            f"Same sheet and same totals as libhxl: {'yes' if x['same_sheet_and_totals'] else 'NO'}.",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--xlsx-rows", type=int, default=50_000)
    parser.add_argument("--no-view", action="store_true", help="leave out the view timings (no benchmark database)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = run(args.rows, args.runs, Path(tempfile.mkdtemp()), not args.no_view, args.xlsx_rows)
    (RESULTS / "hxl.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
