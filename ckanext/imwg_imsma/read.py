"""Reading a mine-action export into one table of records: GeoJSON, a zipped
Shapefile, a zipped File Geodatabase (one layer, chosen when it has several),
GeoPackage, CSV or XLSX. Geodata is read with pyogrio (its wheels carry GDAL),
geometries become shapely arrays in longitude/latitude (EPSG:4326, reprojected
with pyproj from the CRS the file declares). No database, no CKAN."""

from __future__ import annotations

import csv
import io
import os
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

#: the formats, by what a file name ends with
FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".gpkg": "gpkg",
    ".csv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".zip": "zip",
}
#: the CRS all geometries are turned into
WGS84 = "EPSG:4326"
#: the most a zip (or a spreadsheet, a zip too) may hold, uncompressed, and
#: how many members (zip bombs); the importer passes its configuration
MAX_UNZIPPED = 1 << 30
MAX_MEMBERS = 2000


class ReadError(Exception):
    """A file that cannot be read as an export; ``field`` names what to fix
    (``file``, ``layer``), ``layers`` lists a File Geodatabase's layers when
    one must be chosen. Messages are plain English: the caller translates
    the reasons it shows (see ``importer.error_message``)."""

    def __init__(self, code: str, field: str = "file", **details: Any):
        super().__init__(code)
        self.code = code
        self.field = field
        self.details = details


@dataclass
class Table:
    """The records of an export: ``columns`` (names in file order), ``values``
    (column -> list of strings or None), ``where`` (each record's place in
    the file, ``name:line`` or ``name:layer:feature``), ``geometry`` (shapely
    array in EPSG:4326, or None), ``crs`` (as declared), ``kind`` (format),
    ``layer`` (the layer read)."""

    columns: list[str]
    values: dict[str, list[Any]]
    where: list[str]
    geometry: Any = None
    crs: str | None = None
    kind: str = ""
    layer: str | None = None
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.where)


def kind_of(name: str) -> str:
    """The format of a file by its name; ReadError for an unknown one."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        raise ReadError("unknown_format", suffix=suffix or name)
    return FORMATS[suffix]


def check_size(path: str | Path, limit: int) -> int:
    """The file's size; ReadError ``too_big`` over ``limit`` bytes (before any read)."""
    size = os.path.getsize(path)
    if limit and size > limit:
        raise ReadError("too_big", size=size, limit=limit)
    return size


def read(
    path: str | Path,
    name: str | None = None,
    layer: str | None = None,
    max_unzipped: int | None = None,
    max_members: int | None = None,
) -> Table:
    """Read an export; ``name`` (default: the path's name) gives the format.
    A zip (or spreadsheet) holding more than ``max_unzipped`` bytes or
    ``max_members`` files is refused from its directory, before anything is
    decompressed (defaults: ``MAX_UNZIPPED``, ``MAX_MEMBERS``)."""
    path = Path(path)
    name = name or path.name
    kind = kind_of(name)
    if kind == "csv":
        return _csv(path, name)
    limits = (max_unzipped or MAX_UNZIPPED, max_members or MAX_MEMBERS)
    if kind == "xlsx":
        if zipfile.is_zipfile(path):  # an end record only: the directory may still be broken
            try:
                with zipfile.ZipFile(path) as archive:
                    check_zip(archive, *limits)
            except (zipfile.BadZipFile, OSError, EOFError, KeyError) as error:
                raise ReadError("broken_xlsx", reason=str(error)) from error
        return _xlsx(path, name)
    if kind == "zip":
        with _unzipped(path, *limits) as (inner, inner_kind):
            return _geo(inner, name, inner_kind, layer)
    return _geo(path, name, kind, layer)


# -- tables --------------------------------------------------------------------------------


def _text(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _csv(path: Path, name: str) -> Table:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if not header or not any(h.strip() for h in header):
            raise ReadError("no_header")
        columns = _unique([h.strip() for h in header])
        values: dict[str, list[Any]] = {c: [] for c in columns}
        where = []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            where.append(f"{name}:{reader.line_num}")
            for i, column in enumerate(columns):
                values[column].append(_text(row[i]) if i < len(row) else None)
    except csv.Error as error:  # a field past the csv module's limit, a broken quote...
        raise ReadError("unreadable", reason=f"{name}:{reader.line_num}: {error}") from error
    return Table(columns, values, where, kind="csv")


def _xlsx(path: Path, name: str) -> Table:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zipfile, KeyError, InvalidFileException...
        raise ReadError("broken_xlsx", reason=str(error)) from error
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if not header or not any(h is not None for h in header):
            raise ReadError("no_header")
        columns = _unique([str(h).strip() if h is not None else "" for h in header])
        values: dict[str, list[Any]] = {c: [] for c in columns}
        where = []
        for number, row in enumerate(rows, start=2):
            if not any(_text(cell) for cell in row):
                continue
            where.append(f"{name}:{number}")
            for i, column in enumerate(columns):
                values[column].append(_text(row[i]) if i < len(row) else None)
    finally:
        book.close()
    return Table(columns, values, where, kind="xlsx")


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        n = n or f"column_{i + 1}"
        if n in seen:
            seen[n] += 1
            n = f"{n}_{seen[n]}"
        else:
            seen[n] = 1
        out.append(n)
    return out


# -- zips --------------------------------------------------------------------------------


def check_zip(archive: zipfile.ZipFile, max_unzipped: int, max_members: int) -> None:
    """ReadError ``zip_too_big`` for a zip holding too much (its directory's
    sizes: decompressing stops at them, a lying one fails its CRC)."""
    members = archive.infolist()
    if len(members) > max_members:
        raise ReadError("zip_too_many", count=len(members), limit=max_members)
    size = sum(m.file_size for m in members)
    if size > max_unzipped:
        raise ReadError("zip_too_big", size=size, limit=max_unzipped)


@contextmanager
def _unzipped(path: Path, max_unzipped: int, max_members: int) -> Iterator[tuple[Path, str]]:
    """The Shapefile or File Geodatabase inside a zip, extracted to a
    temporary folder; ReadError for a broken zip, a zip bomb or an
    incomplete shapefile."""
    try:
        archive = zipfile.ZipFile(path)
        check_zip(archive, max_unzipped, max_members)
        bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as error:
        raise ReadError("broken_zip", reason=str(error)) from error
    if bad is not None:
        raise ReadError("broken_zip", reason=bad)
    with archive, tempfile.TemporaryDirectory(prefix="imsma-") as tmp:
        names = [n for n in archive.namelist() if not n.startswith("__MACOSX")]
        gdbs = sorted({n.split(".gdb/")[0] + ".gdb" for n in names if ".gdb/" in n})
        shps = [n for n in names if n.lower().endswith(".shp")]
        for member in names:
            target = (Path(tmp) / member).resolve()
            if not str(target).startswith(str(Path(tmp).resolve())):
                raise ReadError("broken_zip", reason=member)
        try:
            archive.extractall(tmp, members=names)
        except (zipfile.BadZipFile, OSError, EOFError, KeyError) as error:
            raise ReadError("broken_zip", reason=str(error)) from error
        if gdbs:
            if len(gdbs) > 1:
                raise ReadError("several_files", files=", ".join(gdbs))
            yield Path(tmp) / gdbs[0], "gdb"
        elif shps:
            if len(shps) > 1:
                raise ReadError("several_files", files=", ".join(shps))
            stem = shps[0][:-4]
            present = {n.lower() for n in names}
            for part in (".dbf", ".prj"):
                if (stem + part).lower() not in present:
                    raise ReadError("shapefile_part_missing", part=part)
            yield Path(tmp) / shps[0], "shp"
        else:
            raise ReadError("zip_without_geodata")


# -- geodata --------------------------------------------------------------------------------


def layers(path: str | Path) -> list[str]:
    """The layers of a geodata file (pyogrio)."""
    import pyogrio

    return [str(row[0]) for row in pyogrio.list_layers(str(path))]


def _geo(path: Path, name: str, kind: str, layer: str | None) -> Table:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        found = layers(path)
    except (DataSourceError, DataLayerError, OSError) as error:
        raise ReadError("unreadable", reason=str(error).splitlines()[0]) from error
    if layer is not None:
        if layer not in found:
            raise ReadError("unknown_layer", field="layer", layer=layer, layers=found)
    elif len(found) > 1:
        raise ReadError("choose_layer", field="layer", layers=found)
    elif not found:
        raise ReadError("unreadable", reason="no layer")
    chosen = layer or found[0]
    try:
        meta, _fids, wkb, field_data = pyogrio.raw.read(str(path), layer=chosen)
    except (DataSourceError, DataLayerError, OSError) as error:
        raise ReadError("unreadable", reason=str(error).splitlines()[0]) from error
    columns = _unique([str(f) for f in meta["fields"]])
    values = {c: [_text(v) for v in data.tolist()] for c, data in zip(columns, field_data, strict=False)}
    count = len(wkb) if wkb is not None else (len(field_data[0]) if field_data else 0)
    where = [f"{name}:{chosen}:{i + 1}" for i in range(count)]
    crs = meta.get("crs")
    geometry = None
    if wkb is not None:
        try:
            geometry = shapely.from_wkb(wkb)
            if crs and not _is_wgs84(crs):
                geometry = _to_wgs84(geometry, crs)
        except (shapely.errors.ShapelyError, ValueError) as error:  # a broken geometry (an unclosed ring...)
            raise ReadError("unreadable", reason=str(error).splitlines()[0] if str(error) else "geometry") from error
    table = Table(columns, values, where, geometry=geometry, crs=crs, kind=kind, layer=chosen)
    if geometry is not None and not crs and kind != "geojson":
        raise ReadError("no_crs")
    return table


def _is_wgs84(crs: str) -> bool:
    return crs.upper() in ("EPSG:4326", "OGC:CRS84")


def _to_wgs84(geometry: Any, crs: str) -> Any:
    """Reproject a shapely array to longitude/latitude."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    try:
        transformer = Transformer.from_crs(CRS.from_user_input(crs), WGS84, always_xy=True)
    except CRSError as error:
        raise ReadError("unknown_crs", crs=crs) from error
    return shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
