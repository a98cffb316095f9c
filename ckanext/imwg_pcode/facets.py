"""Facets per admin level, shown with the places' names: "Kachin (12)"; only
the levels the gazetteer has (an admin-3 facet once it holds admin-3 units).
What the search page's map needs from the gazetteer (the countries whose
admin-1 units have boundaries, and their extent) is read here too, once per
gazetteer token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from markupsafe import Markup

from . import config, places
from .indexing import LEVEL_FIELD

TITLES = {
    0: "Countries",
    1: "Admin level 1 (states, regions, provinces)",
    2: "Admin level 2 (districts)",
    3: "Admin level 3",
    4: "Admin level 4",
    5: "Admin level 5",
}


#: countries whose admin-1 outlines the search map draws, at the most
MAX_OUTLINED = 5

_LEVELS = sa.text("SELECT DISTINCT level FROM imwg_pcode_unit")
#: the countries with admin-1 boundaries, and the box around them
_OUTLINED = sa.text(
    "SELECT country, min(minx), min(miny), max(maxx), max(maxy) FROM imwg_pcode_unit"
    " WHERE level = 1 AND geometry IS NOT NULL AND retired_at IS NULL GROUP BY country ORDER BY count(*) DESC, country"
)


@dataclass(frozen=True)
class Summary:
    """What the search page shows of the gazetteer."""

    #: the admin levels that have units
    levels: frozenset[int]
    #: (ISO3, (minx, miny, maxx, maxy)) of the countries with admin-1 boundaries, the largest first
    outlined: tuple[tuple[str, tuple[float, float, float, float]], ...]


_summary: tuple[Any, Summary | None] = (None, None)


def summary() -> Summary:
    """The gazetteer's levels and outlined countries, read again only when
    the gazetteer changed (its token, read once per transaction)."""
    global _summary
    session = model.Session()
    token = places._token(session)
    kept_token, kept = _summary
    if kept is None or kept_token != token:
        levels = frozenset(int(level) for (level,) in session.execute(_LEVELS))
        outlined = tuple(
            (country, (minx, miny, maxx, maxy))
            for country, minx, miny, maxx, maxy in session.execute(_OUTLINED).fetchmany(MAX_OUTLINED)
        )
        kept = Summary(levels, outlined)
        _summary = (token, kept)
    return kept


def dataset_facets(facets: dict[str, Any]) -> dict[str, Any]:
    """A facet per configured admin level that the gazetteer has."""
    present = summary().levels
    for level in config.facet_levels():
        if level in present:
            facets[LEVEL_FIELD.format(level=level)] = tk._(TITLES[level])
    return facets


def filter_labels(facets: dict[str, Any]) -> dict[str, Any]:
    """The titles and labels of the active place filters for CKAN's search
    form (its ``facets`` argument): ``pcodes`` (the location filter) is
    "Location", and every place filter shows the place's name, not its code."""
    fields = facets.get("fields") or {}
    place_fields = [f for f in fields if f == "pcodes" or f.startswith("vocab_pcode_adm")]
    titles = dict(facets.get("titles") or {})
    labels = dict(facets.get("translated_fields") or {})
    if not place_fields:
        return {"titles": titles, "translated_fields": labels}
    if "pcodes" in fields and not titles.get("pcodes"):
        titles["pcodes"] = tk._("Location")
    asked = {
        field: [c.strip().upper() for value in fields[field] for c in value.split(",") if c.strip()]
        for field in place_fields
    }
    found = places.lookup(model.Session, [c for codes in asked.values() for c in codes]).found
    for field in place_fields:
        for value in fields[field]:
            codes = [c.strip().upper() for c in value.split(",") if c.strip()]
            names = [found[c].name if c in found else c for c in codes] or [value]
            # each name isolated: it keeps its direction inside Arabic text
            labels[(field, value)] = Markup(", ").join(Markup("<bdi>{}</bdi>").format(n) for n in names)
    return {"titles": titles, "translated_fields": labels}


def label_facets(search_results: dict[str, Any]) -> dict[str, Any]:
    """Give each admin-level facet item its place name."""
    items = [
        item
        for name, facet in (search_results.get("search_facets") or {}).items()
        if name.startswith("vocab_pcode_adm")
        for item in facet.get("items", [])
    ]
    if items:
        found = places.lookup(model.Session, [i["name"] for i in items])
        for item in items:
            unit = found.found.get(item["name"])
            if unit is not None:
                item["display_name"] = unit.name
    return search_results
