"""Whoever may search datasets may see the matrix and the grid: they count
only what that search lists for them."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["holdings_matrix", "completeness_grid"]


@tk.auth_allow_anonymous_access
def _searchers(context: Context, data_dict: DataDict) -> AuthResult:
    try:
        tk.check_access(
            "package_search", {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}, {}
        )
    except tk.NotAuthorized:
        return {"success": False, "msg": tk._("Not authorised to search datasets")}
    return {"success": True}


holdings_matrix = completeness_grid = _searchers
