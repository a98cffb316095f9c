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
    when nothing); ``access`` is the caller's ``mode`` when already known."""
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
    return dict(
        base,
        status=row["status"],
        message=row["message"],
        checked=row["checked"].isoformat(),
        hxl=bool(result.get("hxl")),
        hashtags=row["hashtags"],
        profile={k: v for k, v in seen.items() if k != "validation"},
        validation=seen.get("validation"),
        charts=drawn,
    )


def _places(codes: list[str], geometry: bool = False) -> dict[str, dict[str, Any]] | None:
    return interfaces.places(codes, geometry)
