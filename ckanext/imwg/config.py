"""Typed access to the shared configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

DEMO_PASSWORD_SUFFIX = "ckanext.imwg.demo_password_suffix"
SEARCH_MAX_LENGTH = "ckanext.imwg.search_max_length"
SEARCH_MAX_CLAUSES = "ckanext.imwg.search_max_clauses"
SEARCH_MAX_DEPTH = "ckanext.imwg.search_max_depth"


def demo_password_suffix() -> str:
    """What `ckan imwg demo` appends to a user name to make its password."""
    return tk.config[DEMO_PASSWORD_SUFFIX]


def search_max_length() -> int:
    """Longest ``q`` or filter (characters) a dataset search accepts."""
    return tk.config[SEARCH_MAX_LENGTH]


def search_max_clauses() -> int:
    """Most terms, phrases and ranges in one ``q`` or filter."""
    return tk.config[SEARCH_MAX_CLAUSES]


def search_max_depth() -> int:
    """Deepest nesting of parentheses in one ``q`` or filter."""
    return tk.config[SEARCH_MAX_DEPTH]
