"""Template helpers (registered by the plugin with ``tk.blanket.helpers``)."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces

from . import jobs, preview, words

__all__ = [
    "imwg_hxl_tagged",
    "imwg_hxl_aggregate_preview",
    "imwg_hxl_number",
    "imwg_hxl_no_view_message",
    "imwg_hxl_request_access_url",
    "imwg_hxl_type",
    "imwg_hxl_value",
]


def imwg_hxl_tagged(package: dict[str, Any]) -> bool:
    """Whether any resource of the dataset is HXL-tagged (the search-result badge)."""
    return any(isinstance(r, dict) and r.get(jobs.TAGGED) for r in package.get("resources") or [])


def imwg_hxl_aggregate_preview(package: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any] | None:
    """The aggregate-only preview of a resource, for a caller the
    ``IDataAccess`` plugins give aggregates but not the data (else None:
    the data, nothing, or no plugin that gates data)."""
    res = model.Resource.get(resource.get("id") or "")
    if res is None or res.package_id != package.get("id"):
        return None
    context = interfaces.web_context()
    access = preview.mode(context, res)
    if access != interfaces.AGGREGATES:
        return None
    sheet = preview.sheet_asked(tk.request.args.get("sheet")) if tk.request else None
    shown = preview.for_caller(context, res, access, sheet=sheet)
    return shown if shown.get("status") == "done" else None


def imwg_hxl_no_view_message(package: dict[str, Any], resource: dict[str, Any]) -> str | None:
    """For a resource without any view, why its preview is missing (a
    link the portal refused to fetch, a file that could not be read, one
    being profiled), as the visitor may read it; else None. Reads the stored
    status only: nothing of the file is shown, so no preview is reported
    served (the audit log)."""
    res = model.Resource.get(resource.get("id") or "")
    if res is None or res.package_id != package.get("id") or jobs.stored(res.id) is None:
        return None
    try:
        shown = preview.state(interfaces.web_context(), res)
    except tk.NotAuthorized:
        return None
    return shown["message"] if shown.get("status") in ("refused", "failed", "skipped", "pending") else None


def imwg_hxl_request_access_url(package: dict[str, Any]) -> str | None:
    """Where to request access to a dataset's data (None when no plugin offers it)."""
    try:
        return tk.url_for("imwg_sensitivity.request_access", id=package.get("name") or package.get("id"))
    except Exception:  # noqa: BLE001 - the route exists only with the sensitivity plugin
        return None


def imwg_hxl_number(value: Any) -> str:
    """A figure for people, in the page's language: 12,345 or 12,345.6."""
    return words.number(value)


def imwg_hxl_type(kind: str | None) -> str:
    """A column's type in words, in the page's language."""
    return words.column_type(kind)


def imwg_hxl_value(column: dict[str, Any], value: Any) -> str:
    """A column's minimum or maximum as people read it (dates in the page's language)."""
    if value is None:
        return ""
    if column.get("type") == "date":
        return words.date(value)
    if column.get("type") == "number":
        return words.number(value)
    return str(value)
