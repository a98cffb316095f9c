"""The personal-data screen of a tabular file: which columns look like they
hold people or their contacts, or record-level coordinates.

Pure: the rows come from the suite's reader (``ckanext.imwg.reader``), no
database. Looks at HXL hashtags and
attributes, header names, and the values of the first ``SAMPLE_ROWS`` rows
(e-mail addresses, phone numbers). Each finding names the column, why, and
how many sampled values matched; the level the findings call for goes with it.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from ckanext.imwg.levels import LEVELS
from ckanext.imwg.reader import blocks, open_table

#: rows whose values are looked at (headers and hashtags are always read)
SAMPLE_ROWS = 5000
#: rows in which the header and hashtag rows are looked for
HEAD_ROWS = 25
#: rows screened at a time
BLOCK = 100

PERSON = "personal"  # people named or identified
CONTACT = "contact"  # ways of reaching people
COORDINATES = "coordinates"  # record-level positions
#: the level each kind of finding calls for
LEVEL = {PERSON: "confidential", CONTACT: "confidential", COORDINATES: "restricted"}

#: HXL hashtags about people, whose +name or +id attribute identifies someone
_PEOPLE_TAGS = {"affected", "beneficiary", "inneed", "targeted", "reached", "contact", "respondee", "victim"}
#: header words (after normalising) that mean a person's identity or contact
_HEADERS = [
    (
        re.compile(
            r"^(full|first|last|family|given|middle|sur|person|victim|survivor|beneficiary|respondent)_?name$|^surname$|^name_of_(person|victim|survivor)$"
            r"|^(nom_complet|nom_de_famille|prenom|nombre_completo|apellidos?|nombres_y_apellidos)$"
        ),
        PERSON,
        "a person's name",
    ),
    (
        re.compile(r"(^|_)(national_id|nid|id_number|id_card|passport|passport_number|ssn)($|_)"),
        PERSON,
        "an identity number",
    ),
    (re.compile(r"(^|_)(date_of_birth|dob|birth_date|birthdate|birthday)($|_)"), PERSON, "a date of birth"),
    (re.compile(r"(^|_)(phone|telephone|tel|mobile|cell|whatsapp|phone_number)($|_)"), CONTACT, "a phone number"),
    (re.compile(r"(^|_)(e_?mail|email_address)($|_)"), CONTACT, "an e-mail address"),
    (re.compile(r"^(contact|contacts|contact_person|contact_details)$"), CONTACT, "contact details"),
    (
        re.compile(
            r"(^|_)(gps|latitude|longitude|lat|lon|lng|coordinates|coord|gps_coordinates|x_coord|y_coord|easting|northing|mgrs)($|_)"
        ),
        COORDINATES,
        "coordinates",
    ),
]
_EMAIL = re.compile(r"^[\w.+-]+@[\w-]+(\.[\w-]+)+$")
_PHONE = re.compile(r"^\+?[\d][\d ().-]{6,18}\d$")


@dataclass
class Finding:
    column: str
    kind: str
    reason: str
    #: sampled values that matched (0: found from the header or hashtag)
    matches: int = 0


@dataclass
class Result:
    rows: int
    findings: list[Finding]

    @property
    def suggested(self) -> str:
        """The level the findings call for ("public" when there are none)."""
        return max((LEVEL[f.kind] for f in self.findings), key=LEVELS.index, default=LEVELS[0])

    def as_dicts(self) -> list[dict]:
        return [asdict(f) for f in self.findings]


#: formats of documents and pictures: published as they are, unscreened
#: (the screen reads tables; these are what a reader opens, not what a
#: program reads rows from)
DOCUMENTS = frozenset(
    (
        "pdf",
        "doc",
        "docx",
        "odt",
        "ppt",
        "pptx",
        "odp",
        "rtf",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "webp",
        "tif",
        "tiff",
    )
)


#: the kinds of table the screen reads whole; any other (JSON, whose nested
#: values are not columns; XLS, read one sheet) waits for an editor
READS = frozenset({"csv", "tsv", "xlsx"})


def reads_whole(kind: str | None, path: str | Path | None) -> bool:
    """Whether the screen reads every value of the file: a kind of
    ``READS``, and for a workbook a single sheet (the reader reads the
    first; personal data on another would go unseen)."""
    if kind not in READS:
        return False
    if kind != "xlsx" or path is None:
        return True
    try:
        with zipfile.ZipFile(path) as archive:
            book = archive.read("xl/workbook.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return True  # not a workbook after all: the reader says what is wrong
    return len(re.findall(rb"<(?:\w+:)?sheet\b", book)) <= 1


def needs_screen(url_type: str | None, fmt: str | None, url: str | None) -> bool:
    """Whether an uploaded file waits for the screen before it is public:
    every upload but documents and pictures (deny by default: a table in a
    format the screen does not read, JSON or XLS say, waits for an editor)."""
    if url_type != "upload":
        return False
    names = {(fmt or "").strip().lower(), (url or "").split("?", 1)[0].rsplit("/", 1)[-1].rpartition(".")[2].lower()}
    known = names - {""}
    return not known or not known <= DOCUMENTS


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def from_hashtag(tag: str) -> tuple[str, str] | None:
    """What an HXL hashtag says about people, if anything."""
    parts = re.sub(r"\s+", "", tag.lower()).lstrip("#").split("+")
    name, attributes = parts[0], set(parts[1:])
    if name == "contact":
        if attributes & {"email"}:
            return CONTACT, "HXL #contact+email"
        if attributes & {"phone"}:
            return CONTACT, "HXL #contact+phone"
        return CONTACT, "HXL #contact"
    if name in _PEOPLE_TAGS and attributes & {"name", "id"}:
        return PERSON, f"HXL #{name} with +{'name' if 'name' in attributes else 'id'}"
    if name == "geo" and attributes & {"lat", "lon", "coord"}:
        return COORDINATES, f"HXL #geo+{sorted(attributes & {'lat', 'lon', 'coord'})[0]}"
    return None


def from_header(header: str) -> tuple[str, str] | None:
    key = _normal(header)
    for pattern, kind, reason in _HEADERS:
        if pattern.search(key):
            return kind, f"header names {reason}"
    return None


def from_value(value: str) -> tuple[str, str] | None:
    value = value.strip()
    if "@" in value and _EMAIL.match(value):
        return CONTACT, "values are e-mail addresses"
    if (
        _PHONE.match(value)
        and (value.startswith("+") or value.startswith("0"))
        and 8 <= sum(c.isdigit() for c in value) <= 15
    ):
        return CONTACT, "values are phone numbers"
    return None


def _is_hashtag_row(row: list[str]) -> bool:
    cells = [c.strip() for c in row if c and c.strip()]
    return bool(cells) and sum(c.startswith("#") for c in cells) * 2 >= len(cells)


class Screener:
    """Screens a table block by block (the rows of one read of the file):
    finds the header and hashtag rows in the first ``HEAD_ROWS`` rows, then
    looks at the values of the first ``SAMPLE_ROWS`` data rows."""

    def __init__(self) -> None:
        self.head: list[list[str]] = []
        self.names: list[str] | None = None
        self.found: dict[tuple[int, str], Finding] = {}
        self.filled: dict[int, int] = {}
        self.width = 0
        self.count = 0

    def consume(self, block: list[list[str]]) -> bool:
        """The next rows; False once ``SAMPLE_ROWS`` data rows were read."""
        if self.names is None:
            wanted = HEAD_ROWS - len(self.head)
            self.head += block[:wanted]
            if len(self.head) < HEAD_ROWS:
                return True
            block = block[wanted:]
            self._begin()
        return self._sample(block)

    def _begin(self) -> None:
        head, self.head = self.head, []
        header: list[str] = head[0] if head else []
        hashtags: list[str] = []
        start = 1
        for number, row in enumerate(head):
            if _is_hashtag_row(row):
                hashtags = row
                header = head[number - 1] if number else []
                start = number + 1
                break
        self.width = width = max(len(header), len(hashtags))
        self.names = names = [
            (header[i].strip() if i < len(header) and header[i] else "")
            or (hashtags[i].strip() if i < len(hashtags) else "")
            or f"column {i + 1}"
            for i in range(width)
        ]
        for i in range(width):
            for what in (
                from_hashtag(hashtags[i]) if i < len(hashtags) and hashtags[i] else None,
                from_header(header[i]) if i < len(header) and header[i] else None,
            ):
                if what and (i, what[0]) not in self.found:
                    self.found[(i, what[0])] = Finding(names[i], what[0], what[1])
        self._sample(head[start:])

    def _sample(self, block: list[list[str]]) -> bool:
        found, filled, names = self.found, self.filled, self.names or []
        block = block[: SAMPLE_ROWS - self.count]
        self.count += len(block)
        for row in block:
            # every cell, whatever the header's width: a title row above the
            # header must not hide the columns beyond its own
            for i, value in enumerate(row):
                if not value or not value.strip():
                    continue
                filled[i] = filled.get(i, 0) + 1
                if len(value) > 60:
                    continue
                what = from_value(value)
                if what is None:
                    continue
                key = (i, what[0])
                if key not in found:
                    name = names[i] if i < len(names) else f"column {i + 1}"
                    found[key] = Finding(name, what[0], what[1])
                found[key].matches += 1
        return self.count < SAMPLE_ROWS

    def result(self) -> Result:
        """The findings of the rows read so far."""
        if self.names is None:
            self._begin()
        found, filled = self.found, self.filled
        # a value pattern counts when it is more than a stray match in its column
        ordered = [
            found[k]
            for k in sorted(found)
            if not found[k].reason.startswith("values") or found[k].matches * 10 >= filled.get(k[0], 0)
        ]
        return Result(self.count, ordered)


def screen_rows(source: Iterable[list[str]]) -> Result:
    """Screen a table given as rows of text."""
    return _screen_blocks(blocks(source, BLOCK))


def _screen_blocks(source: Iterable[list[list[str]]]) -> Result:
    screener = Screener()
    for block in source:
        if not screener.consume(block):
            break
    return screener.result()


def screen_file(path: str | Path, kind: str) -> Result:
    """Screen a file the reader reads as ``kind``; ``reader.TableError`` if unreadable."""
    return _screen_blocks(open_table(path, kind).blocks(BLOCK))


def screen_bytes(content: bytes, kind: str) -> Result:
    """Screen a file's content (for small files and tests)."""
    with tempfile.NamedTemporaryFile(suffix=f".{kind}") as tmp:
        tmp.write(content)
        tmp.flush()
        return screen_file(tmp.name, kind)
