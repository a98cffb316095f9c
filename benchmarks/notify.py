"""What following places costs at scale, and what the notifications add to a request.

    .venv/bin/python benchmarks/notify.py [--followers 10000] [--datasets 1000] [--send 50] [--runs 60]

1. recreates the database ``ckan_imwg_bench_notify`` and loads the
   benchmark gazetteer of ``benchmarks/overview.py`` (5,001 units);
2. writes N datasets straight into CKAN's tables (the fast path of
   ``benchmarks/search.py``), all placed in townships of one state, at the
   four levels (50 % public, 30 % restricted, 15 % confidential, 5 %
   strictly confidential), and F users who all follow that state (10 % of
   them members of one of the datasets' organisations);
3. the day's changes: a resource of each of the N datasets changes, and each
   change is stored once (``follows.fanout.fan_out``; none of the followers
   chose to be told at once);
4. the daily digest: ``digests.build`` finds every follower of the day's
   changes, checks what each may see (their permission labels, grouped) and
   writes each group's digest once; then the send jobs' work, in this
   process, in their batches, hands every digest to a local SMTP server
   (aiosmtpd, started here): all of them, or the first ``--send`` with the
   total projected from their mean;
5. ``access_request_create`` timed with and without ``imwg_notify``, in fresh
   processes that alternate between the configurations (the mail is queued,
   not sent, in the request).

Results go to ``benchmarks/results/notify-<F>.json`` and are printed as a
Markdown table for the README.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overview import COUNTRY, gazetteer  # noqa: E402
from search import CKAN, RESULTS, ROOT, bench_ini, generate, load_ckan, psql, sh  # noqa: E402

DB = "ckan_imwg_bench_notify"
URL = f"postgresql://ckan_imwg:ckan_imwg@127.0.0.1:5432/{DB}"
CORE = "activity imwg scheming_datasets scheming_organizations"
WITH = f"{CORE} imwg_notify imwg_pcode imwg_sensitivity imwg_search"
WITHOUT = f"{CORE} imwg_pcode imwg_sensitivity imwg_search"
LEVELS = [("public", 50), ("restricted", 30), ("confidential", 15), ("strictly_confidential", 5)]
STATE = f"{COUNTRY}01"
REQUESTER = "bench-requester"
ROUNDS = 3


def prepare(ini: Path, n: int, followers: int, leaves: list[str]) -> None:
    """Organisations, datasets in one state, the followers (in this process)."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import psycopg2
    from psycopg2.extras import execute_values

    load_ckan(ini)
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    sysadmin = lambda: {"user": site, "ignore_auth": True}  # noqa: E731
    orgs = [
        tk.get_action("organization_create")(
            sysadmin(), {"name": f"org-{i:02d}", "title": f"Organisation {i:02d}", "org_type": "ingo"}
        )["id"]
        for i in range(10)
    ]
    tk.get_action("user_create")(
        sysadmin(), {"name": REQUESTER, "email": "requester@example.org", "password": "Bench-pass-2026"}
    )
    groups = [
        tk.get_action("group_create")(sysadmin(), {"name": f"theme-{i}", "title": f"Theme {i}"})["id"] for i in range(4)
    ]
    creator = model.User.get(site).id
    generate(n, orgs, groups, creator, url=URL)
    model.Session.remove()

    rnd = random.Random(23)
    state_leaves = [code for code in leaves if code.startswith(STATE)]
    levels = [lvl for lvl, weight in LEVELS for _ in range(weight)]
    conn = psycopg2.connect(URL)
    cur = conn.cursor()
    cur.execute("UPDATE package SET private = false")
    cur.execute("SELECT id FROM package WHERE type = 'dataset' ORDER BY name")
    ids = [r[0] for r in cur.fetchall()]
    extras = []
    for pid in ids:
        values = {
            "pcodes": json.dumps(sorted(set(rnd.sample(state_leaves, rnd.randint(1, 3))))),
            "countries": json.dumps([COUNTRY]),
            "sensitivity": rnd.choice(levels),
        }
        extras += [(str(uuid.uuid4()), pid, key, value, "active") for key, value in values.items()]
    execute_values(cur, "INSERT INTO package_extra (id, package_id, key, value, state) VALUES %s", extras)
    now = datetime.utcnow()
    users = [(str(uuid.uuid4()), f"follower-{i:05d}", f"follower-{i:05d}@example.org", now) for i in range(followers)]
    execute_values(
        cur,
        'INSERT INTO "user" (id, name, email, created, state, sysadmin) VALUES %s',
        users,
        template="(%s, %s, %s, %s, 'active', false)",
        page_size=5000,
    )
    members = [
        (str(uuid.uuid4()), rnd.choice(orgs), uid, "active", "user", "member")
        for uid, *_ in users
        if rnd.random() < 0.1
    ]
    execute_values(cur, "INSERT INTO member (id, group_id, table_id, state, table_name, capacity) VALUES %s", members)
    execute_values(
        cur,
        "INSERT INTO imwg_notify_place_follow (user_id, pcode, created) VALUES %s",
        [(uid, STATE, now - timedelta(days=1)) for uid, *_ in users],
        page_size=5000,
    )
    cur.execute("ANALYZE")
    conn.commit()
    conn.close()


def fan_out(ini: Path) -> dict:
    """A resource of every dataset changes: each change told to the state's followers who see it."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    from ckanext.imwg_notify.follows import fanout
    from ckanext.imwg_notify.follows.visibility import Audience

    load_ckan(ini)
    site = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    rows = model.Session.execute(
        sa.text(
            "SELECT DISTINCT ON (p.id) p.id, r.id AS resource_id FROM package p JOIN resource r ON r.package_id = p.id"
            " WHERE p.type = 'dataset' AND p.state = 'active' ORDER BY p.id, r.position"
        )
    ).all()
    audience = Audience()
    stored = 0
    each = []
    t0 = time.perf_counter()
    for i, row in enumerate(rows):
        t1 = time.perf_counter()
        stored += fanout.fan_out(
            {"user": site}, row.id, fanout.RESOURCE_CHANGED, resource_id=row.resource_id, audience=audience
        )
        each.append(time.perf_counter() - t1)
        if i % 50 == 49:
            model.Session.commit()
    model.Session.commit()
    elapsed = time.perf_counter() - t0
    changes = model.Session.execute(sa.text("SELECT count(*) FROM imwg_notify_change")).scalar()
    return {
        "changes": len(rows),
        "stored_changes": changes,
        "messages": stored,
        "per_change_ms": round(statistics.mean(each) * 1000, 2),
        "seconds": round(elapsed, 1),
    }


class Counter:
    """An aiosmtpd handler that counts what it receives."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.count += 1
        self.bytes += len(envelope.content)
        return "250 OK"


def smtp_server(port: int, counts: Path) -> None:
    """A local SMTP server counting what it receives until it is stopped (SIGTERM)."""
    from aiosmtpd.controller import Controller

    handler = Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    stopped.wait()
    controller.stop()
    counts.write_text(json.dumps({"count": handler.count, "bytes": handler.bytes}))


def digest(ini: Path, send: int) -> dict:
    """Build the daily digests, then write and hand them to a local SMTP server."""
    import ckan.model as model
    import sqlalchemy as sa
    from ckan.common import config

    from ckanext.imwg_notify import model as notify_model
    from ckanext.imwg_notify.mail import digests, sender
    from tests.support import free_port

    # the mail server runs in a process of its own, as a real one would
    port = free_port()
    counts = Path(tempfile.mkdtemp()) / "smtp.json"
    server = subprocess.Popen([sys.executable, __file__, "--smtp", str(port), "--counts", str(counts)])
    deadline = time.time() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.time() > deadline:
                raise
            time.sleep(0.2)
    load_ckan(ini)
    config["smtp.server"] = f"127.0.0.1:{port}"
    config["smtp.starttls"] = False
    table = notify_model.message_table
    # the job queue is not wanted here: the digests are sent below, in this process,
    # in the batches the send jobs would carry
    sender.enqueue = lambda message_id: None
    sender.enqueue_many = lambda message_ids: None
    t0 = time.perf_counter()
    built = digests.build(datetime.utcnow() + timedelta(seconds=1))
    build_s = time.perf_counter() - t0
    contents = model.Session.execute(sa.select(sa.func.count()).select_from(notify_model.digest_content_table)).scalar()
    ids = list(
        model.Session.execute(
            sa.select(table.c.id).where(table.c.kind == "digest", table.c.status == notify_model.QUEUED)
        ).scalars()
    )
    model.Session.remove()
    chosen = ids if send <= 0 else ids[:send]
    t0 = time.perf_counter()
    outcome: dict[str, int] = {}
    for start in range(0, len(chosen), digests.BATCH):
        for done, count in sender.send_many(chosen[start : start + digests.BATCH]).items():
            outcome[done] = outcome.get(done, 0) + count
    send_s = time.perf_counter() - t0
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)
    received = json.loads(counts.read_text())
    assert set(outcome) <= {"sent", "withheld"}, outcome
    mean = send_s / len(chosen) if chosen else 0.0
    return {
        "digests": built,
        "written": contents,
        "build_s": round(build_s, 1),
        "sent": len(chosen),
        "received": received["count"],
        "mean_bytes": round(received["bytes"] / max(1, received["count"])),
        "send_s": round(send_s, 1),
        "per_digest_ms": round(mean * 1000, 2),
        "all_s": round(build_s + mean * built, 1),
    }


def measure(ini: Path, runs: int) -> list[float]:
    """``access_request_create`` by one requester on restricted datasets (each request removed after its timing)."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    import sqlalchemy as sa

    load_ckan(ini)
    ids = [
        r.package_id
        for r in model.Session.execute(
            sa.text("SELECT package_id FROM package_extra WHERE key = 'sensitivity' AND value = 'restricted' LIMIT 20")
        )
    ]
    create = tk.get_action("access_request_create")
    samples = []
    for i in range(runs + 5):
        data = {
            "package_id": ids[i % len(ids)],
            "purpose": "humanitarian_response",
            "intended_use": "Planning of clearance",
            "organization": "Bench NGO",
            "days": 30,
            "accept_terms": True,
        }
        t0 = time.perf_counter()
        create({"user": REQUESTER}, data)
        elapsed = time.perf_counter() - t0
        model.Session.remove()
        model.Session.execute(sa.text("DELETE FROM imwg_sensitivity_request"))
        if "imwg_notify_message" in sa.inspect(model.Session.get_bind()).get_table_names():
            model.Session.execute(sa.text("DELETE FROM imwg_notify_message"))
        model.Session.commit()
        if i >= 5:
            samples.append(elapsed)
    return samples


def _step(*cmd: str):
    """Run a step of the benchmark in a process of its own; its error output when it fails."""
    try:
        return sh(*cmd)
    except subprocess.CalledProcessError as error:
        sys.stderr.write(error.stderr[-5000:])
        raise


def run(n: int, followers: int, send: int, runs: int, tmp: Path) -> dict:
    inis = {}
    for label, plugins in (("with", WITH), ("without", WITHOUT)):
        (tmp / label).mkdir()
        ini = bench_ini(tmp / label, plugins)
        ini.write_text(
            ini.read_text().replace("/ckan_imwg_bench\n", f"/{DB}\n") + f"ckan.storage_path = {tmp / 'storage'}\n"
        )
        inis[label] = ini
    print(f"[{followers}] database", flush=True)
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    sh("bash", str(ROOT / "scripts" / "db.sh"), DB)
    sh(CKAN, "-c", str(inis["with"]), "db", "init")
    sh(CKAN, "-c", str(inis["with"]), "db", "upgrade")
    print(f"[{followers}] gazetteer of 5,001 units", flush=True)
    leaves = gazetteer(tmp / "gazetteer.geojson")
    (tmp / "leaves.json").write_text(json.dumps(leaves))
    sh(CKAN, "-c", str(inis["with"]), "pcode", "load", str(tmp / "gazetteer.geojson"))
    print(f"[{followers}] {n:,} datasets in {STATE}, {followers:,} followers of {STATE}", flush=True)
    me = [sys.executable, __file__, "--datasets", str(n), "--followers", str(followers)]
    _step(*me, "--prepare", str(inis["with"]), "--leaves", str(tmp / "leaves.json"))
    sh(CKAN, "-c", str(inis["with"]), "search-index", "rebuild-fast")
    print(f"[{followers}] the day's changes fanned out", flush=True)
    spread = json.loads(_step(*me, "--fanout", str(inis["with"])).stdout.strip().splitlines()[-1])
    print(f"[{followers}] the daily digest built and sent", flush=True)
    daily = json.loads(_step(*me, "--digest", str(inis["with"]), "--send", str(send)).stdout.strip().splitlines()[-1])
    samples: dict[str, list[float]] = {}
    for number in range(ROUNDS):
        for label in ("with", "without"):
            print(f"[{followers}] round {number + 1}/{ROUNDS}, access requests {label} imwg_notify", flush=True)
            done = _step(*me, "--measure", str(inis[label]), "--runs", str(max(1, runs // ROUNDS)))
            samples.setdefault(label, []).extend(json.loads(done.stdout.strip().splitlines()[-1]))
    p50 = {label: statistics.median(values) * 1000 for label, values in samples.items()}
    return {
        "datasets": n,
        "followers": followers,
        "fan_out": spread,
        "digest": daily,
        "access_request_create_p50_ms": {k: round(v, 1) for k, v in p50.items()},
        "access_request_overhead_pct": round((p50["with"] / p50["without"] - 1) * 100, 1),
        "date": datetime.utcnow().strftime("%Y-%m-%d"),
    }


def markdown(r: dict) -> str:
    f, d, a = r["fan_out"], r["digest"], r["access_request_create_p50_ms"]
    return "\n".join(
        [
            f"{r['followers']:,} followers of one state, {r['datasets']:,} datasets in it changing in a day",
            "",
            "| measure | figure |",
            "|---|---|",
            f"| {f['changes']:,} changes stored ({f['stored_changes']:,} rows, {f['messages']:,} messages "
            f"for followers told at once) | {f['seconds']} s ({f['per_change_ms']} ms per change) |",
            f"| `digests.build` ({d['digests']:,} daily digests, {d['written']:,} written) | {d['build_s']} s |",
            f"| digests handed to SMTP ({d['sent']:,} sent, {d['received']:,} received, "
            f"{d['mean_bytes']:,} bytes each) | {d['send_s']} s ({d['per_digest_ms']} ms each) |",
            f"| daily digest of every follower, built and sent{'' if d['sent'] == d['digests'] else ' (projected)'} "
            f"| {d['all_s']} s |",
            f"| `access_request_create` p50, with / without imwg_notify | {a['with']} / {a['without']} ms "
            f"({r['access_request_overhead_pct']:+} %) |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=1000)
    parser.add_argument("--followers", type=int, default=10000)
    parser.add_argument("--send", type=int, default=0, help="digests sent for the timing (0: all)")
    parser.add_argument("--runs", type=int, default=60, help="access requests per configuration")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--leaves", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--fanout", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--digest", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--smtp", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--counts", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smtp:
        smtp_server(args.smtp, args.counts)
        return
    if args.prepare:
        prepare(args.prepare, args.datasets, args.followers, json.loads(args.leaves.read_text()))
        return
    if args.fanout:
        print(json.dumps(fan_out(args.fanout)))
        return
    if args.digest:
        print(json.dumps(digest(args.digest, args.send)))
        return
    if args.measure:
        print(json.dumps(measure(args.measure, args.runs)))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        result = run(args.datasets, args.followers, args.send, args.runs, Path(tmp))
    out = RESULTS / f"notify-{args.followers}.json"
    out.write_text(json.dumps(result, indent=2))
    print(markdown(result))
    print(f"\n(written to {out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
