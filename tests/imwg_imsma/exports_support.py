"""Exports written by the tests themselves, in every format the importer
reads, with known contents: ``RECORDS`` placed in known units of the test
gazetteer, so that the totals of the aggregates can be checked."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import numpy as np
import shapely

from tests.imwg_imsma.gazetteer_support import centre

#: (id, unit, killed, injured, sex, age, date, status, area m², items, item type)
RECORDS = [
    ("A1", "COL01001001", 1, 0, "F", 9, "2024-01-10", "", "", "", ""),
    ("A2", "COL01001002", 0, 2, "M", 35, "2024-01-20", "", "", "", ""),
    ("A3", "COL01002003", 6, 7, "M", 40, "2024-02-03", "", "", "", ""),
    ("A4", "COL02003002", 2, 1, "F", 12, "2024-02-15", "", "", "", ""),
    ("A5", "COL02004004", 8, 5, "M", 30, "2024-03-01", "", "", "", ""),
    ("H1", "COL01001003", "", "", "", "", "2024-01-05", "Active", 12345.6, "", ""),
    ("H2", "COL01003001", "", "", "", "", "2024-01-07", "Active", 5000, "", ""),
    ("H3", "COL02001001", "", "", "", "", "2024-02-07", "Closed", 800, "", ""),
    ("S1", "COL02002004", "", "", "", "", "2024-03-09", "", "", 4, "UXO"),
    ("S2", "COL02002004", "", "", "", "", "2024-03-19", "", "", 2, "AP mine"),
]
HEADER = ["Id", "Killed", "Injured", "Sex", "Age", "Date", "Status", "Area_m2", "Items", "Item type"]
TOTALS = {"killed": 17, "injured": 15, "hazards": 3, "hazard_area": 18145.6, "items": 6}


def rows(records=RECORDS):
    return [[r[0], *r[2:]] for r in records]


def points(records=RECORDS):
    return [centre(r[1]) for r in records]


def csv_with_coordinates(path: Path, records=RECORDS, swap: set[str] = frozenset(), at: dict | None = None) -> Path:
    """Latitude and longitude columns (swapped for the ids in ``swap``; ``at``: id -> (lat, lon))."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([*HEADER, "Latitude", "Longitude"])
    for row, (x, y), rec in zip(rows(records), points(records), records, strict=True):
        lat, lon = (x, y) if rec[0] in swap else (y, x)
        lat, lon = (at or {}).get(rec[0], (lat, lon))
        w.writerow([*row, lat, lon])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def csv_with_names(path: Path, names: list[tuple[str, str]]) -> Path:
    """Spanish headers, department and municipality names (one pair per record)."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Identificador", "Muertos", "Heridos", "Sexo", "Edad", "Fecha", "Departamento", "Municipio"])
    for rec, (dep, mun) in zip(RECORDS[:5], names, strict=False):
        w.writerow([rec[0], rec[2], rec[3], rec[4], rec[5], rec[6], dep, mun])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def xlsx_with_codes(path: Path, records=RECORDS) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append([*HEADER, "ADM3_PCODE"])
    for row, rec in zip(rows(records), records, strict=True):
        sheet.append([*(None if v == "" else v for v in row), rec[1]])
    book.save(path)
    return path


def _fields(records=RECORDS):
    names = ["Id", "Killed", "Injured", "Sex", "Age", "Date", "Status", "Area_m2", "Items", "Item_type"]
    columns = list(zip(*rows(records), strict=True))
    data = []
    for name, values in zip(names, columns, strict=True):
        if name in ("Killed", "Injured", "Age", "Area_m2", "Items"):
            data.append(np.array([np.nan if v == "" else float(v) for v in values]))
        else:
            data.append(np.array([str(v) for v in values], dtype=object))
    return names, data


def write_geo(path: Path, driver: str, records=RECORDS, polygons: bool = False, crs: str = "EPSG:4326", layer=None,
              transform=None) -> Path:  # fmt: skip
    """Points (or small squares around them) written with pyogrio."""
    import pyogrio

    xy = np.array(points(records))
    if transform is not None:
        xy = np.column_stack(transform(xy[:, 0], xy[:, 1]))
    geoms = shapely.points(xy)
    if polygons:
        size = 0.01 if transform is None else 1000
        geoms = shapely.buffer(geoms, size, cap_style="square")
    names, data = _fields(records)
    pyogrio.raw.write(
        str(path), shapely.to_wkb(geoms), data, names, driver=driver, crs=crs, layer=layer,
        geometry_type="Polygon" if polygons else "Point", append=path.exists() and driver != "GeoJSON",
    )  # fmt: skip
    return path


def zipped(path: Path, folder: Path, leave_out: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and not file.name.endswith(leave_out):
                archive.write(file, file.relative_to(folder.parent if folder.suffix == ".gdb" else folder))
    return path


def broken_directory(path):
    """The zip at ``path`` with its end record intact (``zipfile.is_zipfile``
    says yes) and its central directory's first entry broken."""
    data = bytearray(path.read_bytes())
    end = data.rindex(b"PK\x05\x06")
    start = int.from_bytes(data[end + 16 : end + 20], "little")  # the central directory's offset
    assert data[start : start + 4] == b"PK\x01\x02"
    data[start : start + 4] = b"XXXX"
    path.write_bytes(bytes(data))
    return path
