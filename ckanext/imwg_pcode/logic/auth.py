"""The gazetteer is public reference data: anyone may read it."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["pcode_show", "pcode_search", "pcode_list", "pcode_lookup"]


@tk.auth_allow_anonymous_access
def pcode_show(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


@tk.auth_allow_anonymous_access
def pcode_search(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


@tk.auth_allow_anonymous_access
def pcode_list(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


@tk.auth_allow_anonymous_access
def pcode_lookup(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}
