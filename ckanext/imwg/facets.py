"""Facets of the suite's fields, shown with their labels in the user's language."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.scheming.helpers import (
    scheming_dataset_schemas,
    scheming_get_organization_schema,
    scheming_language_text,
)

#: facet field in the index -> (schema field, its title)
FACETS = {
    "vocab_sectors": ("sectors", "Sectors"),
    "vocab_themes": ("themes", "Mine-action themes"),
    "data_type": ("data_type", "Data type"),
    "vocab_ordnance_types": ("ordnance_types", "Explosive ordnance types"),
    "update_frequency": ("update_frequency", "Update frequency"),
    "organization_type": ("org_type", "Organisation type"),
}


def dataset_facets(facets: dict[str, Any]) -> dict[str, Any]:
    """Add the suite's facets after CKAN's organisation and group facets."""
    for name, (_field, title) in FACETS.items():
        facets[name] = tk._(title)
    return facets


def _choices(field_name: str) -> list[dict[str, Any]]:
    if field_name == "org_type":
        schema = scheming_get_organization_schema("organization") or {}
        fields = schema.get("fields", [])
    else:
        fields = [f for s in (scheming_dataset_schemas() or {}).values() for f in s.get("dataset_fields", [])]
    for f in fields:
        if f.get("field_name") == field_name and f.get("choices"):
            return f["choices"]
    return []


def _language() -> str:
    """The request's language; the site's default outside a request (jobs, CLI)."""
    try:
        return tk.h.lang()
    except RuntimeError:
        return tk.config.get("ckan.locale_default") or "en"


def label_facets(search_results: dict[str, Any]) -> dict[str, Any]:
    """Replace codes by labels in ``search_facets`` (``display_name``)."""
    lang = None
    for name, facet in (search_results.get("search_facets") or {}).items():
        if name not in FACETS:
            continue
        choices = _choices(FACETS[name][0])
        if not choices:
            continue
        lang = lang or _language()
        labels = {c["value"]: c.get("label", c["value"]) for c in choices}
        for item in facet.get("items", []):
            if item["name"] in labels:
                item["display_name"] = scheming_language_text(labels[item["name"]], prefer_lang=lang)
    return search_results
