"""Reading and checking gazetteer files, without a database."""

from __future__ import annotations

import json

import pytest

from ckanext.imwg_pcode import gazetteer as gz
from tests.imwg_pcode.files import GLOBAL


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def by_code(units):
    return {u.pcode: u for u in units}


def test_global_list_with_implied_countries(tmp_path):
    """The Global P-code list gives each unit its level and parent; countries are implied."""
    units = by_code(gz.read(write(tmp_path, "global.csv", GLOBAL)))
    assert units["MMR"].level == 0
    assert (units["MMR001002"].level, units["MMR001002"].parent) == (3, "MMR001")
    assert units["MMR001"].name == "Kachin"
    assert units["MMR001"].valid_from == "2019-12-01"


def test_explicit_parents_not_prefixes(tmp_path):
    """Myanmar's townships sit under states although district codes look different."""
    units = by_code(gz.read(write(tmp_path, "global.csv", GLOBAL)))
    assert units["MMR001002"].parent == "MMR001"
    assert units["MMR001D001"].parent == "MMR001"


def test_cod_wide_csv_with_languages(tmp_path):
    """COD-AB wide form: every level of a row, names per language."""
    text = (
        "ADM0_EN,ADM0_PCODE,ADM1_EN,ADM1_FR,ADM1_PCODE,ADM2_EN,ADM2_PCODE,validOn\n"
        "Haiti,HT,Ouest,Ouest,HT01,Port-au-Prince,HT0111,2019-06-01\n"
        "Haiti,HT,Ouest,Ouest,HT01,Delmas,HT0112,2019-06-01\n"
    )
    units = by_code(gz.read(write(tmp_path, "hti.csv", text)))
    assert units["HT0112"].parent == "HT01"
    assert units["HT01"].parent == "HT"
    assert units["HT01"].names == {"en": "Ouest", "fr": "Ouest"}
    assert len(units) == 4


def test_cod_new_form(tmp_path):
    """COD-AB newer form: adm1_pcode, adm1_name, adm1_name1 (alternative), valid_on."""
    text = (
        "adm0_pcode,adm0_name,adm1_pcode,adm1_name,adm1_name1,valid_on\n" "AF,Afghanistan,AF01,Kabul,کابل,2021-11-17\n"
    )
    units = by_code(gz.read(write(tmp_path, "afg.csv", text)))
    assert units["AF01"].names == {"en": "Kabul", "alt1": "کابل"}
    assert units["AF01"].valid_from == "2021-11-17"


def test_cod_xlsx(tmp_path):
    """COD-AB tabular files may be XLSX."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ADM0_PCODE", "ADM0_EN", "ADM1_PCODE", "ADM1_EN"])
    ws.append(["YE", "Yemen", "YE11", "Ibb"])
    path = tmp_path / "yem.xlsx"
    wb.save(path)
    assert by_code(gz.read(path))["YE11"].parent == "YE"


def test_geojson_keeps_geometry(tmp_path):
    """GeoJSON boundaries give units and keep each unit's geometry."""
    square = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"ADM0_PCODE": "SO", "ADM1_PCODE": "SO11", "ADM1_EN": "Awdal"},
                "geometry": square,
            }
        ],
    }
    units = by_code(gz.read(write(tmp_path, "som.geojson", json.dumps(data))))
    assert units["SO11"].geometry == square
    assert units["SO"].geometry is None


@pytest.mark.parametrize(
    "name, text, message",
    [
        ("cols.csv", "Code,Label\nX1,Y\n", "missing columns"),
        ("dup.csv", GLOBAL + "MMR,1,MMR001,Kachin State,MMR,2019-12-01\n", "another name"),
        ("parent.csv", GLOBAL + "MMR,2,MMR099001,Nowhere,MMR099,2019-12-01\n", "unknown parent MMR099"),
        ("deeper.csv", GLOBAL + "MMR,1,MMR020,Odd,MMR001002,2019-12-01\n", "not above it"),
        ("level.csv", GLOBAL + "MMR,9,MMR001999,Deep,MMR001,2019-12-01\n", "not a level"),
    ],
)
def test_bad_files_say_where(tmp_path, name, text, message):
    """Bad files raise an error naming the file and the line; nothing is returned."""
    with pytest.raises(gz.GazetteerError) as e:
        gz.read(write(tmp_path, name, text))
    assert message in str(e.value)
    assert f"{name}:" in str(e.value)


def test_duplicate_line_number(tmp_path):
    """The line of the conflicting duplicate is given."""
    with pytest.raises(gz.GazetteerError) as e:
        gz.read(write(tmp_path, "dup.csv", GLOBAL + "MMR,1,MMR001,Kachin State,MMR,2019-12-01\n"))
    assert e.value.problems[0].where == "dup.csv:6"


def test_cycle(tmp_path):
    """A unit that is its own ancestor is refused."""
    units = [
        gz.Unit("A1", 1, "A2", "A", {"en": "a"}, source="f:2"),
        gz.Unit("A2", 2, "A1", "A", {"en": "b"}, source="f:3"),
    ]
    problems: list[gz.Problem] = []
    gz.check(units, problems, known={"A": 0})
    assert any("own ancestor" in p.message for p in problems)


def test_mixed_encodings(tmp_path):
    """A file mostly UTF-8 with a Latin-1 line is refused at that line."""
    raw = (GLOBAL + "MMR,1,MMR031,Mandalay Région,MMR,2019-12-01\n").encode("utf-8")
    raw += "MMR,1,MMR030,Sagaing Région,MMR,2019-12-01\n".encode("latin-1")
    with pytest.raises(gz.GazetteerError) as e:
        gz.read(write(tmp_path, "mixed.csv", raw))
    assert "mixed encodings" in str(e.value)
    assert "mixed.csv:7" in str(e.value)


def test_single_byte_file_is_read(tmp_path):
    """A file entirely in Windows-1252 is read as such."""
    text = "ADM0_PCODE,ADM1_PCODE,ADM1_FR\nHT,HT02,Nord-Est Région\n"
    units = by_code(gz.read(write(tmp_path, "cp.csv", text, encoding="cp1252")))
    assert units["HT02"].names["fr"] == "Nord-Est Région"
