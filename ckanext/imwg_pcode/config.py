"""Typed access to this plugin's configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

SIMPLIFY_TOLERANCE = "ckanext.imwg_pcode.simplify_tolerance"
FACET_LEVELS = "ckanext.imwg_pcode.facet_levels"
COVERAGE_MAX_BYTES = "ckanext.imwg_pcode.coverage_max_bytes"
MEMORY_UNITS = "ckanext.imwg_pcode.memory_units"


def simplify_tolerance() -> float:
    """Tolerance (degrees) of the boundary simplification kept for display."""
    value = tk.config[SIMPLIFY_TOLERANCE]
    try:
        tolerance = float(value)
    except (TypeError, ValueError):
        raise tk.ValidationError({SIMPLIFY_TOLERANCE: [f"{value!r} is not a number"]}) from None
    if tolerance < 0:
        raise tk.ValidationError({SIMPLIFY_TOLERANCE: ["must not be negative"]})
    return tolerance


def facet_levels() -> list[int]:
    """Admin levels offered as search facets (0 is the country)."""
    return [int(v) for v in tk.config[FACET_LEVELS] if str(v).isdigit() and int(v) <= 5]


def coverage_max_bytes() -> int:
    """Largest uploaded file the coverage job reads."""
    return tk.config[COVERAGE_MAX_BYTES]


def memory_units() -> int:
    """Largest gazetteer (units) each process holds whole in memory."""
    return tk.config[MEMORY_UNITS]
