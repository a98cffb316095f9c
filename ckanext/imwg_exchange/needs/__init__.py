"""The data-needs register: organisations post the data they need, others
answer with what they have; each need lists the datasets that match it and
its followers are told of new ones (see ``matching`` and ``notices``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def actions() -> dict[str, Callable[..., Any]]:
    from . import action

    return {name: getattr(action, name) for name in action.__all__}


def auth_functions() -> dict[str, Callable[..., Any]]:
    """An auth function of the same name for each action (the one list: ``action.__all__``)."""
    from . import action, auth

    return {name: getattr(auth, name) for name in action.__all__}


def helpers() -> dict[str, Callable[..., Any]]:
    from . import view_helpers as h

    return {name: getattr(h, name) for name in h.__all__}


def validators() -> dict[str, Callable[..., Any]]:
    return {}


def blueprints() -> list[Any]:
    from .views import blueprint

    return [blueprint]


def dataset_changed(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    from . import notices

    notices.dataset_changed(context, pkg_dict)
