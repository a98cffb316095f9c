"""The filters of the matrix and the grid, checked, and the two forms they
take: the ``fq_list`` of the ``package_search`` calls that count, and the
parameters of the dataset search page a cell links to. Both are made from
the same clauses, so a cell's count is the count its link shows.

Every value is checked against its vocabulary (a field-level
ValidationError otherwise), so the clauses hold only known values.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlencode

import ckan.plugins.toolkit as tk
from ckan.lib.search.common import SearchError, SearchQueryError

from ckanext.imwg.guard import check_query

from . import vocab

#: filter -> the index field the search page filters on (as its facets name it)
INDEX_FIELDS = {
    "sectors": "vocab_sectors",
    "themes": "vocab_themes",
    "data_type": "data_type",
    "sensitivity": "sensitivity",
    "freshness": "freshness",
    "org_type": "organization_type",
    "organization": "organization",
}
#: longest free-text query accepted
MAX_Q = 500


def phrase(value: str) -> str:
    """``"value"``, escaped for the search syntax."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def quoted(field: str, value: str) -> str:
    """``field:"value"`` (as CKAN's search page writes a facet filter)."""
    return f"{field}:{phrase(value)}"


def _list(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [v for v in (part.strip() for part in value.split(",")) if v]
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value)]


def _one(name: str, value: Any) -> str | None:
    values = _list(value)
    if len(values) > 1:
        raise tk.ValidationError({name: [tk._("Choose one value")]})
    return values[0] if values else None


def _checked(name: str, values: list[str]) -> list[str]:
    allowed = vocab.choices(name)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise tk.ValidationError({name: [tk._("Unknown value: {values}").format(values=", ".join(sorted(unknown)))]})
    return list(dict.fromkeys(values))


def unit(context: dict[str, Any], pcode: str, field: str = "place") -> dict[str, Any]:
    """The gazetteer's unit of a P-code (``pcode_show``), or a field-level error."""
    try:
        return tk.get_action("pcode_show")(_fresh(context), {"id": pcode})
    except KeyError:
        raise tk.ValidationError({field: [tk._("Places are not available on this portal")]}) from None
    except (tk.ObjectNotFound, tk.ValidationError):
        raise tk.ValidationError(
            {field: [tk._("No administrative unit with P-code {code}").format(code=pcode)]}
        ) from None


def _fresh(context: dict[str, Any]) -> dict[str, Any]:
    """A context of the same caller for another action (actions write into theirs)."""
    return {"user": context.get("user") or "", "auth_user_obj": context.get("auth_user_obj")}


@dataclasses.dataclass
class Filters:
    """The checked filters: lists are matched all together, as the search page's facets are."""

    place: dict[str, Any] | None = None
    sectors: list[str] = dataclasses.field(default_factory=list)
    themes: list[str] = dataclasses.field(default_factory=list)
    data_type: str | None = None
    sensitivity: str | None = None
    freshness: str | None = None
    q: str = ""

    def clauses(self) -> list[tuple[str, str]]:
        """(search page parameter, value) pairs, in a stable order."""
        pairs: list[tuple[str, str]] = []
        if self.place:
            pairs.append(("pcodes", self.place["pcode"]))
        pairs += [(INDEX_FIELDS["sectors"], v) for v in self.sectors]
        pairs += [(INDEX_FIELDS["themes"], v) for v in self.themes]
        for name in ("data_type", "sensitivity", "freshness"):
            value = getattr(self, name)
            if value:
                pairs.append((INDEX_FIELDS[name], value))
        return pairs

    def fq_list(self, *extra: tuple[str, str]) -> list[str]:
        """The filters of ``package_search`` (``pcodes:`` is rolled up by the places plugin)."""
        return [quoted(field, value) for field, value in [*self.clauses(), *extra]]

    def search_params(self, *extra: tuple[str, str]) -> list[tuple[str, str]]:
        """The dataset search page's parameters for the same datasets."""
        params = [("q", self.q)] if self.q else []
        return params + [*self.clauses(), *extra]

    def as_dict(self) -> dict[str, Any]:
        """The filters as the action was given them (normalised)."""
        return {
            "place": self.place["pcode"] if self.place else None,
            "sectors": self.sectors,
            "themes": self.themes,
            "data_type": self.data_type,
            "sensitivity": self.sensitivity,
            "freshness": self.freshness,
            "q": self.q,
        }


def parse(context: dict[str, Any], data_dict: dict[str, Any]) -> Filters:
    """Check the filters of ``data_dict``; a field-level ValidationError names each bad one."""
    errors: dict[str, list[str]] = {}
    filters = Filters()
    for name in ("sectors", "themes"):
        try:
            setattr(filters, name, _checked(name, _list(data_dict.get(name))))
        except tk.ValidationError as error:
            errors.update(error.error_dict)
    for name in ("data_type", "sensitivity", "freshness"):
        try:
            value = _one(name, data_dict.get(name))
            setattr(filters, name, _checked(name, [value])[0] if value else None)
        except tk.ValidationError as error:
            errors.update(error.error_dict)
    q = data_dict.get("q") or ""
    if not isinstance(q, str):
        errors["q"] = [tk._("Must be text")]
    elif len(q) > MAX_Q:
        errors["q"] = [tk._("At most {n} characters").format(n=MAX_Q)]
    else:
        try:
            check_query(q.strip())
            filters.q = q.strip()
        except SearchQueryError as error:
            errors["q"] = [str(error)]
    try:
        place = _one("place", data_dict.get("place"))
        filters.place = unit(context, place) if place else None
    except tk.ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise tk.ValidationError(errors)
    return filters


def search_url(params: list[tuple[str, str]]) -> str:
    """The dataset search page for ``params``."""
    try:
        base = tk.h.url_for("dataset.search")
    except (RuntimeError, AttributeError):
        base = "/dataset/"
    return f"{base}?{urlencode(params)}" if params else base


def search(context: dict[str, Any], fq_list: list[str], q: str, facets: list[str]) -> dict[str, Any]:
    """Count with ``package_search`` as the caller: no rows, the facets in full.

    ``include_private`` follows the site's configuration as the search page
    does, so that the counts are the page's."""
    try:
        return _package_search(context, fq_list, q, facets)
    except (SearchQueryError, SearchError) as error:
        # a query the backend cannot read is the caller's input: said on its field
        raise tk.ValidationError({"q": [tk._("The search could not be run: {reason}").format(reason=error)]}) from None


def _package_search(context: dict[str, Any], fq_list: list[str], q: str, facets: list[str]) -> dict[str, Any]:
    return tk.get_action("package_search")(
        _fresh(context),
        {
            "q": q or "*:*",
            "fq_list": fq_list,
            "rows": 0,
            "facet.field": facets,
            "facet.limit": -1,
            "facet.mincount": 1,
            "include_private": tk.asbool(tk.config.get("ckan.search.default_include_private")),
        },
    )
