"""Index updates retried when Solr fails for a moment.

CKAN sends a dataset's index document to Solr once (``PackageSearchIndex.index_package``,
inside the commit) and pysolr does not retry it. On SolrCloud an update that the receiving
node forwards to a shard leader on a node shutting down fails with a Solr 5xx ("Async
exception during distributed update: Connection refused") although the collection is
healthy a moment later; CKAN then fails the whole write.

:func:`install` wraps ``index_package`` and ``delete_package`` of CKAN's
``PackageSearchIndex``: an update that failed with a Solr 5xx or a refused or reset
connection is sent again, at most ``ckanext.imwg.solr.update_retries`` more times, after
0.5 s, then 1 s, ..., and none starts once ``ckanext.imwg.solr.update_retry_budget``
seconds have passed since the first. A timeout is not retried (the request already waited
``solr_timeout`` and Solr may still apply it); neither is an update Solr refused (4xx: a bad
document). Each attempt sends a document built afresh from the same dataset dictionary
(CKAN's indexing changes the dictionary it is given).

When the last attempt fails too, the error is CKAN's ``SearchIndexError`` as before: the
commit fails and the dataset is rolled back (nothing half-saved), and the request is marked
so that the client gets the 503 "search service unavailable" answer with ``Retry-After``
(:mod:`ckanext.imwg.unavailable`), not a 500.

The wrapper does nothing more while the PostgreSQL backend (``imwg_search``) is loaded: its
index entry is written in the dataset's own transaction.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import socket
import time
from collections.abc import Callable
from typing import Any

import ckan.plugins as p
import ckan.plugins.toolkit as tk
import pysolr
from ckan.lib.search import index as search_index
from ckan.lib.search.common import SearchIndexError

from . import unavailable

log = logging.getLogger(__name__)

#: the defaults of ``ckanext.imwg.solr.update_retries`` and ``update_retry_budget`` (seconds)
RETRIES, BUDGET = 2, 10
#: seconds before the first retry; doubled before each next one
FIRST_WAIT = 0.5
#: a Solr answer in the 5xx range, as pysolr words it
_SERVER_ERROR = re.compile(r"\(HTTP 5\d\d\)")
#: pysolr's words for a connection that failed before any answer (not a timeout)
_NO_CONNECTION = ("Failed to connect", "Connection aborted", "Connection reset", "Connection refused")


def retryable(error: BaseException) -> bool:
    """Whether a failed index update may succeed if sent again: Solr answered 5xx, or the
    connection was refused or broken. ``error`` is CKAN's ``SearchIndexError`` (the
    client's error is its context) or the client's error itself."""
    cause = (error.__cause__ or error.__context__) if isinstance(error, SearchIndexError) else error
    for candidate in (cause, error):
        if candidate is None:
            continue
        text = str(candidate)
        if "timed out" in text or isinstance(candidate, (TimeoutError, socket.timeout)):
            return False
        if isinstance(candidate, (pysolr.SolrError, SearchIndexError)):
            if _SERVER_ERROR.search(text) or any(words in text for words in _NO_CONNECTION):
                return True
        elif isinstance(candidate, OSError):
            return True
    return False


def with_retries(send: Callable[[], Any], what: str) -> Any:
    """Run ``send`` (one index update); again after a short wait while it fails with a
    :func:`retryable` error, within the configured count and budget."""
    retries = max(0, int(tk.config.get("ckanext.imwg.solr.update_retries", RETRIES)))
    budget = max(0, int(tk.config.get("ckanext.imwg.solr.update_retry_budget", BUDGET)))
    started = time.monotonic()
    wait = FIRST_WAIT
    attempt = 0
    while True:
        attempt += 1
        try:
            return send()
        except SearchIndexError as error:
            if not retryable(error):
                raise
            elapsed = time.monotonic() - started
            if attempt > retries or elapsed + wait > budget:
                log.error("Index update of %s failed after %d attempt(s) in %.1fs: %s", what, attempt, elapsed, error)
                unavailable._mark()  # the request answers 503 "search unavailable", not 500
                raise SearchIndexError(
                    f"Solr did not take the update of {what} after {attempt} attempt(s): {error}"
                ) from error
            log.warning("Index update of %s failed (attempt %d), retrying in %.1fs: %s", what, attempt, wait, error)
            time.sleep(wait)
            wait *= 2


def _postgres_backend() -> bool:
    return p.plugin_loaded("imwg_search")


_original_index = search_index.PackageSearchIndex.index_package
_original_delete = search_index.PackageSearchIndex.delete_package


@functools.wraps(_original_index)
def index_package(self: Any, pkg_dict: dict[str, Any] | None, defer_commit: bool = False) -> None:
    if pkg_dict is None or _postgres_backend():
        return _original_index(self, pkg_dict, defer_commit)
    pristine = copy.deepcopy(pkg_dict)
    sent = 0

    def send() -> None:
        # CKAN's indexing rewrites the dictionary it gets: each retry starts from a copy
        nonlocal sent
        given = copy.deepcopy(pristine) if sent else pkg_dict
        sent += 1
        _original_index(self, given, defer_commit)

    return with_retries(send, f"dataset {pkg_dict.get('name') or pkg_dict.get('id')}")


@functools.wraps(_original_delete)
def delete_package(self: Any, pkg_dict: dict[str, Any]) -> None:
    if _postgres_backend():
        return _original_delete(self, pkg_dict)
    return with_retries(lambda: _original_delete(self, pkg_dict), f"dataset {pkg_dict.get('id')} (removal)")


def install() -> None:
    """Wrap CKAN's index updates (idempotent)."""
    search_index.PackageSearchIndex.index_package = index_package  # type: ignore[method-assign]
    search_index.PackageSearchIndex.delete_package = delete_package  # type: ignore[method-assign]
