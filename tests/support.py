"""Helpers for tests that run CKAN in another process (a live server, a
process killed midway)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
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

#: every plugin a deployment of the suite may enable (test.ini's and the optional ones)
ALL_PLUGINS = (
    "activity imwg image_view datatables_view text_view webpage_view resource_proxy datastore "
    "scheming_datasets scheming_organizations spatial_metadata spatial_query "
    "dcat structured_data imwg_interop imwg_exchange imwg_notify imwg_imsma imwg_pcode imwg_hxl imwg_sensitivity imwg_search"
)
#: host, port and database of the DataStore the tests that enable it use (``make install`` creates it)
DATASTORE = "127.0.0.1:5432/ckan_imwg_datastore_test"

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
format = %%(asctime)s %%(levelname)s [%%(name)s] %%(message)s
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
