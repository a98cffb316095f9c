"""Search benchmark of the PostgreSQL backend (imwg_search).

    .venv/bin/python benchmarks/search.py --datasets 10000 50000

For each size N it:

1. recreates the database ``ckan_imwg_bench`` (CKAN tables and the plugin's
   migrations) and creates 40 organisations and 12 groups through CKAN's
   actions;
2. writes N realistic datasets (titles and descriptions from humanitarian
   vocabulary and place names, 1-6 tags from a pool of 600 with a skewed
   distribution, 1-3 groups, sectors and a source as extras, 1-5 resources
   with formats) straight into CKAN's tables with SQL. This is the documented
   fast path: creating 50,000 datasets through ``package_create`` would take
   about an hour, and what is measured next is indexing and search, not
   dataset creation;
3. runs ``ckan search-index rebuild`` and ``rebuild-fast`` as separate
   processes, timing them and reading their peak memory (max RSS);
4. runs ``package_search`` in-process (CKAN's action, real PostgreSQL) for
   four query shapes, 200 times each with varied terms, and reports p50/p95.

Results go to ``benchmarks/results/search-<N>.json`` and are printed as a
Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tests.support import write_ini  # noqa: E402

DB = "ckan_imwg_bench"
URL = f"postgresql://ckan_imwg:ckan_imwg@127.0.0.1:5432/{DB}"
CKAN = str(Path(sys.executable).parent / "ckan")
RESULTS = ROOT / "benchmarks" / "results"

WORDS = (
    "displacement casualties contamination hazardous survey clearance landmine ordnance "
    "education health nutrition shelter water sanitation hygiene protection camp site "
    "assessment monitoring distribution cash food security livelihoods market price "
    "incident accident victim assistance risk awareness township district village "
    "household population returnee refugee host community facility school clinic "
    "road access flood drought cholera vaccination malnutrition referral gender "
    "violence child disability operator task completion area polygon point record"
).split()
PLACES = (
    "Kachin Shan Kayin Rakhine Chin Sagaing Magway Mandalay Bago Yangon Mon Tanintharyi "
    "Ayeyarwady Kayah Naypyitaw Myitkyina Waingmaw Bhamo Lashio Hpa-An Sittwe Hakha "
    "Kabul Herat Kandahar Balkh Nangarhar Kharkiv Donetsk Mykolaiv Kherson Sumy"
).split()
SECTORS = "cccm education food_security health logistics nutrition protection shelter wash mine_action cash".split()
FORMATS = ["CSV", "XLSX", "JSON", "GeoJSON", "PDF", "SHP", "KML"]
LICENSES = ["cc-by", "cc-by-sa", "odc-odbl", "other-pd", "cc-nc", "notspecified"]


def sh(*cmd: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)


def psql(sql: str, db: str = "postgres") -> None:
    """Run SQL as PostgreSQL's superuser: over TCP where that is allowed
    without a password, else as the ``postgres`` system user (as scripts/db.sh does)."""
    try:
        sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-w", "-v", "ON_ERROR_STOP=1", "-qc", sql)
    except subprocess.CalledProcessError:
        sh("runuser", "-u", "postgres", "--", "psql", "-d", db, "-v", "ON_ERROR_STOP=1", "-qc", sql)


def bench_ini(tmp: Path, plugins: str) -> Path:
    """A configuration for the benchmark database with these plugins."""
    return write_ini(
        tmp / "bench.ini",
        **{
            "sqlalchemy.url": URL,
            "ckan.plugins": plugins,
            "ckan.site_id": "bench",
            "ckan.redis.url": "redis://127.0.0.1:6379/2",
        },
    )


def setup_database(ini: Path) -> None:
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    sh("bash", str(ROOT / "scripts" / "db.sh"), DB)
    sh(CKAN, "-c", str(ini), "db", "init")
    sh(CKAN, "-c", str(ini), "db", "upgrade")


def load_ckan(ini: Path):
    from ckan.cli import load_config
    from ckan.config.middleware import make_app

    app = make_app(load_config(str(ini)))
    flask_app = getattr(app, "apps", {}).get("flask_app", app)._wsgi_app
    ctx = flask_app.test_request_context()
    ctx.push()
    return ctx


def create_owners() -> tuple[list[str], list[str], str]:
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    ctx = lambda: {"user": site_user["name"], "ignore_auth": True}  # noqa: E731
    orgs = [
        tk.get_action("organization_create")(ctx(), {"name": f"org-{i:02d}", "title": f"Organisation {i:02d}"})["id"]
        for i in range(40)
    ]
    groups = [
        tk.get_action("group_create")(ctx(), {"name": f"theme-{i:02d}", "title": f"Theme {i:02d}"})["id"]
        for i in range(12)
    ]
    import ckan.model as model

    return orgs, groups, model.User.get(site_user["name"]).id


def generate(n: int, orgs: list[str], groups: list[str], creator: str, seed: int = 7, url: str = URL) -> None:
    """Write n datasets into CKAN's tables (the fast path)."""
    import psycopg2
    from psycopg2.extras import execute_values

    rnd = random.Random(seed)
    tags = [f"{rnd.choice(WORDS)}-{rnd.choice(WORDS)}" for _ in range(600)]
    tag_ids = {t: str(uuid.uuid4()) for t in dict.fromkeys(tags)}
    weights = [1 / (i + 1) for i in range(len(tag_ids))]
    tag_names = list(tag_ids)
    conn = psycopg2.connect(url)
    cur = conn.cursor()
    execute_values(cur, "INSERT INTO tag (id, name) VALUES %s", [(i, t) for t, i in tag_ids.items()])
    start = datetime(2020, 1, 1)
    batch = {k: [] for k in ("package", "package_tag", "member", "resource", "package_extra")}

    def flush():
        cols = {
            "package": "id, name, title, notes, state, license_id, type, owner_org, private, "
            "metadata_created, metadata_modified, creator_user_id, maintainer",
            "package_tag": "id, state, package_id, tag_id",
            "member": "id, group_id, table_id, state, table_name, capacity",
            "resource": "id, package_id, url, format, name, description, position, state, created, url_type",
            "package_extra": "id, package_id, key, value, state",
        }
        for table, rows in batch.items():
            if rows:
                execute_values(cur, f"INSERT INTO {table} ({cols[table]}) VALUES %s", rows, page_size=2000)
                rows.clear()
        conn.commit()

    for i in range(n):
        pid = str(uuid.uuid4())
        place = rnd.choice(PLACES)
        title = f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)} {place} {2018 + i % 7}"
        notes = " ".join(rnd.choice(WORDS + PLACES) for _ in range(rnd.randint(30, 80)))
        created = start + timedelta(minutes=i * 7 + rnd.randint(0, 6))
        modified = created + timedelta(days=rnd.randint(0, 400))
        batch["package"].append(
            (
                pid,
                f"dataset-{i:06d}",
                title,
                notes,
                "active",
                rnd.choice(LICENSES),
                "dataset",
                rnd.choice(orgs),
                rnd.random() < 0.1,
                created,
                modified,
                creator,
                f"Officer {rnd.randint(1, 300)}",
            )
        )
        for t in set(rnd.choices(tag_names, weights=weights, k=rnd.randint(1, 6))):
            batch["package_tag"].append((str(uuid.uuid4()), "active", pid, tag_ids[t]))
        for g in rnd.sample(groups, rnd.randint(0, 3)):
            batch["member"].append((str(uuid.uuid4()), g, pid, "active", "package", "public"))
        for r in range(rnd.randint(1, 5)):
            fmt = rnd.choice(FORMATS)
            batch["resource"].append(
                (
                    str(uuid.uuid4()),
                    pid,
                    f"https://data.example.org/{pid}/{r}.{fmt.lower()}",
                    fmt,
                    f"{rnd.choice(WORDS).title()} {place} table {r}",
                    " ".join(rnd.choice(WORDS) for _ in range(12)),
                    r,
                    "active",
                    created,
                    "",
                )
            )
        for key, value in (
            ("sectors", ",".join(rnd.sample(SECTORS, rnd.randint(1, 3)))),
            ("source", f"{rnd.choice(WORDS).title()} cluster"),
        ):
            batch["package_extra"].append((str(uuid.uuid4()), pid, key, value, "active"))
        if len(batch["package"]) >= 2000:
            flush()
    flush()
    cur.execute("ANALYZE")
    conn.commit()
    conn.close()


def timed(*cmd: str) -> tuple[float, int]:
    """Run a command; its wall time (s) and the peak RSS of its processes (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    sh(*cmd)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024


def latencies(runs: int, seed: int = 11) -> dict[str, dict[str, float]]:
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    search = tk.get_action("package_search")
    rnd = random.Random(seed)
    orgs = [f"org-{i:02d}" for i in range(40)]
    facets = json.dumps(["organization", "groups", "tags", "res_format", "license_id", "sectors"])
    shapes = {
        "free text (q, two words)": lambda: {"q": f"{rnd.choice(WORDS)} {rnd.choice(PLACES)}"},
        "q + fq on two fields + 6 facets": lambda: {
            "q": rnd.choice(WORDS),
            "fq": f"res_format:{rnd.choice(FORMATS)} AND license_id:{rnd.choice(LICENSES)}",
            "facet.field": facets,
            "facet.limit": 50,
        },
        "fq + 6 facets, sorted by metadata_modified": lambda: {
            "fq": f"organization:{rnd.choice(orgs)} res_format:CSV",
            "facet.field": facets,
            "sort": "metadata_modified desc",
        },
        "deep paging (start 5000-5500)": lambda: {
            "q": "*:*",
            "sort": "metadata_modified desc",
            "start": 5000 + rnd.randint(0, 500),
            "rows": 20,
        },
        "everything + 6 facets (the /dataset landing page)": lambda: {
            "q": "*:*",
            "facet.field": facets,
            "sort": rnd.choice(["metadata_modified desc", "score desc"]),
        },
    }
    out = {}
    for name, make in shapes.items():
        for _ in range(5):  # warm-up
            search({"ignore_auth": True}, make())
        times = []
        for _ in range(runs):
            params = make()
            t0 = time.perf_counter()
            search({"ignore_auth": True}, params)
            times.append((time.perf_counter() - t0) * 1000)
            model.Session.remove()
        times.sort()
        out[name] = {
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(len(times) * 0.95) - 1], 1),
        }
    return out


def run(n: int, runs: int, tmp: Path) -> dict:
    ini = bench_ini(tmp, "imwg_search")
    print(f"[{n}] database", flush=True)
    setup_database(ini)
    ctx = load_ckan(ini)
    orgs, groups, creator = create_owners()
    print(f"[{n}] generating datasets", flush=True)
    t0 = time.perf_counter()
    generate(n, orgs, groups, creator)
    gen_s = time.perf_counter() - t0
    print(f"[{n}] search-index rebuild", flush=True)
    rebuild_s, rebuild_mb = timed(CKAN, "-c", str(ini), "search-index", "rebuild", "-q")
    print(f"[{n}] search-index rebuild-fast", flush=True)
    fast_s, fast_mb = timed(CKAN, "-c", str(ini), "search-index", "rebuild-fast")
    print(f"[{n}] queries", flush=True)
    import ckan.model as model

    indexed = model.Session.execute("select count(*) from imwg_search_package").scalar()
    table_mb = model.Session.execute("select pg_total_relation_size('imwg_search_package')").scalar() // 2**20
    result = {
        "datasets": n,
        "indexed": indexed,
        "generate_s": round(gen_s, 1),
        "rebuild": {"seconds": round(rebuild_s, 1), "datasets_per_s": round(n / rebuild_s), "peak_rss_mb": rebuild_mb},
        "rebuild_fast": {"seconds": round(fast_s, 1), "datasets_per_s": round(n / fast_s), "peak_rss_mb": fast_mb},
        "index_size_mb": table_mb,
        "queries": latencies(runs),
        "machine": f"{os.cpu_count()} cores",
        "date": datetime.utcnow().strftime("%Y-%m-%d"),
    }
    ctx.pop()
    return result


def markdown(results: list[dict]) -> str:
    lines = [
        "| measure | " + " | ".join(f"{r['datasets']:,} datasets" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for q in results[0]["queries"]:
        lines.append(
            f"| `package_search` {q}: p50 / p95 (ms) | "
            + " | ".join(f"{r['queries'][q]['p50_ms']} / {r['queries'][q]['p95_ms']}" for r in results)
            + " |"
        )
    lines.append(
        "| `search-index rebuild`: datasets/s (peak RSS) | "
        + " | ".join(f"{r['rebuild']['datasets_per_s']} ({r['rebuild']['peak_rss_mb']} MB)" for r in results)
        + " |"
    )
    lines.append(
        "| `search-index rebuild-fast` (2 processes): datasets/s (peak RSS) | "
        + " | ".join(f"{r['rebuild_fast']['datasets_per_s']} ({r['rebuild_fast']['peak_rss_mb']} MB)" for r in results)
        + " |"
    )
    lines.append("| index table size | " + " | ".join(f"{r['index_size_mb']} MB" for r in results) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, nargs="+", default=[10000, 50000])
    parser.add_argument("--runs", type=int, default=200, help="queries per shape")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.datasets:
        # each size in its own process: CKAN's configuration is global
        out = RESULTS / f"search-{n}.json"
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import sys, json, tempfile, pathlib; sys.argv=['x']; "
                    f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import search as b; "
                    f"r = b.run({n}, {args.runs}, pathlib.Path(tempfile.mkdtemp())); "
                    f"pathlib.Path({str(out)!r}).write_text(json.dumps(r, indent=2))"
                ),
            ],
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"benchmark for {n} datasets failed")
        results.append(json.loads(out.read_text()))
    print(markdown(results))


if __name__ == "__main__":
    main()
