"""In a real browser: a dataset page carries schema.org JSON-LD that names
the dataset, and a location page offers the place's boundaries as files
that download."""

from __future__ import annotations

import json
import urllib.request

import pytest
import rdflib
from ckan.tests import factories
from rdflib.namespace import RDF

from tests.imwg_pcode import places
from tests.support import live_server, screenshot

from .support import PLUGINS, full_dataset

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

SCHEMA = rdflib.Namespace("http://schema.org/")


@pytest.fixture
def portal(tmp_path):
    places.load(tmp_path)
    factories.User(name="owner-editor")
    org = factories.Organization(
        name="authority", org_type="government", users=[{"name": "owner-editor", "capacity": "editor"}]
    )
    full_dataset(org["id"])
    with live_server(tmp_path, **{"ckan.plugins": PLUGINS}) as url:
        yield url


def test_dataset_page_json_ld_and_location_downloads(page, portal):
    """The dataset page's JSON-LD parses and names the dataset; the location page's GeoJSON link downloads."""
    page.goto(portal + "/dataset/mine-contamination")
    blocks = page.locator('script[type="application/ld+json"]').all_text_contents()
    assert blocks, "no JSON-LD on the dataset page"
    g = rdflib.Graph()
    for block in blocks:
        g.parse(data=json.dumps(json.loads(block)), format="json-ld")
    datasets = list(g.subjects(RDF.type, SCHEMA.Dataset))
    assert [str(g.value(ref, SCHEMA.name)) for ref in datasets] == ["Mine contamination"]
    screenshot(page, "interop-dataset-jsonld")

    page.goto(portal + "/location/MMR001")
    links = page.locator("li.imwg-location-download a[download]")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "/location/MMR001/export.geojson" in hrefs
    assert any(h.endswith("export.csv") for h in hrefs)
    with page.expect_download() as info:
        page.locator('li.imwg-location-download a[href="/location/MMR001/export.geojson"]').click()
    body = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert body["type"] == "FeatureCollection"
    assert {f["properties"].get("pcode") or f["properties"].get("adm2_pcode") for f in body["features"]} >= {
        "MMR001D001"
    }
    with urllib.request.urlopen(portal + "/location/MMR001/export.csv") as answer:
        assert answer.status == 200
        assert "MMR001D001" in answer.read().decode("utf-8")
    screenshot(page, "interop-location-downloads")
