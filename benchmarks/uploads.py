"""One job, one read: the analyses of an uploaded file (the P-code coverage,
the personal-data screen, the HXL profile) run by the upload job over one
read of the file, against each analysis reading the file itself, as three
jobs did.

    .venv/bin/python benchmarks/uploads.py [--rows 1000000] [--runs 3]

1. writes benchmarks/hxl.py's HXL CSV of ROWS rows and 8 columns (state and
   district P-codes: the coverage reads every row; no personal data: the
   screen reads its first 5,000);
2. pure, in fresh processes, RUNS times each, alternating: *three reads*:
   the coverage scan, the screen and the HXL analysis (profile and
   validation, in a process of its own as the job runs it) one after
   another, each reading the file; *one read*: the HXL analysis started in
   its process, the file read once for the coverage scanner and the
   screener meanwhile, then the HXL answer; each with its time, its
   processor time (both processes; the interpreter's start left out) and
   its peak memory (the larger of the two processes);
3. in a benchmark database (``ckan_imwg_bench_uploads``) with the three
   plugins and an uploaded resource holding that file, RUNS times each,
   alternating, the stored results removed before each run: the three
   analyses as three jobs (``check_resource`` of imwg_pcode,
   ``screening.run``, ``jobs.run`` of imwg_hxl: each loads the resource,
   reads the file and stores its result) against the upload job
   (``uploads.run``), called in this process, then queued and run by CKAN's
   worker (which forks for each job: three against one).

Results go to ``benchmarks/results/uploads.json`` and are printed as a
Markdown table for the README.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))
from search import CKAN, RESULTS, ROOT, load_ckan, sh, write_ini  # noqa: E402

_spec = importlib.util.spec_from_file_location("benchmark_hxl", BENCHMARKS / "hxl.py")
benchmark_hxl = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(benchmark_hxl)
write_file = benchmark_hxl.write_file
# benchmarks/ off the path again: the HXL analysis's process (spawned with
# this path) must find libhxl under ``import hxl``, not benchmarks/hxl.py
sys.path[:] = [p for p in sys.path if not p or Path(p).resolve() != BENCHMARKS]

DB = "ckan_imwg_bench_uploads"
URL = f"postgresql://ckan_imwg:ckan_imwg@127.0.0.1:5432/{DB}"
PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_pcode imwg_hxl imwg_sensitivity imwg_search"

_PURE = """
import json, resource, sys, time
from pathlib import Path
from ckanext.imwg import reader
from ckanext.imwg.uploads import BLOCK
from ckanext.imwg_hxl import analysis
from ckanext.imwg_pcode import coverage
from ckanext.imwg_sensitivity import screen
path, how = sys.argv[1], sys.argv[2]
startup = sum(getattr(resource.getrusage(resource.RUSAGE_SELF), f) for f in ("ru_utime", "ru_stime"))
start = time.perf_counter()
if how == "three reads":
    scanned = coverage.scan(Path(path), "csv")
    screened = screen.screen_file(path, "csv")
    profiled = analysis.analyse_apart(path, "csv", 100, 50000, 600)
else:
    apart = analysis.Apart(path, "csv", 100, 50000, 600)
    scanner, screener = coverage.Scanner(), screen.Screener()
    reading = [scanner, screener]
    for block in reader.open_table(path, "csv").blocks(BLOCK):
        reading = [r for r in reading if r.consume(block)]
        if not reading:
            break
    scanned, screened, profiled = scanner.scan(), screener.result(), apart.result()
seconds = time.perf_counter() - start
usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
cpu = sum(u.ru_utime + u.ru_stime for u in usage) - startup
assert profiled["validation"]["schema_rows_checked"] == min(50000, profiled["rows"]), profiled["validation"]
print(json.dumps({
    "seconds": seconds, "cpu_seconds": cpu, "peak_mb": max(u.ru_maxrss for u in usage) / 1024,
    "rows": [scanned.rows, screened.rows, profiled["rows"]],
}))
"""

HOWS = ("three reads", "one read")


def fresh(code: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, text=True, capture_output=True, cwd=ROOT)
    return json.loads(out.stdout.strip().splitlines()[-1])


def pure(path: Path, runs: int) -> dict:
    found: dict[str, list[dict]] = {how: [] for how in HOWS}
    for _ in range(runs):
        for how in HOWS:
            found[how].append(fresh(_PURE, str(path), how))
    return {
        how: {
            "seconds": round(statistics.median(r["seconds"] for r in found[how]), 3),
            "all_seconds": [round(r["seconds"], 3) for r in found[how]],
            "cpu_seconds": round(statistics.median(r["cpu_seconds"] for r in found[how]), 3),
            "peak_mb": round(max(r["peak_mb"] for r in found[how])),
            "rows": found[how][0]["rows"],
        }
        for how in HOWS
    }


def setup(tmp: Path) -> Path:
    storage = tmp / "storage"
    storage.mkdir()
    ini = write_ini(
        tmp / "bench.ini",
        **{
            "sqlalchemy.url": URL,
            "ckan.plugins": PLUGINS,
            "ckan.site_id": "bench-uploads",
            "ckan.redis.url": "redis://127.0.0.1:6379/2",
            "ckan.storage_path": str(storage),
        },
    )
    # as its owner (the benchmark's role), so that no superuser password is needed
    owner = URL.rsplit("/", 1)[0] + "/postgres"
    sh("psql", owner, "-v", "ON_ERROR_STOP=1", "-qc", f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    sh("bash", str(ROOT / "scripts" / "db.sh"), DB)
    sh(CKAN, "-c", str(ini), "db", "init")
    sh(CKAN, "-c", str(ini), "db", "upgrade")
    return ini


def in_database(tmp: Path, path: Path, rows: int, runs: int) -> dict:
    """The three analyses one by one (as three jobs) against the one job."""
    ctx = load_ckan(setup(tmp))
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa
    from ckan.lib import uploader

    from ckanext.imwg import uploads
    from ckanext.imwg_hxl import jobs as hxl_jobs
    from ckanext.imwg_hxl.model import profile_table
    from ckanext.imwg_pcode import jobs as pcode_jobs
    from ckanext.imwg_pcode.model import coverage_table
    from ckanext.imwg_sensitivity import screening
    from ckanext.imwg_sensitivity.model import screen_table

    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    context = {"user": site, "ignore_auth": True}
    org = tk.get_action("organization_create")(context, {"name": "bench-org", "org_type": "ingo"})
    ds = tk.get_action("package_create")(
        context,
        {
            "name": "bench-casualties",
            "title": "Casualties",
            "owner_org": org["id"],
            "source": "benchmark",
            "sectors": ["protection"],
            "sensitivity": "public",
            "resources": [{"url": "https://example.org/casualties.csv", "format": "CSV", "name": "casualties"}],
        },
    )
    # the file as an upload, put where CKAN keeps uploads (no job queued: the runs below are timed)
    res = model.Resource.get(ds["resources"][0]["id"])
    res.url_type, res.url = "upload", "casualties.csv"
    model.Session.commit()
    stored = Path(uploader.get_resource_uploader({"id": res.id, "url_type": "upload", "url": ""}).get_path(res.id))
    stored.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, stored)

    def forget() -> None:
        for table in (coverage_table, screen_table, profile_table):
            model.Session.execute(sa.delete(table).where(table.c.resource_id == res.id))
        model.Session.commit()

    def results() -> list[str]:
        return [
            model.Session.execute(sa.select(table.c.status).where(table.c.resource_id == res.id)).scalar()
            for table in (coverage_table, screen_table, profile_table)
        ]

    three = (pcode_jobs.check_resource, screening.run, hxl_jobs.run)
    ways = {
        "three jobs, in this process": lambda: [job(res.id) for job in three],
        "the one job, in this process": lambda: uploads.run(res.id),
        "three jobs, through a worker": lambda: work([tk.enqueue_job(job, [res.id]) for job in three]),
        "the one job, through a worker": lambda: work([tk.enqueue_job(uploads.run, [res.id])]),
    }
    timings: dict[str, list[float]] = {how: [] for how in ways}
    for _ in range(runs):
        for how, way in ways.items():
            forget()
            start = time.perf_counter()
            way()
            timings[how].append(time.perf_counter() - start)
            model.Session.remove()
            assert results() == ["done", "clean", "done"], (how, results())
            checked = hxl_jobs.stored(res.id)["result"]["validation"]["schema_rows_checked"]
            assert checked == min(50_000, rows), (how, checked)  # libhxl's schema ran (see BENCHMARKS above)
    model.Session.remove()
    ctx.pop()
    return {
        how: {"seconds": round(statistics.median(t), 3), "all_seconds": [round(s, 3) for s in t]}
        for how, t in timings.items()
    }


def work(jobs: list) -> None:
    """Run the queued jobs as ``ckan jobs worker`` does (a fork for each)."""
    from ckan.lib.jobs import Worker

    Worker(["default"]).work(burst=True)
    failed = [job.id for job in jobs if job.get_status(refresh=True) != "finished"]
    assert not failed, failed


def run(rows: int, runs: int, tmp: Path) -> dict:
    path = tmp / "casualties.csv"
    write_file(path, rows)
    print("pure", flush=True)
    plain = pure(path, runs)
    print(json.dumps(plain), flush=True)
    print("in the database", flush=True)
    jobs = in_database(tmp, path, rows, runs)
    return {"rows": rows, "file_mb": round(path.stat().st_size / 1e6, 1), "pure": plain, "database": jobs}


def markdown(r: dict) -> str:
    p, d = r["pure"], r["database"]
    three, one = p["three reads"], p["one read"]
    lines = [
        f"The P-code coverage, the personal-data screen and the HXL profile of a {r['rows']:,}-row, "
        f"8-column HXL CSV ({r['file_mb']} MB), medians of {len(one['all_seconds'])} runs:",
        "",
        "| | three reads / three jobs | one read / one job | one / three |",
        "|---|---:|---:|---:|",
        f"| the analyses alone, fresh processes: time | {three['seconds']} s | {one['seconds']} s | "
        f"{one['seconds'] / three['seconds']:.0%} |",
        f"| … processor time (all processes) | {three['cpu_seconds']} s | {one['cpu_seconds']} s | "
        f"{one['cpu_seconds'] / three['cpu_seconds']:.0%} |",
        f"| … peak memory | {three['peak_mb']} MB | {one['peak_mb']} MB | |",
    ]
    for where in ("in this process", "through a worker"):
        a, b = d[f"three jobs, {where}"]["seconds"], d[f"the one job, {where}"]["seconds"]
        lines.append(f"| the jobs (resource loaded, results stored), {where} | {a} s | {b} s | {b / a:.0%} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp())
    try:
        result = run(args.rows, args.runs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    (RESULTS / "uploads.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
