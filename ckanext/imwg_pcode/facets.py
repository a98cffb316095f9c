"""Facets per admin level, shown with the places' names: "Kachin (12)"."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

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


def dataset_facets(facets: dict[str, Any]) -> dict[str, Any]:
    for level in config.facet_levels():
        facets[LEVEL_FIELD.format(level=level)] = tk._(TITLES[level])
    return facets


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
