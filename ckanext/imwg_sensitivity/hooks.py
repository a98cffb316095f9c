"""What the plugin's hooks do (the plugin class only declares them)."""

from __future__ import annotations

import json
from typing import Any

import ckan.model as model
import ckan.plugins as p
from ckan.types import Context

from . import access, config, redact
from .logic import action


def actions() -> dict[str, Any]:
    names = (
        "access_request_create",
        "access_request_list",
        "access_request_show",
        "access_request_decide",
        "access_grant_list",
        "access_grant_create",
        "access_grant_revoke",
        "access_audit_list",
        "package_search",
        "package_list",
        "current_package_list_with_resources",
        "package_autocomplete",
        "resource_view_show",
        "resource_view_list",
        "personal_data_screen_show",
        "personal_data_confirm",
        "package_update",
    )
    result = {name: getattr(action, name) for name in names}
    if p.plugin_loaded("activity"):
        result.update(action.activity_actions())
    return result


def _current(context: Context) -> access.Access | None:
    """The caller's access, or None for the portal's own internal calls."""
    if context.get("ignore_auth"):
        return None
    return access.Access.of(context)


def after_show(context: Context, pkg_dict: dict[str, Any]) -> dict[str, Any]:
    who = _current(context)
    return pkg_dict if who is None else redact.package(who, pkg_dict)


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
    return redact.index_document(pkg_dict, open_data)


def relabel_activities(pkg_dict: dict[str, Any]) -> None:
    """A dataset's past activities follow its current labels (a level raised
    to strictly confidential hides its history too)."""
    if not p.plugin_loaded("activity"):
        return
    from ckan.lib.plugins import get_permission_labels

    from ckanext.activity.model import Activity

    pkg = model.Package.get(pkg_dict.get("id"))
    if pkg is None:
        return
    labels = get_permission_labels().get_dataset_labels(pkg)
    model.Session.query(Activity).filter(Activity.object_id == pkg.id).update(
        {"permission_labels": labels}, synchronize_session=False
    )


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
