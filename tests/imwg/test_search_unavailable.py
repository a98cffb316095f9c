"""Solr down or too slow: searches and writes answer 503 with a message, within solr_timeout.

CKAN's own Solr search runs here (imwg_search is off), pointed at a port where
nothing listens, or at one that accepts connections and never answers. No
Solr is needed: both are made up by the test.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import ckan.model as model
import pytest
from ckan.common import config
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.support import free_port

PLUGINS = "imwg scheming_datasets scheming_organizations spatial_metadata spatial_query " "imwg_pcode imwg_sensitivity"
MESSAGE = "The search service is unavailable or did not answer in time."
#: seconds CKAN waits on Solr (solr_timeout), and the most a request may take on top
TIMEOUT = 1
SLACK = 4

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("solr_timeout", TIMEOUT),
]


@pytest.fixture
def closed_port(monkeypatch) -> None:
    """Solr's address is a loopback port nothing listens on."""
    monkeypatch.setitem(config, "solr_url", f"http://127.0.0.1:{free_port()}/solr/ckan")


@pytest.fixture
def silent_server(monkeypatch) -> Iterator[None]:
    """Solr's address accepts connections (the kernel's backlog) and never answers."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        monkeypatch.setitem(config, "solr_url", f"http://127.0.0.1:{server.getsockname()[1]}/solr/ckan")
        yield


def timed_get(app, url: str, **kwargs):
    started = time.monotonic()
    resp = app.get(url, status=None, **kwargs)
    return resp, time.monotonic() - started


@pytest.mark.usefixtures("closed_port")
class TestSolrDown:
    def test_api_search_is_503_with_message(self, app):
        """package_search through the API: 503, the message, a Retry-After."""
        resp = app.get("/api/3/action/package_search", query_string={"q": "water"}, status=None)
        assert resp.status_code == 503
        assert resp.json["success"] is False
        assert MESSAGE in resp.json["error"]["message"]
        assert resp.headers["Retry-After"] == "30"

    @pytest.mark.parametrize("url", ["/dataset/", "/"])
    def test_pages_are_503_with_message(self, app, url):
        """The search page and the home page (which searches) say so, as a 503."""
        resp = app.get(url, status=None)
        assert resp.status_code == 503
        assert MESSAGE in resp.get_data(as_text=True)

    def test_syntax_errors_are_still_the_callers(self, app):
        """A query the server refuses is not an outage: no 503 for anything but the server."""
        resp = app.get("/api/3/action/package_search", query_string={"rows": "many"}, status=None)
        assert resp.status_code == 409


def test_api_write_is_503_and_nothing_saved(make_app, monkeypatch):
    """A dataset whose index update fails is not saved: 503, and no row in the database."""
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    # made without organization_show, which counts datasets with a search
    org_id = call_action(
        "organization_create", context={"user": user["name"], "return_id_only": True}, name="ngo", org_type="ingo"
    )
    monkeypatch.setitem(config, "solr_url", f"http://127.0.0.1:{free_port()}/solr/ckan")
    app = make_app()  # the app reads the configuration it is made with
    dataset = {
        "name": "outage-dataset",
        "title": "Outage",
        "owner_org": org_id,
        "source": "Cluster",
        "sectors": ["protection"],
        "sensitivity": "public",
    }
    resp = app.post("/api/3/action/package_create", json=dataset, headers={"Authorization": token}, status=None)
    model.Session.remove()
    assert resp.status_code == 503
    assert MESSAGE in resp.json["error"]["message"]
    assert model.Package.get("outage-dataset") is None


def test_form_save_is_503_and_nothing_saved(make_app, monkeypatch):
    """The dataset form during an outage: a 503 page saying so (not CKAN's 500 quoting
    Solr's address), and no dataset, not even a draft."""
    user = factories.Sysadmin()
    token = factories.APIToken(user=user["name"])["token"]
    org_id = call_action(
        "organization_create", context={"user": user["name"], "return_id_only": True}, name="ngo", org_type="ingo"
    )
    port = free_port()
    monkeypatch.setitem(config, "solr_url", f"http://127.0.0.1:{port}/solr/ckan")
    app = make_app()
    form = {
        "name": "outage-form",
        "title": "Outage",
        "owner_org": org_id,
        "source": "Cluster",
        "sectors": "protection",
        "sensitivity": "public",
        "save": "continue",
    }
    resp = app.post("/dataset/new", data=form, headers={"Authorization": token}, status=None)
    model.Session.remove()
    body = resp.get_data(as_text=True)
    assert resp.status_code == 503
    assert MESSAGE in body
    assert str(port) not in body
    assert model.Package.get("outage-form") is None


@pytest.mark.usefixtures("silent_server")
class TestSolrSilent:
    def test_api_search_gives_up_after_the_timeout(self, app):
        """A server that never answers: 503 once solr_timeout has passed, not a hang."""
        resp, seconds = timed_get(app, "/api/3/action/package_search?q=water")
        assert resp.status_code == 503
        assert MESSAGE in resp.json["error"]["message"]
        assert seconds < TIMEOUT + SLACK

    def test_search_page_gives_up_after_the_timeout(self, app):
        resp, seconds = timed_get(app, "/dataset/")
        assert resp.status_code == 503
        assert seconds < TIMEOUT + SLACK
