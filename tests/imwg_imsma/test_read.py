"""Reading exports in every format, and the files that are refused (no CKAN)."""

from __future__ import annotations

import zipfile

import pytest

from ckanext.imwg_imsma import analysis, read, roles
from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma import gazetteer_support


def placed(path, layer=None, mapping=None):
    table = read.read(path, layer=layer)
    used = roles.load(mapping, table.columns) if mapping else roles.detect(table.columns)
    return analysis.analyse(table, used, gazetteer_support.gazetteer(), 5).report


@pytest.mark.parametrize(
    "write",
    [
        lambda d: exports.write_geo(d / "points.geojson", "GeoJSON"),
        lambda d: exports.write_geo(d / "squares.gpkg", "GPKG", polygons=True),
        lambda d: exports.csv_with_coordinates(d / "points.csv"),
    ],
    ids=["geojson-points", "geopackage-polygons", "csv-coordinates"],
)
def test_every_record_placed_by_its_coordinates(tmp_path, write):
    """Points and polygons (by their centroid) fall in the unit they were made in."""
    report = placed(write(tmp_path))
    assert report["placed_by"] == {"code": 0, "coordinates": 10, "name": 0}
    assert report["totals"]["aggregates"]["3"] == pytest.approx(exports.TOTALS)


def test_a_projected_shapefile_is_reprojected(tmp_path):
    """A zipped Shapefile in Web Mercator (EPSG:3857) with its .prj: placed as in longitude/latitude."""
    from pyproj import Transformer

    to_mercator = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True).transform
    folder = tmp_path / "shp"
    folder.mkdir()
    exports.write_geo(folder / "hazards.shp", "ESRI Shapefile", polygons=True, crs="EPSG:3857", transform=to_mercator)
    report = placed(exports.zipped(tmp_path / "hazards.zip", folder))
    assert report["placed_by"]["coordinates"] == 10
    assert report["file"]["crs"] == "EPSG:3857"


def test_a_spreadsheet_with_codes(tmp_path):
    """XLSX with an admin-3 P-code column: placed by code."""
    report = placed(exports.xlsx_with_codes(tmp_path / "codes.xlsx"))
    assert report["placed_by"] == {"code": 10, "coordinates": 0, "name": 0}


def test_a_file_geodatabase_with_several_layers_needs_a_choice(tmp_path):
    """Two layers: refused with their names; the chosen one is read."""
    gdb = tmp_path / "export.gdb"
    exports.write_geo(gdb, "OpenFileGDB", layer="hazards", records=exports.RECORDS[5:8])
    exports.write_geo(gdb, "OpenFileGDB", layer="victims", records=exports.RECORDS[:5])
    zipped = exports.zipped(tmp_path / "export.zip", gdb)
    with pytest.raises(read.ReadError) as raised:
        read.read(zipped)
    assert raised.value.code == "choose_layer"
    assert raised.value.field == "layer"
    assert raised.value.details["layers"] == ["hazards", "victims"]
    assert placed(zipped, layer="victims")["totals"]["file"] == {"killed": 17, "injured": 15}
    assert placed(zipped, layer="hazards")["totals"]["file"]["hazards"] == 3


def test_names_matched_within_their_department(tmp_path):
    """Spanish headers; case, accents and punctuation ignored; a name repeated
    across departments is found in the department given, ambiguous without it."""
    names = [("ANTIOQUIA", "la union"), ("Córdoba", "La Unión"), ("cordoba", "San-Pedro"), ("", "Betania"),
             ("Antioquia", "Nowhere")]  # fmt: skip
    report = placed(exports.csv_with_names(tmp_path / "names.csv", names))
    assert report["placed_by"] == {"code": 0, "coordinates": 0, "name": 4}
    assert report["unplaced_reasons"] == {"ambiguous_name": 1}
    assert report["warnings"] == {"unknown_name": 1}  # placed in Antioquia, its municipality unknown
    assert report["mapping"]["columns"]["adm1_name"] == "Departamento"


def test_a_broken_zip_is_refused(tmp_path):
    """A truncated zip: a clear error, nothing read."""
    folder = tmp_path / "shp"
    folder.mkdir()
    exports.write_geo(folder / "points.shp", "ESRI Shapefile")
    whole = exports.zipped(tmp_path / "whole.zip", folder).read_bytes()
    broken = tmp_path / "broken.zip"
    broken.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(read.ReadError) as raised:
        read.read(broken)
    assert raised.value.code == "broken_zip"


@pytest.mark.parametrize("part", [".prj", ".dbf"])
def test_a_shapefile_without_its_parts_is_refused(tmp_path, part):
    """No .prj (its CRS unknown) or no .dbf (its attributes): refused, naming the part."""
    folder = tmp_path / "shp"
    folder.mkdir()
    exports.write_geo(folder / "points.shp", "ESRI Shapefile")
    with pytest.raises(read.ReadError) as raised:
        read.read(exports.zipped(tmp_path / "points.zip", folder, leave_out=(part,)))
    assert (raised.value.code, raised.value.details["part"]) == ("shapefile_part_missing", part)


def test_a_zip_without_geodata_and_an_unknown_format(tmp_path):
    path = tmp_path / "notes.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("notes.txt", "x")
    with pytest.raises(read.ReadError) as raised:
        read.read(path)
    assert raised.value.code == "zip_without_geodata"
    with pytest.raises(read.ReadError) as raised:
        read.read(tmp_path / "export.mdb")
    assert raised.value.code == "unknown_format"


def test_a_big_file_is_refused_by_its_size_before_it_is_read(tmp_path):
    """A sparse 2 GB file: refused by its size alone."""
    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:
        f.truncate(2 * 1024**3)
    with pytest.raises(read.ReadError) as raised:
        read.check_size(path, 200 * 1024**2)
    assert raised.value.code == "too_big"


def test_a_spreadsheet_with_a_broken_directory_is_refused(tmp_path):
    """A valid end record, a broken central directory: the spreadsheet's field error, not a crash."""
    path = exports.broken_directory(exports.xlsx_with_codes(tmp_path / "codes.xlsx"))
    assert zipfile.is_zipfile(path)
    with pytest.raises(read.ReadError) as raised:
        read.read(path)
    assert (raised.value.code, raised.value.field) == ("broken_xlsx", "file")


def test_a_zip_with_a_broken_directory_is_refused(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    exports.write_geo(folder / "points.shp", "ESRI Shapefile")
    path = exports.broken_directory(exports.zipped(tmp_path / "points.zip", folder))
    with pytest.raises(read.ReadError) as raised:
        read.read(path)
    assert raised.value.code == "broken_zip"
