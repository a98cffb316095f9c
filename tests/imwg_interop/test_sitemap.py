"""``/sitemap.xml``: every dataset anonymous visitors may see, with the date
it last changed; a sitemap index beyond ``ckanext.imwg_interop.sitemap_size``."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from .support import PLUGINS

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture
def datasets():
    factories.User(name="editor")
    org = factories.Organization(
        name="authority", org_type="government", users=[{"name": "editor", "capacity": "editor"}]
    )
    made = {}
    for name, private in (("alpha", False), ("bravo", False), ("charlie", False), ("delta", False), ("hidden", True)):
        made[name] = call_action(
            "package_create",
            context={"user": "editor", "ignore_auth": False},
            name=name,
            title=name.title(),
            owner_org=org["id"],
            private=private,
            source="Cluster",
            sectors=["health"],
            sensitivity="public",
        )
    return made


def urls(body: str) -> list[tuple[str, str | None]]:
    root = ET.fromstring(body)
    return [
        (u.findtext("s:loc", namespaces=NS), u.findtext("s:lastmod", namespaces=NS)) for u in root.findall("s:url", NS)
    ]


def test_one_sitemap(app, datasets):
    response = app.get("/sitemap.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    entries = urls(response.get_data(as_text=True))
    assert entries[0][0] == "http://test.ckan.net/"
    listed = {loc.rsplit("/", 1)[-1]: lastmod for loc, lastmod in entries[1:]}
    assert set(listed) == {"alpha", "bravo", "charlie", "delta"}
    for name, lastmod in listed.items():
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", lastmod), name
        assert lastmod[:19] == datasets[name]["metadata_modified"][:19]


@pytest.mark.ckan_config("ckanext.imwg_interop.sitemap_size", 3)
@pytest.mark.ckan_config("ckan.search.rows_max", 2)
def test_sitemap_index_beyond_the_size(app, datasets):
    """Four public datasets, three per file: an index of two sitemaps (read two at a time)."""
    root = ET.fromstring(app.get("/sitemap.xml").get_data(as_text=True))
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}sitemapindex"
    parts = [s.findtext("s:loc", namespaces=NS) for s in root.findall("s:sitemap", NS)]
    assert parts == ["http://test.ckan.net/sitemap-1.xml", "http://test.ckan.net/sitemap-2.xml"]
    first = [loc.rsplit("/", 1)[-1] for loc, _ in urls(app.get("/sitemap-1.xml").get_data(as_text=True))]
    second = [loc.rsplit("/", 1)[-1] for loc, _ in urls(app.get("/sitemap-2.xml").get_data(as_text=True))]
    assert first == ["alpha", "bravo", "charlie"]
    assert second == ["delta"]
    assert app.get("/sitemap-3.xml").status_code == 404


def test_robots_txt_names_the_sitemap(app):
    body = app.get("/robots.txt").get_data(as_text=True)
    assert "Sitemap: http://test.ckan.net/sitemap.xml" in body
    assert "Disallow: /api/" in body
