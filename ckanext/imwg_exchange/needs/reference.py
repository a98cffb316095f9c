"""What the register borrows from the rest of the portal: the dataset
schema's choices (sectors, data types) and the gazetteer's places and
ancestors. Each is asked for through an action or an interface, so the
register works (checking less) when scheming or the P-code plugin is off."""

from __future__ import annotations

import re
from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces

#: a P-code as a gazetteer would have it, for portals without one
WELL_FORMED_PCODE = re.compile(r"^[A-Z][A-Z0-9_.-]{1,39}$")


def _action(name: str) -> Any | None:
    try:
        return tk.get_action(name)
    except KeyError:
        return None


def choices(field_name: str, dataset_type: str = "dataset") -> list[dict[str, Any]] | None:
    """The choices (``value``, ``label``) of a field of the dataset schema; None
    when there is no scheming schema to read them from."""
    show = _action("scheming_dataset_schema_show")
    if show is None:
        return None
    try:
        schema = show({"ignore_auth": True}, {"type": dataset_type})
    except (tk.ObjectNotFound, tk.ValidationError):
        return None
    for field in schema.get("dataset_fields", []):
        if field.get("field_name") == field_name:
            return list(field.get("choices") or [])
    return None


def places(codes: list[str]) -> dict[str, dict[str, Any]] | None:
    """The gazetteer's units among ``codes`` (None: no gazetteer)."""
    return interfaces.places(codes)


def ancestors(codes: list[str]) -> dict[str, list[str]]:
    """Each code's ancestors, nearest first (none known without a gazetteer)."""
    units = interfaces.places_with_ancestors(codes)
    found: dict[str, list[str]] = {}
    for code in dict.fromkeys(codes):
        chain: list[str] = []
        parent = (units.get(code) or {}).get("parent")
        while parent and parent not in chain:
            chain.append(parent)
            parent = (units.get(parent) or {}).get("parent")
        found[code] = chain
    return found


def place_names(codes: list[str]) -> dict[str, str]:
    """Code -> name for the known codes (for facets and pages)."""
    known = places(codes) or {}
    return {code: unit.get("name") or code for code, unit in known.items()}
