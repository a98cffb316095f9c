"""``/sitemap.xml``: the datasets anonymous visitors may see, for search
engines, each with the date it last changed. Read with ``package_search`` as
an anonymous visitor (paged), so the sharing protocol decides what is listed
whoever asks. Beyond ``ckanext.imwg_interop.sitemap_size`` addresses (the
protocol's limit is 50,000) it is a sitemap index of ``/sitemap-<n>.xml``."""

from __future__ import annotations

import math
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, make_response

blueprint = Blueprint("imwg_interop_sitemap", __name__)

#: the fields a sitemap needs
FIELDS = "name,type,metadata_modified"


def size() -> int:
    """Addresses in one sitemap file."""
    return max(1, min(50000, tk.config.get("ckanext.imwg_interop.sitemap_size")))


def _anonymous() -> dict[str, Any]:
    """An anonymous visitor's context, whoever is signed in."""
    return {"user": "", "auth_user_obj": None, "ignore_auth": False}


def _search(start: int, rows: int) -> dict[str, Any]:
    return tk.get_action("package_search")(
        _anonymous(),
        {"q": "*:*", "start": start, "rows": rows, "sort": "name asc", "fl": FIELDS, "include_private": False},
    )


def count() -> int:
    return int(_search(0, 0)["count"])


def entries(start: int, stop: int) -> list[dict[str, str]]:
    """The address and last change of the datasets ``start`` to ``stop`` (by name)."""
    chunk = max(1, int(tk.config.get("ckan.search.rows_max") or 1000))
    found: list[dict[str, str]] = []
    while start < stop:
        results = _search(start, min(chunk, stop - start))["results"]
        if not results:
            break
        for pkg in results:
            found.append(
                {
                    "loc": tk.url_for(f"{pkg.get('type') or 'dataset'}.read", id=pkg["name"], _external=True),
                    "lastmod": lastmod(pkg.get("metadata_modified")),
                }
            )
        start += len(results)
    return found


def lastmod(value: Any) -> str:
    """CKAN's UTC timestamp as a W3C datetime (seconds, ``Z``)."""
    text = str(value or "")[:19]
    return f"{text}Z" if len(text) == 19 else text[:10]


def _xml(template: str, extra_vars: dict[str, Any]) -> Any:
    response = make_response(tk.render(template, extra_vars))
    response.headers["Content-Type"] = "application/xml; charset=utf-8"
    return response


def index() -> Any:
    total, per_file = count(), size()
    if total <= per_file:
        home = tk.url_for("home.index", _external=True)
        return _xml("imwg_interop/sitemap.xml", {"home": home, "entries": entries(0, total)})
    parts = [
        tk.url_for("imwg_interop_sitemap.part", number=n, _external=True)
        for n in range(1, math.ceil(total / per_file) + 1)
    ]
    return _xml("imwg_interop/sitemap_index.xml", {"parts": parts})


def part(number: int) -> Any:
    total, per_file = count(), size()
    if number < 1 or (number - 1) * per_file >= total:
        return tk.abort(404, tk._("Not found"))
    start = (number - 1) * per_file
    return _xml("imwg_interop/sitemap.xml", {"home": None, "entries": entries(start, min(total, start + per_file))})


blueprint.add_url_rule("/sitemap.xml", view_func=index)
blueprint.add_url_rule("/sitemap-<int:number>.xml", view_func=part)
