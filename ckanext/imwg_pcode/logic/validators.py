"""Validators of the places field (registered with ``tk.blanket.validators``,
named by this plugin's presets): its codes checked against the gazetteer, and
the fields derived from them."""

from __future__ import annotations

import json
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import StopOnError
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.imwg.logic.validators import place_codes

from ..places import for_others

__all__ = ["imwg_pcodes", "imwg_pcode_countries", "imwg_pcode_subnational"]

PCODES = "pcodes"


def _sibling(key: FlattenKey, name: str) -> FlattenKey:
    return key[:-1] + (name,)


def _places(codes: list[str], context: Context) -> dict[str, dict[str, Any]]:
    """The gazetteer's units for ``codes``, cached in the context: the derived
    fields look the same codes up."""
    if not codes:
        return {}
    cache = context.setdefault("imwg_places", {})  # type: ignore[typeddict-unknown-key]
    key = tuple(codes)
    if key not in cache:
        cache[key] = for_others(model.Session, codes)
    return cache[key]


def imwg_pcodes(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """An unknown or retired code is an error that names it (after
    ``imwg_code_list`` has normalised the codes)."""
    codes = place_codes(data.get(key))
    places = _places(codes, context)
    unknown = [c for c in codes if c not in places]
    retired = [c for c in codes if c in places and places[c]["retired"]]
    if unknown:
        errors[key].append(tk._("Unknown P-code: {codes}").format(codes=", ".join(unknown)))
    for code in retired:
        errors[key].append(
            tk._("Retired P-code: {code} ({name}) is no longer in use").format(code=code, name=places[code]["name"])
        )


def imwg_pcode_countries(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """Derived: the countries (ISO3) of the dataset's P-codes; never typed."""
    codes = place_codes(data.get(_sibling(key, PCODES)))
    places = _places(codes, context)
    countries = sorted({places[c]["country"] for c in codes if c in places})
    if not countries:
        data.pop(key, None)
        raise StopOnError
    data[key] = json.dumps(countries)


def imwg_pcode_subnational(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """Derived: "yes" when a P-code is below country level, "no" otherwise."""
    codes = place_codes(data.get(_sibling(key, PCODES)))
    places = _places(codes, context)
    known = [places[c] for c in codes if c in places]
    if not known:
        data.pop(key, None)
        raise StopOnError
    data[key] = "yes" if any(p["level"] > 0 for p in known) else "no"
