"""Bad input stopped before it reaches what it would break.

- :func:`refuse_nul`, run before every request (``IMiddleware``): a NUL
  character is never legitimate text, and PostgreSQL refuses it in any
  string, so wherever one reached a query the answer was a 500. A request
  with one in its path, query, form fields or JSON body is a 400.
  :func:`search_error` answers a search error that a page let through;
  :mod:`.unavailable` answers a search server down or too slow with a 503.
- :func:`package_search`, chained: the parameters whose types CKAN's own
  validation of a search crashes on are field errors.
- :func:`before_search`, the first ``before_dataset_search`` (the ``imwg``
  plugin is listed first): dataset searches too long, with too many clauses
  or nested too deep are refused whichever backend answers (PostgreSQL or
  Solr), and ``ext_bbox`` is checked and clamped to the world before
  ckanext-spatial reads it (its ``solr-bbox`` backend loops forever on a
  longitude beyond about ±1e17: see the README).
- Validators for the suite's action schemas, for callers that do not come
  through HTTP: :func:`no_nul`, :func:`boolean`, :func:`whole_number`,
  :func:`list_of_text`, :func:`nested_fields_are_errors`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.common import asbool
from ckan.lib.navl.dictization_functions import Invalid, StopOnError, missing
from ckan.lib.search.common import SearchError, SearchQueryError
from ckan.types import Action, Context, DataDict, FlattenDataDict, FlattenErrorDict, FlattenKey, Validator
from flask import Response, request
from werkzeug.http import HTTP_STATUS_CODES

from . import config, unavailable

NUL = "\x00"
#: The largest count, offset or page start the suite takes: Solr reads
#: ``start`` and ``rows`` as 32-bit integers.
MAX_INT = 2**31 - 1

# -- requests --------------------------------------------------------------------------


def install(app: Any) -> Any:
    """Run :func:`refuse_nul` before every request of a Flask app, and answer
    a search error no view caught as the API does."""
    if hasattr(app, "before_request"):
        app.before_request(refuse_nul)
        app.register_error_handler(SearchError, search_error)
        unavailable.install(app)
    return app


def search_error(error: SearchError) -> tuple[str, int]:
    """The page for a search error a view let through (CKAN's feeds catch
    none): 400 for a query refused before it ran, 409 for one the backend
    refused, the codes of the API, instead of a 500."""
    code = 400 if isinstance(error, SearchQueryError) else 409
    message = tk._("Invalid search query: {error_message}").format(error_message=error)
    page = {"code": code, "content": message, "name": HTTP_STATUS_CODES[code]}
    return tk.render("error_document_template.html", page), code


def refuse_nul() -> Response | None:
    """A 400 for a request with a NUL character in its text (uploaded file
    contents aside), a JSON body nested too deep to read, or a page's
    ``sort`` with an empty part (CKAN's search page splits each part and
    fails on an empty one); nothing for any other."""
    try:
        if _request_has_nul():
            message = tk._("The request contains a NUL character, which text may not contain")
        elif not _is_api() and _blank_sort_part(request.args.get("sort")):
            message = tk._("Invalid sort: each part names a field and an order")
        else:
            return None
    except RecursionError:  # CKAN's API would meet the same and answer 500
        message = tk._("The request's JSON is nested too deeply to read")
    if _is_api():
        body = {"success": False, "error": {"__type": "Bad Request", "message": message}}
        return Response(json.dumps(body), status=400, mimetype="application/json")
    return tk.abort(400, message)


def _blank_sort_part(sort: str | None) -> bool:
    return sort is not None and any(not part.split() for part in sort.split(","))


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _request_has_nul() -> bool:
    if NUL in request.path:
        return True
    for source in (request.args, request.form):
        for key, values in source.lists():
            if NUL in key or any(NUL in v for v in values):
                return True
    for key, upload in request.files.items(multi=True):
        if NUL in key or NUL in (upload.filename or ""):
            return True
    return has_nul(_json_body())


def _json_body() -> Any:
    """The JSON a request carries: a JSON body, or for the API whatever it
    would read as JSON (``views.api._get_request_data``): any body but a
    form's, or a form's one key."""
    if not _is_api():
        return request.get_json(silent=True) if request.is_json else None
    form = request.form
    if len(form) == 1 and list(form.values()) in (["1"], [""]):
        try:
            return json.loads(next(iter(form.keys())))
        except ValueError:
            return None
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return None
    return request.get_json(force=True, silent=True)


def has_nul(value: Any) -> bool:
    """Whether a NUL character is in ``value``, its items, keys or values."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


# -- dataset searches ------------------------------------------------------------------


#: package_search's whole numbers and flags: CKAN's validators crash on a
#: list, an object or blank text in the former, its ``asbool`` on any text
#: but true/false words in the latter
_SEARCH_NUMBERS = ("rows", "start", "facet.mincount", "facet.limit")
_SEARCH_FLAGS = ("include_private", "include_drafts", "include_deleted", "use_default_schema")


@tk.chained_action
@tk.side_effect_free
def package_search(up: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN's ``package_search``, with the parameters its own validation
    crashes on refused first, as field errors (blank numbers count as none)."""
    errors: dict[str, list[str]] = {}
    for name in _SEARCH_NUMBERS:
        value = data_dict.get(name)
        if isinstance(value, str) and not value.strip():
            data_dict.pop(name)
        elif value is not None and _whole(value) is None:
            errors[name] = [tk._("Invalid integer")]
    for name in _SEARCH_FLAGS:
        try:
            asbool(data_dict.get(name))
        except ValueError:
            errors[name] = [tk._("Not a boolean")]
    if errors:
        raise tk.ValidationError(errors)
    return unavailable.package_search(up, context, data_dict)


def before_search(search_params: dict[str, Any]) -> dict[str, Any]:
    """Refuse a dataset search that no backend should run (SearchQueryError:
    a 400 on the search page and through the API); clamp its start and its
    bounding box."""
    if has_nul(search_params):
        raise SearchQueryError(tk._("The search contains a NUL character, which text may not contain"))
    for name in ("q", "fq"):
        if search_params.get(name) is not None:
            check_query(search_params[name])
    fq_list = search_params.get("fq_list")
    if fq_list is not None:
        if not isinstance(fq_list, list):
            raise SearchQueryError(tk._("fq_list must be a list of filters"))
        for fq in fq_list:
            check_query(fq)
    start = search_params.get("start")
    if isinstance(start, int) and start > MAX_INT:
        # a page past every result: no backend reads a start this large (Solr
        # fails, and CKAN's feeds do not catch that), so it answers empty
        search_params["start"] = MAX_INT
    extras = search_params.get("extras")
    if extras is not None and not isinstance(extras, dict):
        raise SearchQueryError(tk._("extras must be an object"))
    if extras and extras.get("ext_bbox") not in (None, ""):
        extras["ext_bbox"] = ",".join(repr(v) for v in bounding_box(extras["ext_bbox"]))
    return search_params


def check_query(text: Any) -> None:
    """Refuse a ``q`` or filter beyond the configured length, clauses or depth."""
    if not isinstance(text, str):
        raise SearchQueryError(tk._("A search query must be text"))
    longest = config.search_max_length()
    if len(text) > longest:
        raise SearchQueryError(
            tk._("The search is too long: {n} characters, at most {limit}").format(n=len(text), limit=longest)
        )
    clauses, depth = measure(text)
    check_clauses(clauses)
    deepest = config.search_max_depth()
    if depth > deepest:
        raise SearchQueryError(
            tk._("The search nests parentheses too deeply: {n} levels, at most {limit}").format(n=depth, limit=deepest)
        )


def check_clauses(clauses: int) -> None:
    """Refuse a search of more clauses than configured (also for filters
    that a plugin expands, such as one naming many places)."""
    most = config.search_max_clauses()
    if clauses > most:
        raise SearchQueryError(
            tk._("The search has too many terms: {n}, at most {limit}").format(n=clauses, limit=most)
        )


_OPERATORS = frozenset(("AND", "OR", "NOT", "&&", "||", "!", "+", "-"))
_WORD_STOP = frozenset('()"[{')


def measure(text: str) -> tuple[int, int]:
    """The clauses (terms, phrases, ranges, local-parameter filters; not
    operators or field names) and the deepest nesting of parentheses of a
    Solr query, read the same way for every query parser CKAN sends."""
    clauses = depth = deepest = 0
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "(":
            depth += 1
            deepest = max(deepest, depth)
            i += 1
        elif c == ")":
            depth = max(depth - 1, 0)
            i += 1
        elif c == '"':
            i = _after(text, i + 1, '"')
            clauses += 1
        elif c in "[{":
            i = _after(text, i + 1, "]}")  # Lucene allows [a TO b} and {a TO b]
            clauses += 1
        else:
            j = i
            while j < n and not text[j].isspace() and text[j] not in _WORD_STOP:
                j += 2 if text[j] == "\\" else 1
            word = text[i:j]
            if word not in _OPERATORS and not word.endswith(":"):
                clauses += 1
            i = max(j, i + 1)
    return clauses, deepest


def _after(text: str, i: int, closers: str) -> int:
    """The position after the first unescaped closer from ``i`` (the end if none)."""
    n = len(text)
    while i < n:
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in closers:
            return i + 1
        i += 1
    return n


def bounding_box(value: Any) -> tuple[float, float, float, float]:
    """``west,south,east,north`` (text, or a list of four) as finite numbers
    clamped to [-180, 180] x [-90, 90]; SearchQueryError when it is not one."""
    not_a_box = SearchQueryError(
        tk._("A bounding box is four numbers: west, south, east, north (as in ext_bbox=-4.96,55.70,-3.78,56.43)")
    )
    parts = value.split(",") if isinstance(value, str) else value
    if not isinstance(parts, (list, tuple)) or len(parts) != 4:
        raise not_a_box
    try:
        west, south, east, north = (float(p) for p in parts)
    except (TypeError, ValueError):
        raise not_a_box from None
    if not all(math.isfinite(v) for v in (west, south, east, north)):
        raise SearchQueryError(tk._("A bounding box's values must be finite numbers"))
    if west > east or south > north:
        raise SearchQueryError(tk._("The bounding box is inverted: west must not exceed east, nor south north"))

    def clamp(v: float, limit: float) -> float:
        return min(max(v, -limit), limit)

    return clamp(west, 180.0), clamp(south, 90.0), clamp(east, 180.0), clamp(north, 90.0)


# -- validators of action schemas ------------------------------------------------------


def no_nul(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """Text (or a list or object of text) without a NUL character; the
    field's later validators (which may query the database) do not run."""
    if has_nul(data.get(key)):
        errors[key].append(tk._("Text may not contain a NUL character"))
        raise StopOnError


_TRUE = ("true", "yes", "t", "y", "1")


def boolean(value: Any) -> Any:
    """CKAN's ``boolean_validator``, with anything but text, a number or a
    boolean an error instead of a crash (it calls ``value.lower()``)."""
    if value is missing or value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value == 1
    if isinstance(value, str):
        return value.strip().lower() in _TRUE
    raise Invalid(tk._("Not a boolean"))


def whole_number(low: int, high: int, cap: bool = False) -> Validator:
    """A whole number (or its text) from ``low`` to ``high``; above ``high``
    it becomes ``high`` when ``cap`` (as CKAN's row limits do). CKAN's
    ``int_validator`` chains crash on a list or blank text instead."""

    def validator(value: Any) -> Any:
        number = _whole(value)
        if number is None:
            raise Invalid(tk._("Invalid integer"))
        if cap:
            number = min(number, high)
        if not low <= number <= high:
            raise Invalid(tk._("Must be a whole number from {low} to {high}").format(low=low, high=high))
        return number

    return validator


def _whole(value: Any) -> int | None:
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:  # not a number, or more digits than Python converts
            return None
    if isinstance(value, (int, float)) and math.isfinite(value) and value == int(value):
        return int(value)
    return None


def list_of_text(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """A list of strings without a NUL character. Anything else is an error
    and leaves no value, for actions that read on to report every error."""
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or has_nul(value):
        errors[key].append(tk._("Not a list of strings"))
        data.pop(key, None)
        raise StopOnError


def nested_fields_are_errors(
    key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context
) -> None:
    """``__junk`` validator: a field of the schema given a list of objects is
    an error on that field. Validation would otherwise drop the field without
    a word, and an absent ``resource_ids``, for one, means every resource."""
    for name in sorted({k[0] for k in data.get(key) or {}}):
        if (name,) in errors:  # the schema's fields; others are ignored, as CKAN does
            errors[(name,)].append(tk._("Not a list of strings"))
