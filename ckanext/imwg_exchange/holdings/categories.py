"""The IMWG's core data categories (the completeness grid's columns): read
from a YAML file, checked as it is read. Pure: the vocabularies to check the
values against are handed in.

The file::

    categories:
      - name: hazardous_areas          # a slug, unique
        label: {en: Hazardous areas, fr: Zones dangereuses}
        search:                        # at least one key; all must hold
          themes: [contamination]      # any of these (also: sectors, data_type)
          fq: 'data_type:"geodata"'    # a filter in the search syntax
        need:                          # optional: what a "post a data need" link prefills
          sectors: [mine_action]       # (default: the search's sectors and first data type)
          data_type: geodata
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")
LIST_KEYS = ("sectors", "themes", "data_type")
SEARCH_KEYS = (*LIST_KEYS, "fq")
CATEGORY_KEYS = ("name", "label", "search", "need")
NEED_KEYS = ("sectors", "data_type")
MAX_FQ = 1000


class CategoriesError(ValueError):
    """The categories file cannot be used; the message says where and why."""


@dataclasses.dataclass(frozen=True)
class Category:
    name: str
    label: dict[str, str]
    sectors: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    data_type: tuple[str, ...] = ()
    fq: str = ""
    need_sectors: tuple[str, ...] = ()
    need_data_type: str = ""

    def label_in(self, lang: str) -> str:
        return self.label.get(lang) or self.label.get("en") or next(iter(self.label.values()))


def resolve(spec: str) -> Path:
    """A path, or ``package.module:file`` for a file shipped in a package (as scheming names schemas)."""
    if ":" in spec and not Path(spec).is_absolute() and not re.match(r"^[A-Za-z]:[\\/]", spec):
        package, _, name = spec.partition(":")
        try:
            return Path(str(resources.files(package).joinpath(name)))
        except (ModuleNotFoundError, TypeError) as error:
            raise CategoriesError(f"{spec}: no package {package!r} ({error})") from None
    return Path(spec)


def _strings(where: str, value: Any, allowed: Mapping[str, Any] | None) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) and v for v in values):
        raise CategoriesError(f"{where}: must be a value or a non-empty list of values")
    if allowed is not None:
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise CategoriesError(
                f"{where}: unknown value(s) {', '.join(unknown)} (known: {', '.join(sorted(allowed))})"
            )
    return tuple(dict.fromkeys(values))


def _unknown_keys(where: str, entry: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    unknown = [str(k) for k in entry if k not in keys]
    if unknown:
        raise CategoriesError(f"{where}: unknown field(s) {', '.join(unknown)} (allowed: {', '.join(keys)})")


def _label(where: str, value: Any) -> dict[str, str]:
    if isinstance(value, str) and value.strip():
        return {"en": value.strip()}
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in value.items())
    ):
        if "en" not in value:
            raise CategoriesError(f"{where}: needs an English label (en)")
        return {k: v.strip() for k, v in value.items()}
    raise CategoriesError(f"{where}: must be a text or a mapping of language to text")


def parse(
    text: str, vocabularies: Mapping[str, Mapping[str, Any]] | None = None, source: str = "categories"
) -> list[Category]:
    """The categories of a YAML text; :class:`CategoriesError` on anything wrong.

    ``vocabularies`` maps ``sectors``, ``themes``, ``data_type`` to their allowed values
    (not checked when absent)."""
    vocabularies = vocabularies or {}
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise CategoriesError(f"{source}: not valid YAML: {error}") from None
    if not isinstance(document, dict):
        raise CategoriesError(f"{source}: must be a mapping with a list under 'categories'")
    _unknown_keys(source, document, ("categories", "version", "about"))
    entries = document.get("categories")
    if not isinstance(entries, list) or not entries:
        raise CategoriesError(f"{source}: 'categories' must be a non-empty list")
    found: list[Category] = []
    names: set[str] = set()
    for i, entry in enumerate(entries, start=1):
        where = f"{source}: category {i}"
        if not isinstance(entry, dict):
            raise CategoriesError(f"{where}: must be a mapping")
        name = entry.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise CategoriesError(f"{where}: 'name' must be a slug (lower-case letters, digits, _ or -)")
        where = f"{source}: category {name!r}"
        if name in names:
            raise CategoriesError(f"{where}: the name is given twice")
        names.add(name)
        _unknown_keys(where, entry, CATEGORY_KEYS)
        label = _label(f"{where}: label", entry.get("label"))
        search = entry.get("search")
        if not isinstance(search, dict) or not search:
            raise CategoriesError(f"{where}: 'search' must be a mapping with at least one of {', '.join(SEARCH_KEYS)}")
        _unknown_keys(f"{where}: search", search, SEARCH_KEYS)
        values = {
            key: _strings(f"{where}: search: {key}", search[key], vocabularies.get(key))
            for key in LIST_KEYS
            if key in search
        }
        fq = search.get("fq", "")
        if "fq" in search and (not isinstance(fq, str) or not fq.strip() or len(fq) > MAX_FQ):
            raise CategoriesError(f"{where}: search: fq must be a non-empty filter of at most {MAX_FQ} characters")
        need = entry.get("need") or {}
        if not isinstance(need, dict):
            raise CategoriesError(f"{where}: 'need' must be a mapping")
        _unknown_keys(f"{where}: need", need, NEED_KEYS)
        need_sectors = (
            _strings(f"{where}: need: sectors", need["sectors"], vocabularies.get("sectors"))
            if "sectors" in need
            else values.get("sectors", ())
        )
        need_type = (
            _strings(f"{where}: need: data_type", need["data_type"], vocabularies.get("data_type"))
            if "data_type" in need
            else values.get("data_type", ())
        )
        found.append(
            Category(
                name=name,
                label=label,
                sectors=values.get("sectors", ()),
                themes=values.get("themes", ()),
                data_type=values.get("data_type", ()),
                fq=fq.strip(),
                need_sectors=need_sectors,
                need_data_type=need_type[0] if need_type else "",
            )
        )
    return found


def load(spec: str, vocabularies: Mapping[str, Mapping[str, Any]] | None = None) -> list[Category]:
    """The categories of the file ``spec`` names (see :func:`resolve`)."""
    path = resolve(spec)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CategoriesError(f"{spec}: cannot be read ({error})") from None
    return parse(text, vocabularies, source=str(spec))
