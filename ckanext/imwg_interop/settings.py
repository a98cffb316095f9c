"""ckanext-dcat's profile lists as the suite uses them: its own profile
(``imwg``) always last, and a caller's ``profiles`` checked against them."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

#: the suite's profile: always the last one, so it sees (and scrubs) what the others added
PROFILE = "imwg"
#: ckanext-dcat's options that list the profiles of its RDF endpoints and of
#: the schema.org JSON-LD embedded in dataset pages, with their defaults
PROFILE_OPTIONS = {
    "ckanext.dcat.rdf.profiles": "euro_dcat_ap_3",
    "ckanext.dcat.structured_data.profiles": "schemaorg",
}


def _names(value: Any, default: str) -> list[str]:
    value = value or default
    return value.split() if isinstance(value, str) else [str(name) for name in value]


def profiles_config(config: Any) -> None:
    """Put the suite's profile last in both of ckanext-dcat's profile lists
    (after whatever the site configured)."""
    for key, default in PROFILE_OPTIONS.items():
        value = config.get(key)
        names = [name for name in _names(value, default) if name != PROFILE] + [PROFILE]
        config[key] = names if isinstance(value, list) else " ".join(names)


def allowed() -> list[str]:
    """The profiles a caller may ask for by name (the configured ones)."""
    names: list[str] = []
    for key, default in PROFILE_OPTIONS.items():
        for name in _names(tk.config.get(key), default):
            if name not in names:
                names.append(name)
    return names


def requested(value: Any) -> list[str] | None:
    """A caller's ``profiles`` (a list or a comma-separated string) with the
    suite's profile last; None for the configured ones. Raises
    ``ValidationError`` for a profile that is not configured."""
    if not value:
        return None
    names = [n.strip() for n in (value.split(",") if isinstance(value, str) else value) if str(n).strip()]
    unknown = sorted(set(names) - set(allowed()))
    if unknown:
        raise tk.ValidationError({"profiles": [tk._("Unknown profile: {names}").format(names=", ".join(unknown))]})
    return [name for name in names if name != PROFILE] + [PROFILE]
