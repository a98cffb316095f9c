"""The portal under load, on both search backends in one run.

    .venv/bin/python benchmarks/load.py [--datasets 2000] [--duration 300] [--backends postgresql solr]

1. recreates the database ``ckan_imwg_load`` (CKAN's tables and the
   plugins'), loads the demo gazetteer and the demo content (``ckan imwg
   demo``: four organisations, their users, datasets with uploads), then
   writes N more demo-like datasets straight into CKAN's tables (the fast
   path of ``benchmarks/search.py``): spread over the four organisations,
   each with a sensitivity level (50 % public, 30 % restricted, 15 %
   confidential, 5 % strictly confidential), sectors, 1-4 P-codes of the
   gazetteer, tags, groups and 1-3 link resources; 5 % are private.
   ``ckan_imwg_load_solr`` is a copy of it (same content for both backends);
2. indexes both databases at once (PostgreSQL:
   ``imwg_search``; Solr: the same plugins without it, against a Solr of
   this benchmark's own, ``scripts/solr.sh`` with ``SOLR_NAME=solr-load
   SOLR_PORT=8994``); then, for each backend in turn, serves the portal as the docker image serves it
   (``scripts/portal.sh``: gunicorn with 4 workers on ``docker/wsgi.py``, a
   supervised ``ckan jobs worker``, the mail catcher and the notifications'
   tick) on 127.0.0.1:5090, and runs locust (``benchmarks/locustfile.py``)
   for the duration: 20 searchers (anonymous and logged-in users of the
   four organisations and of none; web pages and the API; the landing page,
   free text, q + fq + facets, sorted by metadata_modified, deep paging,
   ext_bbox, a P-code roll-up filter, dataset pages) and 2 publishers
   (organisation editors creating datasets with CSV uploads, updating
   them, uploading new versions, deleting some);
3. when locust stops, waits for the jobs queue to empty, then checks as a
   sysadmin that ``package_search`` (every dataset, private ones included)
   finds every active dataset of the database exactly once, with its
   ``metadata_modified``, and nothing else.

It fails (exit status 1) on any response 5xx (or a connection error), on a
disagreement between the index and the database, or on a dataset the
publishers could not write. Results go to ``benchmarks/results/load.json``
and are printed as a Markdown table for the README, with the machine's load
average during each run (the figures depend on what else the machine does).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
from search import PLACES, WORDS, psql, sh  # noqa: E402
from search_data import Rows  # noqa: E402

from tests.support import free_port, wait_for_portal, write_ini  # noqa: E402

BIN = Path(sys.executable).parent
CKAN = str(BIN / "ckan")
DATA = ROOT / ".data" / "load"
RESULTS = ROOT / "benchmarks" / "results"
DB = "ckan_imwg_load"
SOLR_NAME = "solr-load"
SOLR_PORT = 8994
REDIS = "redis://127.0.0.1:6379/5"
#: the plugins of the portal and of the docker image (scripts/portal-config.sh)
PLUGINS = (
    "activity imwg image_view datatables_view scheming_datasets scheming_organizations spatial_metadata "
    "spatial_query dcat structured_data imwg_interop imwg_exchange imwg_notify imwg_imsma imwg_pcode imwg_hxl "
    "imwg_sensitivity imwg_search"
)
BACKENDS = ("postgresql", "solr")
LEVELS = [("public", 50), ("restricted", 30), ("confidential", 15), ("strictly_confidential", 5)]
ORGANIZATIONS = ["nmaa", "ocha", "demining-action-group", "community-health-network"]
SECTORS = (
    "cccm education food_security health logistics nutrition protection shelter wash mine_action coordination".split()
)
DATA_TYPES = ["3w", "needs_assessment", "baseline", "indicators", "geodata", "casualty"]
FREQUENCIES = ["weekly", "monthly", "quarterly", "yearly", "adhoc"]
LICENSES = ["cc-by-igo", "cc-by", "cc-by-sa", "odc-odbl", "odc-by"]
FORMATS = ["CSV", "XLSX", "JSON", "GeoJSON", "PDF", "SHP"]
#: demo users (ckan imwg demo) the searchers and publishers act as
SEARCHERS = ["", "analyst", "nmaa_editor", "ocha_admin", "dag_editor", "chn_member"]
PUBLISHERS = [("dag_editor", "demining-action-group"), ("ocha_admin", "ocha")]
SYSADMIN = "imwg_admin"


def database(backend: str) -> str:
    return DB if backend == "postgresql" else f"{DB}_solr"


def url(db: str) -> str:
    return f"postgresql://ckan_imwg:ckan_imwg@127.0.0.1:5432/{db}"


def ini_for(backend: str, port: int) -> Path:
    """The portal's configuration for one backend (the suite's test.ini underneath)."""
    DATA.mkdir(parents=True, exist_ok=True)
    mail = free_port()  # the mail catcher's (scripts/portal.sh starts one)
    options = {
        "sqlalchemy.url": url(database(backend)),
        "ckan.site_url": f"http://127.0.0.1:{port}",
        "ckan.site_id": f"imwg-load-{backend}",
        "ckan.redis.url": REDIS,
        "ckan.storage_path": str(DATA / "storage"),
        "ckan.uploads_enabled": "true",
        "ckan.max_resource_size": "100",
        "smtp.server": f"127.0.0.1:{mail}",
        "ckanext.imwg_notify.catch_port": str(mail),
        "ckanext.imwg_notify.catch_dir": str(DATA / "mail"),
        "ckan.plugins": PLUGINS,
    }
    if backend == "solr":
        options["ckan.plugins"] = PLUGINS.replace(" imwg_search", "")
        options["solr_url"] = f"http://127.0.0.1:{SOLR_PORT}/solr/ckan"
        options["solr_timeout"] = "10"
    return write_ini(DATA / f"{backend}.ini", **options)


# --- the content ------------------------------------------------------------------


def prepare(datasets: int, port: int, backends: list[str]) -> None:
    """The demo content and ``datasets`` generated ones in ``ckan_imwg_load``,
    copied to ``ckan_imwg_load_solr``."""
    ini = ini_for("postgresql", port)
    for backend in BACKENDS:
        psql(f"DROP DATABASE IF EXISTS {database(backend)} WITH (FORCE)")
    sh("bash", str(ROOT / "scripts" / "db.sh"), DB)
    sh(CKAN, "-c", str(ini), "db", "init")
    sh(CKAN, "-c", str(ini), "db", "upgrade")
    gazetteer = ROOT / "ckanext" / "imwg_pcode" / "demo_data" / "mmr_demo_units.geojson"
    sh(CKAN, "-c", str(ini), "pcode", "load", "--if-empty", str(gazetteer))
    sh(CKAN, "-c", str(ini), "imwg", "demo")
    generate(datasets, url(DB))
    if "solr" in backends:
        psql(f"CREATE DATABASE {database('solr')} OWNER ckan_imwg TEMPLATE {DB}")


def generate(n: int, db_url: str, seed: int = 21) -> None:
    """Write n demo-like datasets into CKAN's tables (the fast path)."""
    import psycopg2

    rnd = random.Random(seed)
    conn = psycopg2.connect(db_url)
    cur = conn.cursor()
    cur.execute("SELECT name, id FROM \"group\" WHERE state = 'active'")
    owners = dict(cur.fetchall())
    cur.execute('SELECT id FROM "user" WHERE name = %s', (SYSADMIN,))
    creator = cur.fetchone()[0]
    cur.execute("SELECT pcode FROM imwg_pcode_unit WHERE level >= 1 AND retired_at IS NULL ORDER BY pcode")
    codes = [r[0] for r in cur.fetchall()]
    groups = [owners[g] for g in ("contamination", "displacement")]
    orgs = [owners[o] for o in ORGANIZATIONS]
    levels = [level for level, weight in LEVELS for _ in range(weight)]
    tags = sorted({f"{rnd.choice(WORDS)}-{rnd.choice(WORDS)}" for _ in range(300)})
    tag_ids = {t: str(uuid.uuid4()) for t in tags}
    weights = [1 / (i + 1) for i in range(len(tags))]
    rows = Rows(conn, size=1000)
    rows.tags(tag_ids)
    start = datetime(2021, 1, 1)
    for i in range(n):
        pid = str(uuid.uuid4())
        place = rnd.choice(PLACES)
        level = rnd.choice(levels)
        created = start + timedelta(minutes=i * 11 + rnd.randint(0, 9))
        rows.package(
            pid,
            f"load-{i:05d}",
            f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)} {place} {2019 + i % 7}",
            " ".join(rnd.choice(WORDS + PLACES) for _ in range(rnd.randint(20, 60))),
            rnd.choice(LICENSES),
            rnd.choice(orgs),
            rnd.random() < 0.05,
            created,
            created + timedelta(days=rnd.randint(0, 300), seconds=rnd.randint(0, 86399)),
            creator,
            f"Officer {rnd.randint(1, 200)}",
        )
        chosen = set(rnd.choices(tags, weights=weights, k=rnd.randint(1, 5)))
        rows.links(pid, chosen, tag_ids, rnd.sample(groups, rnd.randint(0, 2)))
        for r in range(rnd.randint(1, 3)):
            fmt = rnd.choice(FORMATS)
            name = f"{rnd.choice(WORDS).title()} {place} table {r}"
            rows.resource(pid, r, fmt, name, " ".join(rnd.choice(WORDS) for _ in range(10)), created)
        extras = {
            "sensitivity": level,
            "sensitivity_suggested": level,
            "sectors": json.dumps(rnd.sample(SECTORS, rnd.randint(1, 3))),
            "source": f"{rnd.choice(WORDS).title()} cluster",
            "countries": json.dumps(["MMR"]),
            "subnational": "yes",
            "pcodes": json.dumps(rnd.sample(codes, rnd.randint(1, 4))),
            "data_type": rnd.choice(DATA_TYPES),
            "update_frequency": rnd.choice(FREQUENCIES),
            "methodology": "registry",
        }
        rows.extras(pid, extras)
        rows.flush(every=1000)
    rows.close()


def tokens(ini: Path) -> dict[str, str]:
    """API tokens of the sysadmin, the searchers and the publishers (in a CKAN of ``ini``)."""
    code = (
        "import json, sys; from ckan.cli import load_config; from ckan.config.middleware import make_app; "
        f"app = make_app(load_config({str(ini)!r})); "
        "import ckan.plugins.toolkit as tk; "
        "ctx = getattr(app, 'apps', {}).get('flask_app', app)._wsgi_app.test_request_context(); ctx.push(); "
        "out = {u: tk.get_action('api_token_create')({'user': u, 'ignore_auth': True}, "
        "{'user': u, 'name': 'load'})['token'] for u in sys.argv[1:]}; print(json.dumps(out))"
    )
    users = sorted({SYSADMIN, *[u for u in SEARCHERS if u], *[u for u, _ in PUBLISHERS]})
    done = sh(sys.executable, "-c", code, *users)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- the portal ---------------------------------------------------------------


def api(base: str, action: str, token: str, **params) -> dict:
    query = urllib.parse.urlencode({k: json.dumps(v) if isinstance(v, list) else v for k, v in params.items()})
    req = urllib.request.Request(f"{base}/api/3/action/{action}?{query}", headers={"Authorization": token})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())["result"]


def start_portal(ini: Path, port: int, backend: str) -> subprocess.Popen:
    """scripts/portal.sh (gunicorn with 4 workers, the jobs worker...) in a session of its own."""
    logs = DATA / backend
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, CKAN=CKAN, HOST="127.0.0.1", PORT=str(port), WORKERS="4", DATA=str(logs))
    out = open(logs / "portal.log", "wb")
    proc = subprocess.Popen(
        ["bash", str(ROOT / "scripts" / "portal.sh"), str(ini)],
        stdout=out,
        stderr=subprocess.STDOUT,
        env=env,
        start_new_session=True,
        cwd=ROOT,
    )
    try:
        wait_for_portal(f"http://127.0.0.1:{port}", proc, logs / "portal.log", seconds=180)
    except RuntimeError:
        stop_portal(proc)
        raise
    return proc


def stop_portal(proc: subprocess.Popen) -> None:
    """Stop portal.sh and everything it started (its process group)."""
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_for_jobs(base: str, token: str, seconds: float = 300) -> int:
    """Wait until the jobs queue is empty (twice in a row, 3 s apart); the jobs left."""
    deadline = time.time() + seconds
    empty = 0
    while time.time() < deadline:
        left = len(api(base, "job_list", token))
        empty = empty + 1 if left == 0 else 0
        if empty >= 2:
            return 0
        time.sleep(3)
    return len(api(base, "job_list", token))


def agreement(base: str, token: str, db_url: str) -> dict:
    """Compare what package_search finds (as a sysadmin, everything) with the database."""
    import psycopg2

    conn = psycopg2.connect(db_url)
    cur = conn.cursor()
    cur.execute("SELECT id, metadata_modified FROM package WHERE state = 'active'")
    active = {pid: modified.isoformat() for pid, modified in cur.fetchall()}
    cur.execute("SELECT id, state FROM package WHERE state <> 'active'")
    other = dict(cur.fetchall())
    conn.close()
    found: list[str] = []
    modified: dict[str, str] = {}
    start, count = 0, None
    while count is None or start < count:
        result = api(
            base,
            "package_search",
            token,
            q="*:*",
            include_private="true",
            include_drafts="false",
            rows=1000,
            start=start,
            sort="name asc",
            fl="id,metadata_modified",
        )
        count = result["count"]
        if not result["results"]:
            break
        for doc in result["results"]:
            found.append(doc["id"])
            modified[doc["id"]] = doc.get("metadata_modified")
        start += len(result["results"])
    seen = set(found)
    missing = sorted(set(active) - seen)
    stale = sorted(p for p in seen & set(active) if not _same_time(modified[p], active[p]))
    return {
        "database_active": len(active),
        "search_count": count,
        "found": len(found),
        "duplicates": len(found) - len(seen),
        "missing": missing[:20],
        "missing_count": len(missing),
        "not_active_found": sorted(p for p in seen if p in other)[:20],
        "absent_found": sorted(p for p in seen if p not in active and p not in other)[:20],
        "stale_metadata_modified": stale[:20],
        "stale_count": len(stale),
        "agree": count == len(active) == len(found) == len(seen) and not missing and not stale,
    }


def _same_time(indexed: str | None, stored: str) -> bool:
    if not indexed:
        return False
    a = datetime.fromisoformat(indexed.rstrip("Z"))
    b = datetime.fromisoformat(stored)
    return abs((a - b).total_seconds()) < 0.001


class LoadSampler(threading.Thread):
    """Every 5 s while a run lasts: the machine's 1-minute load average, and
    the CPU time of the processes serving the portal (gunicorn, the jobs
    worker, the database's backends for this database, Solr) and of locust."""

    def __init__(self, portal: int, db: str, backend: str) -> None:
        super().__init__(daemon=True)
        self.portal, self.db, self.backend = portal, db, backend
        self.samples: list[float] = []
        self.first: dict[int, float] = {}
        self.last: dict[int, tuple[str, float]] = {}
        self.done = threading.Event()
        self.first = {pid: cpu for pid, (_, cpu) in self.processes().items()}

    def processes(self) -> dict[int, tuple[str, float]]:
        import psutil
        import psycopg2

        found: dict[int, tuple[str, float]] = {}

        def add(proc: psutil.Process, what: str) -> None:
            try:
                t = proc.cpu_times()
                found[proc.pid] = (what, t.user + t.system)
            except psutil.Error:
                pass

        try:
            for proc in psutil.Process(self.portal).children(recursive=True):
                try:
                    line = " ".join(proc.cmdline())
                except psutil.Error:
                    continue
                if "gunicorn" in line:
                    add(proc, "portal (gunicorn)")
                elif "jobs worker" in line:
                    add(proc, "jobs worker")
        except psutil.Error:
            pass
        for proc in psutil.Process().children(recursive=True):
            try:
                if "locust" in " ".join(proc.cmdline()):
                    add(proc, "locust")
            except psutil.Error:
                pass
        with psycopg2.connect(url(self.db)) as conn, conn.cursor() as cur:
            cur.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (self.db,))
            for (pid,) in cur.fetchall():
                with contextlib.suppress(psutil.Error):
                    add(psutil.Process(pid), "postgresql")
        pidfile = ROOT / ".data" / f"{SOLR_NAME}.pid"
        if self.backend == "solr" and pidfile.exists():
            with contextlib.suppress(psutil.Error, ValueError):
                add(psutil.Process(int(pidfile.read_text())), "solr")
        return found

    def sample(self) -> None:
        self.samples.append(os.getloadavg()[0])
        self.last.update(self.processes())

    def run(self) -> None:
        while not self.done.wait(5):
            self.sample()

    def summary(self) -> dict:
        self.sample()
        s = self.samples
        cpu: dict[str, float] = {}
        for pid, (what, seconds) in self.last.items():
            cpu[what] = cpu.get(what, 0) + seconds - self.first.get(pid, 0)
        return {
            "load_average": {"mean": round(sum(s) / len(s), 2), "max": round(max(s), 2), "cores": os.cpu_count()},
            "cpu_s": {what: round(seconds, 1) for what, seconds in sorted(cpu.items())},
        }


def run_locust(
    base: str, duration: int, searchers: int, publishers: int, setup: Path, out: Path, sampler: LoadSampler
) -> dict:
    prefix = out / "locust"
    env = dict(os.environ, LOAD_SETUP=str(setup), LOAD_STATUS=str(out / "status.json"), LOAD_PUBLISHERS=str(publishers))
    cmd = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "benchmarks" / "locustfile.py"),
        "--headless",
        "--host",
        base,
        "--users",
        str(searchers + publishers),
        "--spawn-rate",
        str(searchers + publishers),
        "--run-time",
        f"{duration}s",
        "--stop-timeout",
        "60",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    sampler.start()
    t0 = time.time()
    with open(out / "locust.log", "wb") as log:
        subprocess.run(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, check=False, cwd=ROOT)
    sampler.done.set()
    elapsed = time.time() - t0
    endpoints = {}
    with open(f"{prefix}_stats.csv", newline="") as f:
        for row in csv.DictReader(f):
            endpoints[row["Name"]] = {
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "per_s": round(float(row["Requests/s"]), 2),
                "p50_ms": _num(row["50%"]),
                "p95_ms": _num(row["95%"]),
                "p99_ms": _num(row["99%"]),
                "max_ms": _num(row["Max Response Time"]),
            }
    status = json.loads((out / "status.json").read_text())
    usage = sampler.summary()
    requests = endpoints["Aggregated"]["requests"] or 1
    serving = sum(v for k, v in usage["cpu_s"].items() if k != "locust")
    usage["cpu_ms_per_request"] = round(serving * 1000 / requests)
    return {"elapsed_s": round(elapsed), **usage, "endpoints": endpoints, **status}


def _num(value: str) -> float | None:
    try:
        return round(float(value))
    except ValueError:
        return None


def server_errors(logs: Path) -> list[str]:
    """The first lines of the tracebacks in the portal's and the worker's logs."""
    found = []
    for name in ("portal.log", "worker.log"):
        path = logs / name
        if not path.exists():
            continue
        lines = path.read_text(errors="replace").splitlines()
        for i, line in enumerate(lines):
            if line.startswith("Traceback"):
                tail = next((x for x in lines[i + 1 : i + 200] if x and not x.startswith((" ", "\t"))), "?")
                found.append(f"{name}: {tail[:300]}")
    return found


def solr(command: str) -> None:
    env = dict(os.environ, SOLR_NAME=SOLR_NAME, SOLR_PORT=str(SOLR_PORT), SOLR_HEAP=os.environ.get("SOLR_HEAP", "1g"))
    subprocess.run(["bash", str(ROOT / "scripts" / "solr.sh"), command], env=env, check=True, cwd=ROOT)


def index(backends: list[str], port: int) -> dict[str, float]:
    """Index each backend's database, all at once (before any load); the seconds each took."""
    if "solr" in backends:
        solr("start")
    procs, t0 = {}, time.time()
    for backend in backends:
        ini = ini_for(backend, port)
        if backend == "solr":
            sh(CKAN, "-c", str(ini), "search-index", "clear")
        print(f"[{backend}] search-index rebuild", flush=True)
        procs[backend] = subprocess.Popen([CKAN, "-c", str(ini), "search-index", "rebuild", "-q"], cwd=ROOT)
    took = {}
    while procs:
        for backend, proc in list(procs.items()):
            if proc.poll() is not None:
                if proc.returncode:
                    sys.exit(f"the index of {backend} could not be built")
                took[backend] = round(time.time() - t0)
                del procs[backend]
        time.sleep(1)
    return took


def run_backend(backend: str, args: argparse.Namespace) -> dict:
    port = args.port
    ini = ini_for(backend, port)
    logs = DATA / backend
    logs.mkdir(parents=True, exist_ok=True)
    for old in logs.glob("*.log"):
        old.unlink()
    keys = tokens(ini)
    setup = logs / "setup.json"
    import psycopg2

    conn = psycopg2.connect(url(database(backend)))
    cur = conn.cursor()
    cur.execute("SELECT name FROM package WHERE state = 'active' AND NOT private ORDER BY name")
    names = [r[0] for r in cur.fetchall()]
    cur.execute("SELECT pcode FROM imwg_pcode_unit WHERE level BETWEEN 1 AND 2 ORDER BY pcode")
    codes = [r[0] for r in cur.fetchall()]
    conn.close()
    setup.write_text(
        json.dumps(
            {
                "backend": backend,
                "tokens": keys,
                "passwords": {u: f"{u}-demo-2026" for u in SEARCHERS if u},
                "searchers": SEARCHERS,
                "publishers": PUBLISHERS,
                "datasets": names,
                "pcodes": codes,
                "pages": max(1, len(names) // 20),
            }
        )
    )
    print(f"[{backend}] portal on 127.0.0.1:{port} (gunicorn, 4 workers, jobs worker)", flush=True)
    proc = start_portal(ini, port, backend)
    base = f"http://127.0.0.1:{port}"
    try:
        print(
            f"[{backend}] locust: {args.searchers} searchers, {args.publishers} publishers, {args.duration} s",
            flush=True,
        )
        sampler = LoadSampler(proc.pid, database(backend), backend)
        result = run_locust(base, args.duration, args.searchers, args.publishers, setup, logs, sampler)
        print(f"[{backend}] waiting for the jobs queue", flush=True)
        result["jobs_left"] = wait_for_jobs(base, keys[SYSADMIN])
        print(f"[{backend}] index against database", flush=True)
        result["agreement"] = agreement(base, keys[SYSADMIN], url(database(backend)))
    finally:
        stop_portal(proc)
    result["server_errors"] = server_errors(logs)
    return result


# --- the report ---------------------------------------------------------------


def passed(result: dict) -> bool:
    return (
        result["status_5xx"] == 0
        and result["connection_errors"] == 0
        and result["agreement"]["agree"]
        and result["jobs_left"] == 0
        and result["publisher_failures"] == 0
    )


def markdown(results: dict) -> str:
    names = [n for n in next(iter(results.values()))["endpoints"] if n != "Aggregated"]
    for r in list(results.values())[1:]:
        names += [n for n in r["endpoints"] if n not in names and n != "Aggregated"]
    names.append("Aggregated")
    head = " | ".join(f"{b}: req/s, p50 / p95 / p99 ms" for b in results)
    lines = [f"| endpoint | {head} |", "|---|" + "---|" * len(results)]
    for name in names:
        cells = []
        for r in results.values():
            e = r["endpoints"].get(name)
            cells.append(f"{e['per_s']}, {e['p50_ms']} / {e['p95_ms']} / {e['p99_ms']}" if e else "")
        lines.append(f"| {name if name != 'Aggregated' else '**all**'} | " + " | ".join(cells) + " |")
    rows = {
        "requests (5xx, connection errors, other failures)": lambda r: (
            f"{r['endpoints']['Aggregated']['requests']} ({r['status_5xx']}, {r['connection_errors']}, "
            f"{r['other_failures']})"
        ),
        "writes by the publishers (failed)": lambda r: f"{r['publisher_writes']} ({r['publisher_failures']})",
        "index = database (active datasets, found, missing, stale, wrongly found)": lambda r: (
            f"{'yes' if r['agreement']['agree'] else 'NO'} ({r['agreement']['database_active']}, "
            f"{r['agreement']['found']}, {r['agreement']['missing_count']}, {r['agreement']['stale_count']}, "
            f"{len(r['agreement']['not_active_found']) + len(r['agreement']['absent_found'])})"
        ),
        "CPU seconds during the run (ms per request, locust excluded)": lambda r: (
            ", ".join(f"{k} {v}" for k, v in r["cpu_s"].items()) + f" ({r['cpu_ms_per_request']} ms)"
        ),
        "load average during the run: mean / max (cores)": lambda r: (
            f"{r['load_average']['mean']} / {r['load_average']['max']} ({r['load_average']['cores']})"
        ),
    }
    for label, cell in rows.items():
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in results.values()) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=2000, help="generated datasets besides the demo's")
    parser.add_argument("--duration", type=int, default=300, help="seconds of load on each backend")
    parser.add_argument("--searchers", type=int, default=20)
    parser.add_argument("--publishers", type=int, default=2, choices=range(1, len(PUBLISHERS) + 1))
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--port", type=int, default=5090)
    parser.add_argument(
        "--reuse", action="store_true", help="the databases and indexes of the last run (upgraded; no new content)"
    )
    parser.add_argument("--keep-solr", action="store_true", help="leave the benchmark's Solr running")
    parser.add_argument("--output", type=Path, default=RESULTS / "load.json")
    args = parser.parse_args()
    if args.reuse:
        for backend in args.backends:
            sh(CKAN, "-c", str(ini_for(backend, args.port)), "db", "upgrade")
    else:
        print(f"content: the demo and {args.datasets} datasets", flush=True)
        prepare(args.datasets, args.port, args.backends)
    results = {}
    try:
        if args.reuse:  # the indexes the last run left, which agreed with its databases
            took = dict.fromkeys(args.backends)
            if "solr" in args.backends:
                solr("start")
        else:
            took = index(args.backends, args.port)
        for backend in args.backends:
            results[backend] = {**run_backend(backend, args), "index_s": took[backend]}
            results[backend]["passed"] = passed(results[backend])
    finally:
        if "solr" in args.backends and not args.keep_solr:
            solr("stop")
    report = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} cores",
        "datasets": args.datasets,
        "duration_s": args.duration,
        "searchers": args.searchers,
        "publishers": args.publishers,
        "backends": results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(markdown(results))
    failed = [b for b, r in results.items() if not r["passed"]]
    for b in failed:
        r = results[b]
        print(
            f"FAILED on {b}: {r['status_5xx']} responses 5xx, {r['connection_errors']} connection errors, "
            f"{r['publisher_failures']} failed writes, {r['jobs_left']} jobs left, agreement {r['agreement']}; "
            f"failures: {r['failure_samples'][:5]}; server errors: {r['server_errors'][:5]}",
            file=sys.stderr,
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
