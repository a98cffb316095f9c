"""Typed access to this plugin's configuration."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

SIMPLIFY_TOLERANCE = "ckanext.imwg_pcode.simplify_tolerance"


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
