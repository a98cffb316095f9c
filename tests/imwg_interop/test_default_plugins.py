"""The endpoints with the plugins test.ini enables (the suite's order)."""

from __future__ import annotations

import pytest
from ckan.tests import factories

from tests.imwg_exchange import overview_gazetteer

from .support import PUBLIC_FILE, embedded_jsonld, full_dataset, graph

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def test_rdf_page_and_sitemap(app, tmp_path):
    overview_gazetteer.load(tmp_path)
    factories.User(name="owner-editor")
    org = factories.Organization(
        name="authority", org_type="government", users=[{"name": "owner-editor", "capacity": "editor"}]
    )
    ds = full_dataset(org["id"])
    g = graph(app.get(f"/dataset/{ds['name']}.ttl").get_data(as_text=True), "ttl")
    assert PUBLIC_FILE in {str(o) for o in g.objects()}
    (block,) = embedded_jsonld(app.get(f"/dataset/{ds['name']}").get_data(as_text=True))
    assert ds["title"] in str(block)
    assert f"/dataset/{ds['name']}<" in app.get("/sitemap.xml").get_data(as_text=True)
