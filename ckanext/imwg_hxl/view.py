"""The ``hxl_preview`` resource view (the plugin class only declares it)."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces, reader

from . import jobs, preview


def info() -> dict[str, Any]:
    return {
        "name": jobs.VIEW_TYPE,
        "title": tk._("HXL preview"),
        "default_title": tk._("HXL preview"),
        "icon": "table",
        "iframed": False,
        "always_available": False,
        "requires_datastore": False,
        "preview_enabled": False,
    }


def can_view(data_dict: dict[str, Any]) -> bool:
    """Offered for any tabular resource (added by itself to HXL ones)."""
    res = data_dict.get("resource") or {}
    return reader.kind_of(res.get("format"), res.get("url")) is not None


def variables(context: dict[str, Any], data_dict: dict[str, Any]) -> dict[str, Any]:
    res = model.Resource.get((data_dict.get("resource") or {}).get("id") or "")
    if res is None:
        return {"hxl": None}
    if not context.get("user") and not context.get("auth_user_obj"):
        context = dict(context, **interfaces.web_context())
    # CKAN sets an embedded view up twice (the embed page renders the view
    # again): the preview is made, and reported as served, once per request
    made = tk.g.setdefault("imwg_hxl_previews", {})
    if res.id not in made:
        sheet = preview.sheet_asked(tk.request.args.get("sheet")) if tk.request else None
        try:
            made[res.id] = {"hxl": preview.for_caller(context, res, sheet=sheet)}
        except tk.NotAuthorized as error:
            made[res.id] = {"hxl": None, "hxl_refused": str(error)}
    return made[res.id]
