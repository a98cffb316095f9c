"""Which places a data file covers: its P-code columns and their distinct codes.

Pure: reads CSV and XLSX files, no database. A column holds P-codes when its
HXL hashtag is ``#adm1+code`` .. ``#adm5+code`` (``#country+code`` for level 0)
or its header says so (``ADM1_PCODE``, ``admin1Pcode``, ``adm2_pcode``, ``pcode``).
Files are streamed row by row; memory is bounded by the number of distinct
codes kept per column (``MAX_DISTINCT``).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ckanext.imwg.spreadsheets import SpreadsheetError, xlsx_rows

#: distinct values kept per column; beyond it the column is marked truncated
MAX_DISTINCT = 200_000
#: rows looked at for an HXL hashtag row (the HXL standard allows it anywhere in the first 25)
HXL_ROWS = 25

_HEADER = re.compile(r"^(?:adm|admin)([0-5])p?code$")
_HASHTAG = re.compile(r"^#(adm[1-5]|country)((?:\+[a-z0-9_]+)*)$")


class CoverageError(Exception):
    """The file cannot be read as a table."""


@dataclass
class Column:
    index: int
    header: str
    hashtag: str | None
    #: the admin level the column announces (None: a plain "pcode" column)
    level: int | None
    values: set[str] = field(default_factory=set)
    truncated: bool = False


@dataclass
class Scan:
    #: data rows read (None: no P-code column, the rest of the file was not read)
    rows: int | None
    columns: list[Column]

    def codes(self) -> set[str]:
        """Every distinct code of every P-code column, normalised."""
        return {v.strip().upper() for c in self.columns for v in c.values if v.strip()}


def column_level(header: str, hashtag: str | None) -> tuple[bool, int | None]:
    """Whether a column holds P-codes, and the level it announces."""
    if hashtag:
        match = _HASHTAG.match(re.sub(r"\s+", "", hashtag.lower()))
        if match and "code" in match.group(2).split("+")[1:]:
            kind = match.group(1)
            return True, 0 if kind == "country" else int(kind[3])
    key = re.sub(r"[^a-z0-9]", "", header.lower())
    match = _HEADER.match(key)
    if match:
        return True, int(match.group(1))
    if key in ("pcode", "pcodes", "placecode", "locationpcode", "adminpcode"):
        return True, None
    return False, None


def _is_hashtag_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c and c.strip()]
    return bool(cells) and sum(c.startswith("#") for c in cells) >= max(1, len(cells) // 2)


def find_columns(head: list[list[str]]) -> tuple[list[Column], int]:
    """The P-code columns from the first rows of a table, and how many rows
    (header, hashtags) come before the data."""
    header = head[0] if head else []
    hashtags: list[str] | None = None
    skip = 1
    for number, row in enumerate(head[:HXL_ROWS]):
        if _is_hashtag_row(row):
            hashtags = row
            header = head[number - 1] if number > 0 else [""] * len(row)
            skip = number + 1
            break
    columns = []
    for index in range(max(len(header), len(hashtags or []))):
        name = header[index].strip() if index < len(header) and header[index] else ""
        tag = hashtags[index].strip() if hashtags and index < len(hashtags) and hashtags[index] else None
        found, level = column_level(name, tag)
        if found:
            columns.append(Column(index, name, tag, level))
    return columns, skip


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open("rb") as raw:
        start = raw.read(4096)
    encoding = "utf-8-sig"
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(start) - 3:  # not just a character cut at the block's end
            encoding = "cp1252"
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        try:
            dialect = csv.Sniffer().sniff(text.read(4096), delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        text.seek(0)
        yield from csv.reader(text, dialect)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    try:
        for values in xlsx_rows(path):
            yield ["" if v is None else str(v) for v in values]
    except SpreadsheetError as error:
        raise CoverageError(str(error)) from None


def rows(path: Path, kind: str) -> Iterator[list[str]]:
    """The rows of a ``csv`` or ``xlsx`` file as lists of text."""
    if kind == "xlsx":
        return _xlsx_rows(path)
    if kind == "csv":
        return _csv_rows(path)
    raise CoverageError(f"cannot read {kind!r} files")


def scan_rows(source: Iterable[list[str]]) -> Scan:
    """Find the P-code columns and collect their distinct values."""
    iterator = iter(source)
    head: list[list[str]] = []
    for row in iterator:
        head.append(row)
        if len(head) > HXL_ROWS:
            break
    columns, skip = find_columns(head)
    if not columns:
        return Scan(None, [])
    picks = [(c.index, c.values, c) for c in columns]

    def consume(block: Iterable[list[str]]) -> int:
        n = 0
        for row in block:
            n += 1
            width = len(row)
            for index, values, column in picks:
                if index < width:
                    value = row[index]
                    if value and value not in values:
                        if len(values) >= MAX_DISTINCT:
                            column.truncated = True
                        else:
                            values.add(value)
        return n

    count = consume(head[skip:]) + consume(iterator)
    return Scan(count, columns)


def scan(path: Path, kind: str) -> Scan:
    """Scan a CSV or XLSX file."""
    try:
        return scan_rows(rows(path, kind))
    except csv.Error as error:
        raise CoverageError(f"not a readable CSV file ({error})") from None


def kind_of(fmt: str | None, url: str | None) -> str | None:
    """``csv``, ``xlsx`` or None from a resource's format and URL."""
    fmt = (fmt or "").strip().lower().lstrip(".")
    if fmt in ("csv", "text/csv"):
        return "csv"
    if fmt in ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"):
        return "xlsx"
    suffix = Path((url or "").split("?")[0]).suffix.lower()
    return {".csv": "csv", ".xlsx": "xlsx"}.get(suffix) if not fmt else None
