"""What the exchange costs: the country overview, the holdings matrix, the
matching of a new dataset against open data needs, and the recomputation
of every dataset's freshness.

    .venv/bin/python benchmarks/overview.py [--datasets 10000] [--runs 100]

1. recreates the database ``ckan_imwg_bench_overview`` and loads a gazetteer
   of 5,000 units (one country, 20 admin-1 units with boundaries, 200
   admin-2 and 4,780 admin-3 units) through ``ckan pcode load``;
2. creates 100 organisations, then writes N datasets straight into CKAN's
   tables (the fast path of ``benchmarks/search.py``), each with sectors,
   1-3 places, a data type, an update frequency, a sensitivity level (50 %
   public, 30 % restricted, 15 % confidential, 5 % strictly confidential)
   and resources changed at times spread over two years; indexes them;
3. posts 1,000 open data needs through ``need_create``;
4. times, in fresh processes that alternate between the configurations so
   that the machine's drift falls on both alike:
   - ``GET /`` with ``imwg_exchange`` (the overview) and without it (CKAN's
     own home page, the same database), for an anonymous visitor and a
     member of one organisation;
   - ``holdings_matrix`` (organisations x sectors, and x admin-1 units) and,
     as the anchor of the same run, the ``/dataset`` landing search;
   - the matching of one new dataset against the 1,000 open needs;
   - ``ckan exchange freshness`` over every dataset (a process of its own).

Results go to ``benchmarks/results/overview-<N>.json`` and are printed as a
Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import CKAN, RESULTS, ROOT, bench_ini, generate, load_ckan, psql, sh  # noqa: E402

DB = "ckan_imwg_bench_overview"
URL = f"postgresql://ckan_imwg:ckan_imwg@127.0.0.1:5432/{DB}"
CORE = "activity imwg scheming_datasets scheming_organizations imwg_pcode imwg_sensitivity"
WITH = f"{CORE} imwg_exchange imwg_search"
WITHOUT = f"{CORE} imwg_search"
LEVELS = [("public", 50), ("restricted", 30), ("confidential", 15), ("strictly_confidential", 5)]
SECTORS = "protection health shelter wash education food_security mine_action logistics".split()
DATA_TYPES = ["3w", "needs_assessment", "baseline", "indicators", "geodata", "casualty"]
FREQUENCIES = ["daily", "weekly", "monthly", "quarterly", "yearly", "adhoc", "never"]
COUNTRY = "XB"
ROUNDS = 3
MEMBER = "bench-member"


def gazetteer(path: Path) -> list[str]:
    """A COD-AB GeoJSON of 5,001 units: admin-1 units as squares on a 5 x 4
    grid, admin 2 and 3 without boundaries. Returns the admin-3 codes."""
    features, leaves = [], []
    for a1 in range(1, 21):
        code1 = f"{COUNTRY}{a1:02d}"
        x, y = 90 + (a1 - 1) % 5, 20 + (a1 - 1) // 5
        square = [[[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]]
        base = {"adm0_pcode": COUNTRY, "adm0_name": "Benchland", "adm1_pcode": code1, "adm1_name": f"State {a1}"}
        features.append({"type": "Feature", "properties": base, "geometry": {"type": "Polygon", "coordinates": square}})
        for a2 in range(1, 11):
            code2 = f"{code1}{a2:02d}"
            district = {**base, "adm2_pcode": code2, "adm2_name": f"District {a1}-{a2}"}
            features.append({"type": "Feature", "properties": district, "geometry": None})
            # 4,780 townships: 23 in each of the first 20 districts, 24 in the others
            for a3 in range(1, 24 if (a1 - 1) * 10 + a2 <= 20 else 25):
                code3 = f"{code2}{a3:03d}"
                leaves.append(code3)
                features.append(
                    {
                        "type": "Feature",
                        "properties": {**district, "adm3_pcode": code3, "adm3_name": f"Township {a1}-{a2}-{a3}"},
                        "geometry": None,
                    }
                )
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return leaves


def prepare(ini: Path, n: int, leaves: list[str]) -> None:
    """Organisations, datasets with the exchange's fields, a member, 1,000 needs (in this process)."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import psycopg2
    from psycopg2.extras import execute_values

    load_ckan(ini)
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    sysadmin = lambda: {"user": site, "ignore_auth": True}  # noqa: E731
    orgs = [
        tk.get_action("organization_create")(
            sysadmin(),
            {
                "name": f"org-{i:03d}",
                "title": f"Organisation {i:03d}",
                "org_type": ["un_agency", "ingo", "nngo", "government"][i % 4],
            },
        )["id"]
        for i in range(100)
    ]
    groups = [
        tk.get_action("group_create")(sysadmin(), {"name": f"theme-{i}", "title": f"Theme {i}"})["id"] for i in range(4)
    ]
    tk.get_action("user_create")(sysadmin(), {"name": MEMBER, "email": "m@example.org", "password": "Bench-pass-2026"})
    tk.get_action("organization_member_create")(sysadmin(), {"id": orgs[0], "username": MEMBER, "role": "editor"})
    creator = model.User.get(site).id
    generate(n, orgs, groups, creator, url=URL)

    rnd = random.Random(17)
    conn = psycopg2.connect(URL)
    cur = conn.cursor()
    cur.execute("SELECT id FROM package WHERE type = 'dataset' ORDER BY name")
    ids = [r[0] for r in cur.fetchall()]
    levels = [lvl for lvl, weight in LEVELS for _ in range(weight)]
    cur.execute("DELETE FROM package_extra WHERE key = 'sectors'")
    extras = []
    for pid in ids:
        start = datetime(2023, 1, 1) + timedelta(days=rnd.randint(0, 700))
        values = {
            "sectors": json.dumps(rnd.sample(SECTORS, rnd.randint(1, 2))),
            "pcodes": json.dumps(sorted(set(rnd.sample(leaves, rnd.randint(1, 3))))),
            "countries": json.dumps([COUNTRY]),
            "sensitivity": rnd.choice(levels),
            "data_type": rnd.choice(DATA_TYPES),
            "update_frequency": rnd.choice(FREQUENCIES),
            "reference_period_start": start.date().isoformat(),
            "reference_period_end": (start + timedelta(days=rnd.randint(30, 365))).date().isoformat(),
        }
        extras += [(str(uuid.uuid4()), pid, key, value, "active") for key, value in values.items()]
    execute_values(
        cur, "INSERT INTO package_extra (id, package_id, key, value, state) VALUES %s", extras, page_size=5000
    )
    # the files changed at times spread over the last two years
    cur.execute("UPDATE resource SET created = now() - (random() * interval '730 days'), last_modified = NULL")
    conn.commit()
    conn.close()
    model.Session.remove()

    print("  1,000 open needs", flush=True)
    deadline = (datetime.utcnow() + timedelta(days=90)).date().isoformat()
    for i in range(1000):
        tk.get_action("need_create")(
            {"user": MEMBER},
            {
                "title": f"Need {i}",
                "notes": "Benchmark need",
                "owner_org": orgs[0],
                "sectors": rnd.sample(SECTORS, rnd.randint(1, 2)),
                "pcodes": rnd.sample(leaves, 1) if i % 3 else [f"{COUNTRY}{rnd.randint(1, 20):02d}"],
                "data_type": rnd.choice(DATA_TYPES),
                "sensitivity": "restricted",
                "purpose": "Planning",
                "deadline": deadline,
            },
        )
        model.Session.remove()


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 1),
        "p95_ms": round(samples[max(0, int(len(samples) * 0.95) - 1)] * 1000, 1),
    }


def _token(user: str) -> str:
    import ckan.plugins.toolkit as tk

    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    return tk.get_action("api_token_create")({"user": site, "ignore_auth": True}, {"user": user, "name": "bench"})[
        "token"
    ]


def measure(ini: Path, runs: int, exchange: bool) -> dict[str, list[float]]:
    """The samples (seconds) of each measure in this process, with ini's plugins."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    from werkzeug.test import Client

    app = make_app(load_config(str(ini)))
    client = Client(app)  # the whole WSGI stack, as a portal serves it
    flask_app = getattr(app, "apps", {}).get("flask_app", app)._wsgi_app
    with flask_app.test_request_context():
        token = _token(MEMBER)
    who = {"anonymous": {}, "member": {"Authorization": token}}
    out: dict[str, list[float]] = {}

    def timed(name: str, call) -> None:
        for i in range(runs + 5):
            t0 = time.perf_counter()
            call()
            elapsed = time.perf_counter() - t0
            model.Session.remove()
            if i >= 5:  # warm-up
                out.setdefault(name, []).append(elapsed)

    for label, headers in who.items():

        def home(headers=headers):
            resp = client.get("/", headers=headers)
            assert resp.status_code == 200, resp.status_code

        timed(f"home page, {label}", home)
    if not exchange:
        return out
    with flask_app.test_request_context():
        matrix = tk.get_action("holdings_matrix")
        search = tk.get_action("package_search")
        for label, user in (("anonymous", ""), ("member", MEMBER)):
            timed(f"holdings_matrix organisations x sectors, {label}", lambda u=user: matrix({"user": u}, {}))
            timed(
                f"holdings_matrix organisations x admin-1, {label}",
                lambda u=user: matrix({"user": u}, {"columns": "places"}),
            )
            timed(
                f"/dataset landing search (anchor), {label}",
                lambda u=user: search(
                    {"user": u},
                    {
                        "q": "*:*",
                        "facet.field": ["organization", "groups", "tags", "res_format", "license_id", "sectors"],
                    },
                ),
            )
        timed("matching of one new dataset against 1,000 open needs", _matching(tk))
    return out


def _matching(tk):
    """The open needs that one dataset matches (what ``package_create`` adds
    for the needs, before it tells the needs' followers): a dataset with a
    place of the gazetteer, as ``package_show`` gives it."""
    from ckanext.imwg_exchange.needs import notices

    hit = tk.get_action("package_search")({"ignore_auth": True}, {"fq": "sensitivity:public", "rows": 1})["results"][0]
    pkg = tk.get_action("package_show")({"ignore_auth": True}, {"id": hit["id"]})
    return lambda: notices.matching_needs(pkg)


def run(n: int, runs: int, tmp: Path) -> dict:
    inis = {}
    for label, plugins in (("with", WITH), ("without", WITHOUT)):
        (tmp / label).mkdir()
        ini = bench_ini(tmp / label, plugins)
        ini.write_text(
            ini.read_text().replace("/ckan_imwg_bench\n", f"/{DB}\n") + f"ckan.storage_path = {tmp / 'storage'}\n"
        )
        inis[label] = ini
    print(f"[{n}] database", flush=True)
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    sh("bash", str(ROOT / "scripts" / "db.sh"), DB)
    sh(CKAN, "-c", str(inis["with"]), "db", "init")
    sh(CKAN, "-c", str(inis["with"]), "db", "upgrade")
    print(f"[{n}] gazetteer of 5,001 units", flush=True)
    leaves = gazetteer(tmp / "gazetteer.geojson")
    (tmp / "leaves.json").write_text(json.dumps(leaves))
    sh(CKAN, "-c", str(inis["with"]), "pcode", "load", str(tmp / "gazetteer.geojson"))
    print(f"[{n}] organisations, datasets and needs", flush=True)
    sh(
        sys.executable,
        __file__,
        "--prepare",
        str(inis["with"]),
        "--datasets",
        str(n),
        "--leaves",
        str(tmp / "leaves.json"),
    )
    print(f"[{n}] index", flush=True)
    sh(CKAN, "-c", str(inis["with"]), "search-index", "rebuild-fast")
    print(f"[{n}] freshness of every dataset", flush=True)
    t0 = time.perf_counter()
    sh(CKAN, "-c", str(inis["with"]), "exchange", "freshness")
    first = time.perf_counter() - t0
    t0 = time.perf_counter()
    sh(CKAN, "-c", str(inis["with"]), "exchange", "freshness")
    again = time.perf_counter() - t0
    samples: dict[str, list[float]] = {}
    per_round = max(1, runs // ROUNDS)
    for number in range(ROUNDS):
        for label in ("with", "without"):
            print(f"[{n}] round {number + 1}/{ROUNDS}, {label} imwg_exchange", flush=True)
            done = sh(
                sys.executable, __file__, "--measure", str(inis[label]), "--runs", str(per_round), "--label", label
            )
            for name, values in json.loads(done.stdout.strip().splitlines()[-1]).items():
                samples.setdefault(f"{name} ({label} imwg_exchange)", []).extend(values)
    return {
        "datasets": n,
        "organisations": 100,
        "units": 5001,
        "open_needs": 1000,
        "freshness_all_s": {"first run": round(first, 1), "next run": round(again, 1)},
        "measures": {name: percentiles(values) for name, values in samples.items()},
        "date": datetime.utcnow().strftime("%Y-%m-%d"),
    }


def markdown(result: dict) -> str:
    lines = [
        f"{result['datasets']:,} datasets, {result['organisations']} organisations, "
        f"{result['units']:,} units, {result['open_needs']:,} open needs",
        "",
        "| measure | p50 (ms) | p95 (ms) |",
        "|---|---|---|",
    ]
    for name, p in sorted(result["measures"].items()):
        lines.append(f"| {name} | {p['p50_ms']} | {p['p95_ms']} |")
    fresh = result["freshness_all_s"]
    lines.append(
        f"| `ckan exchange freshness`, every dataset (whole process) | first run {fresh['first run']} s | "
        f"next run {fresh['next run']} s |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=60, help="samples per measure and configuration")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--leaves", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--label", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.datasets, json.loads(args.leaves.read_text()))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs, args.label == "with")))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.datasets, args.runs, Path(tmp))
    out = RESULTS / f"overview-{args.datasets}.json"
    out.write_text(json.dumps(result, indent=2))
    print(markdown(result))
    print(f"\n(written to {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
