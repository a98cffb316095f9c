"""Reading a data file into its layout (headers, hashtags) and its data rows.

Pure (no CKAN). CSV and TSV are read by polars, all cells as text, in one
pass at native speed; XLSX (openpyxl), XLS (xlrd3, as libhxl reads it) and
JSON (a list of rows or of objects) are read row by row into the same
shape. Whatever is wrong with a file becomes a ``TableError`` with a
sentence a publisher understands.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from ckanext.imwg.spreadsheets import SpreadsheetError, xlsx_rows

from .hashtags import HEAD_ROWS, Layout, layout

#: formats (CKAN's resource format, or the file extension) and how each is read
KINDS = {
    "csv": "csv",
    "text/csv": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "text/tab-separated-values": "tsv",
    "xlsx": "xlsx",
    "xls": "xls",
    "json": "json",
    "application/json": "json",
}
#: rows per block when a spreadsheet or JSON file is turned into a table
BLOCK = 50_000

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an XLSX file is one: set the format to XLSX)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (XLS) or Office file"),
    (b"\x1f\x8b", "a gzip archive"),
)


class TableError(Exception):
    """The file cannot be read as a table (the message says why)."""


@dataclass
class Table:
    """A table ready to be profiled: its layout and a lazy view of its data
    rows (every cell text, null where empty; columns ``c0``, ``c1``, ...).

    A CSV file is scanned where it lies (streamed: memory does not grow with
    the file); other formats are held in memory. ``close()`` removes the
    UTF-8 copy of a file in another encoding."""

    kind: str
    layout: Layout
    notes: list[str] = field(default_factory=list)
    source: Path | None = None
    delimiter: str = ","
    frame: pl.DataFrame | None = None
    temporary: str | None = None

    def lazy(self) -> pl.LazyFrame:
        if self.frame is not None:
            return self.frame.lazy()
        names = column_names(self.layout.width)
        return pl.scan_csv(
            self.source,
            has_header=False,
            skip_rows=self.layout.skip,
            separator=self.delimiter,
            schema=dict.fromkeys(names, pl.String),
            truncate_ragged_lines=True,
            encoding="utf8-lossy",
            raise_if_empty=False,
            empty_string_is_null=True,
            quote_char='"',
        )

    def head(self, rows: int) -> pl.DataFrame:
        return collect([self.lazy().head(rows)])[0]

    def close(self) -> None:
        if self.temporary:
            os.unlink(self.temporary)
            self.temporary = None

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def collect(queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Run queries over a table in polars' streaming engine (raises ``TableError``)."""
    try:
        return pl.collect_all(queries, engine="streaming")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise TableError(f"the file cannot be read as a table: {_short(error)}") from None


def kind_of(fmt: str | None, url: str | None) -> str | None:
    """``csv``, ``tsv``, ``xlsx``, ``xls`` or ``json`` from a resource's
    format, else from its address's extension; None for anything else."""
    if fmt and fmt.strip().lower() in KINDS:
        return KINDS[fmt.strip().lower()]
    if not fmt and url:
        ext = url.split("?", 1)[0].rsplit("/", 1)[-1].rpartition(".")[2].lower()
        return KINDS.get(ext)
    return None


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def read(path: Path, kind: str) -> Table:
    """The file's layout and data rows (raises ``TableError``)."""
    path = Path(path)
    if not path.exists():
        raise TableError("the file is missing")
    with path.open("rb") as f:
        start = f.read(8192)
    if not start.strip():
        raise TableError("the file is empty")
    _check_signature(start, kind)
    if kind in ("csv", "tsv"):
        return _read_csv(path, kind)
    if kind == "xlsx":
        return _from_rows(kind, _xlsx_rows(path))
    if kind == "xls":
        return _from_rows(kind, _xls_rows(path))
    if kind == "json":
        return _from_rows(kind, _json_rows(path))
    raise TableError(f"{kind!r} files are not read")


def _check_signature(start: bytes, kind: str) -> None:
    """Refuse a file whose first bytes say it is something else."""
    found = next((what for magic, what in _MAGIC if start.startswith(magic)), None)
    if kind == "xlsx":
        if not start.startswith(b"PK\x03\x04"):
            raise TableError("not an XLSX file: " + (found or "it is not a ZIP-based Office file"))
        return
    if kind == "xls":
        if not start.startswith(b"\xd0\xcf\x11\xe0"):
            raise TableError("not an XLS file: " + (found or "it is not an old-style Excel workbook"))
        return
    if found:
        raise TableError(f"not a {kind.upper()} file: this is {found}")
    if b"\x00" in start:
        raise TableError(f"not a {kind.upper()} file: it holds binary data")


def _encoding(path: Path) -> str:
    """``utf-8-sig`` when the start of the file is UTF-8, else Windows-1252
    (the usual other encoding of spreadsheets saved as CSV)."""
    with path.open("rb") as f:
        sample = f.read(1 << 20)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 3:  # not just a character cut at the block's end
            return "cp1252"
    return "utf-8-sig"


def _read_csv(path: Path, kind: str) -> Table:
    notes = []
    source, temporary = path, None
    encoding = _encoding(path)
    if encoding != "utf-8-sig":
        notes.append("The file is not UTF-8; it was read as Windows-1252 (Latin-1).")
        temporary = _to_utf8(path, encoding)
        source = Path(temporary)
    try:
        head, delimiter = _head(source, kind)
        found = layout(head)
        if found.width == 0:
            raise TableError("the file holds no table")
    except BaseException:
        if temporary:
            os.unlink(temporary)
        raise
    return Table(kind, found, notes, source=source, delimiter=delimiter, temporary=temporary)


def _head(source: Path, kind: str) -> tuple[list[list[str]], str]:
    """The first rows of a UTF-8 CSV or TSV file, and its delimiter."""
    try:
        with source.open(encoding="utf-8-sig", errors="replace", newline="") as text:
            delimiter = "\t"
            if kind != "tsv":
                try:
                    delimiter = csv.Sniffer().sniff(text.read(65536), delimiters=",;\t|").delimiter
                except csv.Error:
                    delimiter = ","
                text.seek(0)
            head = []
            for row in csv.reader(text, delimiter=delimiter):
                head.append(row)
                if len(head) >= HEAD_ROWS:
                    break
    except (csv.Error, OSError) as error:
        raise TableError(f"the file cannot be read as {kind.upper()}: {_short(error)}") from None
    return head, delimiter


def _to_utf8(path: Path, encoding: str) -> str:
    """A UTF-8 copy of the file (streamed), for polars."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    handle, name = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(handle, "wb") as out, path.open("rb") as src:
        while block := src.read(1 << 20):
            out.write(decoder.decode(block).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return name


def _short(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _from_rows(kind: str, rows: Iterator[list[str]]) -> Table:
    head: list[list[str]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEAD_ROWS:
            break
    found = layout(head)
    if found.width == 0:
        raise TableError("the file holds no table")
    names = column_names(found.width)
    blocks = []
    block = head[found.skip :]
    for row in rows:
        block.append(row)
        if len(block) >= BLOCK:
            blocks.append(_block(block, names))
            block = []
    blocks.append(_block(block, names))
    frame = pl.concat(blocks) if len(blocks) > 1 else blocks[0]
    return Table(kind, found, [], frame=frame)


def _block(rows: list[list[str]], names: list[str]) -> pl.DataFrame:
    cols = {n: [(r[i] or None) if i < len(r) else None for r in rows] for i, n in enumerate(names)}
    return pl.DataFrame(cols, schema=dict.fromkeys(names, pl.String))


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    try:
        for values in xlsx_rows(path):
            yield [_cell(v) for v in values]
    except SpreadsheetError as error:
        raise TableError(str(error)) from None


def _xls_rows(path: Path) -> Iterator[list[str]]:
    import xlrd3 as xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as error:
        raise TableError(f"not a readable XLS file ({_short(error)})") from None
    for number in range(sheet.nrows):
        row = []
        for cell in sheet.row(number):
            if cell.ctype == xlrd.XL_CELL_DATE:
                try:
                    row.append(_cell(xlrd.xldate_as_datetime(cell.value, book.datemode)))
                except Exception:
                    row.append(_cell(cell.value))
            elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                row.append("")
            else:
                row.append(_cell(cell.value))
        yield row


def _json_rows(path: Path) -> Iterator[list[str]]:
    try:
        with path.open("rb") as f:
            data = json.load(io.TextIOWrapper(f, encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise TableError(f"not valid JSON ({_short(error)})") from None
    if isinstance(data, dict):  # {"data": [...]} and similar wrappers
        lists = [v for v in data.values() if isinstance(v, list)]
        data = lists[0] if len(lists) == 1 else None
    if not isinstance(data, list) or not data:
        raise TableError("the JSON is not a list of rows or of objects")
    yield from _json_table(data)


def _json_table(data: list[Any]) -> Iterable[list[str]]:
    if all(isinstance(r, dict) for r in data):
        keys: dict[str, None] = {}
        for r in data:
            keys.update(dict.fromkeys(r))
        yield list(keys)
        for r in data:
            yield [_cell(r.get(k)) for k in keys]
    elif all(isinstance(r, list) for r in data):
        for r in data:
            yield [_cell(v) for v in r]
    else:
        raise TableError("the JSON mixes rows of different kinds")
