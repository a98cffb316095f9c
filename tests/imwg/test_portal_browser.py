"""The portal as ``make portal`` runs it, in a real browser:
``scripts/portal-config.sh`` writes the configuration (web uploads on, the
debugger off, the suite's log at INFO) and ``scripts/portal.sh`` serves it
with gunicorn beside a supervised jobs worker, the mail catcher and the
tick. The portal wears the suite's logo and About text, not CKAN's; an
editor uploads a file through the web form; a jobs worker that dies is
started again; the logs hold no traceback and no DEBUG line."""

from __future__ import annotations

import re
import subprocess
import time
import urllib.parse
from pathlib import Path

import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.support import log_in, portal_sh, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")
PASSWORD = "Portal-pass-2026"


def _started(log: Path) -> int:
    return log.read_text().count("has started on queue") if log.exists() else 0


@pytest.fixture
def portal(tmp_path):
    factories.User(name="editor", password=PASSWORD)
    org = factories.Organization(name="ngo", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])
    dataset = call_action(
        "package_create",
        context={"user": "editor"},
        type="dataset",
        name="casualties-2024",
        title="Casualties 2024",
        owner_org=org["id"],
        source="Field teams",
        sectors=["protection"],
        sensitivity="public",
    )
    with portal_sh(tmp_path) as running:
        yield {
            "url": running.url,
            "written": running.written,
            "data": running.data,
            "log": running.log,
            "ini": running.ini,
            "dataset": dataset,
        }


def test_the_portal_as_make_portal_serves_it(portal, page, tmp_path):
    url, data = portal["url"], portal["data"]
    written = portal["written"]
    assert re.search(r"^ckan\.uploads_enabled = true$", written, re.M)
    assert re.search(r"^debug = false$", written, re.M)
    assert re.search(r"^ckan\.gravatar_default = disabled$", written, re.M)
    assert re.search(r"\[logger_ckanext\]\nlevel = INFO", written)

    response = page.request.get(url + "/")
    assert response.headers["server"].startswith("gunicorn")
    page.goto(url + "/")
    logo = page.locator("header img").first.get_attribute("src")
    assert logo.endswith("/imwg/logo.svg")
    assert "ckan-logo" not in page.content()
    assert "Welcome to CKAN" not in page.inner_text("body")
    screenshot(page, "portal-1-home")
    assert page.request.get(url + logo).status == 200
    page.goto(url + "/about")
    about = page.inner_text("body")
    assert "Information Management Working Group" in about
    assert "CKAN is the world" not in about
    screenshot(page, "portal-2-about")

    # an editor uploads a file through the web form
    log_in(page, url, "editor", PASSWORD)
    page.goto(f"{url}/user/editor")
    assert "gravatar.com" not in page.content()  # users' pictures: the portal's own placeholder
    page.goto(f"{url}/dataset/{portal['dataset']['name']}/resource/new")
    csv = tmp_path / "casualties.csv"
    csv.write_text("Township P-code,Casualties\nMMR001002,3\n")
    page.set_input_files("#field-resource-upload", str(csv))
    page.fill("#field-name", "Casualties (CSV)")
    screenshot(page, "portal-3-upload")
    with page.expect_navigation():
        page.click("button[name=save][value=go-dataset-complete]")
    model.Session.remove()  # the portal wrote it: this process reads it afresh
    (resource,) = call_action("package_show", id=portal["dataset"]["id"])["resources"]
    assert resource["url_type"] == "upload"
    # (this process names the file with its own site URL; the portal serves it at the same path)
    assert page.request.get(url + urllib.parse.urlparse(resource["url"]).path).body() == csv.read_bytes()

    # a jobs worker that dies is started again
    worker_log = data / "worker.log"
    deadline = time.time() + 60
    while _started(worker_log) < 1 and time.time() < deadline:
        time.sleep(0.5)
    assert _started(worker_log) == 1
    # (once the upload's job is done: a worker killed mid-job leaves that job's traceback)
    while "has finished job" not in worker_log.read_text() and time.time() < deadline:
        time.sleep(0.5)
    subprocess.run(["pkill", "-f", f"{portal['ini']} jobs worker"], check=True)
    deadline = time.time() + 60
    while _started(worker_log) < 2 and time.time() < deadline:
        time.sleep(0.5)
    assert _started(worker_log) == 2
    assert "the jobs worker stopped; starting it again" in worker_log.read_text()

    for path in [portal["log"], *data.glob("*.log")]:
        text = path.read_text()
        assert "Traceback" not in text, path
        assert not re.search(r" DEBUG ", text), path
