"""Who may import an export into a mine-action dataset and read the imports'
reports: those who may edit the dataset (its organisation's editors and
admins, sysadmins). A report lists records of the raw export, so it is
never shown to others."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["imsma_import", "imsma_import_show"]


def _may_edit(context: Context, data_dict: DataDict) -> AuthResult:
    try:
        tk.check_access("package_update", context, {"id": data_dict.get("id")})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return {"success": False, "msg": tk._("Only the dataset's editors may import exports and read their reports")}
    return {"success": True}


def imsma_import(context: Context, data_dict: DataDict) -> AuthResult:
    return _may_edit(context, data_dict)


def imsma_import_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _may_edit(context, data_dict)
