"""The gazetteer is public reference data: anyone may read it."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

__all__ = ["pcode_show", "pcode_search", "pcode_list", "pcode_lookup", "pcode_export", "pcode_units"]


@tk.auth_allow_anonymous_access
def _anyone(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


pcode_show = pcode_search = pcode_list = pcode_lookup = pcode_export = _anyone
pcode_units = _anyone
