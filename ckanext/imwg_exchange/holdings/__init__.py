"""The holdings matrix (who has what, where) and the completeness grid (which
core data the portal holds for each place, and how fresh): counts made with
``package_search`` as the visitor, pages at /holdings and /completeness."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from . import action, auth, completeness, pivot, views
from .categories import CategoriesError

log = logging.getLogger(__name__)


def actions() -> dict[str, Callable[..., Any]]:
    return {name: getattr(action, name) for name in action.__all__}


def auth_functions() -> dict[str, Callable[..., Any]]:
    return {name: getattr(auth, name) for name in auth.__all__}


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The matrix's pivot keys (see :mod:`.pivot`)."""
    return pivot.before_index(pkg_dict)


def blueprints() -> list[Any]:
    _check_categories()
    return [views.holdings]


def _check_categories() -> None:
    """Say at start-up when the completeness categories cannot be used (the page says it too)."""
    try:
        completeness.configured()
    except CategoriesError as error:
        log.error("imwg_exchange: the completeness categories cannot be used: %s", error)
    except Exception as error:  # noqa: BLE001 - the schemas may not be loaded yet: the page will check
        log.debug("imwg_exchange: completeness categories not checked at start-up: %s", error)
