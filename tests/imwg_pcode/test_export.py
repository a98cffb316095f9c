"""The gazetteer as downloads: every format read back with pyogrio, the
stable URLs of a unit, its subtree and a country, and bad requests."""

from __future__ import annotations

import csv
import io
import json

import ckan.logic as logic
import pytest
import shapely
from ckan.tests.helpers import call_action
from pyogrio import read_info
from pyogrio.raw import read

from . import places

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_pcode"),
]

COLUMNS = [
    "pcode",
    "name",
    "level",
    "parent",
    "country",
    "name_en",
    "name_alt1",
    "valid_from",
    "retired_on",
    "version",
]
#: the active descendants of Kachin in ``places.UNITS`` (MMR001099 is retired)
KACHIN_SUBTREE = {"MMR001D001", "MMR001D002", "MMR001001", "MMR001014", "MMR001008"}
FORMATS = ("geojson", "gpkg", "shp", "csv")
SUFFIX = {"geojson": ".geojson", "gpkg": ".gpkg", "shp": ".shp.zip", "csv": ".csv"}


@pytest.fixture
def gazetteer(tmp_path):
    places.load(tmp_path)


def download(app, tmp_path, url, fmt, **query):
    """The file the URL answers, saved; its path for pyogrio."""
    resp = app.get(url, query_string=query, status=200)
    assert f'{SUFFIX[fmt]}"' in resp.headers["Content-Disposition"]
    path = tmp_path / f"download{SUFFIX[fmt]}"
    path.write_bytes(resp.data)
    return f"/vsizip/{path}" if fmt == "shp" else str(path)


def features(path):
    """(attributes by feature, geometries, info) of the file's only layer."""
    info = read_info(path)
    meta, _fids, geometry, values = read(path)
    rows = [
        dict(zip(meta["fields"], (v.item() if hasattr(v, "item") else v for v in row), strict=False))
        for row in zip(*values, strict=False)
    ]
    geoms = list(shapely.from_wkb(geometry)) if geometry is not None else [None] * len(rows)
    return rows, geoms, info


@pytest.mark.parametrize("fmt", FORMATS)
def test_country_level_in_every_format(app, tmp_path, fmt):
    """A country's admin-1 units: codes, names in each language, parents,
    valid boundaries in EPSG:4326 (CSV: the same columns, no boundary)."""
    path = download(app, tmp_path, f"/location/export.{fmt}", fmt, country="mmr", level=1)
    rows, geoms, info = features(path)
    assert info["features"] == 2
    assert list(info["fields"]) == COLUMNS
    by_code = {r["pcode"]: r for r in rows}
    assert set(by_code) == {"MMR001", "MMR015"}
    assert by_code["MMR001"]["name_en"] == "Kachin"
    assert by_code["MMR001"]["name_alt1"] == "ကချင်"
    assert by_code["MMR015"]["name_alt1"] == "ရှမ်း"
    assert {r["parent"] for r in rows} == {"MMR"}
    assert {int(r["level"]) for r in rows} == {1}
    assert {r["country"] for r in rows} == {"MMR"}
    if fmt == "csv":
        assert info["crs"] is None
        return
    assert info["crs"] == "EPSG:4326"
    shapes = dict(zip((r["pcode"] for r in rows), geoms, strict=False))
    for code, expected in (("MMR001", places.KACHIN), ("MMR015", places.SHAN)):
        assert shapes[code] is not None and shapes[code].is_valid
        assert shapes[code].equals(shapely.geometry.shape(expected))


@pytest.mark.parametrize("fmt", FORMATS)
def test_subtree_is_exactly_the_descendants(app, tmp_path, fmt):
    """A unit's subtree holds its active descendants at every level, not the
    unit itself nor any other unit; units without a boundary have none."""
    rows, geoms, _info = features(download(app, tmp_path, f"/location/MMR001/export.{fmt}", fmt))
    assert {r["pcode"] for r in rows} == KACHIN_SUBTREE
    assert all(g is None for g in geoms)
    parents = {r["pcode"]: r["parent"] for r in rows}
    assert parents["MMR001D001"] == "MMR001"
    assert parents["MMR001014"] == "MMR001D001"


def test_subtree_at_one_level_and_with_retired(app, tmp_path):
    """``level`` keeps one level; ``include_retired`` adds retired codes with their date."""
    rows, _geoms, _info = features(download(app, tmp_path, "/location/MMR001/export.csv", "csv", level=3))
    assert {r["pcode"] for r in rows} == {"MMR001001", "MMR001014", "MMR001008"}
    rows, _geoms, _info = features(
        download(app, tmp_path, "/location/mmr001/export.csv", "csv", level=3, include_retired="true")
    )
    retired = {r["pcode"]: r["retired_on"] for r in rows}
    assert set(retired) == {"MMR001001", "MMR001014", "MMR001008", "MMR001099"}
    assert retired["MMR001099"] and not retired["MMR001001"]


def test_country_export_of_all_levels(app, tmp_path):
    """Without a level, every active unit of the country, the country itself included."""
    rows, _geoms, _info = features(download(app, tmp_path, "/location/export.gpkg", "gpkg", country="HTI"))
    assert [r["pcode"] for r in rows] == ["HTI", "HT01", "HT0111", "HT0111-01"]


def test_csv_columns(app):
    """The CSV has a header of the columns and one row a unit, read as text."""
    resp = app.get("/location/export.csv", query_string={"country": "MMR", "level": 2})
    assert resp.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0] == COLUMNS
    assert sorted(r[0] for r in rows[1:]) == ["MMR001D001", "MMR001D002", "MMR015D001"]
    assert rows[1][COLUMNS.index("level")] == "2"


def test_unit_geojson(app, tmp_path):
    """``/location/<pcode>.geojson`` is the unit itself with its boundary."""
    rows, geoms, info = features(download(app, tmp_path, "/location/MMR001.geojson", "geojson"))
    assert info["crs"] == "EPSG:4326"
    assert [r["pcode"] for r in rows] == ["MMR001"]
    assert rows[0]["name_alt1"] == "ကချင်"
    assert geoms[0].equals(shapely.geometry.shape(places.KACHIN))
    data = json.loads(app.get("/location/mmr015d001.geojson").data)
    assert data["features"][0]["properties"]["pcode"] == "MMR015D001"
    assert data["features"][0]["geometry"] is None


def test_location_page_still_answers(app):
    """``/location/<pcode>.geojson`` does not hide the page, nor the page the download."""
    answer = app.get("/location/export.geojson", query_string={"country": "HTI", "level": 1})
    assert [f["properties"]["pcode"] for f in json.loads(answer.data)["features"]] == ["HT01"]
    assert app.get("/location/MMR001.xyz", status=404)


@pytest.mark.parametrize(
    "url",
    [
        "/location/MMR999.geojson",
        "/location/MMR001/export.xyz",
        "/location/MMR999/export.csv",
        "/location/export.xyz?country=MMR",
        "/location/export.csv?country=XYZ",
    ],
)
def test_unknown_is_404(app, url):
    """An unknown P-code, country or format answers 404."""
    app.get(url, status=404)


@pytest.mark.parametrize(
    "url",
    [
        "/location/MMR001/export.csv?level=1",
        "/location/MMR001/export.csv?level=abc",
        "/location/export.csv?country=MMR&level=9",
        "/location/export.gpkg?country=MMR&simplify=-1",
        "/location/export.gpkg",
    ],
)
def test_bad_request_is_400(app, url):
    """A level at or above the unit's, out of range or not a number, a bad
    tolerance or no country answers 400, not 500."""
    app.get(url, status=400)


def test_action_describes_the_download():
    """The action answers where the file is, its name, size and columns."""
    result = call_action("pcode_export", pcode="mmr001", level=3, format="SHP")
    assert result["count"] == 3
    assert result["filename"] == "MMR001_adm3.shp.zip"
    assert result["media_type"] == "application/zip"
    assert result["columns"] == COLUMNS
    assert result["url"].endswith("/location/MMR001/export.shp?level=3")
    assert (result["pcode"], result["country"], result["level"]) == ("MMR001", None, 3)
    assert call_action("pcode_export", country="hti")["count"] == 4
    assert call_action("pcode_export", country="hti", level=0)["count"] == 1


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "country"),
        ({"country": "MMR", "pcode": "MMR001"}, "pcode"),
        ({"country": "MMR", "format": "kml"}, "format"),
        ({"country": "MMR", "format": ["csv"]}, "format"),
        ({"country": "MMR", "level": 6}, "level"),
        ({"country": "MMR", "level": "one"}, "level"),
        ({"pcode": "MMR001", "level": 0}, "level"),
        ({"country": "MMR", "simplify": "abc"}, "simplify"),
        ({"country": "MMR", "simplify": 5}, "simplify"),
        ({"country": "MMR", "include_retired": ["yes"]}, "include_retired"),
    ],
)
def test_action_validation_errors(params, field):
    """Bad parameters are field errors."""
    with pytest.raises(logic.ValidationError) as error:
        call_action("pcode_export", **params)
    assert field in error.value.error_dict


def test_action_unknown_code_or_country():
    """An unknown P-code or country is NotFound, naming it."""
    with pytest.raises(logic.NotFound, match="MMR999"):
        call_action("pcode_export", pcode="mmr999")
    with pytest.raises(logic.NotFound, match="XYZ"):
        call_action("pcode_export", country="xyz")


def test_simplify(app, tmp_path):
    """A tolerance simplifies the boundaries; they stay valid."""
    rows, geoms, _info = features(
        download(app, tmp_path, "/location/export.geojson", "geojson", country="MMR", level=1, simplify="0.5")
    )
    assert all(g.is_valid and not g.is_empty for g in geoms)


@pytest.mark.parametrize("fmt", ["gpkg", "shp"])
def test_written_files_are_deleted(app, tmp_path, fmt, monkeypatch):
    """GeoPackage and Shapefile are written to a temporary directory, deleted once sent."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    app.get(f"/location/MMR001/export.{fmt}", status=200)
    assert not list(tmp_path.glob("imwg-pcode-export-*"))
