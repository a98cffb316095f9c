"""The field model of a Solr schema: the ``schema.xml`` named by
``ckanext.imwg_search.schema_file``, or by default the one shipped inside the
ckan package (CKAN's stock schema, the one its Solr image uses).

The PostgreSQL backend gives every field the meaning Solr would give it
(exact string, analysed text, date, number, boolean; single or multi-valued;
copied into the catch-all ``text`` field or not), so that queries behave the
same on both backends. The same model checks that the documents the suite
indexes would be accepted by Solr (:func:`SolrSchema.check_document`).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import functools
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from typing import Any

import ckan
from ckan.lib.search.common import SearchError

from . import config

STRING = "string"
TEXT = "text"
DATE = "date"
NUMBER = "number"
BOOLEAN = "boolean"

_CLASS_KINDS = {
    "solr.StrField": STRING,
    "solr.BoolField": BOOLEAN,
    "solr.TextField": TEXT,
    "solr.DatePointField": DATE,
    "solr.IntPointField": NUMBER,
    "solr.LongPointField": NUMBER,
    "solr.FloatPointField": NUMBER,
    "solr.DoublePointField": NUMBER,
}

#: Text analysis per Solr field type, as PostgreSQL text search configurations:
#: CKAN's ``text`` type stems English words, ``text_general`` does not.
_TEXT_CONFIGS = {"text": "english", "text_general": "simple", "text_ngram": "simple"}


def default_schema_path() -> str:
    """The ``schema.xml`` shipped inside the installed ckan package."""
    return os.path.join(os.path.dirname(ckan.__file__), "config", "solr", "schema.xml")


@dataclasses.dataclass(frozen=True)
class Field:
    """How Solr treats one field name."""

    name: str
    kind: str
    type_name: str
    multi_valued: bool
    indexed: bool
    stored: bool

    @property
    def ts_config(self) -> str:
        """PostgreSQL text search configuration for a text field."""
        return _TEXT_CONFIGS.get(self.type_name, "simple")


class SolrSchema:
    """Fields, dynamic fields and copy fields of a Solr ``schema.xml``."""

    def __init__(self, path: str):
        root = ET.parse(path).getroot()
        self.name = root.get("name", "")
        types: dict[str, tuple[str, bool]] = {}
        for ft in root.iter("fieldType"):
            kind = _CLASS_KINDS.get(ft.get("class", ""), STRING)
            types[ft.get("name", "")] = (kind, ft.get("multiValued") == "true")
        self.fields: dict[str, Field] = {}
        self.dynamic: list[Field] = []
        for tag, target in (("field", None), ("dynamicField", self.dynamic)):
            for el in root.iter(tag):
                type_name = el.get("type", "string")
                kind, type_multi = types.get(type_name, (STRING, False))
                multi = el.get("multiValued")
                f = Field(
                    name=el.get("name", ""),
                    kind=kind,
                    type_name=type_name,
                    multi_valued=type_multi if multi is None else multi == "true",
                    indexed=el.get("indexed", "true") == "true",
                    stored=el.get("stored", "true") == "true",
                )
                if target is None:
                    self.fields[f.name] = f
                else:
                    target.append(f)
        self.copy_fields: list[tuple[str, str]] = [
            (el.get("source", ""), el.get("dest", "")) for el in root.iter("copyField")
        ]
        self.version = _version(root)
        unique = root.find("uniqueKey")
        self.unique_key = unique.text.strip() if unique is not None and unique.text else "id"

    @functools.lru_cache(maxsize=4096)
    def field(self, name: str) -> Field:
        """The field definition Solr would apply to ``name``.

        Explicit fields win; among dynamic fields the longest pattern wins,
        which is Solr's rule.
        """
        if name in self.fields:
            return self.fields[name]
        matches = [d for d in self.dynamic if fnmatch.fnmatchcase(name, d.name)]
        if not matches:
            return Field(name, STRING, "string", False, True, True)
        best = max(matches, key=lambda d: len(d.name))
        return dataclasses.replace(best, name=name)

    @functools.lru_cache(maxsize=4096)
    def copied_into(self, dest: str, source: str) -> bool:
        """Whether values of ``source`` are copied into field ``dest``."""
        return dest in self.copy_destinations(source)

    @functools.lru_cache(maxsize=4096)
    def copy_destinations(self, source: str) -> tuple[str, ...]:
        """Fields that Solr copies the values of ``source`` into."""
        return tuple(d for s, d in self.copy_fields if fnmatch.fnmatchcase(source, s))

    def check_document(self, doc: dict[str, Any]) -> list[str]:
        """Problems Solr would report when indexing ``doc`` (empty when valid)."""
        problems = []
        for key, value in doc.items():
            f = self.field(key)
            values = value if isinstance(value, (list, tuple)) else [value]
            if isinstance(value, (list, tuple)) and len(value) > 1 and not f.multi_valued:
                problems.append(
                    f"{key}: multiple values for single-valued field "
                    f"(type {f.type_name}, matched as {self._pattern(key)})"
                )
            for v in values:
                if v is None:
                    continue
                if isinstance(v, dict):
                    problems.append(f"{key}: a nested object cannot be indexed")
                elif f.kind == DATE and not _is_solr_date(v):
                    problems.append(f"{key}: {v!r} is not an ISO-8601 UTC date")
                elif f.kind == NUMBER and not _is_number(v):
                    problems.append(f"{key}: {v!r} is not a number")
                elif f.kind == BOOLEAN and str(v).lower() not in ("true", "false"):
                    problems.append(f"{key}: {v!r} is not a boolean")
        return problems

    def _pattern(self, name: str) -> str:
        if name in self.fields:
            return name
        matches = [d.name for d in self.dynamic if fnmatch.fnmatchcase(name, d.name)]
        return max(matches, key=len) if matches else "(no field)"


def _version(root: ET.Element) -> str:
    """The CKAN schema version, read as CKAN reads it: ``name="ckan-X.Y"``
    (the ``version`` attribute up to CKAN 2.9)."""
    name = root.get("name", "")
    return name.split("-", 1)[1] if name.startswith("ckan-") else root.get("version", "")


def _is_solr_date(value: Any) -> bool:
    import re

    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z", str(value)))


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


class SchemaError(SearchError):
    """The configured schema cannot be read, or is not one of CKAN's."""


def schema_path() -> str:
    """The schema the backend follows (``ckanext.imwg_search.schema_file``,
    else CKAN's shipped one)."""
    return config.schema_file() or default_schema_path()


def load(path: str | None = None) -> SolrSchema:
    """The parsed schema at ``path``, by default :func:`schema_path` (parsed
    once per path)."""
    return _parse(path or schema_path())


@functools.cache
def _parse(path: str) -> SolrSchema:
    try:
        return SolrSchema(path)
    except (OSError, ET.ParseError) as e:
        raise SchemaError(f"{config.SCHEMA_FILE}: cannot read the Solr schema {path}: {e}") from None


def check(path: str | None = None) -> SolrSchema:
    """The schema, refused when CKAN would refuse it from a Solr server (its
    version is not one CKAN supports)."""
    from ckan.lib.search import SUPPORTED_SCHEMA_VERSIONS

    schema = load(path)
    if schema.version not in SUPPORTED_SCHEMA_VERSIONS:
        raise SchemaError(
            f"{config.SCHEMA_FILE}: the Solr schema {path or schema_path()} is version {schema.version or '(none)'}; "
            f"CKAN supports {', '.join(SUPPORTED_SCHEMA_VERSIONS)}"
        )
    return schema


def text_sources(schema: SolrSchema, names: Iterable[str]) -> list[str]:
    """Which of ``names`` Solr copies into the catch-all ``text`` field."""
    return [n for n in names if n == "text" or schema.copied_into("text", n)]
