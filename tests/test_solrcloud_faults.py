"""Faults, with real processes on loopback: a SolrCloud node stopped and
restarted under searches and writes, and a jobs worker killed in the middle
of a job.

They run in the Solr pass of ``make test`` (tests/solr.ini) and are skipped
on the PostgreSQL session. The SolrCloud is ``make solrcloud`` (two nodes on
8984 and 8985, collection ``ckan`` with 2 shards x 2 replicas, control port
9984), started here when it does not run, and stopped again after; another
one with ``SOLRCLOUD_NAME``, ``SOLRCLOUD_ZK``, ``SOLRCLOUD_PORTS`` and
``SOLRCLOUD_CONTROL`` (as ``scripts/solr.sh`` reads them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from tests.conftest import solr_backend
from tests.support import ROOT, free_port, running_ini, wait_for_portal

CLOUD = os.environ.get("SOLRCLOUD_NAME", "solrcloud")
NODES = tuple(f"http://127.0.0.1:{port}/solr" for port in os.environ.get("SOLRCLOUD_PORTS", "8984 8985").split())
CONTROL = f"http://127.0.0.1:{os.environ.get('SOLRCLOUD_CONTROL', '9984')}/nodes"
#: CKAN is pointed at node 1; node 2 is the one that fails
SOLR_URL = NODES[0] + "/ckan"
SEARCHERS = 10
#: seconds of each phase: both nodes, node 2 down, node 2 back
PHASE = 8

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture(scope="module", autouse=True)
def solr_session():
    if not solr_backend():
        pytest.skip("runs in the Solr pass of make test (tests/solr.ini)")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def cloud():
    """``make solrcloud`` (started if it does not answer, stopped after), both nodes up, collection empty."""
    started = False
    if not _answers(CONTROL):
        subprocess.run(["bash", "scripts/solr.sh", "cloud"], cwd=ROOT, check=True, timeout=300)
        started = True
    try:
        requests.post(CONTROL + "/2/start", timeout=90).raise_for_status()
        _wait_all_active()
        requests.post(
            SOLR_URL + "/update?commit=true", json={"delete": {"query": "*:*"}}, timeout=30
        ).raise_for_status()
        yield
    finally:
        if started:
            subprocess.run(
                ["bash", "scripts/solr.sh", "stop"], cwd=ROOT, env={**os.environ, "SOLR_NAME": CLOUD}, timeout=60
            )


LOGGING = """
[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = {level}
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic
[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s
"""


def _ini(path: Path, level: str = "WARN", **options: str) -> Path:
    """The session's configuration (its database and Redis) with ``options``; its log at ``level``."""
    lines = ["[app:main]", f"use = config:{running_ini()}", *(f"{k} = {v}" for k, v in options.items())]
    path.write_text("\n".join(lines) + "\n" + LOGGING.replace("{level}", level))
    return path


@contextmanager
def portal(tmp: Path, **options: str) -> Iterator[str]:
    """CKAN as the docker image and ``make portal`` serve it (gunicorn, sync workers, the image's
    WSGI entry point) on a free loopback port; yields its URL. Its log: tmp/portal.log."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ini = _ini(tmp / "portal.ini", **{"ckan.site_url": url, **options})
    log = tmp / "portal.log"
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [gunicorn, "--chdir", str(ROOT / "docker"), "--bind", f"127.0.0.1:{port}", "--workers", "3"]
            + ["--timeout", "60", "wsgi:application"],
            env={**os.environ, "CKAN_INI": str(ini)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_portal(url, proc, log, seconds=180)
        yield url
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop a process started in a session of its own, with its children."""
    try:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def _replicas() -> list[dict]:
    status = requests.get(
        NODES[0] + "/admin/collections", params={"action": "CLUSTERSTATUS", "collection": "ckan"}, timeout=10
    ).json()["cluster"]
    live = set(status["live_nodes"])
    return [
        {**replica, "shard": shard, "live": replica["node_name"] in live}
        for shard, body in status["collections"]["ckan"]["shards"].items()
        for replica in body["replicas"].values()
    ]


def _wait_all_active(seconds: float = 90) -> list[dict]:
    deadline = time.monotonic() + seconds
    while True:
        replicas = _replicas()
        if len(replicas) == 4 and all(r["state"] == "active" and r["live"] for r in replicas):
            return replicas
        assert time.monotonic() < deadline, f"replicas not all active after {seconds}s: {replicas}"
        time.sleep(0.5)


def _caught_up_copies(prefix: str, seconds: float = 90) -> dict[str, list[list[str]]]:
    """Each shard's replicas' own copies (not distributed) of the datasets named ``prefix``,
    once both replicas of every shard hold the same. A replica that came back while updates
    were made may be reported active before the leader has found it missed some and put it
    into recovery again; catching up is that second recovery too, so the copies are read
    until they agree (bounded: still different after ``seconds`` is a failure)."""
    deadline = time.monotonic() + seconds
    while True:
        replicas = _wait_all_active(max(deadline - time.monotonic(), 1))
        requests.get(SOLR_URL + "/update", params={"commit": "true"}, timeout=30).raise_for_status()
        by_shard: dict[str, list[list[str]]] = {}
        for replica in replicas:  # each replica's own index, not distributed
            by_shard.setdefault(replica["shard"], []).append(
                sorted(_names(replica["base_url"], replica["core"], prefix, distrib="false"))
            )
        differ = {shard: copies for shard, copies in by_shard.items() if copies[0] != copies[1]}
        if not differ:
            return by_shard
        assert time.monotonic() < deadline, f"replicas still differ after {seconds}s: {differ}"
        time.sleep(2)


class Load:
    """10 searchers and 1 publisher against a live CKAN, until stopped; every answer is kept."""

    def __init__(self, url: str, token: str, org_id: str, prefix: str):
        self.url, self.token, self.org_id, self.prefix = url, token, org_id, prefix
        self.phase = "both nodes"
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.searches: Counter = Counter()  # (phase, status)
        self.slowest = 0.0
        self.created: list[tuple[str, str]] = []  # (phase, name)
        self.failures: list[str] = []
        self.threads = [threading.Thread(target=self.search, args=(i,)) for i in range(SEARCHERS)]
        self.threads.append(threading.Thread(target=self.publish))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def search(self, i: int) -> None:
        session = requests.Session()
        queries = [
            ("/api/3/action/package_search", {"q": "casualties"}),
            (
                "/api/3/action/package_search",
                {"fq": f"name:{self.prefix}*", "rows": 5, "sort": "metadata_modified desc"},
            ),
            ("/api/3/action/package_search", {"q": "survey", "facet.field": '["organization","tags"]'}),
            ("/dataset/", {"q": "casualties"}),
        ]
        n = 0
        while not self.stop.is_set():
            path, params = queries[(i + n) % len(queries)]
            n += 1
            phase, started = self.phase, time.monotonic()
            try:
                resp = session.get(self.url + path, params=params, timeout=30)
                status = resp.status_code
            except requests.RequestException as error:
                status = type(error).__name__
            if status != 200:
                self.failures.append(f"{path} {params}: {status} {resp.text[-500:] if isinstance(status, int) else ''}")
            with self.lock:
                self.searches[phase, status] += 1
                self.slowest = max(self.slowest, time.monotonic() - started)

    def publish(self) -> None:
        session = requests.Session()
        session.headers["Authorization"] = self.token
        n = 0
        while not self.stop.is_set():
            phase, name = self.phase, f"{self.prefix}{n:04d}"
            n += 1
            try:
                resp = session.post(
                    self.url + "/api/3/action/package_create",
                    json={
                        "type": "dataset",
                        "name": name,
                        "title": f"Casualties survey {name}",
                        "owner_org": self.org_id,
                        "source": "Field teams",
                        "sectors": ["protection"],
                        "sensitivity": "public",
                    },
                    timeout=30,
                )
            except requests.RequestException as error:
                self.failures.append(f"{name}: {error!r}")
                continue
            if resp.status_code == 200:
                self.created.append((phase, name))
            else:
                self.failures.append(f"{name}: {resp.status_code} {resp.text[:300]}")

    def in_phase(self, phase: str) -> tuple[int, int]:
        """(searches answered 200, datasets created) in ``phase``."""
        return self.searches[phase, 200], sum(1 for p, _ in self.created if p == phase)


def _names(base: str, core: str, prefix: str, **params) -> list[str]:
    resp = requests.get(
        f"{base}/{core}/select",
        params={"q": f"name:{prefix}*", "fl": "name", "rows": 10000, "wt": "json", **params},
        timeout=30,
    )
    resp.raise_for_status()
    return [doc["name"] for doc in resp.json()["response"]["docs"]]


@pytest.mark.usefixtures("cloud")
def test_a_node_stops_and_comes_back_under_searches_and_writes(tmp_path):
    """Node 2 stops while 10 searchers and a publisher run, then starts again: no 5xx, no
    failed request, searches answer and datasets are created all along; once node 2 has caught
    up, every dataset is in the index exactly once, on every node and every replica."""
    from ckan.tests import factories

    admin = factories.Sysadmin()
    token = factories.APIToken(user=admin["name"])["token"]
    org = factories.Organization(org_type="ingo")
    prefix = f"fault-{uuid.uuid4().hex[:8]}-"
    with portal(tmp_path, solr_url=SOLR_URL, solr_timeout="10") as url:
        for _ in range(3):  # each gunicorn worker's first requests load what they need: not timed
            requests.get(url + "/dataset/", timeout=120).raise_for_status()
        with Load(url, token, org["id"], prefix) as load:
            time.sleep(PHASE)
            load.phase = "node 2 down"
            requests.post(CONTROL + "/2/stop", timeout=90).raise_for_status()
            assert any(not r["live"] for r in _replicas())
            time.sleep(PHASE)
            load.phase = "node 2 back"
            requests.post(CONTROL + "/2/start", timeout=90).raise_for_status()
            time.sleep(PHASE)

        assert not load.failures, load.failures[:5]
        assert {status for _, status in load.searches} == {200}, f"searches answered {dict(load.searches)}"
        for phase in ("both nodes", "node 2 down", "node 2 back"):
            searched, made = load.in_phase(phase)
            assert searched >= 5 and made >= 1, f"{phase}: {searched} searches, {made} datasets"
        assert load.slowest < 10, f"a search took {load.slowest:.1f}s"

        by_shard = _caught_up_copies(prefix)
        created = sorted(name for _, name in load.created)
        result = requests.get(
            url + "/api/3/action/package_search", params={"fq": f"name:{prefix}*", "rows": 1000}, timeout=30
        ).json()["result"]
        assert result["count"] == len(created)
        assert sorted(d["name"] for d in result["results"]) == created
    for node in NODES:  # the collection through each node
        names = _names(node, "ckan", prefix)
        assert sorted(names) == created, f"{node}: {len(names)} found, {len(created)} created"
    in_shards = [name for copies in by_shard.values() for name in copies[0]]
    assert sorted(in_shards) == created  # each dataset in exactly one shard, none missing


@pytest.mark.usefixtures("cloud")
def test_the_node_ckan_is_pointed_at_stops(tmp_path):
    """CKAN has one solr_url: with that node down, searches and pages answer 503 with the
    message, soon (no 500, no hang); with it back, they answer again."""
    with portal(tmp_path, solr_url=SOLR_URL, solr_timeout="5") as url:
        requests.post(CONTROL + "/1/stop", timeout=90).raise_for_status()
        try:
            for path in ("/api/3/action/package_search", "/dataset/", "/"):
                started = time.monotonic()
                resp = requests.get(url + path, timeout=30)
                assert resp.status_code == 503, (path, resp.status_code)
                assert "The search service is unavailable" in resp.text
                assert time.monotonic() - started < 10
        finally:
            requests.post(CONTROL + "/1/start", timeout=90).raise_for_status()
        _wait_all_active()
        assert requests.get(url + "/api/3/action/package_search", timeout=30).status_code == 200


#: rows enough that the job of the file runs for a few seconds
ROWS = 1_000_000


def big_table() -> str:
    return "ADM3_PCODE,Killed\n" + "".join(f"{['MMR001014', 'MMR015001'][i % 2]},{i}\n" for i in range(ROWS))


def _worker(tmp: Path, n: int) -> subprocess.Popen:
    """A real ``ckan jobs worker`` on the session's database and Redis, and the test's files
    (log tmp/worker-N.log)."""
    from ckan.common import config

    ckan = str(Path(sys.executable).parent / "ckan")
    ini = _ini(tmp / "worker.ini", "INFO", **{"ckan.storage_path": config["ckan.storage_path"]})
    with (tmp / f"worker-{n}.log").open("wb") as out:
        return subprocess.Popen(
            [ckan, "-c", str(ini), "jobs", "worker"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _until(what: str, check, seconds: float, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"{what}: not within {seconds}s"
        time.sleep(every)
    return found


@pytest.mark.usefixtures("clean_queues")
@pytest.mark.ckan_config("ckan.max_resource_size", 100)
def test_a_worker_killed_mid_job_and_the_job_runs_again(tmp_path, create_with_upload):
    """The worker (and its work horse) is killed while it analyses an upload; the next worker
    takes the abandoned job up again (rq's retry, which the suite asks for when it queues the
    job) and its results are all stored."""
    from ckan.lib import jobs
    from ckan.tests.helpers import call_action
    from rq.job import Job
    from rq.registry import FailedJobRegistry, StartedJobRegistry

    from ckanext.imwg_hxl import jobs as hxl_jobs
    from ckanext.imwg_pcode.model import coverage_table
    from ckanext.imwg_sensitivity import screening
    from tests.imwg_pcode.places import load
    from tests.support import editor_dataset

    load(tmp_path)
    res = create_with_upload(
        big_table(),
        "big.csv",
        url="big.csv",
        format="CSV",
        package_id=editor_dataset()["id"],
        context={"user": "editor"},
    )
    queue = jobs.get_queue()
    [job_id] = queue.job_ids
    assert Job.fetch(job_id, connection=queue.connection).retries_left == 2
    started = StartedJobRegistry(queue=queue)

    first = _worker(tmp_path, 1)
    try:
        _until("the job starts", lambda: job_id in started.get_job_ids(), 120, every=0.05)
        assert Job.fetch(job_id, connection=queue.connection).get_status() == "started"
    finally:
        # the worker and its work horse (rq forks it into a session of its own), at once, as a
        # crash or a stopped container would
        for horse in _children(first.pid):
            os.killpg(horse, signal.SIGKILL)
        _stop(first, signal.SIGKILL)
    assert hxl_jobs.stored(res["id"]) is None or hxl_jobs.stored(res["id"])["status"] != "done"

    # rq counts a job abandoned once its worker's last heartbeat has expired (90 s at most here)
    _until(
        "the heartbeat expires",
        lambda: (started.connection.zscore(started.key, job_id) or 0) < time.time() - 1,
        120,
    )
    second = _worker(tmp_path, 2)
    try:
        _until("the job runs again and ends", lambda: Job.fetch(job_id, connection=queue.connection).is_finished, 150)
    finally:
        _stop(second)
    assert job_id not in FailedJobRegistry(queue=queue).get_job_ids()

    import ckan.model as model
    import sqlalchemy as sa

    model.Session.remove()
    covered = model.Session.execute(sa.select(coverage_table).where(coverage_table.c.resource_id == res["id"])).first()
    assert covered.status == "done"
    assert covered.result["levels"] == {"3": ["MMR001014", "MMR015001"]}
    assert hxl_jobs.stored(res["id"])["status"] == "done"
    assert hxl_jobs.stored(res["id"])["result"]["rows"] == ROWS
    assert screening.show(res["id"])["status"]
    assert call_action("job_list") == []
