"""What the home page template asks for: the overview's figures for the
visitor, with the boundaries and links its map needs."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces

#: the endpoint of CKAN's home page
HOME = "home.index"

#: the location page of a unit (imwg_pcode's route)
LOCATION = "imwg_pcode.read"
#: CKAN's own logo: the home page shows the site's, never CKAN's
CKAN_LOGO = "/base/images/ckan-logo.png"


def location_url(pcode: str) -> str:
    """The unit's location page, or "" when the P-code plugin is not enabled."""
    try:
        return tk.h.url_for(LOCATION, pcode=pcode)
    except Exception:  # werkzeug's BuildError: no such route without imwg_pcode
        return ""


def imwg_exchange_overview(latest: int = 5) -> dict[str, Any]:
    """The ``exchange_overview`` figures for the visitor of this request; each
    admin-1 unit also gets its ``geometry``, ``url`` (its location page) and
    ``parent_url`` (its country's), for ``h.imwg_map``."""
    overview = tk.get_action("exchange_overview")(interfaces.web_context(), {"latest": latest})
    codes = [u["pcode"] for u in overview["units"]]
    found = (interfaces.places(codes, geometry=True) or {}) if codes else {}
    for unit in overview["units"]:
        unit["geometry"] = (found.get(unit["pcode"]) or {}).get("geometry")
        unit["url"] = location_url(unit["pcode"])
        unit["parent_url"] = location_url(unit["country"])
    return overview


def imwg_exchange_site_logo() -> str | None:
    """The logo the sysadmin configured (``ckan.site_logo``), None for CKAN's own or none."""
    logo = tk.config.get("ckan.site_logo") or ""
    return None if not logo or logo.endswith(CKAN_LOGO) else logo


def index() -> str:
    """The home page: the overview. It stands in for CKAN's own view, which
    runs a search with every facet of the dataset page for a stock home page
    the overview does not show (half the page's time, for nothing)."""
    return tk.render("home/index.html", {})


def install(app: Any) -> Any:
    """Serve the home page with :func:`index` in this Flask app (from ``IMiddleware``)."""
    view_functions = getattr(app, "view_functions", None)
    if view_functions is not None and HOME in view_functions:
        view_functions[HOME] = index
    return app
