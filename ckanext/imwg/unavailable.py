"""Search unavailable: when Solr is down or slower than ``solr_timeout``, a 503 with a message.

CKAN answers a search server it cannot reach with a 500 (the API's "Search
Connection Error", the search page's abort, any other page's crash), one that
does not answer in time with a 409 "Search error" (pysolr's timeout reads as a
bad query), and a write whose index update fails with a 500. All of these
say "the service is unavailable, try again": 503 with a ``Retry-After``.

- :func:`package_search` (wrapped by :func:`ckanext.imwg.guard.package_search`)
  turns a search that failed for want of the server into ``SolrConnectionError``
  with our message, and marks the request.
- :func:`install` answers ``SolrConnectionError`` that a page let through with
  a 503 page, and turns the 500 of a request marked so, of an API call whose
  error is an unreachable search server (searches and writes alike), or of a
  page quoting one (the dataset forms' failed save), into a 503.

Writes stay all-or-nothing: CKAN indexes inside the transaction's commit, so a
failed index update rolls the dataset back (nothing is half-saved). The time a
request waits is bounded by CKAN's ``solr_timeout`` (seconds, per connection
attempt and per read).
"""

from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.search.common import SearchError, SearchIndexError, SearchQueryError, SolrConnectionError
from flask import Response, g, request

#: what pysolr and CKAN say when the server is unreachable, too slow or has no
#: live replica (SolrCloud answers 503), as opposed to refusing the query
UNREACHABLE = (
    "Failed to connect",
    "Could not connect to SOLR",
    "timed out",
    "Connection aborted",
    "(HTTP 503)",
)
#: seconds a client should wait before retrying
RETRY_AFTER = "30"
_FLAG = "imwg_search_unavailable"


def message() -> str:
    return tk._("The search service is unavailable or did not answer in time. Please try again in a few minutes.")


def is_unavailable(error: BaseException) -> bool:
    """Whether a search or index error comes from the server not answering, not from the query."""
    if isinstance(error, SolrConnectionError):
        return True
    if isinstance(error, (SearchError, SearchIndexError)) and not isinstance(error, SearchQueryError):
        return any(marker in str(error) for marker in UNREACHABLE)
    return False


def package_search(up: Any, context: Any, data_dict: Any) -> Any:
    """Run a search; one that failed for want of the server is ``SolrConnectionError``."""
    try:
        return up(context, data_dict)
    except (SearchError, SolrConnectionError) as error:
        if not is_unavailable(error):
            raise
        _mark()
        raise SolrConnectionError(message()) from error


def install(app: Any) -> None:
    """Answer an unreachable search server with 503 on pages and through the API."""
    app.register_error_handler(SolrConnectionError, _page)
    app.after_request(_to_503)


def _mark() -> None:
    try:
        setattr(g, _FLAG, True)
    except RuntimeError:  # outside a request (CLI, jobs): nothing to answer
        pass


def _page(error: SolrConnectionError) -> tuple[str, int, dict[str, str]]:
    page = {"code": 503, "content": message(), "name": "Service Unavailable"}
    return tk.render("error_document_template.html", page), 503, {"Retry-After": RETRY_AFTER}


def _to_503(response: Response) -> Response:
    if response.status_code != 500:
        return response
    api = request.path.startswith("/api/")
    if api:
        unavailable = getattr(g, _FLAG, False) or _api_error_is_unavailable(response)
    else:
        unavailable = getattr(g, _FLAG, False) or _page_error_is_unavailable(response)
    if not unavailable:
        return response
    if api:
        body = {"success": False, "error": {"__type": "Search Unavailable", "message": message()}}
        return Response(json.dumps(body), status=503, mimetype="application/json", headers={"Retry-After": RETRY_AFTER})
    html, code, headers = _page(SolrConnectionError())
    return Response(html, status=code, headers=headers, mimetype="text/html")


def _api_error_is_unavailable(response: Response) -> bool:
    try:
        error = json.loads(response.get_data(as_text=True)).get("error") or {}
    except (ValueError, AttributeError):
        return False
    kind, text = error.get("__type"), str(error.get("message", ""))
    if kind == "Search Connection Error":
        return True
    return kind == "Search Index Error" and any(marker in text for marker in UNREACHABLE)


def _page_error_is_unavailable(response: Response) -> bool:
    """A page's 500 that quotes pysolr's unreachable-server error: CKAN's dataset
    forms abort so when the index update of a save fails (and show Solr's address)."""
    if response.is_streamed:
        return False
    text = response.get_data(as_text=True)
    return "olr" in text and any(marker in text for marker in UNREACHABLE)
