"""Template helpers of the register (the overview and location pages use ``imwg_exchange_open_needs``)."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces, levels

from . import auth, reference, schema


def _labels() -> dict[str, dict[str, str]]:
    return {
        "status": {
            "open": tk._("Open"),
            "in_discussion": tk._("In discussion"),
            "fulfilled": tk._("Fulfilled"),
            "closed": tk._("Closed"),
        },
        "outcome": {
            "not_available": tk._("Not available"),
            "will_be_collected": tk._("Will be collected"),
            "withdrawn": tk._("Withdrawn"),
            "duplicate": tk._("Duplicate"),
            "other": tk._("Other"),
        },
        "event": {
            "created": tk._("posted"),
            "updated": tk._("edited"),
            "answered": tk._("answered"),
            "status": tk._("changed the status"),
            "reopened": tk._("reopened"),
            "fulfilled": tk._("marked fulfilled"),
            "closed": tk._("closed"),
        },
        "kind": {"dataset": tk._("We have this"), "plan": tk._("A plan"), "comment": tk._("A comment")},
    }


def imwg_exchange_need_label(kind: str, value: Any) -> str:
    """A value's label: ``sectors`` and ``data_type`` from the dataset schema,
    ``sensitivity`` from the suite's levels, ``status``, ``outcome``, ``event``, ``kind``."""
    if value in (None, ""):
        return ""
    if kind in ("sectors", "data_type"):
        for choice in reference.choices(kind) or []:
            if str(choice.get("value")) == value:
                label = choice.get("label")
                return tk.h.scheming_language_text(label) if label else str(value)
        return str(value)
    if kind == "sensitivity":
        return levels.label(value, tk.h.lang() or "en")
    return _labels().get(kind, {}).get(value, str(value))


__all__ = [
    "imwg_exchange_open_needs",
    "imwg_exchange_need_choices",
    "imwg_exchange_place_names",
    "imwg_exchange_may_see_needs",
    "imwg_exchange_my_organizations",
    "imwg_exchange_need_notices",
    "imwg_exchange_need_label",
    "imwg_exchange_need_levels",
]


def imwg_exchange_need_levels() -> tuple[str, ...]:
    """The sensitivity levels, least to most sensitive (the suite's one list)."""
    return levels.LEVELS


def imwg_exchange_open_needs(limit: int = 5, pcode: str | None = None) -> list[dict[str, Any]]:
    """Open and in-discussion needs the current user may see, newest first
    (of a place and its sub-units when ``pcode`` is given); [] when none or
    when the user may not see needs."""
    params: dict[str, Any] = {"status": list(schema.ACTIVE), "rows": limit}
    if pcode:
        params["pcodes"] = [pcode]
    try:
        return tk.get_action("need_search")(interfaces.web_context(), params)["results"]
    except (tk.NotAuthorized, tk.ValidationError, KeyError):
        return []


def imwg_exchange_need_choices(field_name: str) -> list[dict[str, Any]]:
    """The choices of a dataset schema field (sectors, data_type); [] without scheming."""
    return reference.choices(field_name) or []


def imwg_exchange_place_names(codes: list[str]) -> dict[str, str]:
    """Code -> name for the known codes."""
    return reference.place_names(list(codes or []))


def imwg_exchange_may_see_needs() -> bool:
    """Whether the current user sees the register (for links to it)."""
    return auth.may_read(interfaces.web_context())


def imwg_exchange_my_organizations() -> list[dict[str, Any]]:
    """The organisations the current user may post needs for."""
    context = interfaces.web_context()
    if not context["user"]:
        return []
    return tk.get_action("organization_list_for_user")(context, {"permission": "read"})


def imwg_exchange_need_notices(limit: int = 10) -> list[dict[str, Any]]:
    """The current user's notices (new matches of the needs they follow)."""
    context = interfaces.web_context()
    if not context["user"]:
        return []
    try:
        return tk.get_action("need_notice_list")(context, {"limit": limit})
    except (tk.NotAuthorized, tk.ValidationError):
        return []
