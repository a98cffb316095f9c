"""Helpers for tests that run CKAN in another process (a live server, a
process killed midway)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEST_INI = ROOT / "test.ini"


def running_ini() -> Path:
    """The configuration the suite runs with (``--ckan-ini``; test.ini by default)."""
    try:
        from ckan.common import config

        return Path(config["__file__"])
    except (ImportError, KeyError):
        return TEST_INI


ARTIFACTS = ROOT / "tests" / "artifacts"


def make_dry_run(target: str) -> str:
    """The commands ``make TARGET`` would run (``make -n``; install and tools taken as done)."""
    return subprocess.run(
        ["make", "-n", "--no-print-directory", "-o", "install", "-o", "tools", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


#: every plugin a deployment of the suite may enable (test.ini's and the optional ones)
ALL_PLUGINS = (
    "activity imwg image_view datatables_view text_view webpage_view resource_proxy datastore "
    "scheming_datasets scheming_organizations spatial_metadata spatial_query "
    "dcat structured_data imwg_interop imwg_exchange imwg_notify imwg_imsma imwg_pcode imwg_hxl imwg_sensitivity imwg_search"
)
#: host, port and database of the DataStore the tests that enable it use (``make install`` creates
#: it; the second half of ``make test`` has its own, named by ``IMWG_DATASTORE_DB`` as
#: scripts/datastore-db.sh reads it)
DATASTORE = f"127.0.0.1:5432/{os.environ.get('IMWG_DATASTORE_DB', 'ckan_imwg_datastore_test')}"

_LOGGING = """
[loggers]
keys = root
[handlers]
keys = console
[formatters]
keys = generic
[logger_root]
level = WARN
handlers = console
[handler_console]
class = StreamHandler
args = (sys.stderr,)
formatter = generic
[formatter_generic]
format = %(asctime)s %(levelname)s [%(name)s] %(message)s
"""


def write_ini(path: Path, **options: str) -> Path:
    """A configuration that extends the suite's (test.ini) with ``options`` (``%`` escaped as ``%%``)."""
    lines = ["[app:main]", f"use = config:{running_ini()}"]
    lines += [f"{key} = {value}" for key, value in options.items()]
    path.write_text("\n".join(lines) + "\n" + _LOGGING)
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_portal(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60) -> None:
    """Wait until the portal at ``url`` answers; its log's end in the error if
    ``proc`` (what serves it) stops or the time runs out."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(url + "/api/3/action/status_show", timeout=2)
            return
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the portal did not start:\n" + log.read_text()[-3000:]) from None
            time.sleep(0.3)


@contextmanager
def live_server(tmp: Path, **options: str) -> Iterator[str]:
    """Serve CKAN (``ckan run``) on a free loopback port; yields its base URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    ini = write_ini(tmp / "server.ini", **{"ckan.site_url": url, **options})
    log = open(tmp / "server.log", "wb")
    ckan = str(Path(sys.executable).parent / "ckan")
    proc = subprocess.Popen(
        [ckan, "-c", str(ini), "run", "-H", "127.0.0.1", "-p", str(port), "--disable-reloader"],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=dict(os.environ),
    )
    try:
        wait_for_portal(url, proc, tmp / "server.log")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """The SQL statements sent to CKAN's database while the block runs."""
    import ckan.model as model
    import sqlalchemy as sa

    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    engine = model.Session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)


@contextmanager
def search_statements() -> Iterator[list[tuple[str, dict]]]:
    """The statements the PostgreSQL search backend runs while the block
    runs, with their parameters (as its ``_execute`` takes them: for EXPLAIN)."""
    from ckanext.imwg_search.backend import PostgresSolrConnection

    seen: list[tuple[str, dict]] = []
    execute = PostgresSolrConnection._execute

    def recording(self, sql_text, params):
        seen.append((sql_text, params))
        return execute(self, sql_text, params)

    PostgresSolrConnection._execute = recording
    try:
        yield seen
    finally:
        PostgresSolrConnection._execute = execute


#: the password of the editor that ``editor_portal`` creates
EDITOR_PASSWORD = "Editor-pass-2026"


@contextmanager
def editor_portal(tmp: Path, **organization: str) -> Iterator[str]:
    """A live portal with the user ``editor`` (``EDITOR_PASSWORD``), editor of
    an organisation made from ``organization`` (name, title, org_type)."""
    from ckan.tests import factories

    factories.User(name="editor", password=EDITOR_PASSWORD)
    factories.Organization(**organization, users=[{"name": "editor", "capacity": "editor"}])
    with live_server(tmp) as url:
        yield url


def chromium_args() -> list[str]:
    """Flags for Debian's chromium on a machine without a screen or network."""
    return [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]


@contextmanager
def chromium() -> Iterator:
    """Debian's chromium (/usr/bin/chromium), driven by Playwright; closed at the end."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_args())
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser, viewport: dict[str, int], **options):
    """A page in a context of its own (cookies, locale: ``options``) of ``browser``,
    waiting up to 30 s for what it is asked."""
    page = browser.new_context(viewport=viewport, **options).new_page()
    page.set_default_timeout(30000)
    return page


#: the ``ckan`` command of the Python that runs the tests
CKAN = str(Path(sys.executable).parent / "ckan")


@dataclass
class Portal:
    """A portal ``portal_sh`` serves."""

    url: str
    ini: Path
    #: its DATA folder (the logs of the jobs worker, the mail catcher, the tick)
    data: Path
    #: gunicorn's log (scripts/portal.sh's output)
    log: Path
    #: the configuration as scripts/portal-config.sh wrote it
    written: str


@contextmanager
def portal_sh(
    tmp: Path, before_start: Callable[[Path], object] | None = None, seconds: float = 120, **options: str
) -> Iterator[Portal]:
    """The portal as ``make portal`` runs it: scripts/portal-config.sh writes
    ``tmp/portal.ini``, which ``ckan config-tool`` points at the tests'
    database and Redis, a storage folder and a mail catcher (on a free port)
    in ``tmp``, with ``options`` over those; ``before_start(ini)`` runs then
    (data loaded with that configuration); scripts/portal.sh serves it (one
    gunicorn worker) in a session of its own, stopped with all it started."""
    from ckan.common import config

    ini = tmp / "portal.ini"
    env = {**os.environ, "CKAN": CKAN}
    subprocess.run(["bash", "scripts/portal-config.sh", str(ini)], cwd=ROOT, check=True, env=env)
    written = ini.read_text()
    port, catcher = free_port(), free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {
        "sqlalchemy.url": config["sqlalchemy.url"],
        "ckan.redis.url": config["ckan.redis.url"],
        "ckan.site_url": url,
        "ckan.storage_path": str(tmp / "storage"),
        "smtp.server": f"127.0.0.1:{catcher}",
        "ckanext.imwg_notify.catch_port": str(catcher),
        "ckanext.imwg_notify.catch_dir": str(tmp / "mail"),
        **options,
    }
    subprocess.run([CKAN, "config-tool", str(ini), *(f"{k} = {v}" for k, v in settings.items())], check=True)
    if before_start:
        before_start(ini)
    data, log = tmp / "data", tmp / "portal.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", "scripts/portal.sh", str(ini)],
            cwd=ROOT,
            env={**env, "PORT": str(port), "DATA": str(data), "WORKERS": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_portal(url, proc, log, seconds=seconds)
        yield Portal(url=url, ini=ini, data=data, log=log, written=written)
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass  # the portal has already stopped


def screenshot(page, name: str) -> None:
    """Keep a full-page screenshot as a test artefact (tests/artifacts/NAME.png)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def log_in(page, portal: str, user: str, password: str) -> None:
    """Log in through CKAN's login form and wait for the dashboard."""
    page.goto(portal + "/user/login")
    page.fill("#field-login", user)
    page.fill("#field-password", password)
    page.press("#field-password", "Enter")
    page.wait_for_url("**/dashboard/**")


def editor_dataset(**fields):
    """The user ``editor``, editor of the organisation ``ngo``, and their
    public dataset ``casualties-2024`` (``fields`` change it)."""
    from ckan.tests import factories
    from ckan.tests.helpers import call_action

    factories.User(name="editor")
    org = factories.Organization(name="ngo", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])
    values = {
        "type": "dataset",
        "name": "casualties-2024",
        "title": "Casualties 2024",
        "owner_org": org["id"],
        "source": "Field teams",
        "sectors": ["protection"],
        "sensitivity": "public",
        **fields,
    }
    return call_action("package_create", context={"user": "editor"}, **values)


#: the words of the index entries ``worded_entry`` writes
ENTRY_WORDS = ["mine", "water", "school", "camp", "road", "health", "flood", "market"]


def worded_entry(i: int, rnd, private: bool = False) -> dict:
    """An index entry with a few of ``ENTRY_WORDS`` in its title (A), tags (B),
    notes (C) and elsewhere; few distinct dates, so scores and dates tie often."""
    pick = lambda k: " ".join(rnd.choice(ENTRY_WORDS) for _ in range(rnd.randint(0, k)))  # noqa: E731
    return {
        "index_id": f"ix-{i:03d}",
        "id": f"id-{i:03d}",
        "site_id": "test",
        "name": f"entry-{i:03d}",
        "title": f"Entry {pick(2)}",
        "tags": pick(2).split(),
        "notes": pick(4),
        "extras_source": pick(3),
        "organization": rnd.choice(["north", "south"]),
        "capacity": "private" if private else "public",
        "permission_labels": ["member-x"] if private else ["public"],
        "metadata_modified": f"2024-0{1 + i % 3}-01T00:00:00Z",
    }
