"""The check in front of every address that serves data: downloads,
resource views and their embeds, datatables, the resource proxy.

CKAN's ``resource.download`` view (and the others) only check
``resource_show``, which is allowed whenever the metadata is visible, so the
data needs its own check before the view runs.
"""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from flask import request

from . import audit
from .access import Access, current_user

DOWNLOAD = "download"


def _kind(endpoint: str | None) -> str | None:
    if not endpoint:
        return None
    blueprint, _, view = endpoint.rpartition(".")
    if blueprint == "resource" or blueprint.endswith("_resource"):
        if view in ("download", "view", "embedded_dataviewer", "datapreview"):
            return DOWNLOAD if view == "download" else "view"
    if blueprint == "resource_proxy":
        return "proxy"
    if blueprint in ("datatables", "datatablesview"):
        return "view"
    return None


def _resource_from(args: dict[str, Any]) -> model.Resource | None:
    rid = args.get("resource_id")
    if rid is None and args.get("resource_view_id"):
        view = model.ResourceView.get(args["resource_view_id"])
        rid = view.resource_id if view else None
    return model.Resource.get(rid) if rid else None


def check_request() -> Any:
    """Flask ``before_request``: refuse data to those the protocol does not give it to."""
    kind = _kind(request.endpoint)
    if kind is None:
        return None
    res = _resource_from(request.view_args or {})
    if res is None:
        return None  # CKAN's own view answers 404
    pkg = res.package
    access = Access(current_user())
    if not access.gets_data(pkg, res):
        tk.abort(
            403,
            tk._("Access to this data is controlled. Request access from the dataset page."),
        )
    if kind == DOWNLOAD and access.data_level(pkg, res) != "public":
        audit.record(
            "download",
            actor=access.user.id if access.user else None,
            package_id=pkg.id,
            resource_id=res.id,
            path=request.path,
        )
        model.Session.commit()
    return None
