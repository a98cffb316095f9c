"""Reading a data file into its layout (headers, hashtags) and its data rows.

Pure (no CKAN). The suite's reader (``ckanext.imwg.reader``) checks the
file, tells its encoding and delimiter and reads its first rows; CSV and
TSV are then read by polars, all cells as text, in one pass at native
speed; XLSX, XLS and JSON come row by row from the reader into the same
shape. Whatever is wrong with a file is the reader's ``TableError``, with a
sentence a publisher understands.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

import polars as pl

from ckanext.imwg import reader
from ckanext.imwg.reader import TableError

from .hashtags import HEAD_ROWS, Layout, layout

#: rows per block when a spreadsheet or JSON file is turned into a table
BLOCK = 50_000


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
        raise TableError(f"the file cannot be read as a table: {reader.short(error)}") from None


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


#: sheets of a workbook profiled at the most
MAX_SHEETS = 10


@dataclass
class Sheet:
    """A sheet of a workbook: its position, its name and whether a row of
    hashtags sits in its first rows."""

    index: int
    name: str
    hxl: bool


def read(path: Path, kind: str, sheet: int | None = None) -> Table:
    """The file's layout and data rows (raises ``TableError``); for a
    workbook, the sheet at ``sheet`` (default: the first one that carries
    hashtags, as libhxl reads it, or the first one)."""
    source = reader.open_table(path, kind)
    if kind in ("csv", "tsv"):
        return _read_csv(source)
    if kind == "xlsx":
        if sheet is None:
            sheet = chosen_sheet(sheets(path))
        return _from_rows(kind, _xlsx_rows(path, sheet))
    return _from_rows(kind, source.rows())


def chosen_sheet(found: list[Sheet]) -> int:
    """The sheet a preview opens on: the first with hashtags, else the first."""
    return next((s.index for s in found if s.hxl), found[0].index if found else 0)


def sheets(path: Path) -> list[Sheet]:
    """The sheets of an XLSX workbook (the first ``MAX_SHEETS``), each
    looked at over its first rows (raises ``TableError``)."""
    reader.open_table(path, "xlsx")  # the file's signature checked first
    found = []
    with _workbook(path) as book:
        for index, sheet in enumerate(book.worksheets[:MAX_SHEETS]):
            try:
                head = [
                    [reader.cell(v) for v in values] for values in sheet.iter_rows(max_row=HEAD_ROWS, values_only=True)
                ]
            except Exception as error:  # noqa: BLE001 - a damaged sheet fails while it is read
                raise TableError(f"the XLSX file is damaged ({reader.short(error)})") from None
            if not any(any(c.strip() for c in row) for row in head):
                continue  # an empty sheet (a cover page without cells, say)
            found.append(Sheet(index, str(sheet.title), layout(head).hashtags is not None))
    if not found:
        raise TableError("the workbook holds no table")
    return found


class _workbook:
    """An XLSX workbook opened as a stream (CKAN keeps uploads under names
    without an extension, which openpyxl would refuse), closed on exit."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> Any:
        from openpyxl import load_workbook

        self.stream = open(self.path, "rb")  # noqa: SIM115 - closed in __exit__
        try:
            self.book = load_workbook(self.stream, read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            self.stream.close()
            raise TableError(f"not a readable XLSX file ({reader.short(error)})") from None
        return self.book

    def __exit__(self, *exc: Any) -> None:
        self.book.close()
        self.stream.close()


def _xlsx_rows(path: Path, index: int) -> Iterator[list[str]]:
    """The rows of one sheet of a workbook (computed values of formulas)."""
    with _workbook(path) as book:
        if index >= len(book.worksheets):
            raise TableError("the workbook has no such sheet")
        try:
            for values in book.worksheets[index].iter_rows(values_only=True):
                yield [reader.cell(v) for v in values]
        except Exception as error:  # noqa: BLE001 - a damaged sheet fails while it is read
            raise TableError(f"the XLSX file is damaged ({reader.short(error)})") from None


def _read_csv(source: reader.Source) -> Table:
    path, temporary = source.path, None
    if source.encoding != "utf-8-sig":
        temporary = _to_utf8(source.path, source.encoding or "utf-8")
        path = Path(temporary)
    try:
        rows = source.rows()
        try:
            found = layout(list(islice(rows, HEAD_ROWS)))
        finally:
            rows.close()
        if found.width == 0:
            raise TableError("the file holds no table")
    except BaseException:
        if temporary:
            os.unlink(temporary)
        raise
    return Table(
        source.kind, found, list(source.notes), source=path, delimiter=source.delimiter or ",", temporary=temporary
    )


def _to_utf8(path: Path, encoding: str) -> str:
    """A UTF-8 copy of the file (streamed), for polars."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    handle, name = tempfile.mkstemp(suffix=".csv")
    with os.fdopen(handle, "wb") as out, path.open("rb") as src:
        while block := src.read(1 << 20):
            out.write(decoder.decode(block).encode("utf-8"))
        out.write(decoder.decode(b"", final=True).encode("utf-8"))
    return name


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
