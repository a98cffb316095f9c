"""ckanext-dcat's actions, chained. They read the datasets with
``package_show`` / ``package_search`` in the caller's context (so the
sharing protocol redacts and hides as for any other exit); the chain adds
what the protocol needs besides: the suite's profile always runs last (it
removes the addresses of gated distributions whatever the other profiles
wrote), a profile the site did not configure is refused, and a dataset the
caller may not see is answered as a missing one. The catalog actions do
ckanext-dcat's steps themselves (its search and paging functions, then its
serialiser) to percent-encode the paging links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import ckan.plugins.toolkit as tk

from . import settings

#: what stays as it is in a paging link (the rest is percent-encoded)
SAFE = ":/?&=%#"


def _with_profiles(data_dict: dict[str, Any]) -> dict[str, Any]:
    return {**data_dict, "profiles": settings.requested(data_dict.get("profiles"))}


@tk.chained_action
def dcat_dataset_show(up: Callable[..., Any], context: Any, data_dict: dict[str, Any]) -> Any:
    try:
        return up(context, _with_profiles(data_dict))
    except tk.NotAuthorized:
        raise tk.ObjectNotFound(tk._("Dataset not found")) from None


def _catalog(name: str, context: Any, data_dict: dict[str, Any]) -> Any:
    """ckanext-dcat's catalog actions (``package_search`` as the caller,
    serialised), with paging links that are valid URIs whatever the query
    (ckanext-dcat puts the query's characters in them as they are, and a
    quote or a space then fails the serialisation)."""
    from ckanext.dcat import logic as dcat_logic
    from ckanext.dcat.processors import RDFSerializer

    tk.check_access(name, context, data_dict)
    page = data_dict.get("page")
    if page not in (None, "") and (not str(page).isdigit() or int(page) < 1):
        raise tk.ValidationError({"page": [tk._("The page must be a whole number from 1.")]})
    data_dict = _with_profiles(data_dict)
    query = dcat_logic._search_ckan_datasets(context, data_dict)
    paging = dcat_logic._pagination_info(query, data_dict)
    paging = {key: quote(value, safe=SAFE) if isinstance(value, str) else value for key, value in paging.items()}
    serializer = RDFSerializer(profiles=data_dict.get("profiles"))
    return serializer.serialize_catalog({}, query["results"], _format=data_dict.get("format"), pagination_info=paging)


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_show(up: Callable[..., Any], context: Any, data_dict: dict[str, Any]) -> Any:
    return _catalog("dcat_catalog_show", context, data_dict)


@tk.chained_action
@tk.side_effect_free
def dcat_catalog_search(up: Callable[..., Any], context: Any, data_dict: dict[str, Any]) -> Any:
    return _catalog("dcat_catalog_search", context, data_dict)


def actions() -> dict[str, Callable[..., Any]]:
    return {
        "dcat_dataset_show": dcat_dataset_show,
        "dcat_catalog_show": dcat_catalog_show,
        "dcat_catalog_search": dcat_catalog_search,
    }
