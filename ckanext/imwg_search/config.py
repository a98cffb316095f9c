"""Typed access to this plugin's configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

SCHEMA_FILE = "ckanext.imwg_search.schema_file"


def schema_file() -> str | None:
    """The Solr schema the backend follows; None for CKAN's shipped one."""
    return tk.config[SCHEMA_FILE] or None
