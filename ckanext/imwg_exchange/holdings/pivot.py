"""Pivot keys: what lets one ``package_search`` count every cell of the holdings matrix.

A cell counts the datasets of one organisation in one column (a sector, or
an admin unit with everything inside it). Each dataset's index document
carries the pairs it counts in, ``"<organisation name>|<column value>"``:

- ``vocab_holdings_sectors``: the organisation with each of its sectors;
- ``vocab_holdings_adm1`` .. ``vocab_holdings_adm5``: the organisation with
  each of its places and their ancestors, per admin level (the places the
  P-code plugin's ``vocab_pcode_adm{level}`` holds, so that a cell counts
  what its column's link finds).

Faceting on one of them (``facet.limit=-1``) gives every non-empty cell in
one search, made as the caller like any other, so a dataset the caller may
not see is counted nowhere. The organisation is keyed by the name the
document's ``organization`` field holds (the row facet), so that rows and
cells come from the same document. Fields are ``vocab_*`` (multi-valued
strings in CKAN's stock Solr schema; the PostgreSQL backend follows it).

Everything is read from the dataset as stored and from the gazetteer (through
``ckanext.imwg.interfaces.places``), never from what another plugin's hook
wrote into the document: the keys are the same whatever order the hooks
run in. Datasets indexed before the keys existed have none: ``ckan
search-index rebuild`` adds them.
"""

from __future__ import annotations

from typing import Any

from ckanext.imwg import interfaces
from ckanext.imwg.indexing import as_list, stored_dataset
from ckanext.imwg.logic.validators import place_codes

SECTORS_FIELD = "vocab_holdings_sectors"
PLACE_FIELD = "vocab_holdings_adm{level}"
#: the admin levels place columns can have (a unit's children: levels 1 to 5)
LEVELS = range(1, 6)
SEPARATOR = "|"


def key(organization: str, value: str) -> str:
    return f"{organization}{SEPARATOR}{value}"


def split(value: str) -> tuple[str, str]:
    """``(organisation name, column value)`` of a key (names hold no ``|``)."""
    organization, _sep, column = value.partition(SEPARATOR)
    return organization, column


def field_for(column_field: str) -> str:
    """The pivot field of a column's index field (``vocab_sectors`` or ``vocab_pcode_adm{level}``)."""
    if column_field.startswith("vocab_pcode_adm"):
        return PLACE_FIELD.format(level=column_field.removeprefix("vocab_pcode_adm"))
    return SECTORS_FIELD


def _organization(pkg_dict: dict[str, Any], dataset: dict[str, Any]) -> str | None:
    # CKAN core sets the document's ``organization`` to the name before any hook runs
    name = pkg_dict.get("organization")
    if isinstance(name, str) and name:
        return name
    org = dataset.get("organization")
    return org.get("name") if isinstance(org, dict) and org.get("name") else None


def _units_by_level(codes: list[str]) -> dict[int, list[str]]:
    """The known units among ``codes`` and all their ancestors, per level
    (none without a gazetteer)."""
    by_level: dict[int, list[str]] = {}
    for code, unit in interfaces.places_with_ancestors(codes).items():
        by_level.setdefault(int(unit["level"]), []).append(code)
    return by_level


def keys(pkg_dict: dict[str, Any]) -> dict[str, list[str]]:
    """The pivot fields of an index document (empty without an organisation)."""
    dataset = stored_dataset(pkg_dict)
    organization = _organization(pkg_dict, dataset)
    if not organization:
        return {}
    fields: dict[str, list[str]] = {}
    sectors = list(dict.fromkeys(as_list(dataset.get("sectors"))))
    if sectors:
        fields[SECTORS_FIELD] = [key(organization, s) for s in sectors]
    codes = place_codes(dataset.get("pcodes"))
    if codes:
        for level, units in _units_by_level(codes).items():
            if level in LEVELS:
                fields[PLACE_FIELD.format(level=level)] = [key(organization, u) for u in dict.fromkeys(units)]
    return fields


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Set the pivot fields (and remove stale ones: this part owns them)."""
    for name in [SECTORS_FIELD, *(PLACE_FIELD.format(level=level) for level in LEVELS)]:
        pkg_dict.pop(name, None)
    pkg_dict.update(keys(pkg_dict))
    return pkg_dict
