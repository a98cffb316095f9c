"""Downloads of the gazetteer: a unit with its boundary, the units of a
country or of a unit's subtree, as GeoJSON, GeoPackage, zipped Shapefile or
CSV (``ckanext.imwg_pcode.export`` writes them).

- ``/location/<pcode>.geojson``: the unit itself;
- ``/location/<pcode>/export.<fmt>?level=N``: its descendants;
- ``/location/export.<fmt>?country=ISO3&level=N``: a country's units.

An unknown format, P-code or country answers 404; a bad level or tolerance 400.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, stream_with_context

from . import export

blueprint = Blueprint("imwg_pcode_export", __name__)

#: query parameters passed on to ``pcode_export``
_ARGS = ("level", "simplify", "include_retired")


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _send(selection: export.Selection, fmt: str) -> Response:
    """The file, streamed; the rows come through a connection of its own,
    held while the response is sent."""

    def body() -> Iterator[bytes]:
        with model.meta.engine.connect() as connection:
            yield from export.stream(connection, selection, fmt)

    media_type, _suffix = export.FORMATS[fmt]
    response = Response(stream_with_context(body()), content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{export.filename(selection, fmt)}"'
    return response


def _download(fmt: str, data_dict: dict[str, Any]) -> Response:
    if fmt not in export.FORMATS:
        return tk.abort(404, tk._("No such format: {fmt}").format(fmt=fmt))
    for name in _ARGS:
        if tk.request.args.get(name, "").strip():
            data_dict[name] = tk.request.args[name]
    data_dict["format"] = fmt
    context = _context()
    try:
        found = tk.get_action("pcode_export")(context, data_dict)
    except tk.ObjectNotFound as error:
        return tk.abort(404, str(error.message or error))
    except tk.ValidationError as error:
        return tk.abort(400, "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in error.error_dict.items()))
    selection = export.Selection(
        country=found["country"],
        root=found["pcode"],
        level=found["level"],
        include_retired=found["include_retired"],
        simplify=found["simplify"],
    )
    return _send(selection, fmt)


def unit(pcode: str):
    """One unit with its boundary, as GeoJSON."""
    if pcode == "export":  # the router prefers this rule to ``export.<fmt>``
        return country("geojson")
    try:
        found = tk.get_action("pcode_show")(_context(), {"id": pcode})
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("No administrative unit with P-code {code}").format(code=pcode))
    return _send(export.Selection(unit=found["pcode"], include_retired=True), "geojson")


def subtree(pcode: str, fmt: str):
    """The descendants of a unit (at one level with ``?level=N``)."""
    return _download(fmt, {"pcode": pcode})


def country(fmt: str):
    """The units of a country (``?country=ISO3``, at one level with ``?level=N``)."""
    return _download(fmt, {"country": tk.request.args.get("country", "")})


blueprint.add_url_rule("/location/<pcode>.geojson", view_func=unit)
blueprint.add_url_rule("/location/<pcode>/export.<fmt>", view_func=subtree)
blueprint.add_url_rule("/location/export.<fmt>", view_func=country)
