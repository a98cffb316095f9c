"""Taking gated data out of what leaves the portal: dataset and resource
dictionaries (API, pages, search results, activity) and index documents."""

from __future__ import annotations

import json
from typing import Any

from .access import Access

#: marks a resource whose address and data are withheld from this user
MARK = "access_controlled"
#: search-result fields that carry resource addresses or whole stored dicts
ADDRESS_FIELDS = ("res_url", "urls", "download_url", "data_dict", "validated_data_dict")


def resource(access: Access, package: dict[str, Any], res: dict[str, Any]) -> dict[str, Any]:
    """The resource as this user may see it."""
    if res.get("id") and not access.gets_data(package, res):
        res["url"] = ""
        res[MARK] = True
        for key in ("original_url", "datastore_active"):
            res.pop(key, None)
    return res


def package(access: Access, pkg: dict[str, Any]) -> dict[str, Any]:
    """The dataset as this user may see it (addresses of gated resources removed)."""
    for res in pkg.get("resources") or []:
        if isinstance(res, dict):
            resource(access, pkg, res)
    return pkg


def search_result(access: Access, result: dict[str, Any]) -> dict[str, Any]:
    """A package_search result (whatever ``fl`` asked for)."""
    stored = result.get("validated_data_dict") or result.get("data_dict")
    whole = result if "resources" in result or "sensitivity" in result else _loads(stored) or result
    if any(f in result for f in ADDRESS_FIELDS) and not _all_data(access, whole):
        for f in ADDRESS_FIELDS:
            result.pop(f, None)
    return package(access, result)


def _all_data(access: Access, pkg: dict[str, Any]) -> bool:
    if not access.gets_data(pkg):
        return False
    return all(access.gets_data(pkg, r) for r in pkg.get("resources") or [] if isinstance(r, dict))


def _loads(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def activity(access: Access, act: dict[str, Any]) -> dict[str, Any]:
    """An activity entry: the dataset it carries, as this user may see it."""
    data = act.get("data")
    if isinstance(data, dict) and isinstance(data.get("package"), dict):
        package(access, data["package"])
    return act


def index_document(pkg_dict: dict[str, Any], open_data: list[bool]) -> dict[str, Any]:
    """An index document without the addresses of gated resources (so free
    text cannot find a dataset by a gated file's address)."""
    if all(open_data):
        return pkg_dict
    urls = pkg_dict.get("res_url") or []
    if isinstance(urls, list) and len(urls) == len(open_data):
        pkg_dict["res_url"] = [u for u, ok in zip(urls, open_data, strict=True) if ok]
    else:
        pkg_dict.pop("res_url", None)
    for key in ("urls", "download_url"):
        pkg_dict.pop(key, None)
    for key in list(pkg_dict):
        if key.startswith("res_extras_") and key.endswith("url"):
            pkg_dict.pop(key)
    return pkg_dict
