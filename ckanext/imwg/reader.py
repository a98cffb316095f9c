"""Reading uploaded tables: the one reader of the suite's features (the
P-code coverage, the personal-data screen, the HXL profile).

Pure (no CKAN). A file's kind comes from the resource's format, else from
its name's extension, else from its first bytes (``detect``); ``open_table``
checks that the file is what it says (a PNG image is not a CSV file), finds
the encoding of a text file (UTF-8 with or without a byte-order mark,
UTF-16 with one, else Windows-1252) and its delimiter; ``Source.rows``
streams the rows as lists of text, so memory does not grow with the file:
CSV and TSV line by line, XLSX (openpyxl, read-only) and XLS (xlrd3, the
reader libhxl brings) row by row, JSON (a list of rows or of objects, bare
or the one list of an object) element by element. Whatever is wrong with a
file is a ``TableError`` whose message a publisher understands.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO, Any

#: formats (CKAN's resource format, a MIME type, or the file extension) and the kind each is read as
KINDS = {
    "csv": "csv",
    "text/csv": "csv",
    "txt": "csv",
    "text/plain": "csv",
    "tsv": "tsv",
    "tab": "tsv",
    "text/tab-separated-values": "tsv",
    "xlsx": "xlsx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "xls": "xls",
    "application/vnd.ms-excel": "xls",
    "json": "json",
    "application/json": "json",
}
#: delimiters a CSV file may use (a TSV file uses the tab)
DELIMITERS = ",;\t|"
#: bytes read to tell the encoding of a text file
ENCODING_SAMPLE = 1 << 20
#: lines (within the first 64 KiB) the delimiter is told from
SNIFF_LINES = 100

_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an XLSX file is one: set the format to XLSX)"),
    (b"\xd0\xcf\x11\xe0", "an old Excel (XLS) or Office file"),
    (b"\x1f\x8b", "a gzip archive"),
)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


class TableError(Exception):
    """The file cannot be read as a table (the message says why)."""


def kind_of(fmt: str | None, url: str | None) -> str | None:
    """``csv``, ``tsv``, ``xlsx``, ``xls`` or ``json`` from a resource's
    format, else (no format) from its address's extension; None for
    anything else."""
    fmt = (fmt or "").strip().lower().lstrip(".")
    return KINDS.get(fmt or _extension(url))


def declares(fmt: str | None, url: str | None) -> bool:
    """Whether the format or the file name says what the file is (if
    neither does, ``detect`` looks at its content)."""
    return bool((fmt or "").strip() or _extension(url))


def readable(fmt: str | None, url: str | None) -> bool:
    """Whether the reader may read a resource's file: its format or name
    says a kind it reads, or says nothing (its content will tell)."""
    return kind_of(fmt, url) is not None or not declares(fmt, url)


def _extension(url: str | None) -> str:
    name = (url or "").split("?", 1)[0].split("#", 1)[0].rsplit("/", 1)[-1]
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def detect(path: str | Path, fmt: str | None, url: str | None) -> str | None:
    """The kind of a resource's file: what its format or name says, else
    what its first bytes show (``sniff``)."""
    kind = kind_of(fmt, url)
    if kind is None and not declares(fmt, url):
        return sniff(path)
    return kind


def sniff(path: str | Path) -> str | None:
    """The kind of a file from its content alone: an XLSX workbook, an XLS
    workbook, a JSON document, or text with a delimiter; None otherwise."""
    try:
        with open(path, "rb") as f:
            start = f.read(65536)
    except OSError:
        return None
    if start.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path) as archive:
                return "xlsx" if "xl/workbook.xml" in archive.namelist() else None
        except (zipfile.BadZipFile, OSError):
            return None
    if start.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    encoding = next((name for bom, name in _BOMS if start.startswith(bom)), None)
    if encoding != "utf-16" and (b"\x00" in start or any(start.startswith(m) for m, _ in _MAGIC)):
        return None
    text = start.decode(encoding or "utf-8-sig", errors="replace")
    if text.lstrip()[:1] in ("[", "{"):
        return "json"
    lines = _lines(text)
    try:
        delimiter = csv.Sniffer().sniff(lines, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return None
    widths = {len(row) for row in csv.reader(io.StringIO(lines), delimiter=delimiter) if any(row)}
    return "csv" if widths and min(widths) > 1 else None


@dataclass
class Source:
    """A table file, checked and ready to be read: its kind and, for a text
    file, its encoding and delimiter."""

    path: Path
    kind: str
    encoding: str | None = None
    delimiter: str | None = None
    #: what a publisher should know of how it was read (an encoding guessed)
    notes: list[str] = field(default_factory=list)

    def rows(self) -> Iterator[list[str]]:
        """Every row, as cells of text ("" where empty), streamed."""
        if self.kind in ("csv", "tsv"):
            return _text_rows(self)
        if self.kind == "xlsx":
            return xlsx_rows(self.path)
        if self.kind == "xls":
            return _xls_rows(self.path)
        return _json_rows(self.path)

    def blocks(self, size: int) -> Iterator[list[list[str]]]:
        """The rows in lists of ``size`` (for a text file, straight from the
        CSV parser: no step of Python between the parser and a block)."""
        if self.kind not in ("csv", "tsv"):
            yield from blocks(self.rows(), size)
            return
        with self.text() as text:
            parsed = csv.reader(text, delimiter=self.delimiter or ",")
            try:
                while block := list(islice(parsed, size)):
                    yield block
            except csv.Error as error:
                raise TableError(f"not a readable {self.kind.upper()} file ({short(error)})") from None

    def text(self) -> IO[str]:
        """A text file's content, decoded (undecodable bytes replaced)."""
        return self.path.open(encoding=self.encoding, errors="replace", newline="")


def open_table(path: str | Path, kind: str) -> Source:
    """Check a file before it is read as ``kind`` (raises ``TableError``)."""
    path = Path(path)
    if kind not in ("csv", "tsv", "xlsx", "xls", "json"):
        raise TableError(f"{kind!r} files are not read")
    try:
        with path.open("rb") as f:
            start = f.read(ENCODING_SAMPLE)
    except FileNotFoundError:
        raise TableError("the file is missing") from None
    except OSError as error:
        raise TableError(f"the file cannot be opened ({short(error)})") from None
    if not start.strip():
        raise TableError("the file is empty")
    encoding = next((name for mark, name in _BOMS if start.startswith(mark)), None)
    if encoding != "utf-16":
        _check_signature(start[:8192], kind)
    if kind in ("xlsx", "xls", "json"):  # JSON is UTF-8 (RFC 8259)
        return Source(path, kind)
    encoding = encoding or _encoding(start)
    source = Source(path, kind, encoding)
    if encoding == "cp1252":
        source.notes.append("The file is not UTF-8; it was read as Windows-1252 (Latin-1).")
    source.delimiter = "\t" if kind == "tsv" else _delimiter(start[:65536].decode(encoding, errors="replace"))
    return source


def rows(path: str | Path, kind: str) -> Iterator[list[str]]:
    """The rows of a file read as ``kind`` (``TableError`` when it cannot be)."""
    return open_table(path, kind).rows()


def blocks(source: Iterable[list[str]], size: int) -> Iterator[list[list[str]]]:
    """Rows in lists of ``size`` (the last one shorter)."""
    iterator = iter(source)
    while block := list(islice(iterator, size)):
        yield block


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
        raise TableError(f"not a {kind.upper()} file: this is {found} (binary content, not text)")
    if b"\x00" in start:
        raise TableError(f"not a {kind.upper()} file: it holds binary data")


def _encoding(start: bytes) -> str:
    """``utf-8-sig`` when the start of the file is UTF-8, else Windows-1252
    (the usual other encoding of spreadsheets saved as CSV)."""
    if start.isascii():
        return "utf-8-sig"
    try:
        start.decode("utf-8")
    except UnicodeDecodeError as error:
        whole = len(start) < ENCODING_SAMPLE
        if whole or error.start < len(start) - 3:  # not just a character cut at the sample's end
            return "cp1252"
    return "utf-8-sig"


def _lines(text: str) -> str:
    """The first whole lines of a text, for the delimiter to be told from."""
    text = text[:65536]
    cut = text.rfind("\n")
    if cut > 0:
        text = text[: cut + 1]
    end = -1
    for _ in range(SNIFF_LINES):
        end = text.find("\n", end + 1)
        if end < 0:
            return text
    return text[: end + 1]


def _delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(_lines(text), delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","


def _text_rows(source: Source) -> Iterator[list[str]]:
    with source.text() as text:
        try:
            yield from csv.reader(text, delimiter=source.delimiter or ",")
        except csv.Error as error:
            raise TableError(f"not a readable {source.kind.upper()} file ({short(error)})") from None


def short(error: BaseException) -> str:
    """An exception as one line of at most 300 characters (its type when it has no text)."""
    text = str(error).strip()
    return text.splitlines()[0][:300] if text else type(error).__name__


def cell(value: Any) -> str:
    """A spreadsheet's or JSON document's value as the text a CSV file would hold."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
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


# -- spreadsheets -------------------------------------------------------------------------------


def xlsx_rows(path: str | Path) -> Iterator[list[str]]:
    """The rows of an XLSX workbook's first sheet (computed values of
    formulas). The file is opened as a stream: CKAN keeps uploads under
    names without an extension, which openpyxl would refuse."""
    from openpyxl import load_workbook

    with open(path, "rb") as stream:
        try:
            book = load_workbook(stream, read_only=True, data_only=True)
        except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
            raise TableError(f"not a readable XLSX file ({short(error)})") from None
        try:
            if not book.worksheets:
                raise TableError("the workbook has no sheet")
            try:
                for values in book.worksheets[0].iter_rows(values_only=True):
                    yield [cell(v) for v in values]
            except Exception as error:  # noqa: BLE001 - a damaged sheet fails while it is read
                raise TableError(f"the XLSX file is damaged ({short(error)})") from None
        finally:
            book.close()


def _xls_rows(path: Path) -> Iterator[list[str]]:
    import xlrd3 as xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
        sheet = book.sheet_by_index(0)
    except Exception as error:  # noqa: BLE001 - xlrd raises many kinds for a broken file
        raise TableError(f"not a readable XLS file ({short(error)})") from None
    try:
        for number in range(sheet.nrows):
            row = []
            for value in sheet.row(number):
                if value.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(cell(xlrd.xldate_as_datetime(value.value, book.datemode)))
                    except Exception:  # noqa: BLE001 - a date out of range stays a number
                        row.append(cell(value.value))
                elif value.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    row.append("")
                else:
                    row.append(cell(value.value))
            yield row
    finally:
        book.release_resources()


# -- JSON ---------------------------------------------------------------------------------------

_SPACE = re.compile(r"[ \t\n\r]*")


class _Stream:
    """The values of a JSON document, read piece by piece: one element of
    a list at a time is in memory, never the whole list."""

    def __init__(self, text: IO[str]):
        self.text = text
        self.buffer = ""
        self.pos = 0
        self.ended = False
        self.decoder = json.JSONDecoder()

    def _more(self) -> bool:
        block = self.text.read(max(1 << 16, len(self.buffer)))  # doubling: a long value is not parsed again and again
        if not block:
            self.ended = True
            return False
        self.buffer = self.buffer[self.pos :] + block
        self.pos = 0
        return True

    def peek(self) -> str:
        """The next character that is not white space ("" at the end)."""
        while True:
            self.pos = _SPACE.match(self.buffer, self.pos).end()
            if self.pos < len(self.buffer):
                return self.buffer[self.pos]
            if not self._more():
                return ""

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise ValueError(f"expected {char!r} at character {self.pos}")
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.pos)
            except json.JSONDecodeError:
                if self._more():
                    continue
                raise
            if end == len(self.buffer) and not self.ended and self._more():
                continue  # a number may go on in the next block
            self.pos = end
            return value

    def elements(self) -> Iterator[Any]:
        """The elements of the list that starts here."""
        self.take("[")
        if self.peek() == "]":
            self.pos += 1
            return
        while True:
            yield self.value()
            after = self.peek()
            self.pos += 1
            if after == "]":
                return
            if after != ",":
                raise ValueError(f"expected ',' or ']' at character {self.pos - 1}")

    def table(self) -> Iterator[Any] | None:
        """The elements of the document's list of rows: the document itself,
        or the one entry of an object that is a list (None: neither)."""
        first = self.peek()
        if first == "[":
            return self.elements()
        if first != "{":
            self.value()
            return None
        return self._entries()

    def _entries(self) -> Iterator[Any]:
        """The elements of every list-valued entry of the object that starts here."""
        self.take("{")
        if self.peek() == "}":
            self.pos += 1
            return
        while True:
            if not isinstance(self.value(), str):
                raise ValueError("an object's key is not a string")
            self.take(":")
            if self.peek() == "[":
                yield _Entry()
                yield from self.elements()
            else:
                self.value()
            after = self.peek()
            self.pos += 1
            if after == "}":
                return
            if after != ",":
                raise ValueError(f"expected ',' or '}}' at character {self.pos - 1}")

    def finished(self) -> None:
        if self.peek() != "":
            raise ValueError(f"extra data at character {self.pos}")


class _Entry:
    """Marks the start of a list-valued entry among an object's elements."""


def _json_rows(path: Path) -> Iterator[list[str]]:
    """Two passes: the first learns the shape (which list, lists or objects,
    the objects' keys), the second yields the rows."""
    kind, keys = _json_shape(path)
    if kind == "objects":
        yield list(keys)
    for element in _json_elements(path):
        if kind == "objects":
            yield [cell(element.get(k)) for k in keys]
        else:
            yield [cell(v) for v in element]


def _json_shape(path: Path) -> tuple[str, dict[str, None]]:
    lists, kinds, keys, count = 0, set(), {}, 0
    for element in _json_elements(path, check=True):
        if isinstance(element, _Entry):
            lists += 1
            continue
        count += 1
        if isinstance(element, dict):
            kinds.add("objects")
            keys.update(dict.fromkeys(element))
        else:
            kinds.add("lists" if isinstance(element, list) else "values")
    if lists > 1 or not count:
        raise TableError("the JSON is not a list of rows or of objects")
    if len(kinds) > 1 or kinds == {"values"}:
        raise TableError("the JSON mixes rows of different kinds")
    return kinds.pop(), keys


def _json_elements(path: Path, check: bool = False) -> Iterator[Any]:
    try:
        with path.open(encoding="utf-8-sig") as text:
            stream = _Stream(text)
            found = stream.table()
            if found is None:
                raise TableError("the JSON is not a list of rows or of objects")
            for element in found:
                if check or not isinstance(element, _Entry):
                    yield element
            stream.finished()
    except (ValueError, UnicodeDecodeError) as error:
        raise TableError(f"not valid JSON ({short(error)})") from None
