"""A resource's preview for one caller: the stored profile as they may see
it and the charts drawn from it (shared by the view and the API). Never
reads the file: only the stored result of the profile job."""

from __future__ import annotations

import re
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces

from . import charts, config, jobs, words


def mode(context: dict[str, Any], res: model.Resource) -> str:
    """``data``, ``aggregates`` or ``none`` (the sensitivity plugin's
    answer when it is enabled; everyone who sees the resource otherwise)."""
    return interfaces.data_access(context, res.package_id, res.id)


def for_caller(
    context: dict[str, Any], res: model.Resource, access: str | None = None, sheet: int | None = None
) -> dict[str, Any]:
    """What the caller may see of the resource's preview (``NotAuthorized``
    when nothing); ``access`` is the caller's ``mode`` when already known;
    ``sheet``, for a workbook, the position of the sheet shown (default: the
    one the profile opens on; one it does not know is the default too).

    A preview that shows figures of the file is reported to the
    ``IDataAccess`` plugins (the sensitivity plugin's audit log), as rows
    or as aggregates."""
    access = _allowed(context, res, access)
    row = jobs.stored(res.id)
    base = {"resource_id": res.id, "package_id": res.package_id, "access": access}
    if row is None:
        return dict(base, **_not_profiled(res), hxl=False, hashtags=[])
    result, sheets, shown_sheet = _sheet(row["result"] or {}, sheet)
    seen = charts.as_seen(result, access, config.suppress_below()) if result else {}
    drawn = charts.build(seen, _places) if seen else charts.build({}, _places)
    profile = {k: v for k, v in seen.items() if k not in ("validation", "links", "version")}
    shown = dict(
        base,
        **_said(context, res, row, result, access),
        checked=row["checked"].isoformat(),
        hxl=bool(result.get("hxl")),
        hashtags=row["hashtags"],
        profile=profile,
        validation=seen.get("validation"),
        charts=_in_words(drawn),
        sheets=sheets,
        sheet=shown_sheet,
        inferred=bool(result) and not result.get("hxl") and any(c.get("suggested") for c in result.get("columns", [])),
        all_hidden=_all_hidden(seen),
    )
    if row["status"] == "done":
        kind = interfaces.PREVIEW_ROWS if access == interfaces.DATA else interfaces.PREVIEW_AGGREGATES
        interfaces.data_served(context, res.package_id, res.id, kind)
    return shown


def state(context: dict[str, Any], res: model.Resource) -> dict[str, Any]:
    """Where the caller's preview of the resource stands (``status`` and
    ``message``, as ``for_caller`` says them; ``NotAuthorized`` when they
    get nothing), read from the stored result: no preview is drawn, so
    none is reported served."""
    access = _allowed(context, res)
    row = jobs.stored(res.id)
    if row is None:
        return _not_profiled(res)
    return _said(context, res, row, row["result"] or {}, access)


def _allowed(context: dict[str, Any], res: model.Resource, access: str | None = None) -> str:
    """The caller's ``mode`` (``NotAuthorized`` when it is ``none``)."""
    access = access or mode(context, res)
    if access == interfaces.NONE:
        raise tk.NotAuthorized(tk._("Access to this data is controlled. Request access from the dataset page."))
    return access


def _not_profiled(res: model.Resource) -> dict[str, Any]:
    """The status and message of a resource without a stored profile."""
    wanted = jobs.wanted({"format": res.format, "url": res.url, "url_type": res.url_type})
    if wanted:
        return {"status": "pending", "message": tk._("The file is being profiled.")}
    return {"status": "unavailable", "message": tk._("This resource is not a table this preview reads.")}


def _said(
    context: dict[str, Any], res: model.Resource, row: dict[str, Any], result: dict[str, Any], access: str
) -> dict[str, Any]:
    """The status and message of a stored profile (of the sheet shown), as the caller may read them."""
    if result.get("error"):
        return {"status": "failed", "message": result["error"]}
    return {"status": row["status"], "message": _message(context, res, row, access)}


def _sheet(result: dict[str, Any], sheet: int | None) -> tuple[dict[str, Any], list[dict[str, Any]], int | None]:
    """The profile of the sheet asked for (of a workbook; else the whole
    result), the workbook's sheets and the position of the one shown."""
    sheets = result.get("sheets") or []
    others = result.get("other_sheets") or {}
    main = {k: v for k, v in result.items() if k not in ("sheets", "other_sheets", "sheet")}
    if not sheets:
        return main, [], None
    if sheet is not None and str(sheet) in others:
        return others[str(sheet)], sheets, sheet
    return main, sheets, result.get("sheet")


def _in_words(drawn: dict[str, Any]) -> dict[str, Any]:
    """The charts with their titles and labels in words, in the page's language."""
    for figure in drawn["key_figures"]:
        figure["label"] = words.capital(words.label(figure["header"], figure["hashtag"]))
    for chart in [*drawn["bars"], drawn["map"]]:
        if chart:
            chart["title"] = words.title(chart["measure_column"], chart["by_column"])
            chart["measure_label"] = _measure_words(chart)
    line = drawn["timeline"]
    if line:
        line["title"] = words.title(line["measure_column"], monthly=True)
        line["measure_label"] = _measure_words(line)
        for point in line["points"]:
            point["label"] = words.month(point["key"])
        for tick in line["ticks"]:
            tick["label"] = words.number(round(tick["value"], 1))
    return drawn


def _measure_words(chart: dict[str, Any]) -> str:
    m = chart["measure_column"]
    return words.capital(words.label(m["header"], m["hashtag"])) if m else tk._("Records")


def _all_hidden(seen: dict[str, Any]) -> bool:
    """An aggregate-only profile whose breakdowns are all hidden (every
    group too small): nothing but the table's shape would be shown."""
    if not seen.get("aggregate_only"):
        return False
    agg = seen.get("aggregates") or {}
    parts = [*(agg.get("by") or []), *([agg["months"]] if agg.get("months") else [])]
    if not parts:
        return seen.get("rows") is None
    return not any(part.get("groups") for part in parts)


def _message(context: dict[str, Any], res: model.Resource, row: dict[str, Any], access: str) -> str | None:
    """The stored message as the caller may read it: the full reason a
    link's file was refused (which may name its host or the address it
    resolved to) only for those who may edit the dataset, to fix the link;
    everyone else reads the reason without them, even of a public link. A
    message stored in English is shown in the page's language (its
    sentence is a message of the catalog)."""
    if access == interfaces.DATA and row.get("detail") and _may_edit(context, res.package_id):
        return row["detail"]
    if row["message"] is None and row["status"] == "refused":  # stored before messages and details were apart
        return tk._("The file was not fetched.")
    stored = row["message"]
    return tk._(stored) if stored else stored


def _may_edit(context: dict[str, Any], package_id: str) -> bool:
    """Whether the caller may edit the dataset (``package_update``, checked as them)."""
    asked = {
        "user": context.get("user") or "",
        "auth_user_obj": context.get("auth_user_obj"),
        "ignore_auth": bool(context.get("ignore_auth")),
    }
    try:
        tk.check_access("package_update", asked, {"id": package_id})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return False
    return True


def sheet_numbers(resource_id: str) -> set[int]:
    """The positions of the sheets a resource's preview can show ({0} for a
    file that is not a workbook, or not profiled yet)."""
    row = jobs.stored(resource_id)
    result = (row or {}).get("result") or {}
    sheets = result.get("sheets") or []
    return {
        s["index"]
        for s in sheets
        if str(s["index"]) in result.get("other_sheets", {}) or s["index"] == result.get("sheet")
    } or {0}


def sheet_asked(value: Any) -> int | None:
    """The ``sheet`` asked for when it is a small whole number (one to three
    of the digits 0-9), else None. Not ``str.isdigit``: it holds ``²`` and
    other digits ``int`` does not read."""
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    return int(text) if re.fullmatch(r"[0-9]{1,3}", text) else None


def _places(codes: list[str], geometry: bool = False) -> dict[str, dict[str, Any]] | None:
    return interfaces.places(codes, geometry)
