"""Who may import an export into a mine-action dataset: those who may edit
the dataset (its organisation's editors and admins, sysadmins). Who may read
the imports' reports: those of them who also get the raw export's data by
the sharing protocol (a report lists records of the raw export; an editor
the protocol withholds the raw file from, such as a collaborator, does not
get it)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["imsma_import", "imsma_import_show"]

#: the resource field that says what a resource is to the importer, and the raw export's role
ROLE_FIELD, RAW = "imsma_role", "raw"


def _may_edit(context: Context, data_dict: DataDict) -> AuthResult:
    try:
        tk.check_access("package_update", context, {"id": data_dict.get("id")})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Only the dataset's editors may import exports and read their reports")}
    return {"success": True}


def gets_raw(context: Context, package_id: str) -> bool:
    """Whether the caller gets the raw export's data: the dataset as CKAN
    shows it to them (the sensitivity plugin withholds the address of a file
    they may not have and marks it). True when there is no raw export yet."""
    caller = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
    try:
        pkg = tk.get_action("package_show")(caller, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False
    raw = [r for r in pkg.get("resources", []) if r.get(ROLE_FIELD) == RAW]
    return all(r.get("url") and not r.get("access_controlled") for r in raw)


def imsma_import(context: Context, data_dict: DataDict) -> AuthResult:
    return _may_edit(context, data_dict)


def imsma_import_show(context: Context, data_dict: DataDict) -> AuthResult:
    allowed = _may_edit(context, data_dict)
    if not allowed["success"]:
        return allowed
    if not gets_raw(context, data_dict.get("id") or ""):
        return {"success": False, "msg": tk._("The report lists records of the raw export, which is not yours to see")}
    return {"success": True}
