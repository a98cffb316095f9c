"""The figures of the country overview, counted for the caller."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import AuthResult, Context, DataDict, Schema, ValidatorFactory

from ckanext.imwg.guard import whole_number

#: index fields faceted for the overview: admin-1 roll-up (imwg_pcode), sectors,
#: organisations, freshness (the freshness part)
ADM1 = "vocab_pcode_adm1"
SECTORS = "vocab_sectors"
ORGANIZATIONS = "organization"
FRESHNESS = "freshness"
FRESH = "fresh"
#: most latest datasets one call returns
LATEST_MAX = 20


@validator_args
def overview_schema(default: ValidatorFactory) -> Schema:
    return {"latest": [default(5), whole_number(0, LATEST_MAX, cap=True)]}


@tk.auth_allow_anonymous_access
def exchange_overview_auth(context: Context, data_dict: DataDict | None) -> AuthResult:
    """Anyone: every figure comes from ``package_search`` as the caller."""
    return {"success": True}


def _caller(context: Context) -> dict[str, Any]:
    """A fresh context for the caller: the sharing protocol applies to what
    the searches count (never ``ignore_auth``, never the site user)."""
    return {"user": context.get("user") or "", "auth_user_obj": context.get("auth_user_obj")}


def _admin1_units(context: dict[str, Any]) -> list[dict[str, Any]]:
    """The active admin-1 units of every country in the gazetteer (none
    without the imwg_pcode plugin, whose actions list them)."""
    try:
        pcode_list = tk.get_action("pcode_list")
    except KeyError:
        return []
    units = []
    for country in pcode_list(dict(context), {}):
        units += pcode_list(dict(context), {"id": country["pcode"]})
    return units


@tk.side_effect_free
@validate(overview_schema)
def exchange_overview(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The country overview's figures, counted over the datasets the caller
    may see (the sharing protocol applies as in search).

    :param latest: how many of the latest datasets to return (default 5, at most 20)
    :type latest: int

    :returns: ``datasets`` (count), ``organizations`` (how many publish a
        dataset the caller sees), ``places_covered`` and ``places_total``
        (admin-1 units with at least one dataset, of all of them),
        ``fresh`` and ``fresh_share`` (datasets whose freshness is "fresh" and
        their share of all, 0 to 1; null when the index has no freshness),
        ``sectors`` (``name``, ``display_name``, ``count``, most datasets
        first), ``latest`` (dataset dicts, last modified first) and ``units``
        (the admin-1 units: ``pcode``, ``name``, ``country``, ``path``,
        ``datasets``)
    """
    tk.check_access("exchange_overview", context, data_dict)
    caller = _caller(context)
    result = tk.get_action("package_search")(
        dict(caller),
        {
            "rows": data_dict["latest"],
            "sort": "metadata_modified desc",
            "facet.field": [ADM1, SECTORS, ORGANIZATIONS, FRESHNESS],
            "facet.limit": -1,
            "facet.mincount": 1,
            "include_private": tk.config.get("ckan.search.default_include_private"),
        },
    )
    facets = result.get("facets") or {}
    count = result["count"]
    by_unit = facets.get(ADM1) or {}
    units = [
        {
            "pcode": u["pcode"],
            "name": u["name"],
            "country": u["country"],
            "path": u["path"],
            "datasets": by_unit.get(u["pcode"], 0),
        }
        for u in _admin1_units(caller)
    ]
    freshness = facets.get(FRESHNESS) or {}
    fresh = freshness.get(FRESH, 0) if freshness else None
    sectors = (result.get("search_facets") or {}).get(SECTORS, {}).get("items", [])
    return {
        "datasets": count,
        "organizations": len(facets.get(ORGANIZATIONS) or {}),
        "places_covered": sum(1 for u in units if u["datasets"]),
        "places_total": len(units),
        "fresh": fresh,
        "fresh_share": fresh / count if fresh is not None and count else None,
        "sectors": sorted(
            (
                {"name": s["name"], "display_name": s.get("display_name") or s["name"], "count": s["count"]}
                for s in sectors
            ),
            key=lambda s: (-s["count"], s["display_name"]),
        ),
        "latest": result["results"],
        "units": units,
    }
