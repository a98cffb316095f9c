"""What the sharing protocol costs: package_search and package_show with and
without the imwg_sensitivity plugin, at 10,000 datasets.

    .venv/bin/python benchmarks/sensitivity.py [--datasets 10000] [--runs 300]

1. creates two databases, ``ckan_imwg_bench`` (for CKAN without the plugin)
   and ``ckan_imwg_bench_sensitivity`` (with it), and writes the same
   content into each (same seed): 40 organisations and 12 groups, and N
   datasets straight into CKAN's tables (the fast path of
   ``benchmarks/search.py``), each with a level (50 % public, 30 %
   restricted, 15 % confidential, 5 % strictly confidential) and its 1-5
   link resources; the benchmark users are an anonymous visitor, a member of
   one organisation holding 20 grants, and a user of no organisation;
2. indexes each database with its own configuration (the plugin adds its
   permission labels);
3. times ``package_search`` (20 rows with the facets of the /dataset page,
   varied words) and ``package_show`` (varied visible datasets) for each
   user, through CKAN's actions with their auth, in fresh processes that
   alternate between the two configurations (ROUNDS rounds each, so that
   the machine's drift falls on both alike);
4. reports the medians and p95 over all rounds and the overhead of the plugin.

Results go to ``benchmarks/results/sensitivity-<N>.json`` and are printed as
a Markdown table for the README.
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from search import (  # noqa: E402
    CKAN,
    DB,
    RESULTS,
    ROOT,
    WORDS,
    bench_ini,
    create_owners,
    generate,
    load_ckan,
    psql,
    sh,
)

BASE = "activity imwg scheming_datasets imwg_search"
WITH = "activity imwg scheming_datasets imwg_sensitivity imwg_search"
LEVELS = [("public", 50), ("restricted", 30), ("confidential", 15), ("strictly_confidential", 5)]
USERS = ("anonymous", "bench-member", "bench-loner")
FACETS = ["organization", "groups", "tags", "res_format", "license_id"]
ROUNDS = 3


def prepare(ini: Path, n: int) -> None:
    """Owners, datasets with levels, the benchmark users and grants (in this process)."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import psycopg2
    from psycopg2.extras import execute_values

    url = _url(ini)
    ctx = load_ckan(ini)
    orgs, groups, creator = create_owners()
    generate(n, orgs, groups, creator, url=url)
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    for name in ("bench-member", "bench-loner"):
        tk.get_action("user_create")(
            {"user": site, "ignore_auth": True},
            {"name": name, "email": f"{name}@example.org", "password": "Bench-pass-2026"},
        )
    tk.get_action("organization_member_create")(
        {"user": site, "ignore_auth": True}, {"id": orgs[0], "username": "bench-member", "role": "member"}
    )
    member_id = model.User.get("bench-member").id
    ctx.pop()

    rnd = random.Random(13)
    conn = psycopg2.connect(url)
    cur = conn.cursor()
    cur.execute("SELECT id FROM package WHERE type = 'dataset' ORDER BY name")
    ids = [r[0] for r in cur.fetchall()]
    levels = [lvl for lvl, weight in LEVELS for _ in range(weight)]
    rows = [(str(uuid.uuid4()), pid, "sensitivity", rnd.choice(levels), "active") for pid in ids]
    execute_values(cur, "INSERT INTO package_extra (id, package_id, key, value, state) VALUES %s", rows)
    confidential = [r[1] for r in rows if r[3] == "confidential"]
    grants = [(str(uuid.uuid4()), pid, member_id, creator) for pid in rnd.sample(confidential, 20)]
    execute_values(
        cur,
        "INSERT INTO imwg_sensitivity_grant (id, package_id, user_id, granted_by, created, expires) VALUES %s",
        grants,
        template="(%s, %s, %s, %s, now(), now() + interval '30 days')",
    )
    conn.commit()


def percentiles(samples: list[float]) -> dict[str, float]:
    samples = sorted(samples)
    return {
        "p50_ms": round(statistics.median(samples) * 1000, 2),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1] * 1000, 2),
    }


def measure(ini: Path, runs: int, seed: int) -> dict:
    """Time the two actions for each user (in this process, with ini's
    plugins); the samples in seconds."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    load_ckan(ini)
    search = tk.get_action("package_search")
    show = tk.get_action("package_show")
    public = [
        r[0]
        for r in model.Session.execute(
            model.Package.__table__.select()
            .with_only_columns(model.Package.id)
            .where(model.Package.private.is_(False), model.Package.type == "dataset")
        )
    ]
    visible_levels = {
        r[0]: r[1]
        for r in model.Session.query(model.PackageExtra.package_id, model.PackageExtra.value).filter(
            model.PackageExtra.key == "sensitivity"
        )
    }
    shown = [p for p in public if visible_levels.get(p) != "strictly_confidential"]
    model.Session.remove()
    result: dict[str, dict] = {}
    for user in USERS:
        rnd = random.Random(seed)
        name = "" if user == "anonymous" else user
        timings: dict[str, list[float]] = {"package_search": [], "package_show": []}
        for i in range(runs + 20):
            params = {"q": rnd.choice(WORDS), "rows": 20, "facet.field": json.dumps(FACETS)}
            t0 = time.perf_counter()
            search({"user": name}, params)
            elapsed = time.perf_counter() - t0
            model.Session.remove()
            pid = rnd.choice(shown)
            t1 = time.perf_counter()
            show({"user": name}, {"id": pid})
            shown_elapsed = time.perf_counter() - t1
            model.Session.remove()
            if i >= 20:  # warm-up
                timings["package_search"].append(elapsed)
                timings["package_show"].append(shown_elapsed)
        result[user] = timings
    return result


def _database(ini: Path) -> None:
    """Recreate the database ``ini`` names (CKAN's tables and the plugins')."""
    db = _url(ini).rsplit("/", 1)[1]
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    sh("bash", str(ROOT / "scripts" / "db.sh"), db)
    sh(CKAN, "-c", str(ini), "db", "init")
    sh(CKAN, "-c", str(ini), "db", "upgrade")


def _url(ini: Path) -> str:
    return next(
        line.split("=", 1)[1].strip() for line in ini.read_text().splitlines() if line.startswith("sqlalchemy.url")
    )


def run(n: int, runs: int, tmp: Path) -> dict:
    inis = {}
    for label, plugins, db in (("without", BASE, DB), ("with", WITH, f"{DB}_sensitivity")):
        (tmp / label).mkdir()
        (tmp / label / "setup").mkdir()
        ini = bench_ini(tmp / label, plugins)
        ini.write_text(ini.read_text().replace(f"/{DB}\n", f"/{db}\n"))
        # both databases get the plugin's tables: the datasets and grants are the same in both
        setup = bench_ini(tmp / label / "setup", WITH)
        setup.write_text(setup.read_text().replace(f"/{DB}\n", f"/{db}\n"))
        print(f"[{n}] database and datasets ({label} imwg_sensitivity)", flush=True)
        _database(setup)
        sh(sys.executable, __file__, "--prepare", str(setup), "--datasets", str(n))
        print(f"[{n}] index ({label} imwg_sensitivity)", flush=True)
        sh(CKAN, "-c", str(ini), "search-index", "rebuild-fast")
        inis[label] = ini
    ini_without, ini_with = inis["without"], inis["with"]
    samples: dict = {"without": {}, "with": {}}
    per_round = max(1, runs // ROUNDS)
    for number in range(ROUNDS):
        for label, ini in (("without", ini_without), ("with", ini_with)):
            print(f"[{n}] round {number + 1}/{ROUNDS}, {label} imwg_sensitivity", flush=True)
            args = ["--measure", str(ini), "--runs", str(per_round), "--seed", str(100 + number)]
            done = sh(sys.executable, __file__, *args)
            for user, timings in json.loads(done.stdout.strip().splitlines()[-1]).items():
                for action, values in timings.items():
                    samples[label].setdefault(user, {}).setdefault(action, []).extend(values)
    out: dict = {"datasets": n, "runs": per_round * ROUNDS, "rounds": ROUNDS}
    for label in ("without", "with"):
        out[label] = {
            user: {action: percentiles(values) for action, values in timings.items()}
            for user, timings in samples[label].items()
        }
    out["overhead_pct"] = {
        user: {
            action: round((out["with"][user][action]["p50_ms"] / out["without"][user][action]["p50_ms"] - 1) * 100, 1)
            for action in ("package_search", "package_show")
        }
        for user in USERS
    }
    return out


def markdown(r: dict) -> str:
    lines = [
        f"| {r['datasets']:,} datasets, {r['runs']} runs in {r['rounds']} rounds | without: p50 (p95) | with: p50 (p95) | overhead (p50) |",
        "|---|---|---|---|",
    ]
    for user in USERS:
        for action in ("package_search", "package_show"):
            a, b = r["without"][user][action], r["with"][user][action]
            lines.append(
                f"| `{action}`, {user} | {a['p50_ms']} ms ({a['p95_ms']}) | {b['p50_ms']} ms ({b['p95_ms']}) "
                f"| {r['overhead_pct'][user][action]:+.1f} % |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", type=int, default=10000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--prepare", type=Path)
    parser.add_argument("--measure", type=Path)
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args()
    if args.prepare:
        prepare(args.prepare, args.datasets)
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs, args.seed)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.datasets, args.runs, Path(tmp))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"sensitivity-{args.datasets}.json").write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
