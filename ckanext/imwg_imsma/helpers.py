"""Template helpers of the import's pages."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.imwg.interfaces import web_context

__all__ = ["imwg_imsma_may_import", "imwg_imsma_reason"]


def imwg_imsma_may_import(pkg: dict[str, Any]) -> bool:
    """Whether the visitor may import exports into this dataset (a mine-action one)."""
    if not pkg or pkg.get("type") != "mine-action":
        return False
    try:
        tk.check_access("imsma_import", web_context(), {"id": pkg.get("id")})
    except tk.NotAuthorized:
        return False
    return True


def imwg_imsma_reason(code: str) -> str:
    """Why a record was not placed (or was placed less deep), in words."""
    reasons = {
        "unknown_pcode": tk._("P-code not in the gazetteer"),
        "codes_disagree": tk._("P-codes of different levels do not agree"),
        "bad_coordinates": tk._("Coordinates not valid"),
        "lat_lon_swapped": tk._("Latitude and longitude swapped (they fall in the country the other way round)"),
        "outside_country": tk._("Coordinates outside the country"),
        "ambiguous_boundary": tk._("On the boundary of two units"),
        "unknown_name": tk._("Admin name not found"),
        "ambiguous_name": tk._("Admin name found in several units"),
        "no_location": tk._("No P-code, coordinates or admin name"),
        "duplicate_id": tk._("Duplicate record id"),
        "bad_number": tk._("Not a number"),
        "bad_date": tk._("Not a date"),
        "bad_value": tk._("Unknown value"),
    }
    return reasons.get(code, code)
