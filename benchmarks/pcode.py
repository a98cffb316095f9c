"""P-code benchmarks (imwg_pcode).

    .venv/bin/python benchmarks/pcode.py [--gazetteer FILE] [--rows 1000000]

1. Loading: ``ckan pcode load`` of OCHA's Global P-code list (default:
   ``../shared/data/global_pcodes_adm1_2.csv``) into an empty gazetteer, as a
   separate process: wall time and peak memory.
2. ``pcode_search`` with 100,000 units: the list is topped up with synthetic
   admin-3 units (pronounceable names, codes under real admin-2 units) to
   100,000, then 600 searches (exact codes, code prefixes, name prefixes,
   names containing the text) run through CKAN's action: p50/p95.
3. The gazetteer read whole into the process, as the first lookup of each
   process does when it has at most ``ckanext.imwg_pcode.memory_units``
   units: time and the memory it holds.
4. Indexing: ``package_create`` of datasets with no P-code and with 50
   P-codes (admin-2 and admin-3, so ancestors and names are indexed) of one
   country, or drawn from the whole gazetteer, interleaved. Each function of
   ``PHASES`` is timed around its calls. What indexing a tagged dataset adds
   to ``package_create``: the median time spent building the index document
   and writing it, tagged minus untagged, against the median untagged
   ``package_create``. The whole tagging (also validating the codes against
   the gazetteer, deriving countries, storing the field and its activity):
   the median ``package_create`` of each kind. And the medians of each phase.
5. Coverage: a CSV of ``--rows`` rows with HXL admin-1 and admin-3 code
   columns, and one three times longer, scanned in separate processes:
   rows/s and peak memory (bounded: both sizes use about the same), then the
   codes checked against the gazetteer.

Everything runs against the database ``ckan_imwg_bench`` (recreated). Results
go to ``benchmarks/results/pcode.json`` and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import CKAN, RESULTS, ROOT, bench_ini, load_ckan, setup_database, sh, timed  # noqa: E402
from timing import time_calls  # noqa: E402

DEFAULT_GAZETTEER = ROOT.parent / "shared" / "data" / "global_pcodes_adm1_2.csv"
SYLLABLES = "ka kin wa maw la shi hpa an myit kyi na bo tha ta gon yan mon sit twe ha kha ban lo pa sa ri mu".split()


def name(rnd: random.Random) -> str:
    return "".join(rnd.choice(SYLLABLES) for _ in range(rnd.randint(2, 4))).capitalize()


def top_up(total: int, seed: int = 5) -> int:
    """Add synthetic admin-3 units under real admin-2 units up to ``total`` units."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.imwg.text import fold

    session = model.Session
    have = session.execute(sa.text("SELECT count(*) FROM imwg_pcode_unit")).scalar()
    parents = session.execute(sa.text("SELECT pcode, country FROM imwg_pcode_unit WHERE level = 2")).all()
    rnd = random.Random(seed)
    units, names = [], []
    for i in range(total - have):
        parent, country = parents[i % len(parents)]
        code = f"{parent}T{i // len(parents):03d}"
        label = name(rnd)
        units.append({"pcode": code, "level": 3, "parent": parent, "country": country, "name": label})
        names.append({"pcode": code, "lang": "en", "name": label, "folded": fold(label)})
    for start in range(0, len(units), 5000):
        session.execute(
            sa.text(
                "INSERT INTO imwg_pcode_unit (pcode, level, parent, country, name, version)"
                " VALUES (:pcode, :level, :parent, :country, :name, 'synthetic')"
            ),
            units[start : start + 5000],
        )
        session.execute(
            sa.text("INSERT INTO imwg_pcode_name (pcode, lang, name, folded) VALUES (:pcode, :lang, :name, :folded)"),
            names[start : start + 5000],
        )
    session.commit()
    session.execute(sa.text("ANALYZE imwg_pcode_unit; ANALYZE imwg_pcode_name"))
    session.commit()
    return session.execute(sa.text("SELECT count(*) FROM imwg_pcode_unit")).scalar()


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 1),
    }


def search_latency(runs: int = 150, seed: int = 9) -> dict[str, dict[str, float]]:
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    action = tk.get_action("pcode_search")
    rnd = random.Random(seed)
    codes = [r[0] for r in model.Session.execute(sa.text("SELECT pcode FROM imwg_pcode_unit"))]
    names = [r[0] for r in model.Session.execute(sa.text("SELECT name FROM imwg_pcode_unit"))]
    shapes = {
        "exact code": lambda: rnd.choice(codes),
        "code prefix (5 characters)": lambda: rnd.choice(codes)[:5],
        "name prefix (3 letters)": lambda: rnd.choice(names)[:3],
        "name contains (4 letters)": lambda: (lambda n: n[1:5] if len(n) > 5 else n)(rnd.choice(names)),
    }
    result, every = {}, []
    for label, make in shapes.items():
        samples = []
        for _ in range(runs):
            q = make()
            t0 = time.perf_counter()
            action({"ignore_auth": True}, {"q": q, "limit": 10})
            samples.append(time.perf_counter() - t0)
            model.Session.remove()
        result[label] = percentiles(samples)
        every += samples
    result["all"] = percentiles(every)
    return result


#: where package_create spends its time: (label, module, attribute) timed around each call
PHASES = (
    ("validation (scheming)", "ckanext.scheming.plugins", "SchemingDatasetsPlugin.validate"),
    ("gazetteer lookups", "ckanext.imwg_pcode.places", "lookup"),
    ("index document", "ckan.lib.search.index", "PackageSearchIndex.index_package"),
    ("index write", "ckanext.imwg_search.backend", "PostgresSolrConnection.flush"),
)
#: the phases that make up indexing: building the dataset's index document
#: (CKAN's, with every plugin's additions and the P-code lookup) and writing it
INDEXING = ("index document", "index write")


def _timed_phases() -> dict[str, float]:
    """Wrap each phase's function with a clock (observation only: the
    function runs unchanged); returns the running totals, in seconds."""
    import importlib

    totals: dict[str, float] = {}
    for label, module_name, path in PHASES:
        owner = importlib.import_module(module_name)
        *parents, name = path.split(".")
        for parent in parents:
            owner = getattr(owner, parent)
        time_calls(owner, name, label, totals)
    return totals


def held_whole() -> dict:
    """The gazetteer read whole into the process (what the first lookup of a
    process does when it has at most ``memory_units`` units): time, then the
    memory it holds (measured apart: tracing slows the read)."""
    import tracemalloc

    import ckan.model as model

    from ckanext.imwg_pcode import places

    places.forget()
    t0 = time.perf_counter()
    places.lookup(model.Session, ["XX0"])
    seconds = time.perf_counter() - t0
    places.forget()
    tracemalloc.start()
    places.lookup(model.Session, ["XX0"])
    held_bytes, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    model.Session.rollback()
    return {"units": places.held(), "seconds": round(seconds, 2), "mb": round(held_bytes / 1e6, 1)}


#: the tagged datasets: 50 admin-2 and admin-3 codes of one country (what a
#: country portal holds), or drawn from the whole gazetteer (29 countries or
#: so: the most ancestors and names a dataset can bring)
TAGGED = ("one country", "across countries")


def indexing_overhead(rounds: int = 100, seed: int = 3) -> dict:
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    rnd = random.Random(seed)
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    org = tk.get_action("organization_create")({"user": site}, {"name": "bench-org", "org_type": "un_agency"})
    rows = model.Session.execute(
        sa.text("SELECT pcode, country FROM imwg_pcode_unit WHERE level IN (2, 3) AND retired_at IS NULL")
    ).all()
    codes = [code for code, _ in rows]
    by_country: dict[str, list[str]] = {}
    for code, country in rows:
        by_country.setdefault(country, []).append(code)
    countries = sorted(c for c, found in by_country.items() if len(found) >= 50)
    draw = {
        "one country": lambda: rnd.sample(by_country[rnd.choice(countries)], 50),
        "across countries": lambda: rnd.sample(codes, 50),
    }
    base = {"type": "dataset", "owner_org": org["id"], "source": "Benchmark", "sectors": ["cccm"]}
    create = tk.get_action("package_create")
    totals = _timed_phases()
    kinds = ("plain", *TAGGED)
    samples: dict[str, dict[str, list[float]]] = {kind: {} for kind in kinds}
    for i in range(rounds + 5):
        for n, kind in enumerate(kinds):
            data = {**base, "name": f"d{n}-{i}", "title": f"Dataset {kind} {i}"}
            if kind in draw:
                data["pcodes"] = draw[kind]()
            totals.clear()
            t0 = time.perf_counter()
            create({"user": site}, data)
            elapsed = time.perf_counter() - t0
            if i >= 5:  # warm-up
                samples[kind].setdefault("total", []).append(elapsed)
                samples[kind].setdefault("indexing", []).append(sum(totals.get(label, 0.0) for label in INDEXING))
                for label, _, _ in PHASES:
                    samples[kind].setdefault(label, []).append(totals.get(label, 0.0))
    median = {kind: statistics.median(samples[kind]["total"]) for kind in kinds}
    indexing = {kind: statistics.median(samples[kind]["indexing"]) for kind in kinds}
    return {
        "plain_ms": round(median["plain"] * 1000, 1),
        "plain_indexing_ms": round(indexing["plain"] * 1000, 2),
        "tagged": {
            kind: {
                "ms": round(median[kind] * 1000, 1),
                "overhead_pct": round((median[kind] - median["plain"]) / median["plain"] * 100, 1),
                "indexing_ms": round(indexing[kind] * 1000, 2),
                "indexing_added_ms": round((indexing[kind] - indexing["plain"]) * 1000, 2),
                "indexing_added_pct": round((indexing[kind] - indexing["plain"]) / median["plain"] * 100, 1),
            }
            for kind in TAGGED
        },
        "phases_ms": {
            label: [round(statistics.median(samples[k][label]) * 1000, 2) for k in kinds] for label, _, _ in PHASES
        },
    }


def write_csv(path: Path, rows: int, codes: list[tuple[str, str]], seed: int = 1) -> None:
    rnd = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["Date", "State P-code", "Township P-code", "Township", "Households", "Individuals"])
        out.writerow(["#date", "#adm1+code", "#adm3+code", "#adm3+name", "#affected+hh", "#affected+ind"])
        for i in range(rows):
            state, township = codes[rnd.randrange(len(codes))]
            out.writerow([f"2024-{i % 12 + 1:02d}-01", state, township, "Township", i % 97, i % 389])


SCAN = (
    "import sys, time, json, resource; from pathlib import Path;"
    "from ckanext.imwg_pcode import coverage;"
    "t0 = time.perf_counter(); s = coverage.scan(Path(sys.argv[1]), 'csv'); t = time.perf_counter() - t0;"
    "print(json.dumps({'rows': s.rows, 'seconds': t, 'codes': len(s.codes()),"
    " 'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))"
)


def coverage_speed(rows: int, tmp: Path) -> dict:
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.imwg_pcode import coverage, jobs

    pairs = [
        (r.parent_of_parent, r.pcode)
        for r in model.Session.execute(
            sa.text(
                "SELECT u.pcode, p.parent AS parent_of_parent FROM imwg_pcode_unit u"
                " JOIN imwg_pcode_unit p ON p.pcode = u.parent WHERE u.level = 3 LIMIT 3000"
            )
        )
    ]
    pairs += [("XX1", "XX1T999"), ("XX2", "XX2T998")]  # unknown codes
    result = {}
    for size in (rows, rows * 3):
        path = tmp / f"coverage-{size}.csv"
        write_csv(path, size, pairs)
        scan = json.loads(sh(sys.executable, "-c", SCAN, str(path)).stdout)
        result[str(size)] = {
            "rows_per_s": round(scan["rows"] / scan["seconds"]),
            "seconds": round(scan["seconds"], 2),
            "peak_rss_mb": scan["peak_rss_mb"],
            "file_mb": round(path.stat().st_size / 1e6),
        }
    t0 = time.perf_counter()
    classified = jobs.classify(coverage.scan(tmp / f"coverage-{rows}.csv", "csv"), model.Session)
    result["classify_ms"] = round((time.perf_counter() - t0) * 1000)
    result["unknown_found"] = classified["unknown_count"]
    return result


def run(gazetteer: Path, rows: int, tmp: Path) -> dict:
    ini = bench_ini(tmp, "activity imwg scheming_datasets scheming_organizations imwg_pcode imwg_search")
    print("database", flush=True)
    setup_database(ini)
    sh(CKAN, "-c", str(ini), "db", "upgrade", "-p", "imwg_pcode")
    print(f"loading {gazetteer.name}", flush=True)
    load_s, load_mb = timed(CKAN, "-c", str(ini), "pcode", "load", str(gazetteer))
    ctx = load_ckan(ini)
    import ckan.model as model
    import sqlalchemy as sa

    loaded = model.Session.execute(sa.text("SELECT count(*) FROM imwg_pcode_unit")).scalar()
    print("100,000 units", flush=True)
    total = top_up(100_000)
    print("pcode_search", flush=True)
    searches = search_latency()
    print("the gazetteer held whole", flush=True)
    whole = held_whole()
    print("package_create with and without 50 P-codes", flush=True)
    indexing = indexing_overhead()
    print("coverage", flush=True)
    cover = coverage_speed(rows, tmp)
    ctx.pop()
    return {
        "load": {"units": loaded, "seconds": round(load_s, 2), "peak_rss_mb": load_mb},
        "search_units": total,
        "pcode_search": searches,
        "held_whole": whole,
        "indexing": indexing,
        "coverage": cover,
    }


def markdown(r: dict) -> str:
    c = r["coverage"]
    sizes = [k for k in c if k.isdigit()]
    lines = [
        "| measure | result | target |",
        "|---|---|---|",
        f"| `ckan pcode load` of the Global P-code list ({r['load']['units']:,} units) | "
        f"{r['load']['seconds']} s ({r['load']['peak_rss_mb']} MB peak) | ≤ 10 s |",
    ]
    for label, q in r["pcode_search"].items():
        lines.append(
            f"| `pcode_search` with {r['search_units']:,} units, {label}: p50 / p95 | "
            f"{q['p50_ms']} / {q['p95_ms']} ms | p95 ≤ 20 ms |"
        )
    w = r["held_whole"]
    lines.append(
        f"| the gazetteer read whole into a process ({w['units']:,} units, once per process and load) | "
        f"{w['seconds']} s, {w['mb']} MB held | |"
    )
    i = r["indexing"]
    for kind, t in i["tagged"].items():
        lines.append(
            f"| indexing a dataset with 50 P-codes {kind}: what it adds to `package_create` (median) | "
            f"{i['plain_indexing_ms']} → {t['indexing_ms']} ms: +{t['indexing_added_ms']} ms, "
            f"**+{t['indexing_added_pct']} %** of {i['plain_ms']} ms | ≤ +10 % |"
        )
    for kind, t in i["tagged"].items():
        lines.append(
            f"| the whole tagging, `package_create`: no P-code / 50 P-codes {kind} (median) | "
            f"{i['plain_ms']} / {t['ms']} ms (+{t['overhead_pct']} %) | |"
        )
    for label, ms in i.get("phases_ms", {}).items():
        lines.append(
            f"| … of which {label}: no P-code / {' / '.join(TAGGED)} (median) | {' / '.join(map(str, ms))} ms | |"
        )
    for size in sizes:
        lines.append(
            f"| coverage scan of a {int(size):,}-row CSV ({c[size]['file_mb']} MB) | "
            f"{c[size]['rows_per_s']:,} rows/s, {c[size]['peak_rss_mb']} MB peak | ≥ 200,000 rows/s, bounded |"
        )
    lines.append(f"| checking the distinct codes against the gazetteer | {c['classify_ms']} ms | |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gazetteer", type=Path, default=DEFAULT_GAZETTEER)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    if not args.gazetteer.exists():
        sys.exit(f"{args.gazetteer}: no such file (give a Global P-code list with --gazetteer)")
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = run(args.gazetteer, args.rows, Path(tempfile.mkdtemp()))
    (RESULTS / "pcode.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
