"""The DataStore's reads, chained: rows are data, given only to those who
get the data of the resource (and the list of every table to sysadmins)."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import AuthFunction, AuthResult, Context, DataDict

from ..access import Access

#: the DataStore's actions that answer rows
DATASTORE_READS = ("datastore_search", "datastore_search_sql", "datastore_info")


def _resource_data(context: Context, resource_ids: list[str]) -> AuthResult:
    access = Access.of(context)
    for rid in resource_ids:
        res = model.Resource.get(rid)
        if res is not None and not access.gets_data(res.package, res):
            return {"success": False, "msg": tk._("Access to this data is controlled")}
    return {"success": True}


def _datastore_chain(name: str) -> AuthFunction:
    @tk.chained_auth_function
    @tk.auth_allow_anonymous_access
    def check(up: AuthFunction, context: Context, data_dict: DataDict) -> AuthResult:
        rid = data_dict.get("resource_id") or data_dict.get("id")
        ids = [rid] if rid else []
        # datastore_search_sql names the tables of its query in the context
        ids += list(context.get("table_names") or data_dict.get("table_names") or [])
        if "_table_metadata" in ids and not Access.of(context).sysadmin:
            # the DataStore's list of every table and alias: ids of hidden resources
            return {"success": False, "msg": tk._("Access to this data is controlled")}
        allowed = _resource_data(context, ids)
        if not allowed["success"]:
            return allowed
        return up(context, data_dict)

    check.__name__ = name
    return check


def auth_functions() -> dict[str, AuthFunction]:
    """The chained auth functions of the DataStore's reads, when it is enabled."""
    if not p.plugin_loaded("datastore"):
        return {}
    return {name: _datastore_chain(name) for name in DATASTORE_READS}
