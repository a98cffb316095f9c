"""Freshness: from each dataset's update frequency and the last change of its
data (or confirmation that it is still current), a status with HDX's rule
(``rule.py``), tracked on every save (``tracking.py``), indexed and faceted
as ``freshness``, recomputed by ``ckan exchange freshness`` (for cron).

What the exchange's plugin asks of this part (``parts.py``, ``hooks.py``).
"""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from . import cli, tracking, views
from . import helpers as _helpers
from .logic import action, auth

#: the index field (a single-valued string: Solr's catch-all ``*`` field takes it)
FIELD = "freshness"


def actions() -> dict[str, Any]:
    return {
        "freshness_show": action.freshness_show,
        "dataset_still_current": action.dataset_still_current,
        "freshness_list_for_user": action.freshness_list_for_user,
    }


def auth_functions() -> dict[str, Any]:
    return {
        "freshness_show": auth.freshness_show,
        "dataset_still_current": auth.dataset_still_current,
        "freshness_list_for_user": auth.freshness_list_for_user,
    }


def helpers() -> dict[str, Any]:
    return _helpers.helpers()


def blueprints() -> list[Any]:
    return [views.blueprint]


def commands() -> list[Any]:
    # the exchange's one group; the other parts add their subcommands to it
    return [cli.exchange]


def dataset_facets(facets_dict: dict[str, Any]) -> dict[str, Any]:
    facets_dict[FIELD] = tk._("Freshness")
    return facets_dict


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    status = tracking.index_status(pkg_dict)
    if status:
        pkg_dict[FIELD] = status
    return pkg_dict


def before_index_chunk(package_ids: list[str]) -> None:
    tracking.before_index_chunk(package_ids)


def after_index_chunk() -> None:
    tracking.after_index_chunk()


def after_search(search_results: dict[str, Any], search_params: dict[str, Any] | None = None) -> dict[str, Any]:
    """The facet's values with their labels (``display_name``), in the order of ``rule.STATUSES``."""
    facet = (search_results.get("search_facets") or {}).get(FIELD)
    if facet:
        for item in facet.get("items", []):
            item["display_name"] = _helpers.status_label(item["name"])
    return search_results


def dataset_changed(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    if tracking.dataset_saved(pkg_dict):
        tracking.index_at_commit(pkg_dict["id"])


def resource_changed(context: dict[str, Any], resource: dict[str, Any]) -> None:
    if resource.get("package_id"):
        tracking.resources_touched(resource["package_id"])


def resources_deleted(context: dict[str, Any], resources: list[dict[str, Any]]) -> None:
    pkg = context.get("package")
    package_id = getattr(pkg, "id", None) or next((r.get("package_id") for r in resources if r.get("package_id")), None)
    if package_id:
        tracking.resources_touched(package_id)
