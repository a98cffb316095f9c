"""Keep the suite's index documents valid for CKAN's stock Solr schema.

Scheming stores multi-select fields as lists; Solr's catch-all ``*`` field is
single-valued, so a list there is rejected. They are indexed as
``vocab_<field>`` (multi-valued strings, copied into the free-text field),
which is where facets and filters on them look.
"""

from __future__ import annotations

import json
from typing import Any

from ckanext.scheming.helpers import scheming_get_dataset_schema


def multi_valued_fields(dataset_type: str) -> list[str]:
    """Names of the fields that hold lists in the scheming schema."""
    schema = scheming_get_dataset_schema(dataset_type) or {}
    return [
        f["field_name"]
        for f in schema.get("dataset_fields", [])
        if "multiple" in f.get("preset", "") or "scheming_multiple_choice" in f.get("validators", "")
    ]


def as_list(value: Any) -> list[str]:
    """A stored multi-value (list or its JSON text) as a list of strings."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return [text]
        else:
            return [text] if text else []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    return [] if value in (None, "") else [str(value)]


def solr_compatible(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Move list-valued schema fields to ``vocab_<field>``."""
    for name in multi_valued_fields(pkg_dict.get("dataset_type") or pkg_dict.get("type") or "dataset"):
        if name in pkg_dict:
            values = as_list(pkg_dict.pop(name))
            if values:
                pkg_dict[f"vocab_{name}"] = values
    return pkg_dict
