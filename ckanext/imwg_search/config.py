"""Typed access to this plugin's configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

SCHEMA_FILE = "ckanext.imwg_search.schema_file"
FACET_COUNTS = "ckanext.imwg_search.kept_counts"
WORD_BITS = "ckanext.imwg_search.word_bits"


def schema_file() -> str | None:
    """The Solr schema the backend follows; None for CKAN's shipped one."""
    return tk.config[SCHEMA_FILE] or None


def kept_counts() -> bool:
    """Whether searches whose filters admit whole visibility classes read the
    kept counts (migration 0009) instead of counting entries."""
    return tk.asbool(tk.config.get(FACET_COUNTS, True))


def word_bits() -> bool:
    """Whether a free-text search counts its matches from the words' bitmaps
    (migration 0016) instead of counting entries."""
    return tk.asbool(tk.config.get(WORD_BITS, True))
