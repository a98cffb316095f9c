"""The country's gazetteer as the placing needs it, asked of the gazetteer
plugin through its action ``pcode_units`` (the country's units, with their
other names when placing by name needs them, in one answer) and the
``IPlaces`` interface (boundaries), never imported."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import shapely

from ckanext.imwg import interfaces

from .place import Gazetteer, Unit
from .read import ReadError

#: how many units ``IPlaces`` is asked about at once
BATCH = 1000


def load(country: str, other_names: bool = False) -> Gazetteer:
    """The active units of ``country`` with their boundaries (and, when
    asked, their names in every language); ReadError ``no_gazetteer`` when
    the portal has no gazetteer or no such country."""
    context: dict[str, Any] = {"ignore_auth": True}
    try:
        branch = tk.get_action("pcode_units")(dict(context), {"id": country, "include_names": other_names})
    except KeyError as error:  # the gazetteer plugin is not loaded
        raise ReadError("no_gazetteer", field="country", country=country) from error
    except (tk.ObjectNotFound, tk.ValidationError) as error:
        raise ReadError("unknown_country", field="country", country=country) from error
    found: dict[str, dict[str, Any]] = {unit["pcode"]: unit for unit in branch}
    codes = list(found)
    geometries: dict[str, Any] = {}
    for start in range(0, len(codes), BATCH):
        answer = interfaces.places(codes[start : start + BATCH], geometry=True) or {}
        for code, unit in answer.items():
            if unit.get("geometry"):
                geometries[code] = unit["geometry"]
    names: dict[str, tuple[str, ...]] = {
        code: tuple(sorted({n for n in (unit.get("names") or {}).values() if n})) for code, unit in found.items()
    }
    units = [
        Unit(
            code,
            unit["name"],
            int(unit["level"]),
            unit["parent"],
            unit.get("country") or country,
            names.get(code, ()),
            _shape(geometries.get(code)),
        )
        for code, unit in found.items()
    ]
    return Gazetteer(units)


def _shape(geometry: Any) -> Any:
    if not geometry:
        return None
    if isinstance(geometry, str):
        return shapely.from_geojson(geometry)
    return shapely.geometry.shape(geometry)
