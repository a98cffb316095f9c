"""The country overview: the home page that says in ten seconds what the
portal holds and where (a map of the admin-1 units shaded by the datasets the
visitor can see), its sectors, its latest datasets, the open data needs and
key figures. Everything is counted by ``package_search`` as the visitor, so
the sharing protocol decides what each visitor's figures include."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import action, page


def actions() -> dict[str, Callable[..., Any]]:
    return {"exchange_overview": action.exchange_overview}


def auth_functions() -> dict[str, Callable[..., Any]]:
    return {"exchange_overview": action.exchange_overview_auth}


def helpers() -> dict[str, Callable[..., Any]]:
    return {
        "imwg_exchange_overview": page.imwg_exchange_overview,
        "imwg_exchange_site_logo": page.imwg_exchange_site_logo,
    }


def middleware(app: Any) -> Any:
    return page.install(app)
