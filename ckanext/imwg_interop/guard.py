"""Bad input at ckanext-dcat's routes answered before its views run: an
unknown format is a missing page (404, where ckanext-dcat would fail with a
500), a bad page number, date or profile a bad request (400, where it
answers 409)."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from dateutil.parser import parse as parse_date
from flask import Blueprint, request

from . import settings

#: ckanext-dcat's formats (its CONTENT_TYPES)
FORMATS = frozenset(("rdf", "xml", "n3", "ttl", "jsonld"))
#: ckanext-dcat's RDF routes (blueprint ``dcat``)
ROUTES = frozenset(("dcat.read_dataset", "dcat.read_dataset_series", "dcat.read_catalog"))

blueprint = Blueprint("imwg_interop_guard", __name__)


@blueprint.before_app_request
def check_dcat_request() -> Any:
    if request.endpoint not in ROUTES:
        return None
    fmt = (request.view_args or {}).get("_format")
    if fmt is not None and fmt not in FORMATS:
        return tk.abort(404, tk._("Not found"))
    page = request.args.get("page")
    if page is not None and (not page.isdigit() or int(page) < 1):
        return tk.abort(400, tk._("The page must be a whole number from 1."))
    since = request.args.get("modified_since")
    if since is not None:
        try:
            parse_date(since)
        except (ValueError, OverflowError):
            return tk.abort(400, tk._("The date must be in ISO-8601 format."))
    try:
        settings.requested(request.args.get("profiles"))
    except tk.ValidationError:
        return tk.abort(400, tk._("Unknown profile."))
    return None
