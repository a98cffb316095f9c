"""A resource's preview for one caller: the stored profile as they may see
it and the charts drawn from it (shared by the view and the API). Never
reads the file: only the stored result of the profile job."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces

from . import charts, config, jobs


def mode(context: dict[str, Any], res: model.Resource) -> str:
    """``data``, ``aggregates`` or ``none`` (the sensitivity plugin's
    answer when it is enabled; everyone who sees the resource otherwise)."""
    return interfaces.data_access(context, res.package_id, res.id)


def for_caller(context: dict[str, Any], res: model.Resource, access: str | None = None) -> dict[str, Any]:
    """What the caller may see of the resource's preview (``NotAuthorized``
    when nothing); ``access`` is the caller's ``mode`` when already known.

    A preview that shows figures of the file is reported to the
    ``IDataAccess`` plugins (the sensitivity plugin's audit log), as rows
    or as aggregates."""
    access = access or mode(context, res)
    if access == interfaces.NONE:
        raise tk.NotAuthorized(tk._("Access to this data is controlled. Request access from the dataset page."))
    row = jobs.stored(res.id)
    base = {"resource_id": res.id, "package_id": res.package_id, "access": access}
    if row is None:
        wanted = jobs.wanted({"format": res.format, "url": res.url, "url_type": res.url_type})
        message = (
            tk._("The file is being profiled.") if wanted else tk._("This resource is not a table this preview reads.")
        )
        return dict(base, status="pending" if wanted else "unavailable", message=message, hxl=False, hashtags=[])
    result = row["result"] or {}
    seen = charts.as_seen(result, access, config.suppress_below()) if result else {}
    drawn = charts.build(seen, _places) if seen else charts.build({}, _places)
    shown = dict(
        base,
        status=row["status"],
        message=_message(row, access),
        checked=row["checked"].isoformat(),
        hxl=bool(result.get("hxl")),
        hashtags=row["hashtags"],
        profile={k: v for k, v in seen.items() if k not in ("validation", "links", "version")},
        validation=seen.get("validation"),
        charts=drawn,
    )
    if row["status"] == "done":
        kind = interfaces.PREVIEW_ROWS if access == interfaces.DATA else interfaces.PREVIEW_AGGREGATES
        interfaces.data_served(context, res.package_id, res.id, kind)
    return shown


def _message(row: dict[str, Any], access: str) -> str | None:
    """The stored message as the caller may read it: the full reason a
    link's file was refused (which may name its host or address) only for
    those who get the data."""
    if access == interfaces.DATA and row.get("detail"):
        return row["detail"]
    if row["message"] is None and row["status"] == "refused":  # stored before messages and details were apart
        return tk._("The file was not fetched.")
    return row["message"]


def _places(codes: list[str], geometry: bool = False) -> dict[str, dict[str, Any]] | None:
    return interfaces.places(codes, geometry)
