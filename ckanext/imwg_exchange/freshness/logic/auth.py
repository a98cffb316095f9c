"""Who may call the freshness actions (each function here is the auth
function of the action of its name)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


def dataset_still_current(context: Context, data_dict: DataDict) -> AuthResult:
    """Those who may update the dataset (``package_update``'s own rule)."""
    try:
        tk.check_access("package_update", dict(context), {"id": data_dict.get("id")})
        return {"success": True}
    except (tk.NotAuthorized, tk.ObjectNotFound):
        pass
    return {"success": False, "msg": tk._("Only those who may edit the dataset confirm that it is still current")}


@tk.auth_allow_anonymous_access
def freshness_show(context: Context, data_dict: DataDict) -> AuthResult:
    """Anyone: the action reads the dataset through ``package_show`` as the caller."""
    return {"success": True}


def freshness_list_for_user(context: Context, data_dict: DataDict) -> AuthResult:
    """Logged-in users (their own datasets, found through ``package_search`` as them)."""
    return {"success": True}
