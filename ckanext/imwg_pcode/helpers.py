"""Template helpers of the P-code plugin."""

from __future__ import annotations

import json
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.imwg import interfaces
from ckanext.imwg.logic.validators import place_codes

from . import facets, places
from .model import coverage_table

__all__ = [
    "imwg_pcode_coverage",
    "imwg_pcode_extent",
    "imwg_pcode_filter_labels",
    "imwg_pcode_item_places",
    "imwg_pcode_map_available",
    "imwg_pcode_places",
    "imwg_pcode_search_map",
]

#: places named in a search result, at the most (then "and N more")
ITEM_PLACES = 3
#: simplification (degrees) of the outlines drawn on the search map
OUTLINE_TOLERANCE = 0.01
#: simplification (degrees) of a dataset's extent drawn on its page
EXTENT_TOLERANCE = 0.005

#: unknown or retired codes named in the sentence of a dataset page
NAMED = 10


def _level_units(level: int, n: int) -> str:
    if level == 0:
        return tk.ungettext("{n} country", "{n} countries", n).format(n=n)
    return tk.ungettext("{n} admin-{level} unit", "{n} admin-{level} units", n).format(n=n, level=level)


def imwg_pcode_coverage(pkg: dict[str, Any]) -> dict[str, Any] | None:
    """What the dataset's uploaded files cover, across the resources whose
    data the visitor gets:
    ``sentence``, ``add`` (covered codes not yet among its places),
    ``levels``, ``unknown``, ``retired``; None when nothing was found."""
    context = interfaces.web_context()
    # only the files whose data the visitor gets: the places and unknown codes are the data's own values
    ids = [
        r["id"]
        for r in pkg.get("resources", [])
        if interfaces.data_access(context, pkg["id"], r["id"]) == interfaces.DATA
    ]
    if not ids:
        return None
    rows = model.Session.execute(
        sa.select(coverage_table.c.result).where(
            coverage_table.c.resource_id.in_(ids), coverage_table.c.status == "done"
        )
    ).all()
    levels: dict[int, set[str]] = {}
    within: dict[int, set[str]] = {}
    unknown: set[str] = set()
    largest_count = 0
    retired: set[str] = set()
    for (result,) in rows:
        for key, codes in result.get("levels", {}).items():
            levels.setdefault(int(key), set()).update(codes)
        for key, codes in result.get("within", {}).items():
            within.setdefault(int(key), set()).update(codes)
        unknown.update(result.get("unknown", []))
        largest_count = max(largest_count, result.get("unknown_count", 0))
        retired.update(result.get("retired", []))
    # resources may name the same unknown codes: the count is at least the largest one's
    unknown_count = max(len(unknown), largest_count)
    if not (levels or unknown or retired):
        return None
    parts = []
    if levels:
        deepest = max(levels)
        covers = _level_units(deepest, len(levels[deepest]))
        # "in 3 admin-1 units" below admin 1; "in 2 countries" for admin-1 data of several
        if deepest > 1 and within.get(1):
            top = 1
        elif deepest > 0 and len(within.get(0, ())) > 1:
            top = 0
        else:
            top = None
        if top is not None:
            covers = tk._("{units} in {parents}").format(units=covers, parents=_level_units(top, len(within[top])))
        parts.append(tk._("The data covers {places}").format(places=covers))
    if unknown:
        parts.append(
            tk.ungettext("{n} code unknown: {codes}", "{n} codes unknown: {codes}", unknown_count).format(
                n=unknown_count, codes=", ".join(sorted(unknown)[:NAMED]) + ("…" if unknown_count > NAMED else "")
            )
        )
    if retired:
        parts.append(
            tk.ungettext("{n} code retired: {codes}", "{n} codes retired: {codes}", len(retired)).format(
                n=len(retired), codes=", ".join(sorted(retired)[:NAMED])
            )
        )
    tagged = set(place_codes(pkg.get("pcodes")))
    add = sorted(levels[max(levels)] - tagged) if levels else []
    return {
        "sentence": "; ".join(parts) + ".",
        "add": add,
        "levels": {k: sorted(v) for k, v in levels.items()},
        "unknown": sorted(unknown),
        "retired": sorted(retired),
    }


def imwg_pcode_places(value: Any) -> list[dict[str, Any]]:
    """The places of a ``pcodes`` value, in order: ``pcode``, ``name``, ``path``,
    ``retired``, ``known`` and ``url`` (its location page, for a known one);
    an unknown place is its code."""
    codes = place_codes(value)
    found = tk.get_action("pcode_lookup")({"ignore_auth": True}, {"ids": codes}) if codes else {}
    places = []
    for code in codes:
        unit = found.get(code)
        places.append(
            {
                "pcode": code,
                "name": unit["name"] if unit else code,
                "path": unit["path"] if unit else code,
                "retired": bool(unit and unit["retired"]),
                "known": unit is not None,
                "url": tk.url_for("imwg_pcode.read", pcode=code) if unit else None,
            }
        )
    return places


def imwg_pcode_map_available() -> bool:
    """ckanext-spatial's map assets are there (its plugins are enabled)."""
    return p.plugin_loaded("spatial_metadata") or p.plugin_loaded("spatial_query")


def extent_geojson(unit: dict[str, Any]) -> str | None:
    """The unit's boundary (or, without one, its box) as GeoJSON text."""
    if unit.get("geometry"):
        return json.dumps(unit["geometry"])
    if unit.get("bbox"):
        minx, miny, maxx, maxy = unit["bbox"]
        ring = [[minx, miny], [maxx, miny], [maxx, maxy], [minx, maxy], [minx, miny]]
        return json.dumps({"type": "Polygon", "coordinates": [ring]})
    return None


def imwg_pcode_filter_labels(search_facets: dict[str, Any]) -> dict[str, Any]:
    """``titles`` and ``translated_fields`` for CKAN's search form, with the
    active place filters named: "Location: Waingmaw", not "None: MMR001014"."""
    return facets.filter_labels(search_facets)


def imwg_pcode_item_places(package: dict[str, Any]) -> dict[str, Any]:
    """The names of a search result's places: ``names`` (the first
    ``ITEM_PLACES``, each with its ``pcode`` and ``url``) and ``more`` (how
    many others): only the shown ones are looked up."""
    codes = place_codes(package.get("pcodes"))
    return {"names": imwg_pcode_places(codes[:ITEM_PLACES]), "more": max(0, len(codes) - ITEM_PLACES)}


def imwg_pcode_search_map() -> dict[str, Any]:
    """What the search page's map starts with: ``extent`` (``[[north, east],
    [south, west]]`` around the countries whose admin-1 units have boundaries,
    else None: the whole world) and ``outlines`` (the addresses of those
    units' boundaries as GeoJSON, drawn under the box so that the map is
    readable without tiles)."""
    outlined = facets.summary().outlined
    if not outlined:
        return {"extent": None, "outlines": []}
    boxes = [box for _country, box in outlined]
    extent = [
        [max(b[3] for b in boxes), max(b[2] for b in boxes)],
        [min(b[1] for b in boxes), min(b[0] for b in boxes)],
    ]
    outlines = [
        tk.url_for("imwg_pcode_export.country", fmt="geojson", country=country, level=1, simplify=OUTLINE_TOLERANCE)
        for country, _box in outlined
    ]
    return {"extent": extent, "outlines": outlines}


def imwg_pcode_extent(pkg: dict[str, Any]) -> dict[str, Any] | None:
    """A dataset's extent for its page's map: ``geojson`` (text, for
    ckanext-spatial's ``dataset_map`` snippet) and ``stand_ins`` (``names`` of
    places drawn ``by`` a larger unit's boundary, having none of their own). The
    dataset's own ``spatial`` extent when it has one; else its places'
    boundaries, a place without one drawn by its nearest ancestor that has
    one (as the map search finds it), else by its box. None: nothing to draw."""
    own = pkg.get("spatial") or next(
        (e.get("value") for e in pkg.get("extras") or [] if isinstance(e, dict) and e.get("key") == "spatial"), None
    )
    if own:
        return {"geojson": own if isinstance(own, str) else json.dumps(own), "stand_ins": []}
    codes = place_codes(pkg.get("pcodes"))
    if not codes:
        return None
    found = places.lookup(model.Session, codes)
    drawn: dict[str, str] = {}  # place -> the unit whose boundary draws it
    for code, unit in found.found.items():
        chain = [unit, *found.ancestors(code)]
        drawn[code] = next((u.pcode for u in chain if u.bbox), code)
    shapes = places.for_others(model.Session, set(drawn.values()), geometry=True)
    geometries = []
    for pcode in dict.fromkeys(drawn.values()):
        unit = found.units.get(pcode)
        geometry = (shapes.get(pcode) or {}).get("geometry")
        if geometry:
            geometries.append(_simplified(geometry))
        elif unit is not None and unit.bbox:
            geometries.append(json.loads(extent_geojson({"bbox": unit.bbox})))
    if not geometries:
        return None
    by_unit: dict[str, list[str]] = {}
    for code, by in drawn.items():
        if by != code and by in found.units:
            by_unit.setdefault(found.units[by].name, []).append(found.found[code].name)
    stand_ins = [{"names": names, "by": by} for by, names in by_unit.items()]
    geojson = geometries[0] if len(geometries) == 1 else {"type": "GeometryCollection", "geometries": geometries}
    return {"geojson": json.dumps(geojson, separators=(",", ":")), "stand_ins": stand_ins}


def _simplified(geometry: dict[str, Any]) -> dict[str, Any]:
    """A boundary simplified for a small map, coordinates rounded."""
    from shapely.geometry import mapping, shape

    try:
        simple = shape(geometry).simplify(EXTENT_TOLERANCE, preserve_topology=True)
    except (ValueError, TypeError, AttributeError):
        return geometry
    return json.loads(json.dumps(mapping(simple), default=list), parse_float=lambda v: round(float(v), 4))
