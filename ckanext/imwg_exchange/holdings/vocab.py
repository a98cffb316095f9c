"""The vocabularies the matrix and the grid filter on, read from the suite's
schemas (the one source of the choices) with their labels in the user's
language."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.imwg.levels import LEVELS
from ckanext.imwg.levels import label as level_label
from ckanext.scheming.helpers import (
    scheming_dataset_schemas,
    scheming_get_organization_schema,
    scheming_language_text,
)

#: the statuses the freshness part indexes as ``freshness``
FRESHNESS = ("fresh", "due", "overdue", "delinquent", "archived", "never")
FRESHNESS_LABELS = {
    "fresh": "Fresh",
    "due": "Due",
    "overdue": "Overdue",
    "delinquent": "Delinquent",
    "archived": "Archived (no longer updated)",
    "never": "Not expected to change",
}

#: the dataset fields the filters and the categories name, by their field in the schemas
DATASET_FIELDS = ("sectors", "themes", "data_type")


def language() -> str:
    """The request's language; the site's default outside a request."""
    try:
        return tk.h.lang()
    except (RuntimeError, TypeError):
        return tk.config.get("ckan.locale_default") or "en"


def dataset_choices(field_name: str) -> dict[str, Any]:
    """value -> label (a language dict or text) of a dataset field, over every dataset type."""
    choices: dict[str, Any] = {}
    for schema in (scheming_dataset_schemas() or {}).values():
        for field in schema.get("dataset_fields", []):
            if field.get("field_name") == field_name:
                for choice in field.get("choices") or []:
                    choices.setdefault(choice["value"], choice.get("label", choice["value"]))
    return choices


def org_type_choices() -> dict[str, Any]:
    """value -> label of the organisation schema's ``org_type``."""
    schema = scheming_get_organization_schema("organization") or {}
    for field in schema.get("fields", []):
        if field.get("field_name") == "org_type":
            return {c["value"]: c.get("label", c["value"]) for c in field.get("choices") or []}
    return {}


def text(label: Any, lang: str | None = None) -> str:
    """A scheming label (language dict or text) in ``lang``."""
    return scheming_language_text(label, prefer_lang=lang or language())


def choices(name: str) -> dict[str, Any]:
    """The allowed values of a filter, with their labels."""
    if name in DATASET_FIELDS:
        return dataset_choices(name)
    if name == "org_type":
        return org_type_choices()
    if name == "sensitivity":
        return {level: {"en": level_label(level)} for level in LEVELS}
    if name == "freshness":
        return {value: tk._(FRESHNESS_LABELS[value]) for value in FRESHNESS}
    raise KeyError(name)


def labelled(name: str, lang: str | None = None) -> list[dict[str, str]]:
    """``[{"value", "label"}]`` of a filter's choices, for forms."""
    lang = lang or language()
    if name == "sensitivity":
        return [{"value": level, "label": level_label(level, lang)} for level in LEVELS]
    return [{"value": value, "label": text(label, lang)} for value, label in choices(name).items()]
