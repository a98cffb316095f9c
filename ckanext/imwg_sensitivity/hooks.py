"""What the plugin's hooks do (the plugin class only declares them)."""

from __future__ import annotations

import json
from typing import Any

import ckan.model as model
from ckan.authz import get_local_functions
from ckan.types import Action, AuthFunction, Context

from . import access, chained, config, exits, gate, labels
from .logic import agreement_auth, agreements, audit_log, auth, datastore_auth, grants, personal_data, requests

#: the modules of the plugin's own actions, one per job: each public function is an action
ACTION_MODULES = (requests, grants, audit_log, personal_data, agreements)


def actions() -> dict[str, Action]:
    """The plugin's own actions (collected as CKAN's blanket collects a
    module's) and the CKAN actions chained through the gate."""
    own = {name: fn for module in ACTION_MODULES for name, fn in get_local_functions(module)}
    for name in own:
        if exits.ACTIONS.get(name) != exits.OWN:
            raise RuntimeError(f"imwg_sensitivity: the action {name} is not classified as own in exits.ACTIONS")
    return {**own, **chained.actions()}


def tick_receivers() -> list[Any]:
    """What the plugin does at the suite's periodic ``TICK``: announce the
    grants and agreements that end, remind the deciders of waiting requests."""
    from . import agreements as agreement_policy

    return [agreement_policy.on_tick, *grants.TICK_RECEIVERS, *requests.TICK_RECEIVERS]


def auth_functions() -> dict[str, AuthFunction]:
    """The auth functions of the plugin's own actions (``logic/auth.py``) and
    the DataStore's reads chained."""
    return {
        **dict(get_local_functions(auth)),
        **dict(get_local_functions(agreement_auth)),
        **datastore_auth.auth_functions(),
    }


def _current(context: Context) -> access.Access | None:
    """The caller's access, or None for the portal's own internal calls."""
    if context.get("ignore_auth"):
        return None
    return access.Access.of(context)


def after_show(context: Context, pkg_dict: dict[str, Any]) -> dict[str, Any]:
    who = _current(context)
    return pkg_dict if who is None else gate.dataset(who, pkg_dict)


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Keep the addresses of gated resources out of the index's searchable fields."""
    try:
        stored = json.loads(pkg_dict.get("validated_data_dict") or pkg_dict.get("data_dict") or "{}")
    except ValueError:
        stored = {}
    resources = stored.get("resources") or []
    rules = config.protocol()
    level = access.level_of(stored)
    private = stored.get("private") in (True, "True", "true")
    open_data = [
        not private and rules[access.resource_level(level, r)].data == "everyone"
        for r in resources
        if isinstance(r, dict)
    ]
    return gate.index_document(pkg_dict, open_data)


def relabel_activities(pkg_dict: dict[str, Any]) -> None:
    """After ``package_update``: the dataset's past activities follow its labels now."""
    pkg = model.Package.get(pkg_dict.get("id"))
    if pkg is not None:
        labels.relabel_activities(pkg)


def data_access(context: Context, package_id: str, resource_id: str) -> str:
    """What the caller may see of a resource's data (``IDataAccess``)."""
    who = _current(context)
    if who is None:
        return "data"
    pkg = model.Package.get(package_id)
    res = model.Resource.get(resource_id) if resource_id else None
    if pkg is None or (resource_id and (res is None or res.package_id != pkg.id)):
        return "none"
    return who.data_access(pkg, res)
