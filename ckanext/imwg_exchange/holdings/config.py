"""Typed access to the holdings part's configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

COMPLETENESS_CATEGORIES = "ckanext.imwg_exchange.completeness_categories"


def completeness_categories() -> str:
    """The file of the completeness grid's categories (a path or ``package:file``)."""
    return tk.config[COMPLETENESS_CATEGORIES]
