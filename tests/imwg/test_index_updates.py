"""Index updates: two close writes of one dataset leave its last state indexed, and an update
Solr fails for a moment is sent again.

The race test runs on both backends; the retry tests need the real Solr of the Solr pass
(tests/solr.ini), behind a loopback proxy that fails the first updates as a SolrCloud node
that is shutting down does (HTTP 500).
"""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import ckan.model as model
import pytest
import requests
from ckan.common import config
from ckan.lib.search import index as search_index
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import solr_retry
from tests.conftest import solr_backend
from tests.support import editor_dataset

MESSAGE = "The search service is unavailable or did not answer in time."

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def indexed(dataset_id: str) -> dict:
    """The dataset as the index holds it (what package_search answers from)."""
    [found] = call_action("package_search", fq=f"id:{dataset_id}", include_private=True)["results"]
    return found


def test_two_close_writes_leave_the_last_state_indexed(app, monkeypatch):
    """A job writes a resource's extras (no lock on the dataset's row) and is slow to send
    its document; meanwhile the publisher patches the dataset. The index ends with the
    database's state: its metadata_modified, the publisher's title and the job's extra."""
    dataset = editor_dataset(resources=[{"url": "http://example.org/a.csv", "name": "a", "format": "CSV"}])
    resource_id = dataset["resources"][0]["id"]
    patched, read = threading.Event(), threading.Event()
    original = search_index.PackageSearchIndex.index_package
    errors: list[BaseException] = []

    def slow_for_the_job(self, pkg_dict, defer_commit=False):
        if threading.current_thread() is job:  # read already; send after the publisher's
            read.set()
            patched.wait(5)
        return original(self, pkg_dict, defer_commit)

    monkeypatch.setattr(search_index.PackageSearchIndex, "index_package", slow_for_the_job)

    def write_extra() -> None:  # as the suite's analysis jobs write their findings
        try:
            with app.flask_app.test_request_context():
                resource = model.Session.get(model.Resource, resource_id)
                resource.extras = {**(resource.extras or {}), "checked_by": "job"}
                model.Session.commit()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            model.Session.remove()

    job = threading.Thread(target=write_extra)
    job.start()
    assert read.wait(60)  # the job's commit has read the dataset and waits to send it
    try:
        call_action("package_patch", context={"user": "editor"}, id=dataset["id"], title="Casualties 2024 (revised)")
    finally:
        patched.set()
        job.join(30)
    assert not errors, errors
    model.Session.remove()
    row = model.Package.get(dataset["id"])
    doc = indexed(dataset["id"])
    assert doc["metadata_modified"] == row.metadata_modified.isoformat()
    assert doc["title"] == row.title == "Casualties 2024 (revised)"
    assert doc["resources"][0].get("checked_by") == model.Resource.get(resource_id).extras.get("checked_by") == "job"


def test_which_failures_are_retried():
    """A Solr 5xx and a refused connection are sent again; a timeout or a refused
    document is not."""
    import pysolr
    from ckan.lib.search.common import SearchIndexError

    def wrapped(error):
        try:
            raise error
        except Exception:
            try:
                raise SearchIndexError(f"Solr returned an error: {error}")
            except SearchIndexError as outer:
                return outer

    assert solr_retry.retryable(
        wrapped(pysolr.SolrError("Solr responded with an error (HTTP 500): [Reason: Async exception]"))
    )
    assert solr_retry.retryable(wrapped(pysolr.SolrError("Failed to connect to server at http://x: refused")))
    assert not solr_retry.retryable(wrapped(pysolr.SolrError("Connection to server 'http://x' timed out: read")))
    assert not solr_retry.retryable(
        wrapped(pysolr.SolrError("Solr responded with an error (HTTP 400): [Reason: ERROR: [doc=x] unknown field]"))
    )


class Flaky(http.server.ThreadingHTTPServer):
    """A loopback proxy to Solr that answers the next ``failures`` updates with Solr's 500."""

    daemon_threads = True

    def __init__(self, upstream: str):
        super().__init__(("127.0.0.1", 0), FlakyHandler)
        self.upstream = upstream
        self.failures = 0
        self.updates = 0


class FlakyHandler(http.server.BaseHTTPRequestHandler):
    server: Flaky

    def log_message(self, *args):
        pass

    def _relay(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)) if method == "POST" else None
        if "/update" in self.path:
            self.server.updates += 1
            if self.server.failures > 0:
                self.server.failures -= 1
                reply = (
                    b'{"responseHeader":{"status":500},"error":{"msg":"Async exception during '
                    b'distributed update: Connection refused","code":500}}'
                )
                self.send_response(500)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)
                return
        resp = requests.request(
            method,
            self.server.upstream + self.path,
            data=body,
            headers={"Content-Type": self.headers.get("Content-Type", "application/json")},
            timeout=30,
        )
        self.send_response(resp.status_code)
        self.send_header("Content-Type", resp.headers.get("Content-Type", "application/json"))
        self.send_header("Content-Length", str(len(resp.content)))
        self.end_headers()
        self.wfile.write(resp.content)

    def do_GET(self):
        self._relay("GET")

    def do_POST(self):
        self._relay("POST")


@pytest.fixture
def flaky(monkeypatch) -> Iterator[Flaky]:
    """CKAN's solr_url goes through a :class:`Flaky` proxy to the session's Solr."""
    if not solr_backend():
        pytest.skip("needs the real Solr of the Solr pass (tests/solr.ini)")
    real = urlsplit(config["solr_url"])
    server = Flaky(f"{real.scheme}://{real.netloc}")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setitem(config, "solr_url", f"http://127.0.0.1:{server.server_address[1]}{real.path}")
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _create(make_app, flaky: Flaky, failures: int, name: str):
    """package_create through the API with Solr failing the next ``failures`` updates."""
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    org_id = factories.Organization(name="ngo", org_type="ingo")["id"]
    dataset = {
        "name": name,
        "title": "Casualties survey",
        "owner_org": org_id,
        "source": "Field teams",
        "sectors": ["protection"],
        "sensitivity": "public",
    }
    app = make_app()
    flaky.failures, flaky.updates = failures, 0
    started = time.monotonic()
    resp = app.post("/api/3/action/package_create", json=dataset, headers={"Authorization": token}, status=None)
    model.Session.remove()
    return resp, time.monotonic() - started


@pytest.mark.ckan_config("ckanext.imwg.solr.update_retries", 2)
def test_an_update_solr_fails_twice_is_sent_again(make_app, flaky):
    """Two 500s from Solr, then it takes the update: the dataset is created and indexed."""
    resp, _ = _create(make_app, flaky, 2, "flaky-twice")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert flaky.failures == 0 and flaky.updates >= 3  # both failed updates were sent again
    assert model.Package.get("flaky-twice").state == "active"
    assert indexed(model.Package.get("flaky-twice").id)["name"] == "flaky-twice"


@pytest.mark.ckan_config("ckanext.imwg.solr.update_retries", 2)
def test_an_update_solr_keeps_failing_fails_the_write_cleanly(make_app, flaky):
    """Solr fails every attempt: after 3 attempts (0.5 s, then 1 s apart) a 503 with the
    message, and no dataset saved."""
    resp, seconds = _create(make_app, flaky, 100, "flaky-always")
    assert resp.status_code == 503, resp.get_data(as_text=True)
    assert MESSAGE in resp.json["error"]["message"]
    assert resp.headers["Retry-After"] == "30"
    assert flaky.updates == 3
    assert 1.5 <= seconds < 30
    assert model.Package.get("flaky-always") is None


@pytest.mark.ckan_config("ckanext.imwg.solr.update_retries", 5)
@pytest.mark.ckan_config("ckanext.imwg.solr.update_retry_budget", 1)
def test_retries_stop_at_the_budget(make_app, flaky):
    """The budget bounds the retries whatever their count: 0.5 s then 1 s would pass 1 s."""
    resp, _ = _create(make_app, flaky, 100, "flaky-budget")
    assert resp.status_code == 503
    assert flaky.updates == 2
    assert model.Package.get("flaky-budget") is None
