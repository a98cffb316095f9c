"""Template helpers (registered by the plugin with ``tk.blanket.helpers``)."""

from __future__ import annotations

from typing import Any

import ckan.model as model

from ckanext.imwg import interfaces

from . import jobs, preview

__all__ = ["imwg_hxl_tagged", "imwg_hxl_aggregate_preview", "imwg_hxl_number"]


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
    shown = preview.for_caller(context, res, access)
    return shown if shown.get("status") == "done" else None


def imwg_hxl_number(value: Any) -> str:
    """A figure for people: 12,345 or 12,345.6."""
    if value is None:
        return "–"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return str(value)
