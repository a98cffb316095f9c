"""Who may see a resource's preview: whoever sees the resource and may have
its data or, where the sharing protocol allows, its aggregates."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from .. import preview

__all__ = ["hxl_preview_show"]


@tk.auth_allow_anonymous_access
def hxl_preview_show(context: Context, data_dict: DataDict) -> AuthResult:
    res = model.Resource.get(str(data_dict.get("id") or ""))
    if res is None:
        return {"success": False, "msg": tk._("Resource not found")}
    try:
        tk.check_access("resource_show", context, {"id": res.id})
    except tk.NotAuthorized:
        return {"success": False, "msg": tk._("Not authorised to see this resource")}
    if preview.mode(context, res) == "none":
        return {
            "success": False,
            "msg": tk._("Access to this data is controlled. Request access from the dataset page."),
        }
    return {"success": True}
