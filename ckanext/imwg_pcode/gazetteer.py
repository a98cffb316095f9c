"""Gazetteer files: read, check and turn into administrative units.

Pure: no database, no CKAN. Formats:

- OCHA's Global P-code list (``Location,Admin Level,P-Code,Name,Parent
  P-Code,Valid from date``); the countries (level 0) are implied by the
  ``Location`` column;
- COD-AB tabular files, CSV or XLSX, in the older wide form (``ADM0_PCODE``,
  ``ADM1_PCODE``, ``ADM1_EN``, ``ADM1_FR``, ..., ``validOn``) and the newer
  one (``adm1_pcode``, ``adm1_name``, ``adm1_name1``, ..., ``valid_on``): each
  row names a unit and all its ancestors;
- COD-AB boundaries as GeoJSON, properties as above; geometries are kept.

A file with problems raises :class:`GazetteerError` listing every problem
with file and line (or feature number); nothing of it is returned.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

MAX_LEVEL = 5


@dataclasses.dataclass
class Unit:
    """One administrative unit."""

    pcode: str
    level: int
    parent: str | None
    country: str
    names: dict[str, str]
    valid_from: str | None = None
    geometry: dict[str, Any] | None = None
    #: where it was read: "file:line"
    source: str = ""

    @property
    def name(self) -> str:
        return self.names.get("en") or next(iter(self.names.values()), self.pcode)


@dataclasses.dataclass
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class GazetteerError(ValueError):
    """The file cannot be loaded; ``problems`` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(str(p) for p in problems[:50])
        more = f"\n... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s):\n{shown}{more}")


def normalise(pcode: str) -> str:
    """P-codes compare without case or surrounding spaces."""
    return pcode.strip().upper()


# -- reading rows --------------------------------------------------------------------


def _decode(path: Path, problems: list[Problem]) -> str:
    raw = path.read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # Mixed: some non-ASCII lines are UTF-8 and others are not (ASCII lines
    # say nothing either way).
    utf8_lines, bad = 0, []
    for number, line in enumerate(raw.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines += 1
        except UnicodeDecodeError:
            bad.append(number)
    if utf8_lines and bad:
        for number in bad[:20]:
            problems.append(Problem(f"{path.name}:{number}", "not UTF-8 while other lines are (mixed encodings)"))
        raise GazetteerError(problems)
    # the whole file is in a single-byte encoding
    return raw.decode("cp1252", errors="replace")


def _rows(path: Path, problems: list[Problem]) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by header) for CSV and XLSX files."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).active
        rows = sheet.iter_rows(values_only=True)
        header = [str(h).strip() if h is not None else "" for h in next(rows, [])]
        for number, values in enumerate(rows, start=2):
            if values is None or all(v in (None, "") for v in values):
                continue
            yield number, {h: _cell(v) for h, v in zip(header, values, strict=False) if h}
        return
    text = _decode(path, problems)
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames:
        reader.fieldnames = [f.strip() for f in reader.fieldnames]
    for row in reader:
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "date") and hasattr(value, "isoformat"):
        return value.date().isoformat() if hasattr(value, "hour") else value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- formats -------------------------------------------------------------------------

GLOBAL_COLUMNS = ["Location", "Admin Level", "P-Code", "Name", "Parent P-Code", "Valid from date"]
_WIDE = re.compile(r"^adm([0-5])_?(pcode|en|[a-z]{2}|name\d?|ref)$", re.I)
_NEW = re.compile(r"^adm([0-5])_(pcode|name\d?)$", re.I)


def detect(header: Iterable[str]) -> str:
    """``global``, ``cod`` or ``unknown``, from a header."""
    names = [h.strip() for h in header]
    if all(c in names for c in GLOBAL_COLUMNS):
        return "global"
    if any(re.fullmatch(r"adm[0-5]_?pcode", h, re.I) for h in names):
        return "cod"
    return "unknown"


def _header(path: Path, problems: list[Problem]) -> list[str]:
    for _number, row in _rows(path, problems):
        return list(row)
    return []


def read(path: str | Path, known: dict[str, int] | None = None) -> list[Unit]:
    """Read a gazetteer file (format detected) into checked units.

    ``known`` (pcode -> level) are units already loaded, which the file's
    units may have as parents.
    """
    path = Path(path)
    problems: list[Problem] = []
    if not path.exists():
        raise GazetteerError([Problem(str(path), "no such file")])
    if path.suffix.lower() in (".geojson", ".json"):
        units = _read_geojson(path, problems)
    else:
        header = _header(path, problems)
        kind = detect(header)
        if kind == "global":
            units = _read_global(path, problems)
        elif kind == "cod":
            units = _read_cod_rows(path.name, _rows(path, problems), problems)
        else:
            raise GazetteerError(
                [
                    Problem(
                        f"{path.name}:1",
                        "missing columns: expected OCHA's Global P-code list "
                        f"({', '.join(GLOBAL_COLUMNS)}) or COD-AB columns (ADM1_PCODE, adm1_pcode, ...); "
                        f"found {', '.join(header) or 'none'}",
                    )
                ]
            )
    check(units, problems, known)
    if problems:
        raise GazetteerError(problems)
    return units


def _read_global(path: Path, problems: list[Problem]) -> list[Unit]:
    units: dict[str, Unit] = {}
    countries: dict[str, Unit] = {}
    for number, row in _rows(path, problems):
        where = f"{path.name}:{number}"
        pcode = normalise(row.get("P-Code", ""))
        country = normalise(row.get("Location", ""))
        level_text = row.get("Admin Level", "")
        if not pcode:
            problems.append(Problem(where, "empty P-Code"))
            continue
        if not level_text.isdigit() or not 0 <= int(level_text) <= MAX_LEVEL:
            problems.append(Problem(where, f"Admin Level {level_text!r} is not a level from 0 to {MAX_LEVEL}"))
            continue
        level = int(level_text)
        parent = normalise(row.get("Parent P-Code", "")) or None
        unit = Unit(
            pcode, level, parent, country, {"en": row.get("Name", "")}, row.get("Valid from date") or None, source=where
        )
        _add(units, unit, problems)
        if country and country not in countries:
            countries[country] = Unit(country, 0, None, country, {"en": country}, source=where)
    for code, unit in countries.items():
        units.setdefault(code, unit)
    return list(units.values())


def _level_columns(keys: Iterable[str]) -> dict[int, dict[str, str]]:
    """level -> {"pcode": column, "<lang or name key>": column} for COD-AB columns."""
    levels: dict[int, dict[str, str]] = {}
    for key in keys:
        m = _NEW.match(key) or _WIDE.match(key)
        if not m:
            continue
        level, what = int(m.group(1)), m.group(2).lower()
        if what == "ref":
            continue
        levels.setdefault(level, {})[what] = key
    return levels


def _names(row: dict[str, str], columns: dict[str, str]) -> dict[str, str]:
    names = {}
    for what, column in sorted(columns.items()):
        value = row.get(column, "")
        if what == "pcode" or not value:
            continue
        if what == "name":
            names.setdefault("en", value)
        elif what.startswith("name"):
            names[f"alt{what[4:]}"] = value
        else:
            names[what] = value
    return names


def _read_cod_rows(
    filename: str,
    rows: Iterable[tuple[int, dict[str, str]]],
    problems: list[Problem],
    geometries: dict[int, dict[str, Any]] | None = None,
) -> list[Unit]:
    units: dict[str, Unit] = {}
    for number, row in rows:
        where = f"{filename}:{number}"
        levels = _level_columns(row)
        coded = sorted(lvl for lvl, cols in levels.items() if row.get(cols.get("pcode", ""), ""))
        if not coded:
            problems.append(Problem(where, "no P-code in this row"))
            continue
        country = normalise(row.get(levels.get(0, {}).get("pcode", ""), "")) or _country_of(
            normalise(row[levels[coded[0]]["pcode"]])
        )
        valid = row.get("validOn") or row.get("valid_on") or row.get("date") or None
        parent = None
        for level in coded:
            pcode = normalise(row[levels[level]["pcode"]])
            unit = Unit(pcode, level, parent, country, _names(row, levels[level]), valid, source=where)
            if geometries is not None and level == coded[-1] and number in geometries:
                unit.geometry = geometries[number]
            _add(units, unit, problems)
            parent = pcode
    return list(units.values())


def _read_geojson(path: Path, problems: list[Problem]) -> list[Unit]:
    try:
        data = json.loads(_decode(path, problems))
    except json.JSONDecodeError as e:
        raise GazetteerError([Problem(f"{path.name}:{e.lineno}", f"not valid JSON: {e.msg}")]) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise GazetteerError([Problem(path.name, "not a GeoJSON FeatureCollection")])
    rows, geometries = [], {}
    for number, feature in enumerate(features, start=1):
        props = {k: _cell(v) for k, v in (feature.get("properties") or {}).items()}
        rows.append((number, props))
        if feature.get("geometry"):
            geometries[number] = feature["geometry"]
    if rows and detect(rows[0][1]) != "cod":
        raise GazetteerError([Problem(f"{path.name}:feature 1", "missing columns: no ADM1_PCODE/adm1_pcode property")])
    return _read_cod_rows(f"{path.name}:feature", rows, problems, geometries)


def _country_of(pcode: str) -> str:
    m = re.match(r"[A-Z]+", pcode)
    return m.group(0) if m else pcode


def _add(units: dict[str, Unit], unit: Unit, problems: list[Problem]) -> None:
    seen = units.get(unit.pcode)
    if seen is None:
        units[unit.pcode] = unit
        return
    if seen.level != unit.level or seen.parent != unit.parent:
        problems.append(
            Problem(
                unit.source,
                (
                    f"{unit.pcode} appears again with level {unit.level} and parent {unit.parent} "
                    f"(first at {seen.source}: level {seen.level}, parent {seen.parent})"
                ),
            )
        )
        return
    for lang, name in unit.names.items():
        if seen.names.get(lang, name) != name:
            problems.append(
                Problem(
                    unit.source,
                    (
                        f"{unit.pcode} appears again with another name ({lang}: {name!r}; "
                        f"first at {seen.source}: {seen.names[lang]!r})"
                    ),
                )
            )
            return
        seen.names.setdefault(lang, name)
    if unit.geometry and not seen.geometry:
        seen.geometry = unit.geometry


# -- checking -------------------------------------------------------------------------


def check(units: list[Unit], problems: list[Problem], known: dict[str, int] | None = None) -> None:
    """Parents exist (in the file or in ``known``: pcode -> level), sit at a
    shallower level, and no unit is its own ancestor."""
    by_code = {u.pcode: u for u in units}
    levels = {**(known or {}), **{u.pcode: u.level for u in units}}
    for unit in units:
        if unit.parent is None:
            if unit.level != 0:
                problems.append(Problem(unit.source, f"{unit.pcode} (level {unit.level}) has no parent"))
            continue
        if unit.parent not in levels:
            problems.append(Problem(unit.source, f"{unit.pcode}: unknown parent {unit.parent}"))
        elif levels[unit.parent] >= unit.level:
            problems.append(
                Problem(
                    unit.source,
                    (
                        f"{unit.pcode} (level {unit.level}) has parent {unit.parent} at level "
                        f"{levels[unit.parent]}, which is not above it"
                    ),
                )
            )
    for unit in units:
        seen, current = {unit.pcode}, unit
        while current.parent in by_code:
            current = by_code[current.parent]
            if current.pcode in seen:
                problems.append(
                    Problem(unit.source, f"{unit.pcode} is its own ancestor (cycle through {current.pcode})")
                )
                break
            seen.add(current.pcode)
