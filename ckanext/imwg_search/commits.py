"""Commit tracking: which index writes join a dataset's transaction.

CKAN indexes the datasets of a commit from the session's ``before_commit``.
:func:`track_commits` marks the session while it commits, so that the index
entries written then join that transaction, and writes the entries held
back during the commit once CKAN has built them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pysolr
import sqlalchemy as sa
from ckan.lib.search.common import SearchIndexError

from ckanext.imwg import txcache

#: Kept for the transaction (``ckanext.imwg.txcache``) while the session
#: commits (see :func:`track_commits`).
COMMITTING = "imwg_search_committing"
#: Entries held back until the end of the commit (``index_id`` -> row).
PENDING = "imwg_search_pending"
#: Set once the held-back entries are written: later writes go straight in.
FLUSHED = "imwg_search_flushed"
#: Datasets CKAN has asked to index during the commit (see ``seam``).
NOTIFIED = "imwg_search_notified"


def track_commits(
    session_factory: Any, connection: Callable[[Any], Any], active: Callable[[], bool] = lambda: True
) -> None:
    """Mark sessions of ``session_factory`` while they commit, and write the
    entries held back during the commit at the end of its ``before_commit``
    (``connection(session).flush()``, the index connection on that session).
    Call it once per session factory (``seam.install`` does); while
    ``active()`` is false (the plugin is not loaded) the listeners do nothing.

    The marker is set before any other ``before_commit`` listener runs
    (``insert=True``), so CKAN's indexing, which runs in its own
    ``before_commit`` listener, sees it; the held-back entries are written by
    a listener added after CKAN's, so they join the same transaction. The
    marks are kept for the transaction (``ckanext.imwg.txcache``) and dropped
    at the end of each commit, a savepoint's included (CKAN indexes at a
    savepoint's commit too).
    """

    def begin(session: Any) -> None:
        if active():
            for key in (PENDING, FLUSHED, NOTIFIED):
                txcache.pop(key, session=session)
            txcache.put(COMMITTING, True, session)

    def flush(session: Any) -> None:
        if not active():
            return
        try:
            connection(session).flush()
        except pysolr.SolrError as e:
            raise SearchIndexError(str(e)) from e
        finally:
            txcache.put(FLUSHED, True, session)

    def end(session: Any, *args: Any) -> None:
        for key in (COMMITTING, PENDING, FLUSHED, NOTIFIED):
            txcache.pop(key, session=session)

    sa.event.listen(session_factory, "before_commit", begin, insert=True)
    sa.event.listen(session_factory, "before_commit", flush)
    for name in ("after_commit", "after_rollback", "after_soft_rollback"):
        sa.event.listen(session_factory, name, end)
