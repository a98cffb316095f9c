"""Location pages and the "add the covered places" action of a dataset page."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.helpers import Page
from flask import Blueprint

from ckanext.imwg import maps
from ckanext.imwg.csrf import protected
from ckanext.imwg.guard import MAX_INT
from ckanext.imwg.logic.validators import place_codes

from . import helpers, places
from .export_views import blueprint as export_blueprint  # noqa: F401 (registered by tk.blanket.blueprints)
from .indexing import LEVEL_FIELD

location = Blueprint("imwg_pcode", __name__)

ROWS = 20


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def index():
    """The countries of the gazetteer, each with its datasets count."""
    countries = tk.get_action("pcode_list")(_context(), {})
    field = LEVEL_FIELD.format(level=0)
    result = tk.get_action("package_search")(
        _context(),
        {
            "rows": 0,
            "facet.field": [field],
            "facet.limit": -1,
            "include_private": tk.config.get("ckan.search.default_include_private"),
        },
    )
    counts = result["facets"].get(field, {})
    for country in countries:
        country["datasets"] = counts.get(country["pcode"], 0)
    return tk.render("imwg_pcode/index.html", {"units": countries})


def _map_unit(unit: dict[str, Any], geometry: dict[str, Any] | None, parent: str | None) -> maps.Unit:
    return maps.Unit(
        pcode=unit["pcode"],
        name=unit["name"],
        count=unit.get("datasets", 0),
        url=tk.h.url_for("imwg_pcode.read", pcode=unit["pcode"]),
        geometry=geometry,
        parent_url=tk.h.url_for("imwg_pcode.read", pcode=parent) if parent else "",
    )


def _location_map(unit: dict[str, Any], children: list[dict[str, Any]]) -> maps.Map | None:
    """The place's map, centred on it: its sub-units shaded by the datasets
    the visitor sees when the gazetteer has their boundaries (drilling down);
    otherwise the place among its siblings, shaded the same way and outlined
    (its sub-units are then listed with their counts under the map). None
    when neither it nor its sub-units have a boundary."""
    session = model.Session
    shapes = places.for_others(session, [c["pcode"] for c in children], geometry=True) if children else {}
    if any(s["geometry"] for s in shapes.values()):
        units = [_map_unit(c, shapes[c["pcode"]]["geometry"], unit["pcode"]) for c in children if c["pcode"] in shapes]
        return maps.build(units, frame=unit.get("geometry"))
    if not unit.get("geometry"):
        return None
    siblings = [unit]
    if unit["parent"]:
        siblings = tk.get_action("pcode_list")(_context(), {"id": unit["parent"]})
        field = LEVEL_FIELD.format(level=unit["level"])
        result = tk.get_action("package_search")(
            _context(),
            {
                "fq": f'{LEVEL_FIELD.format(level=unit["level"] - 1)}:"{unit["parent"]}"',
                "rows": 0,
                "facet.field": [field],
                "facet.limit": -1,
                "include_private": tk.config.get("ckan.search.default_include_private"),
            },
        )
        counts = result["facets"].get(field, {})
        for sibling in siblings:
            sibling["datasets"] = counts.get(sibling["pcode"], 0)
    shapes = places.for_others(session, [s["pcode"] for s in siblings], geometry=True)
    units = [_map_unit(s, shapes.get(s["pcode"], {}).get("geometry"), unit["parent"]) for s in siblings]
    # siblings without a boundary are not listed here: the page is about this place
    drawn = [u for u in units if u.geometry]
    return maps.build(drawn, highlight=unit["pcode"], frame=unit["geometry"])


def read(pcode: str):
    """A place: its datasets (its own and its sub-units'), its sub-units with
    their counts, and a map centred on it (see ``_location_map``)."""
    try:
        unit = tk.get_action("pcode_show")(_context(), {"id": pcode, "include_geometry": True})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("No administrative unit with P-code {code}").format(code=pcode))
    if unit["pcode"] != pcode:
        return tk.redirect_to("imwg_pcode.read", pcode=unit["pcode"])
    page = tk.h.get_page_number(tk.request.args)
    if (page - 1) * ROWS > MAX_INT:
        return tk.abort(400, tk._("There is no page {page}").format(page=page))
    child_field = LEVEL_FIELD.format(level=unit["level"] + 1)
    result = tk.get_action("package_search")(
        _context(),
        {
            "fq": f'{LEVEL_FIELD.format(level=unit["level"])}:"{unit["pcode"]}"',
            "rows": ROWS,
            "start": (page - 1) * ROWS,
            "sort": "metadata_modified desc",
            "facet.field": [child_field] if unit["level"] < 5 else [],
            "facet.limit": -1,
            "include_private": tk.config.get("ckan.search.default_include_private"),
        },
    )
    counts = result["facets"].get(child_field, {})
    children = tk.get_action("pcode_list")(_context(), {"id": unit["pcode"]}) if unit["children"] else []
    for child in children:
        child["datasets"] = counts.get(child["pcode"], 0)
    pager = Page(
        collection=result["results"],
        page=page,
        url=lambda q=None, page=None: tk.h.url_for("imwg_pcode.read", pcode=unit["pcode"], page=page),
        item_count=result["count"],
        items_per_page=ROWS,
    )
    pager.items = result["results"]
    return tk.render(
        "imwg_pcode/read.html",
        {
            "unit": unit,
            "children": children,
            "datasets": result["results"],
            "count": result["count"],
            "page": pager,
            "extent": helpers.extent_geojson(unit),
            "location_map": _location_map({**unit, "datasets": result["count"]}, children),
        },
    )


def add_covered(id: str):
    """Add the places the dataset's data covers to its P-codes."""
    context = _context()
    try:
        pkg = tk.get_action("package_show")(context, {"id": id})
        tk.check_access("package_update", context, {"id": pkg["id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(403, tk._("You may not edit this dataset"))
    summary = helpers.imwg_pcode_coverage(pkg)
    new = summary["add"] if summary else []
    if new:
        codes = list(dict.fromkeys(place_codes(pkg.get("pcodes")) + new))
        try:
            tk.get_action("package_patch")(context, {"id": pkg["id"], "pcodes": codes})
        except tk.ValidationError as error:
            tk.h.flash_error(
                tk._("The places could not be added: {reason}").format(
                    reason="; ".join(str(m) for ms in error.error_dict.values() for m in ms)
                )
            )
        else:
            tk.h.flash_success(tk.ungettext("{n} place added", "{n} places added", len(new)).format(n=len(new)))
    return tk.redirect_to(f"{pkg['type']}.read", id=pkg["name"])


location.add_url_rule("/location/", view_func=index)
location.add_url_rule("/location/<pcode>", view_func=read)
location.add_url_rule("/dataset/<id>/places/add-covered", view_func=protected(add_covered), methods=["POST"])
