"""Template helpers: the freshness badge, the "still current" button and the dashboard list."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from . import rule, tracking

#: status -> (label, Bootstrap badge classes)
BADGES: dict[str, tuple[str, str]] = {
    rule.FRESH: ("Fresh", "bg-success"),
    rule.DUE: ("Due", "bg-info text-dark"),
    rule.OVERDUE: ("Overdue", "bg-warning text-dark"),
    rule.DELINQUENT: ("Delinquent", "bg-danger"),
    rule.ARCHIVED: ("Archived", "bg-secondary"),
    rule.NEVER: ("No schedule", "bg-light text-dark border"),
}


def status_label(status: str) -> str:
    """A status's label in the user's language."""
    return tk._(BADGES[status][0]) if status in BADGES else status


def imwg_exchange_freshness(pkg: dict[str, Any]) -> dict[str, Any]:
    """A dataset's freshness for its badge: ``status``, ``label``, ``css``,
    ``last_current`` and ``next_due`` (dates)."""
    fresh = tracking.evaluate(pkg)
    return {
        "status": fresh.status,
        "label": status_label(fresh.status),
        "css": BADGES[fresh.status][1],
        "last_current": fresh.last_current.date().isoformat() if fresh.last_current else None,
        "next_due": fresh.next_due.date().isoformat() if fresh.next_due else None,
    }


def imwg_exchange_freshness_label(status: str) -> str:
    return status_label(status)


def imwg_exchange_freshness_css(status: str) -> str:
    return BADGES[status][1] if status in BADGES else "bg-light text-dark"


def imwg_exchange_freshness_can_confirm(pkg: dict[str, Any]) -> bool:
    """Whether the user may confirm that the dataset is still current."""
    if not tk.current_user.is_authenticated:
        return False
    return tk.h.check_access("dataset_still_current", {"id": pkg["id"]})


def imwg_exchange_freshness_for_user(limit: int = 100) -> list[dict[str, Any]]:
    """The signed-in user's datasets that are not fresh (for the dashboard)."""
    if not tk.current_user.is_authenticated:
        return []
    context = {"user": tk.current_user.name, "auth_user_obj": tk.current_user}
    return tk.get_action("freshness_list_for_user")(context, {"limit": limit})


def helpers() -> dict[str, Any]:
    return {
        f.__name__: f
        for f in (
            imwg_exchange_freshness,
            imwg_exchange_freshness_label,
            imwg_exchange_freshness_css,
            imwg_exchange_freshness_can_confirm,
            imwg_exchange_freshness_for_user,
        )
    }
