"""Search benchmark: the PostgreSQL backend (imwg_search) and Solr side by side.

    make benchmark                                  # 10,000 datasets
    make benchmark BENCH_ARGS="--datasets 10000 50000 200000 --runs 100"
    # a synthetic index: 1,000 datasets indexed, both indexes filled up to 50,000 and 200,000 entries
    make benchmark BENCH_ARGS="--datasets 50000 200000 --synthetic-from 1000 --runs 50"

It needs the benchmark's own Solr (``make benchmark`` starts and stops it):
``SOLR_NAME=solr-bench SOLR_PORT=8993 bash scripts/solr.sh start``; its core
is emptied first. For each size N, in a process of its own:

1. recreates the database ``ckan_imwg_bench`` with every plugin of the
   suite's configuration (test.ini), loads a gazetteer (Myanmar-like: 15
   states and 90 districts with boundaries, 900 townships) and creates 40
   organisations and 12 groups through CKAN's actions;
2. writes N datasets once, straight into CKAN's tables (``search_data``:
   Zipf-distributed words, titles shaped like "Myanmar - Kachin - IDP sites
   - 2025", tags, sectors, places, sensitivity, resources);
3. indexes them into both backends with ``search-index clear`` and
   ``rebuild-fast`` (one process per core; every plugin's
   ``before_dataset_index`` runs), timed, and reads the PostgreSQL index's
   size and dead rows (no vacuum); with ``--rebuild-twice`` it rebuilds that
   index once more over itself and reads them again;
   with ``--synthetic-from M`` steps 2 and 3 write and index only M datasets,
   and both indexes are then filled up to N entries with the same copies of
   them (writing and rebuilding 200,000 datasets takes hours): the PostgreSQL
   index table in SQL (``pg_fill``: every column copied, new ``index_id``,
   ``id`` and ``name``, ``metadata_modified`` moved back 3 hours per copy; the
   kept facet counts follow by their triggers and are checked against
   counting the entries; then VACUUM ANALYZE), Solr with JSON updates of
   copies of its stored documents (``solr_fill``); both must then hold N;
4. runs ``package_search`` (CKAN's action, as an anonymous visitor) in two
   long-lived processes, one per backend, with the same parameters for both,
   in alternating rounds (which backend goes first changes each round), for
   seven query shapes: the /dataset landing page (everything + 6 facets),
   free text of 1-3 words, q + fq on two fields + 6 facets, a filter sorted
   by ``metadata_modified``, deep paging, ``ext_bbox`` and a P-code roll-up
   filter + 6 facets; the hit counts of both are compared;
5. reads the memory of the Solr JVM and of the PostgreSQL backend process
   that served the searches (RSS, and its private part).

Each figure comes with the load average when it was taken: on a shared
machine compare the backends within one run (the ratio), not across runs.
Results go to ``benchmarks/results/search-<N>.json`` and are printed as a
Markdown table. Other benchmarks import the helpers before the side-by-side part.
"""

from __future__ import annotations

import argparse
import hashlib
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

#: ``IMWG_BENCH_DB`` / ``IMWG_BENCH_REDIS`` name another database / Redis URL (two runs at once)
DB = os.environ.get("IMWG_BENCH_DB", "ckan_imwg_bench")
REDIS = os.environ.get("IMWG_BENCH_REDIS", "redis://127.0.0.1:6379/2")
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
            "ckan.redis.url": REDIS,
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
    from search_data import Rows

    rnd = random.Random(seed)
    tags = [f"{rnd.choice(WORDS)}-{rnd.choice(WORDS)}" for _ in range(600)]
    tag_ids = {t: str(uuid.uuid4()) for t in dict.fromkeys(tags)}
    weights = [1 / (i + 1) for i in range(len(tag_ids))]
    tag_names = list(tag_ids)
    rows = Rows(psycopg2.connect(url), size=2000)
    rows.tags(tag_ids)
    start = datetime(2020, 1, 1)
    for i in range(n):
        pid = str(uuid.uuid4())
        place = rnd.choice(PLACES)
        title = f"{rnd.choice(WORDS).title()} {rnd.choice(WORDS)} {place} {2018 + i % 7}"
        notes = " ".join(rnd.choice(WORDS + PLACES) for _ in range(rnd.randint(30, 80)))
        created = start + timedelta(minutes=i * 7 + rnd.randint(0, 6))
        modified = created + timedelta(days=rnd.randint(0, 400))
        rows.package(
            pid,
            f"dataset-{i:06d}",
            title,
            notes,
            rnd.choice(LICENSES),
            rnd.choice(orgs),
            rnd.random() < 0.1,
            created,
            modified,
            creator,
            f"Officer {rnd.randint(1, 300)}",
        )
        chosen = set(rnd.choices(tag_names, weights=weights, k=rnd.randint(1, 6)))
        rows.links(pid, chosen, tag_ids, rnd.sample(groups, rnd.randint(0, 3)))
        for r in range(rnd.randint(1, 5)):
            fmt = rnd.choice(FORMATS)
            name = f"{rnd.choice(WORDS).title()} {place} table {r}"
            rows.resource(pid, r, fmt, name, " ".join(rnd.choice(WORDS) for _ in range(12)), created)
        extras = {
            "sectors": ",".join(rnd.sample(SECTORS, rnd.randint(1, 3))),
            "source": f"{rnd.choice(WORDS).title()} cluster",
        }
        rows.extras(pid, extras)
        rows.flush(every=2000)
    rows.close()


def timed(*cmd: str) -> tuple[float, int]:
    """Run a command; its wall time (s) and the peak RSS of its processes (MB)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.perf_counter()
    sh(*cmd)
    elapsed = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) // 1024


# --- both backends side by side ---------------------------------------------------------

SOLR_URL = "http://127.0.0.1:8993/solr/ckan"
SOLR_PID = ROOT / ".data" / "solr-bench.pid"
FACETS = ["organization", "groups", "tags", "res_format", "license_id", "vocab_sectors"]
BACKENDS = ("postgresql", "solr")
ROUNDS = 5
SHAPES = (
    "landing page (all + 6 facets)",
    "free text (1-3 words)",
    "q + fq on two fields + 6 facets",
    "fq, sorted by metadata_modified",
    "deep paging (start 5000-5500, or N/2-500 below 11,000)",
    "ext_bbox",
    "P-code roll-up filter + 6 facets",
)
#: PostgreSQL's targets (p95, ms) at 50,000 datasets; every shape at 200,000: 150 ms
TARGET_50K = {SHAPES[0]: 30.0}
TARGET_50K_DEFAULT = 50.0


def suite_plugins() -> list[str]:
    """Every plugin of the suite's configuration (test.ini)."""
    import configparser

    parser = configparser.RawConfigParser(strict=False)
    parser.read(ROOT / "test.ini")
    return parser.get("app:main", "ckan.plugins").split()


def backend_ini(tmp: Path, backend: str, solr_url: str) -> Path:
    plugins = suite_plugins()
    folder = tmp / backend
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        return bench_ini(folder, " ".join(plugins))
    return write_ini(
        folder / "bench.ini",
        **{
            "sqlalchemy.url": URL,
            "ckan.plugins": " ".join(p for p in plugins if p != "imwg_search"),
            "ckan.site_id": "bench",
            "ckan.redis.url": REDIS,
            "solr_url": solr_url,
            "solr_timeout": "60",
        },
    )


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process (MB): all of it, and its private part
    (RssAnon: a PostgreSQL backend's RSS also counts the shared buffers it touched)."""
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssShmem"):
                out[key] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return out


def load() -> float:
    return round(os.getloadavg()[0], 2)


def query_sets(n: int, runs: int, places: dict[str, list[str]], seed: int = 11) -> dict[str, list[dict]]:
    """The parameters of every query of every shape (the same for both backends)."""
    from search_data import STATES, TOPICS, Vocabulary

    rnd = random.Random(seed)
    vocab = Vocabulary()
    orgs = [f"org-{i:02d}" for i in range(40)]
    formats = ["CSV", "XLSX", "JSON", "GeoJSON", "PDF", "SHP"]
    sectors = ["cccm", "education", "food_security", "health", "protection", "shelter", "wash", "mine_action"]
    topic_words = [w for t, _ in TOPICS for w in t.lower().replace("(", "").replace(")", "").split()]
    base = {"rows": 20, "include_private": True}
    facets = {"facet.field": json.dumps(FACETS), "facet.limit": 50}
    deep = min(5000, max(n // 2 - 500, 0))

    def words() -> str:
        k = rnd.choice([1, 1, 2, 2, 3])
        pool = [rnd.choice(topic_words + [s.lower() for s in STATES]) if rnd.random() < 0.4 else None for _ in range(k)]
        return " ".join(w or vocab.sample(rnd, 1)[0] for w in pool)

    def bbox() -> str:
        size = rnd.uniform(0.5, 3)
        x, y = rnd.uniform(90, 102), rnd.uniform(8, 16)
        return f"{x:.3f},{y:.3f},{x + size:.3f},{y + size * 0.7:.3f}"

    makers = {
        SHAPES[0]: lambda: {**base, **facets, "q": "", "sort": "score desc, metadata_modified desc"},
        SHAPES[1]: lambda: {**base, "q": words(), "sort": "score desc, metadata_modified desc"},
        SHAPES[2]: lambda: {
            **base,
            **facets,
            "q": vocab.sample(rnd, 1)[0] if rnd.random() < 0.5 else rnd.choice(topic_words),
            "fq": f'res_format:"{rnd.choice(formats)}" AND vocab_sectors:"{rnd.choice(sectors)}"',
        },
        SHAPES[3]: lambda: {**base, "fq": f'organization:"{rnd.choice(orgs)}"', "sort": "metadata_modified desc"},
        SHAPES[4]: lambda: {**base, "q": "", "sort": "metadata_modified desc", "start": deep + rnd.randint(0, 500)},
        SHAPES[5]: lambda: {**base, "q": "", "extras": {"ext_bbox": bbox()}},
        SHAPES[6]: lambda: {
            **base,
            **facets,
            "fq": f'pcodes:"{rnd.choice(places["adm1"] if rnd.random() < 0.6 else places["adm2"])}"',
            "sort": "metadata_modified desc",
        },
    }
    return {name: [make() for _ in range(runs + 5)] for name, make in makers.items()}


def worker(ini: str) -> None:
    """Serve queries on stdin (one JSON request a line), answer on stdout."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    out = sys.stdout
    sys.stdout = sys.stderr  # CKAN's chatter must not mix with the answers
    load_ckan(Path(ini))
    search = tk.get_action("package_search")
    for line in sys.stdin:
        req = json.loads(line)
        if req.get("pid"):
            pid = model.Session.execute(sa.text("SELECT pg_backend_pid()")).scalar()
            model.Session.commit()
            out.write(json.dumps({"pid": pid}) + "\n")
            out.flush()
            continue
        ms, found = [], []
        for params in req["queries"]:
            t0 = time.perf_counter()
            result = search({"user": ""}, dict(params))
            ms.append((time.perf_counter() - t0) * 1000)
            found.append(result["count"])
            model.Session.commit()
        out.write(json.dumps({"ms": ms, "found": found}) + "\n")
        out.flush()


class Worker:
    def __init__(self, ini: Path):
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", str(ini)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, request: dict) -> dict:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("a search worker stopped (see its errors above)")
        return json.loads(line)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def percentiles(samples: list[float]) -> dict[str, float]:
    s = sorted(samples)
    return {
        "p50_ms": round(statistics.median(s), 1),
        "p95_ms": round(s[max(int(len(s) * 0.95) - 1, 0)], 1),
        "max_ms": round(s[-1], 1),
    }


def index_stats() -> dict:
    """Size of the PostgreSQL index and its dead rows, as left (no vacuum)."""
    import psycopg2

    with psycopg2.connect(URL) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT pg_total_relation_size('imwg_search_package'), pg_relation_size('imwg_search_package'), "
            "n_live_tup, n_dead_tup FROM pg_stat_user_tables WHERE relname = 'imwg_search_package'"
        )
        total, heap, live, dead = cur.fetchone()
    return {"total_mb": total // 2**20, "heap_mb": heap // 2**20, "live_rows": live, "dead_rows": dead}


def pg_entries() -> int:
    import psycopg2

    with psycopg2.connect(URL) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM imwg_search_package")
        return cur.fetchone()[0]


def rebuild(ini: Path, n: int, clear: bool = True, count=None) -> dict:
    """Clear the index, then ``search-index rebuild-fast`` (one process per core).

    CKAN's ``rebuild-fast`` forks its processes with the parent's pooled
    database connections; with Solr (where nothing disposes of them in the
    children) one process can fail and leave its half unindexed. ``count()``
    says how many are indexed: what is missing is indexed by ``rebuild
    --only-missing``, timed with the rest."""
    if clear:
        sh(CKAN, "-c", str(ini), "search-index", "clear")
    la = load()
    seconds, peak = timed(CKAN, "-c", str(ini), "search-index", "rebuild-fast")
    out = {"load": la}
    if count is not None and count() < n:
        out["indexed_by_rebuild_fast"] = count()
        more, peak2 = timed(CKAN, "-c", str(ini), "search-index", "rebuild", "--only-missing", "-q")
        seconds, peak = seconds + more, max(peak, peak2)
    out.update(seconds=round(seconds, 1), datasets_per_s=round(n / seconds), peak_rss_mb=peak)
    return out


def solr_docs(solr_url: str) -> int:
    return solr_get(f"{solr_url}/select?q=*:*&rows=0&wt=json")["response"]["numFound"]


def solr_get(url: str):
    import urllib.request

    with urllib.request.urlopen(url, timeout=120) as r:
        return json.load(r)


# --- a synthetic index: the datasets of a smaller catalogue copied up to N entries ----------

#: hours each copy's ``metadata_modified`` is moved back, per copy
SHIFT_HOURS = 3
SOLR_SCHEMA = ROOT / "solr" / "configset" / "ckan" / "conf" / "schema.xml"
INDEX_TABLE = "imwg_search_package"
#: a copy's values (``o``: its source, ``c``: the copy) for the columns that must differ
#: from the source's; every other column of the index table is copied as it is
COPY_TEXT = "replace(replace(replace({}, o.old_id, c.new_id), o.old_index_id, c.new_index_id), o.old_name, c.new_name)"
COPY_OVERRIDES = {
    "index_id": "c.new_index_id",
    "id": "c.new_id",
    "doc": (
        f"CAST({COPY_TEXT.format('CAST(s.doc AS text)')} AS jsonb) "
        "|| jsonb_strip_nulls(jsonb_build_object('metadata_modified', c.modified))"
    ),
    "terms": f"ARRAY(SELECT {COPY_TEXT.format('t')} FROM unnest(s.terms) WITH ORDINALITY AS u(t, i) ORDER BY i)",
    "ftext": f"CAST({COPY_TEXT.format('CAST(s.ftext AS text)')} AS jsonb)",
    "data_dict": COPY_TEXT.format("s.data_dict"),
    "validated_data_dict": COPY_TEXT.format("s.validated_data_dict"),
    "sort_name": "c.new_name",
    "sort_modified": "coalesce(c.modified, s.sort_modified)",
}


def copy_id(source_id: str, copy: int) -> str:
    """The dataset id of a source dataset's copy number ``copy`` (as the SQL
    ``CAST(md5(id || '/' || copy) AS uuid)``): the same in both backends."""
    return str(uuid.UUID(hashlib.md5(f"{source_id}/{copy}".encode()).hexdigest()))


def copy_index_id(dataset_id: str, site_id: str) -> str:
    """CKAN's ``index_id`` of a dataset."""
    return hashlib.md5(f"{dataset_id}{site_id}".encode()).hexdigest()


def shifted(date: str, copy: int) -> str:
    """A Solr date (``2024-01-31T10:00:00Z``, with or without a fraction)
    moved back ``SHIFT_HOURS`` per copy."""
    value = datetime.strptime(date.rstrip("Z")[:19], "%Y-%m-%dT%H:%M:%S") - timedelta(hours=SHIFT_HOURS * copy)
    return value.strftime("%Y-%m-%dT%H:%M:%SZ")


def copy_plan(sources: int, n: int) -> list[tuple[int, int]]:
    """(copy number, how many sources it copies) filling ``sources`` entries
    up to ``n``: the sources in order of their dataset id, each copy taking
    the first ones (the last copy may take fewer)."""
    if sources < 1:
        raise RuntimeError("no index entries to copy")
    return [(k, min(sources, n - k * sources)) for k in range(1, -(-n // sources))]


def copy_document(doc: dict, copy: int, copy_fields: frozenset[str] = frozenset()) -> dict:
    """Solr document ``copy`` of a stored one: new ``id``, ``index_id`` and
    ``name`` (in every string that carries them: the data dicts, URLs),
    ``metadata_modified`` moved back; no ``_version_`` and no copyField
    destination (Solr fills those again)."""
    new_id = copy_id(doc["id"], copy)
    swaps = [
        (doc["id"], new_id),
        (doc["index_id"], copy_index_id(new_id, doc["site_id"])),
        (doc["name"], f"{doc['name']}-{copy}"),
    ]

    def swap(value):
        if isinstance(value, str):
            for old, new in swaps:
                value = value.replace(old, new)
            return value
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    out = {k: swap(v) for k, v in doc.items() if k != "_version_" and k not in copy_fields}
    if doc.get("metadata_modified"):
        out["metadata_modified"] = shifted(doc["metadata_modified"], copy)
    return out


def copy_field_destinations(path: Path = SOLR_SCHEMA) -> frozenset[str]:
    """The Solr schema's copyField destinations (Solr fills them from their sources)."""
    import xml.etree.ElementTree as ET

    return frozenset(el.get("dest", "") for el in ET.parse(path).getroot().iter("copyField"))


def pg_fill(n: int, url: str = URL) -> dict:
    """Fill the PostgreSQL index up to ``n`` entries with copies of those it
    holds (the indexed datasets: copies of copies would collide), in SQL:
    every column of the index table (as information_schema lists it: columns
    later migrations add come along) is copied, but those of
    ``COPY_OVERRIDES`` (new ``index_id``, ``id``, ``name`` and
    ``metadata_modified``); columns a sequence fills (an entry's place
    in the words' bitmaps) are left to it. The kept facet counts follow by their triggers
    (one insert per copy); they are folded, compared with counting the
    entries, folded once more (the table of counts compact again), and the
    tables vacuumed and analysed."""
    import psycopg2

    t0 = time.perf_counter()
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s AND is_generated = 'NEVER' "
            "AND coalesce(column_default, '') NOT LIKE 'nextval(%%' ORDER BY ordinal_position",
            (INDEX_TABLE,),
        )
        columns = [r[0] for r in cur.fetchall()]
        values = ", ".join(COPY_OVERRIDES.get(c, f"s.{c}") for c in columns)
        cur.execute(
            "CREATE TEMP TABLE synthetic_source ON COMMIT PRESERVE ROWS AS "
            "SELECT index_id AS old_index_id, id AS old_id, doc->>'name' AS old_name, "
            f'row_number() OVER (ORDER BY id COLLATE "C") - 1 AS rank FROM {INDEX_TABLE}'
        )
        cur.execute("SELECT count(*) FROM synthetic_source")
        sources = cur.fetchone()[0]
    insert = (
        f"INSERT INTO {INDEX_TABLE} ({', '.join(columns)}) SELECT {values} "
        f"FROM synthetic_source o JOIN {INDEX_TABLE} s ON s.index_id = o.old_index_id "
        "CROSS JOIN LATERAL (SELECT CAST(md5(o.old_id || '/' || %(k)s) AS uuid)::text AS new_id) i "
        "CROSS JOIN LATERAL (SELECT i.new_id, md5(i.new_id || s.site_id) AS new_index_id, "
        "o.old_name || '-' || %(k)s AS new_name, "
        "to_char(CAST(s.doc->>'metadata_modified' AS timestamp) - %(k)s * interval '1 hour' * %(hours)s, "
        """'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS modified) c """
        "WHERE o.rank < %(take)s"
    )
    plan = copy_plan(sources, n)
    for k, take in plan:
        with conn, conn.cursor() as cur:
            cur.execute(insert, {"k": k, "take": take, "hours": SHIFT_HOURS})
    copied_s = time.perf_counter() - t0
    out = {"sources": sources, "copies": len(plan), "copy_s": round(copied_s, 1)}
    analyze_written(conn)
    out.update(settle_counts(conn))
    out.update(settle_bits(conn))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"VACUUM (ANALYZE) {INDEX_TABLE}")
        cur.execute(f"SELECT count(*) FROM {INDEX_TABLE}")
        out["entries"] = cur.fetchone()[0]
    conn.close()
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def analyze_written(conn) -> None:
    """Vacuum and analyze the index table and the words' postings the copies'
    triggers wrote (as the end of a rebuild analyzes them), before the kept
    counts are compacted: an analyze that autovacuum starts meanwhile holds a
    snapshot older than the fold, and the compacting vacuums then cannot
    remove the folded rows (the counts' table stays at 134 MB at 200,000
    entries, and every count reads it)."""
    from ckanext.imwg_search.writer import POSTINGS

    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f"VACUUM (ANALYZE) {INDEX_TABLE}")
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (POSTINGS,))
        if cur.fetchone()[0]:
            cur.execute(f"VACUUM (ANALYZE) {POSTINGS}")
    conn.autocommit = False


def settle_counts(conn) -> dict:
    """Fold the kept facet counts (as searches do) and compare them with
    counting the entries: they must be equal."""
    from ckanext.imwg_search.searcher import _CLASS, _FOLD, FACET_COUNTS

    with conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (FACET_COUNTS,))
        if not cur.fetchone()[0]:
            return {"kept_counts": "absent"}
        cur.execute(f"SELECT count(*) FROM {FACET_COUNTS}")
        rows_before = cur.fetchone()[0]
        cur.execute(_FOLD)
        cur.execute(
            f"WITH kept AS (SELECT {_CLASS}, hash, sum(n) AS n FROM {FACET_COUNTS} "
            f"GROUP BY {_CLASS}, hash HAVING sum(n) <> 0), "
            f"live AS (SELECT {_CLASS}, h AS hash, count(*) AS n FROM {INDEX_TABLE} "
            f"CROSS JOIN LATERAL unnest(fids || ARRAY[NULL::bigint]) AS h GROUP BY {_CLASS}, h) "
            "SELECT (SELECT count(*) FROM (TABLE kept EXCEPT TABLE live) a), "
            "(SELECT count(*) FROM (TABLE live EXCEPT TABLE kept) b), (SELECT count(*) FROM kept)"
        )
        extra, missing, rows = cur.fetchone()
    if extra or missing:
        raise RuntimeError(f"kept facet counts differ from the entries' ({extra} more, {missing} missing)")
    # The fold's rows follow the dead ones it left (the whole table's worth):
    # a second fold after a vacuum writes them into the freed pages, and the
    # next vacuum cuts the empty tail off, as the end of a rebuild does (compact_counts).
    pages = []
    conn.autocommit = True
    with conn.cursor() as cur:
        for fold in (False, True):
            if fold:
                cur.execute(_FOLD)
            cur.execute(f"VACUUM (ANALYZE) {FACET_COUNTS}")
            cur.execute("SELECT pg_relation_size(%s) / 8192", (FACET_COUNTS,))
            pages.append(cur.fetchone()[0])
    conn.autocommit = False
    return {
        "kept_count_rows": {"before_fold": rows_before, "after": rows},
        "kept_count_pages": {"after_fold": pages[0], "after_second_fold": pages[1]},
        "kept_counts_equal_live": True,
    }


def settle_bits(conn) -> dict:
    """Fold the words' bitmaps (as the end of a rebuild does) and compare
    the bits they hold with the entries' words: as many; then fold them once
    more after a vacuum, and vacuum."""
    from ckanext.imwg_search.searcher import _fold_bits
    from ckanext.imwg_search.writer import WORD_BITS

    with conn, conn.cursor() as cur:
        cur.execute("SELECT to_regclass(%s) IS NOT NULL", (WORD_BITS,))
        if not cur.fetchone()[0]:
            return {"word_bits": "absent"}
        cur.execute(f"SELECT count(*) FROM {WORD_BITS}")
        rows_before = cur.fetchone()[0]
        cur.execute(_fold_bits("TRUE"))
        cur.execute(
            f"SELECT (SELECT coalesce(sum(bit_count(bits)), 0) + coalesce(sum(cardinality(spots)), 0) FROM {WORD_BITS}), "
            f"(SELECT coalesce(sum(length(fts)), 0) FROM {INDEX_TABLE}), (SELECT count(*) FROM {WORD_BITS})"
        )
        bits, words, rows = cur.fetchone()
    if bits != words:
        raise RuntimeError(f"the words' bitmaps hold {bits} bits for {words} words of the entries")
    # folded again after a vacuum, into the pages the flips left (as compact_counts)
    sizes = []
    conn.autocommit = True
    with conn.cursor() as cur:
        for fold in (False, True):
            if fold:
                cur.execute(_fold_bits("TRUE"))
            cur.execute(f"VACUUM (ANALYZE) {WORD_BITS}")
            cur.execute("SELECT pg_total_relation_size(%s)", (WORD_BITS,))
            sizes.append(round(cur.fetchone()[0] / 2**20, 1))
    conn.autocommit = False
    return {
        "word_bit_rows": {"before_fold": rows_before, "after": rows},
        "word_bits_mb": {"after_fold": sizes[0], "after_second_fold": sizes[1]},
    }


def solr_post(solr_url: str, docs, params: str = "") -> None:
    import urllib.request

    body = json.dumps(docs).encode()
    req = urllib.request.Request(
        f"{solr_url}/update?wt=json{params}", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(req, timeout=600) as r:
        answer = json.load(r)
    if answer.get("responseHeader", {}).get("status") != 0:
        raise RuntimeError(f"Solr refused an update: {answer}")


def solr_fill(n: int, solr_url: str, url: str = URL, batch: int = 1000) -> dict:
    """Fill the benchmark's Solr up to ``n`` documents with copies of those it
    holds, the same copies as ``pg_fill`` (``copy_document``): the stored
    documents are read with ``fl=*``; the fields CKAN sent that Solr does not
    store, so does not return (the permission labels, ``title_string``, the
    plugins' fields that fall to the ``*`` dynamic field, such as ``pcodes``),
    are taken from the PostgreSQL index's entry of the same dataset (the
    document CKAN sent it), copyField destinations left to Solr; the copies
    are posted in batches as JSON, then committed."""
    import urllib.parse

    import psycopg2

    t0 = time.perf_counter()
    dests = copy_field_destinations()
    found = solr_get(f"{solr_url}/select?q=*:*&fl=*&sort=id+asc&wt=json&rows=1000000")["response"]
    stored = found["docs"]
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(f"SELECT index_id, doc FROM {INDEX_TABLE}")
        sent = dict(cur.fetchall())
    conn.close()
    added: set[str] = set()
    for doc in stored:
        for key, value in sent[doc["index_id"]].items():
            if key not in doc and key not in dests:
                doc[key] = value
                added.add(key)
    for k, take in copy_plan(len(stored), n):
        sources = stored[:take]
        for i in range(0, take, batch):
            solr_post(solr_url, [copy_document(d, k, dests) for d in sources[i : i + batch]])
    solr_post(solr_url, {"commit": {}}, "&" + urllib.parse.urlencode({"waitSearcher": "true"}))
    return {
        "sources": len(stored),
        "fields_from_postgresql": sorted(added),
        "entries": solr_docs(solr_url),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def run(
    n: int,
    runs: int,
    tmp: Path,
    solr_url: str = SOLR_URL,
    twice: bool = False,
    pg_only: bool = False,
    synthetic_from: int = 0,
) -> dict:
    """Generate n datasets once, index them into both backends, measure both
    (with ``pg_only``: only the PostgreSQL backend's rebuild, no Solr, no queries).
    With ``synthetic_from``: generate and index that many datasets, then fill
    both indexes up to n entries with copies of them (``pg_fill``, ``solr_fill``)."""
    from search_data import gazetteer
    from search_data import generate as generate_realistic

    inis = {b: backend_ini(tmp, b, solr_url) for b in BACKENDS}
    print(f"[{n}] database", flush=True)
    setup_database(inis["postgresql"])
    places = gazetteer(tmp / "gazetteer.geojson")
    sh(CKAN, "-c", str(inis["postgresql"]), "pcode", "load", str(tmp / "gazetteer.geojson"))
    ctx = load_ckan(inis["postgresql"])
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    sysadmin = lambda: {"user": site_user["name"], "ignore_auth": True}  # noqa: E731
    orgs = [
        tk.get_action("organization_create")(
            sysadmin(),
            {
                "name": f"org-{i:02d}",
                "title": f"Organisation {i:02d}",
                "org_type": ["un_agency", "ingo", "nngo"][i % 3],
            },
        )["id"]
        for i in range(40)
    ]
    groups = [
        tk.get_action("group_create")(sysadmin(), {"name": f"theme-{i:02d}", "title": f"Theme {i:02d}"})["id"]
        for i in range(12)
    ]
    creator = model.User.get(site_user["name"]).id
    model.Session.remove()
    ctx.pop()
    m = min(synthetic_from, n) if synthetic_from else n  # the datasets written and indexed
    print(f"[{n}] generating {m} datasets", flush=True)
    t0 = time.perf_counter()
    generate_realistic(m, URL, orgs, groups, creator, places)
    gen_s = time.perf_counter() - t0

    result: dict = {"datasets": n, "generate_s": round(gen_s, 1), "machine": f"{os.cpu_count()} cores"}
    if synthetic_from:
        result["synthetic_from"] = m
    # indexing, alternating which backend goes first
    result["rebuild"] = {}
    for backend in ("postgresql",) if pg_only else BACKENDS:
        print(f"[{n}] {backend}: search-index clear + rebuild-fast ({m} datasets)", flush=True)
        count = (lambda: solr_docs(solr_url)) if backend == "solr" else pg_entries
        result["rebuild"][backend] = rebuild(inis[backend], m, count=count)
    result["rebuild"]["postgresql"]["index_after"] = index_stats()
    if twice:
        print(f"[{n}] postgresql: rebuild-fast again (entries rewritten in place)", flush=True)
        again = rebuild(inis["postgresql"], m, clear=False)
        again["index_after"] = index_stats()
        result["rebuild_again_postgresql"] = again
    if m < n:
        print(f"[{n}] postgresql: filling the index up to {n} entries with copies (SQL)", flush=True)
        result["fill"] = {"postgresql": {"load": load(), **pg_fill(n)}}
        result["fill"]["postgresql"]["index_after"] = index_stats()
        if not pg_only:
            print(f"[{n}] solr: filling the core up to {n} documents with the same copies", flush=True)
            result["fill"]["solr"] = {"load": load(), **solr_fill(n, solr_url)}
    if pg_only:
        result["indexed"] = {"postgresql": pg_entries()}
        result["date"] = datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
        return result
    result["indexed"] = {"solr": solr_docs(solr_url), "postgresql": pg_entries()}
    if synthetic_from and result["indexed"] != {"solr": n, "postgresql": n}:
        raise RuntimeError(f"the indexes do not hold {n} entries each: {result['indexed']}")

    print(f"[{n}] queries ({runs} per shape per backend, {ROUNDS} alternating rounds)", flush=True)
    workers = {b: Worker(inis[b]) for b in BACKENDS}
    try:
        sets = query_sets(n, runs, places)
        samples: dict = {b: {s: [] for s in SHAPES} for b in BACKENDS}
        found: dict = {b: {s: [] for s in SHAPES} for b in BACKENDS}
        loads: dict = {s: [] for s in SHAPES}
        for shape in SHAPES:  # warm-up
            for b in BACKENDS:
                workers[b].ask({"queries": sets[shape][:5]})
        per_round = max(runs // ROUNDS, 1)
        for r in range(ROUNDS):
            for shape in SHAPES:
                chunk = sets[shape][5 + r * per_round : 5 + (r + 1) * per_round]
                loads[shape].append(load())
                for b in BACKENDS if r % 2 == 0 else BACKENDS[::-1]:
                    answer = workers[b].ask({"queries": chunk})
                    samples[b][shape] += answer["ms"]
                    found[b][shape] += answer["found"]
        pids = {b: workers[b].ask({"pid": True})["pid"] for b in BACKENDS}
        solr_pid = int(SOLR_PID.read_text()) if SOLR_PID.exists() and solr_url == SOLR_URL else None
        result["memory_mb"] = {
            "postgresql_backend": rss_mb(pids["postgresql"]),
            "solr_jvm": rss_mb(solr_pid) if solr_pid else {},
            "solr_side_postgresql_backend": rss_mb(pids["solr"]),
        }
    finally:
        for w in workers.values():
            w.close()
    result["queries"] = {}
    for shape in SHAPES:
        pg, solr = percentiles(samples["postgresql"][shape]), percentiles(samples["solr"][shape])
        differ = sum(a != b for a, b in zip(found["postgresql"][shape], found["solr"][shape], strict=True))
        result["queries"][shape] = {
            "postgresql": pg,
            "solr": solr,
            "p95_ratio_pg_solr": round(pg["p95_ms"] / max(solr["p95_ms"], 0.1), 2),
            "mean_hits": {b: round(statistics.mean(found[b][shape])) for b in BACKENDS},
            "queries_with_other_hit_count": differ,
            "load": loads[shape],
        }
    result["date"] = datetime.utcnow().strftime("%Y-%m-%d %H:%M UTC")
    return result


def markdown(results: list[dict]) -> str:
    lines = []
    for r in results:
        n = r["datasets"]
        if "queries" not in r:  # --postgresql-only
            lines.append(rebuild_markdown(r))
            continue
        m = r.get("synthetic_from", n)
        what = f"{n:,} entries: {m:,} datasets indexed, copied up to {n:,}" if m < n else f"{n:,} datasets"
        lines += [
            f"\n### {what} ({r['machine']}, {r['date']})\n",
            "| measure | PostgreSQL p50 / p95 (ms) | Solr p50 / p95 (ms) | PG/Solr p95 | target (PG p95) | load |",
            "|---|---|---|---|---|---|",
        ]
        for shape, q in r["queries"].items():
            target = 150.0 if n >= 200000 else TARGET_50K.get(shape, TARGET_50K_DEFAULT)
            absolute = "met" if q["postgresql"]["p95_ms"] <= target else "missed"
            relative = "met" if q["p95_ratio_pg_solr"] <= 1.5 else "missed"
            lines.append(
                f"| {shape} | {q['postgresql']['p50_ms']} / {q['postgresql']['p95_ms']} "
                f"| {q['solr']['p50_ms']} / {q['solr']['p95_ms']} | {q['p95_ratio_pg_solr']} "
                f"| ≤ {target:g} ms: {absolute}; ≤ 1.5× Solr: {relative} "
                f"| {min(q['load'])}-{max(q['load'])} |"
            )
        rb = r["rebuild"]
        lines.append(
            f"| rebuild-fast of {m:,} datasets (clear, 2 processes): datasets/s (peak RSS) "
            f"| {rb['postgresql']['datasets_per_s']} ({rb['postgresql']['peak_rss_mb']} MB) "
            f"| {rb['solr']['datasets_per_s']} ({rb['solr']['peak_rss_mb']} MB) "
            f"| | ≥ 500/s | {rb['postgresql']['load']} / {rb['solr']['load']} |"
        )
        after = rb["postgresql"]["index_after"]
        lines.append(
            f"| index after rebuild (no vacuum): total / heap MB, dead rows | {after['total_mb']} / "
            f"{after['heap_mb']} MB, {after['dead_rows']} dead | | | | |"
        )
        again = r.get("rebuild_again_postgresql")
        if again:
            lines.append(
                f"| second rebuild over it: datasets/s; total / heap MB, dead rows | {again['datasets_per_s']}/s; "
                f"{again['index_after']['total_mb']} / {again['index_after']['heap_mb']} MB, "
                f"{again['index_after']['dead_rows']} dead | | | | |"
            )
        fill = r.get("fill")
        if fill:
            pg, solr = fill["postgresql"], fill["solr"]
            lines.append(
                f"| filling up to {n:,} entries with copies: s | {pg['seconds']} s (SQL; kept counts equal to counting: "
                f"{pg.get('kept_counts_equal_live', pg.get('kept_counts'))}) | {solr['seconds']} s (JSON updates) "
                f"| | | {pg['load']} / {solr['load']} |"
            )
            after = pg["index_after"]
            lines.append(
                f"| index after filling (vacuumed): total / heap MB | {after['total_mb']} / {after['heap_mb']} MB "
                "| | | | |"
            )
        other = {
            s: q["queries_with_other_hit_count"] for s, q in r["queries"].items() if q["queries_with_other_hit_count"]
        }
        lines.append(
            "| queries whose hit counts differ | "
            + ("; ".join(f"{s}: {k}" for s, k in other.items()) or "none")
            + " | | | | |"
        )
        mem = r["memory_mb"]
        lines.append(
            f"| memory after the queries (RSS, MB) | backend {mem['postgresql_backend'].get('VmRSS')} "
            f"(private {mem['postgresql_backend'].get('RssAnon')}) | JVM {mem['solr_jvm'].get('VmRSS')} | | | |"
        )
    return "\n".join(lines)


def rebuild_markdown(r: dict) -> str:
    """The PostgreSQL rebuild's figures alone (``--postgresql-only``)."""
    pg = r["rebuild"]["postgresql"]
    lines = [
        f"\n### {r['datasets']:,} datasets, PostgreSQL rebuild only ({r['machine']}, {r['date']})\n",
        "| measure | value | load |",
        "|---|---|---|",
        f"| rebuild-fast (clear, one process per core): datasets/s (s, peak RSS) "
        f"| {pg['datasets_per_s']} ({pg['seconds']} s, {pg['peak_rss_mb']} MB) | {pg['load']} |",
        f"| index after rebuild (no vacuum): total / heap MB, live / dead rows | {pg['index_after']['total_mb']} / "
        f"{pg['index_after']['heap_mb']} MB, {pg['index_after']['live_rows']} / {pg['index_after']['dead_rows']} | |",
    ]
    again = r.get("rebuild_again_postgresql")
    if again:
        lines.append(
            f"| second rebuild over it: datasets/s; total / heap MB, live / dead rows | {again['datasets_per_s']}/s; "
            f"{again['index_after']['total_mb']} / {again['index_after']['heap_mb']} MB, "
            f"{again['index_after']['live_rows']} / {again['index_after']['dead_rows']} | {again['load']} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, nargs="+", default=[10000])
    parser.add_argument("--runs", type=int, default=100, help="queries per shape and backend")
    parser.add_argument("--solr-url", default=SOLR_URL, help="the benchmark's own Solr core (emptied first)")
    parser.add_argument(
        "--rebuild-twice",
        action="store_true",
        help="rebuild the PostgreSQL index a second time over itself (size and dead rows after it)",
    )
    parser.add_argument(
        "--postgresql-only",
        action="store_true",
        help="only the PostgreSQL backend's rebuild (no Solr needed, no queries)",
    )
    parser.add_argument(
        "--synthetic-from",
        type=int,
        default=0,
        metavar="M",
        help="generate and index only M datasets, then fill both indexes up to each size with copies "
        "of their entries (new ids, names and dates; a synthetic index: hours instead of days)",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return
    if not args.postgresql_only:
        solr_docs(args.solr_url)  # fails at once when the benchmark's Solr is not running
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.datasets:
        # each size in its own process: CKAN's configuration is global
        name = f"search-rebuild-{n}" if args.postgresql_only else f"search-{n}"
        if args.synthetic_from and args.synthetic_from < n:
            name += f"-from-{args.synthetic_from}"
        out = RESULTS / f"{name}.json"
        t0 = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                "-c",
                (
                    "import sys, json, tempfile, pathlib; sys.argv=['x']; "
                    f"sys.path.insert(0, {str(ROOT / 'benchmarks')!r}); import search as b; "
                    f"r = b.run({n}, {args.runs}, pathlib.Path(tempfile.mkdtemp()), {args.solr_url!r}, "
                    f"{args.rebuild_twice!r}, {args.postgresql_only!r}, {args.synthetic_from!r}); "
                    f"pathlib.Path({str(out)!r}).write_text(json.dumps(r, indent=2))"
                ),
            ],
            check=False,
        )
        if result.returncode != 0:
            sys.exit(f"benchmark for {n} datasets failed")
        r = json.loads(out.read_text())
        r["wall_s"] = round(time.perf_counter() - t0)
        out.write_text(json.dumps(r, indent=2))
        results.append(r)
        print(markdown([r]), flush=True)
        print(f"({n:,} datasets: {r['wall_s']} s in all)", flush=True)


if __name__ == "__main__":
    main()
