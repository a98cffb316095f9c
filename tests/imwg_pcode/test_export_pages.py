"""The "Download" blocks of the location pages link to the gazetteer's files."""

from __future__ import annotations

import html

import pytest

from . import places

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer")


@pytest.fixture
def gazetteer(tmp_path):
    places.load(tmp_path)


def test_location_page_offers_the_unit_and_its_sub_units(app):
    """A place's page links to itself as GeoJSON and to its sub-units in every format."""
    body = html.unescape(app.get("/location/MMR001").body)
    assert 'href="/location/MMR001.geojson"' in body
    for fmt in ("geojson", "gpkg", "shp", "csv"):
        assert f'href="/location/MMR001/export.{fmt}?level=2"' in body
        assert f'href="/location/MMR001/export.{fmt}"' in body
    app.get("/location/MMR001/export.shp?level=2", status=200)


def test_location_page_without_sub_units_offers_the_unit_only(app):
    """A place without sub-units offers no subtree download."""
    body = html.unescape(app.get("/location/MMR001014").body)
    assert 'href="/location/MMR001014.geojson"' in body
    assert "/location/MMR001014/export." not in body


def test_locations_index_offers_each_country(app):
    """/location/ links to each country's admin-1 units and to all its units."""
    body = html.unescape(app.get("/location/").body)
    for country in ("MMR", "HTI"):
        assert f'href="/location/export.gpkg?country={country}&level=1"' in body
        assert f'href="/location/export.csv?country={country}"' in body
