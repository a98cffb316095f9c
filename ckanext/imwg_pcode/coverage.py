"""Which places a data file covers: its P-code columns and their distinct codes.

Pure: the rows come from the suite's reader (``ckanext.imwg.reader``), no
database. A column holds P-codes when its HXL hashtag is ``#adm1+code`` ..
``#adm5+code`` (``#country+code`` for level 0) or its header says so
(``ADM1_PCODE``, ``admin1Pcode``, ``adm2_pcode``, ``pcode``). Rows come in
blocks (``Scanner``: the upload job's one read hands them over); memory is
bounded by the number of distinct codes kept per column (``MAX_DISTINCT``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ckanext.imwg.reader import blocks, open_table

#: distinct values kept per column; beyond it the column is marked truncated
MAX_DISTINCT = 200_000
#: rows looked at for an HXL hashtag row (the HXL standard allows it anywhere in the first 25)
HXL_ROWS = 25
#: rows scanned at a time
BLOCK = 100

_HEADER = re.compile(r"^(?:adm|admin)([0-5])p?code$")
_HASHTAG = re.compile(r"^#(adm[1-5]|country)((?:\+[a-z0-9_]+)*)$")


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


class Scanner:
    """Finds the P-code columns in the first rows, then collects their
    distinct values, block by block (the rows of one read of the file)."""

    def __init__(self) -> None:
        self.head: list[list[str]] = []
        self.columns: list[Column] | None = None
        self.rows = 0

    def consume(self, block: list[list[str]]) -> bool:
        """The next rows; False when the rest of the file is not needed (no P-code column)."""
        if self.columns is None:
            wanted = HXL_ROWS + 1 - len(self.head)
            self.head += block[:wanted]
            if len(self.head) <= HXL_ROWS:
                return True
            block = block[wanted:]
            if not self._begin():
                return False
        self._collect(block)
        return True

    def _begin(self) -> bool:
        self.columns, skip = find_columns(self.head)
        head, self.head = self.head, []
        if self.columns:
            self._collect(head[skip:])
        return bool(self.columns)

    def _collect(self, block: list[list[str]]) -> None:
        self.rows += len(block)
        for column in self.columns or ():
            index, values = column.index, column.values
            try:
                cells = [row[index] for row in block]
            except IndexError:  # a short row
                cells = [row[index] for row in block if index < len(row)]
            if len(values) + len(cells) <= MAX_DISTINCT:
                values.update(cells)
                values.discard("")
                continue
            for value in cells:
                if value and value not in values:
                    if len(values) >= MAX_DISTINCT:
                        column.truncated = True
                        break
                    values.add(value)

    def scan(self) -> Scan:
        """What the rows read so far hold."""
        if self.columns is None:
            self._begin()
        return Scan(self.rows, self.columns) if self.columns else Scan(None, [])


def scan_rows(source: Iterable[list[str]]) -> Scan:
    """Find the P-code columns and collect their distinct values."""
    return scan_blocks(blocks(source, BLOCK))


def scan_blocks(source: Iterable[list[list[str]]]) -> Scan:
    scanner = Scanner()
    for block in source:
        if not scanner.consume(block):
            break
    return scanner.scan()


def scan(path: Path, kind: str) -> Scan:
    """Scan a file the reader reads as ``kind`` (raises ``reader.TableError``)."""
    return scan_blocks(open_table(path, kind).blocks(BLOCK))
