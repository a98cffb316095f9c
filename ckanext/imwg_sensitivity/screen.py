"""The personal-data screen of a tabular file: which columns look like they
hold people or their contacts, or record-level coordinates.

Pure: reads CSV, TSV and XLSX files, no database. Looks at HXL hashtags and
attributes, header names, and the values of the first ``SAMPLE_ROWS`` rows
(e-mail addresses, phone numbers). Each finding names the column, why, and
how many sampled values matched; the level the findings call for goes with it.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from ckanext.imwg.spreadsheets import SpreadsheetError, xlsx_rows

#: rows whose values are looked at (headers and hashtags are always read)
SAMPLE_ROWS = 5000
#: rows in which the header and hashtag rows are looked for
HEAD_ROWS = 25
#: a file this large is screened on its first SAMPLE_ROWS rows like any other
KINDS = {"csv": "csv", "tsv": "csv", "tab": "csv", "txt": "csv", "xlsx": "xlsx"}

PERSON = "personal"  # people named or identified
CONTACT = "contact"  # ways of reaching people
COORDINATES = "coordinates"  # record-level positions
#: the level each kind of finding calls for
LEVEL = {PERSON: "confidential", CONTACT: "confidential", COORDINATES: "restricted"}
ORDER = ("public", "restricted", "confidential", "strictly_confidential")

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


class ScreenError(Exception):
    """The file cannot be read as a table."""


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
        return max((LEVEL[f.kind] for f in self.findings), key=ORDER.index, default="public")

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


def needs_screen(url_type: str | None, fmt: str | None, url: str | None) -> bool:
    """Whether an uploaded file waits for the screen before it is public:
    every upload but documents and pictures (deny by default: a table in a
    format the screen does not read, JSON or XLS say, waits for an editor)."""
    if url_type != "upload":
        return False
    names = {(fmt or "").strip().lower(), (url or "").split("?", 1)[0].rsplit("/", 1)[-1].rpartition(".")[2].lower()}
    known = names - {""}
    return not known or not known <= DOCUMENTS


def kind_of(fmt: str | None, url: str | None) -> str | None:
    """``csv`` or ``xlsx`` from a resource's format or file name, else None."""
    for value in ((fmt or "").strip().lower(), (url or "").rsplit("?", 1)[0].rsplit(".", 1)[-1].lower()):
        if value in KINDS:
            return KINDS[value]
    return None


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


def screen_rows(rows: Iterator[list[str]]) -> Result:
    """Screen a table given as rows of text."""
    head: list[list[str]] = []
    for row in rows:
        head.append(row)
        if len(head) >= HEAD_ROWS:
            break
    header: list[str] = head[0] if head else []
    hashtags: list[str] = []
    start = 1
    for number, row in enumerate(head):
        if _is_hashtag_row(row):
            hashtags = row
            header = head[number - 1] if number else []
            start = number + 1
            break
    width = max(len(header), len(hashtags))
    names = [
        (header[i].strip() if i < len(header) and header[i] else "")
        or (hashtags[i].strip() if i < len(hashtags) else "")
        or f"column {i + 1}"
        for i in range(width)
    ]
    found: dict[tuple[int, str], Finding] = {}
    for i in range(width):
        for what in (
            from_hashtag(hashtags[i]) if i < len(hashtags) and hashtags[i] else None,
            from_header(header[i]) if i < len(header) and header[i] else None,
        ):
            if what and (i, what[0]) not in found:
                found[(i, what[0])] = Finding(names[i], what[0], what[1])
    count = 0
    filled: dict[int, int] = {}
    for row in itertools.chain(head[start:], rows):
        count += 1
        if count > SAMPLE_ROWS:
            count -= 1
            break
        for i, value in enumerate(row[:width] if width else row):
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
    # a value pattern counts when it is more than a stray match in its column
    ordered = [
        found[k]
        for k in sorted(found)
        if not found[k].reason.startswith("values") or found[k].matches * 10 >= filled.get(k[0], 0)
    ]
    return Result(count, ordered)


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open("rb") as f:
        raw = f.read(1 << 16)
    if raw.startswith(b"\x89PNG") or b"\x00" in raw[:4096]:
        raise ScreenError("not a text table (binary content)")
    try:
        raw.decode("utf-8")
        encoding = "utf-8-sig"
    except UnicodeDecodeError as error:
        encoding = "utf-8-sig" if error.start >= len(raw) - 3 else "cp1252"
    sample = raw.decode(encoding, errors="replace")
    try:
        dialect = csv.Sniffer().sniff(sample[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    with path.open(encoding=encoding, errors="replace", newline="") as text:
        yield from csv.reader(text, dialect)


def _xlsx_rows(path: Path) -> Iterator[list[str]]:
    try:
        for row in xlsx_rows(path):
            yield ["" if v is None else str(v) for v in row]
    except SpreadsheetError as error:
        raise ScreenError(str(error)) from None


def screen_file(path: str | Path, kind: str) -> Result:
    """Screen a CSV (``kind="csv"``) or XLSX file; ``ScreenError`` if unreadable."""
    path = Path(path)
    reader = _xlsx_rows(path) if kind == "xlsx" else _csv_rows(path)
    try:
        return screen_rows(reader)
    except csv.Error as error:
        raise ScreenError(f"not a readable CSV file ({error})") from None


def screen_bytes(content: bytes, kind: str) -> Result:
    """Screen a file's content (for small files and tests)."""
    if kind == "xlsx":
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".xlsx") as tmp:
            tmp.write(content)
            tmp.flush()
            return screen_file(tmp.name, kind)
    text = content.decode("utf-8-sig", errors="replace")
    return screen_rows(csv.reader(io.StringIO(text)))
