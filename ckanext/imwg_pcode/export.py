"""The gazetteer as geodata files: GeoJSON, GeoPackage, zipped Shapefile, CSV.

A selection is one unit, the descendants of a unit, or every unit of a
country, at one admin level or all. Each unit is one feature (one CSV row)
with its code, level, parent, country, its name and its names in every
language the gazetteer holds, its validity dates and version, and (except in
CSV) its boundary in longitude/latitude (EPSG:4326), simplified further when
asked.

Rows come from a server-side cursor in batches: GeoJSON and CSV are
produced batch by batch as the response is sent (the boundaries go out as
PostgreSQL prints them, unless simplified); GeoPackage and Shapefile are
written with pyogrio (GDAL) to a temporary directory batch by batch, then
sent and deleted. Nothing holds the whole selection in memory.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import shutil
import struct
import sys
import tempfile
import zipfile
from array import array
from collections.abc import Iterator
from itertools import chain
from typing import Any

import numpy as np
import sqlalchemy as sa

#: format -> (media type, file name suffix)
FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("application/geo+json", ".geojson"),
    "gpkg": ("application/geopackage+sqlite3", ".gpkg"),
    "shp": ("application/zip", ".shp.zip"),
    "csv": ("text/csv; charset=utf-8", ".csv"),
}
#: rows read from the database at a time
BATCH = 2_000
#: units written to a GeoPackage or Shapefile at a time
WRITE_BATCH = 20_000
#: bytes sent at a time from a written file
CHUNK = 256 * 1024
CRS = "EPSG:4326"


@dataclasses.dataclass(frozen=True)
class Selection:
    """Which units: ``unit`` alone, the descendants of ``root``, or every
    unit of ``country``; at ``level`` only when given."""

    country: str | None = None
    root: str | None = None
    unit: str | None = None
    level: int | None = None
    include_retired: bool = False
    #: tolerance (degrees) of a further simplification of the boundaries
    simplify: float | None = None

    @property
    def stem(self) -> str:
        """The downloaded file's name without suffix: ``MMR_adm1``, ``MMR001``."""
        base = self.unit or self.root or self.country or "units"
        return base if self.level is None else f"{base}_adm{self.level}"


def filename(selection: Selection, fmt: str) -> str:
    return selection.stem + FORMATS[fmt][1]


# -- reading ---------------------------------------------------------------------------

#: the columns of a row, in order (``_record`` reads them by position)
_FIELDS = (
    "u.pcode, u.level, u.parent, u.country, u.name, u.valid_from, u.retired_at, u.version, {geometry}, "
    "(SELECT jsonb_object_agg(n.lang, n.name) FROM imwg_pcode_name n WHERE n.pcode = u.pcode)::text"
)
GEOMETRY = 8
#: the boundary as PostgreSQL prints it (sent as it is, or decoded here), or none
AS_TEXT, NONE = "u.geometry::text", "NULL"

try:  # about three times faster than json on coordinates (installed with CKAN's Flask-Session)
    from msgspec.json import Decoder

    _decode = Decoder().decode
except ImportError:  # pragma: no cover
    _decode = json.loads


def _query(selection: Selection, fields: str) -> tuple[str, dict[str, Any]]:
    """SQL in the driver's parameter style, and its parameters."""
    params: dict[str, Any] = {}
    where = []
    if selection.unit is not None:
        return f"SELECT {fields} FROM imwg_pcode_unit u WHERE u.pcode = %(unit)s", {"unit": selection.unit}
    if selection.root is not None:
        # explicit parents (codes do not always nest by prefix); a level asked
        # for stops the walk there
        deeper = " AND u.level <= %(level)s" if selection.level is not None else ""
        source = (
            "(WITH RECURSIVE sub AS ("
            " SELECT pcode, 1 AS depth FROM imwg_pcode_unit WHERE parent = %(root)s"
            " UNION ALL SELECT u.pcode, sub.depth + 1 FROM imwg_pcode_unit u JOIN sub ON u.parent = sub.pcode"
            f" WHERE sub.depth < 10{deeper}) SELECT DISTINCT pcode FROM sub) s"
            " JOIN imwg_pcode_unit u USING (pcode)"
        )
        params["root"] = selection.root
    else:
        source = "imwg_pcode_unit u"
        where.append("u.country = %(country)s")
        params["country"] = selection.country
    if selection.level is not None:
        where.append("u.level = %(level)s")
        params["level"] = selection.level
    if not selection.include_retired:
        where.append("u.retired_at IS NULL")
    sql = f"SELECT {fields} FROM {source}"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return sql + " ORDER BY u.level, u.pcode", params


def languages(connection: Any) -> list[str]:
    """The languages of the gazetteer's names: ``en`` first, then the others."""
    langs = [r[0] for r in connection.execute(sa.text("SELECT DISTINCT lang FROM imwg_pcode_name"))]
    return sorted(langs, key=lambda lang: (lang != "en", lang))


def columns(langs: list[str]) -> list[str]:
    """The attributes of each feature (the CSV header), at most 10 characters
    each (the Shapefile's limit)."""
    return [
        "pcode",
        "name",
        "level",
        "parent",
        "country",
        *(f"name_{lang}"[:10] for lang in langs),
        "valid_from",
        "retired_on",
        "version",
    ]


def count(connection: Any, selection: Selection) -> int:
    sql, params = _query(selection, "u.pcode")
    with connection.connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({sql}) q", params)
        return cursor.fetchone()[0]


def _batches(connection: Any, selection: Selection, geometry: str) -> Iterator[list[tuple]]:
    """The rows (plain tuples) in batches, through a server-side cursor of the
    driver itself (no per-row objects on the way)."""
    sql, params = _query(selection, _FIELDS.format(geometry=geometry))
    with connection.connection.cursor("imwg_pcode_export") as cursor:
        cursor.itersize = BATCH
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            yield rows


def _record(row: tuple, langs: list[str]) -> list[Any]:
    pcode, level, parent, country, name, valid_from, retired_at, version, _geometry, names = row
    names = _decode(names) if names else {}
    return [
        pcode,
        name,
        level,
        parent,
        country,
        *(names.get(lang) for lang in langs),
        valid_from,
        retired_at.date().isoformat() if retired_at else None,
        version,
    ]


_BIG_ENDIAN = sys.byteorder == "big"
_HEADER = struct.Struct("<BII")
_COUNT = struct.Struct("<I")


def _wkb(text: str | None) -> bytes | None:
    """A GeoJSON polygon or multipolygon as a WKB MultiPolygon (2D); None for
    anything else. Built directly: the rings' coordinates go into the bytes
    as they are."""
    if not text:
        return None
    geometry = _decode(text)
    if not isinstance(geometry, dict):
        return None
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    polygons = [coordinates] if kind == "Polygon" else coordinates if kind == "MultiPolygon" else None
    if not polygons:
        return None
    try:
        parts = [_HEADER.pack(1, 6, len(polygons))]
        for polygon in polygons:
            parts.append(_HEADER.pack(1, 3, len(polygon)))
            for ring in polygon:
                points = array("d", chain.from_iterable(point[:2] for point in ring))
                if len(points) != 2 * len(ring):
                    return None
                if _BIG_ENDIAN:  # WKB here is little-endian
                    points.byteswap()
                parts.append(_COUNT.pack(len(ring)))
                parts.append(points.tobytes())
    except (TypeError, ValueError, OverflowError):
        return None
    return b"".join(parts)


def _wkbs(rows: list[tuple], simplify: float | None) -> np.ndarray:
    """The batch's boundaries as WKB MultiPolygons (None where there is none),
    simplified when asked."""
    wkbs = np.array([_wkb(r[GEOMETRY]) for r in rows], dtype=object)
    if simplify:
        import shapely

        simple = shapely.simplify(shapely.from_wkb(wkbs), simplify, preserve_topology=True)
        wkbs = shapely.to_wkb(np.where(shapely.is_empty(simple), None, simple))
    return wkbs


# -- writers ---------------------------------------------------------------------------


def geojson(connection: Any, selection: Selection) -> Iterator[bytes]:
    """A FeatureCollection (RFC 7946: longitude/latitude, WGS 84), sent batch
    by batch; boundaries pass through as stored unless simplified."""
    langs = languages(connection)
    header = columns(langs)
    yield ('{"type": "FeatureCollection", "name": ' + json.dumps(selection.stem) + ', "features": [\n').encode()
    separator = ""
    for rows in _batches(connection, selection, AS_TEXT):
        if selection.simplify:
            import shapely

            shapes = [
                shapely.to_geojson(g) if g is not None else None
                for g in shapely.from_wkb(_wkbs(rows, selection.simplify))
            ]
        else:
            shapes = [r[GEOMETRY] for r in rows]
        parts = []
        for row, shape in zip(rows, shapes, strict=True):
            properties = json.dumps(dict(zip(header, _record(row, langs), strict=True)), ensure_ascii=False)
            # no feature "id": GDAL would read the code twice, as a field "id"
            parts.append(f'{separator}{{"type": "Feature", "properties": {properties}, "geometry": {shape or "null"}}}')
            separator = ",\n"
        yield "".join(parts).encode()
    yield b"\n]}\n"


def csv_rows(connection: Any, selection: Selection) -> Iterator[bytes]:
    """CSV (UTF-8 with a byte-order mark, for spreadsheets), without boundaries."""
    langs = languages(connection)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns(langs))
    yield ("\ufeff" + buffer.getvalue()).encode()
    for rows in _batches(connection, selection, NONE):
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(["" if v is None else v for v in _record(row, langs)] for row in rows)
        yield buffer.getvalue().encode()


def _write_ogr(connection: Any, selection: Selection, path: str, driver: str) -> int:
    """Write the selection to ``path`` with pyogrio, ``WRITE_BATCH`` units at
    a time (each call reopens the file: fewer, larger calls are much faster);
    the boundaries as MultiPolygons (anything not polygonal is left out)."""
    from pyogrio.raw import write

    langs = languages(connection)
    header = columns(langs)
    options: dict[str, Any] = {"encoding": "UTF-8"} if driver == "ESRI Shapefile" else {}
    written = 0
    records: list[list[Any]] = []
    geometries: list[np.ndarray] = []

    def flush() -> None:
        nonlocal written, records, geometries
        fields = [
            np.array([r[i] for r in records], dtype=np.int32 if name == "level" else object)
            for i, name in enumerate(header)
        ]
        write(
            path,
            np.concatenate(geometries) if geometries else np.array([], dtype=object),
            fields,
            header,
            layer=selection.stem,
            driver=driver,
            geometry_type="MultiPolygon",
            crs=CRS,
            append=written > 0,
            **options,
        )
        written += len(records)
        records, geometries = [], []

    for rows in _batches(connection, selection, AS_TEXT):
        geometries.append(_wkbs(rows, selection.simplify))
        records.extend(_record(r, langs) for r in rows)
        if len(records) >= WRITE_BATCH:
            flush()
    if records or not written:  # the rest; or an empty layer, with its fields
        flush()
    return written


def _file_chunks(directory: str, path: str) -> Iterator[bytes]:
    """The file's bytes; the directory is deleted at the end (or when the
    client goes away and the generator is closed)."""
    try:
        with open(path, "rb") as f:
            while chunk := f.read(CHUNK):
                yield chunk
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def written_file(connection: Any, selection: Selection, fmt: str) -> Iterator[bytes]:
    """GeoPackage or zipped Shapefile: written to a temporary directory, then
    sent in chunks and deleted."""
    directory = tempfile.mkdtemp(prefix="imwg-pcode-export-")
    try:
        if fmt == "gpkg":
            path = os.path.join(directory, selection.stem + ".gpkg")
            _write_ogr(connection, selection, path, "GPKG")
        else:
            parts = os.path.join(directory, "shp")
            os.mkdir(parts)
            _write_ogr(connection, selection, os.path.join(parts, selection.stem + ".shp"), "ESRI Shapefile")
            path = os.path.join(directory, filename(selection, fmt))
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
                for name in sorted(os.listdir(parts)):
                    archive.write(os.path.join(parts, name), name)
            shutil.rmtree(parts)
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return _file_chunks(directory, path)


def stream(connection: Any, selection: Selection, fmt: str) -> Iterator[bytes]:
    """The selection in ``fmt`` (a key of ``FORMATS``), as bytes."""
    if fmt == "geojson":
        return geojson(connection, selection)
    if fmt == "csv":
        return csv_rows(connection, selection)
    return written_file(connection, selection, fmt)
