"""One transaction at a time reads a dataset for its index document.

CKAN indexes a changed dataset inside the commit of the transaction that changed it: it
reads the dataset (``package_show``) and sends the document to the search index, then
commits. Two transactions that change one dataset without touching the same rows (a
publisher's ``package_patch`` and a background job writing a resource's extras, say) do not
wait for each other: the first can read the dataset before the second commits and send its
document after the second's, so the index keeps a document older than the database (its
``metadata_modified`` and the other change missing) until the dataset is written again.

:func:`before_index` runs (``IDomainObjectModification``, before CKAN's own search
observer, which comes after the configured plugins) for each dataset about to be indexed: it
takes a PostgreSQL advisory lock on the dataset, held until the transaction ends, and
expires the dataset's row as the session holds it. So the reads and the index update of one
dataset are done by one transaction at a time, each seeing what the ones before it
committed: the last document sent is the database's last state, on Solr as on the
PostgreSQL backend.

The lock is taken with ``pg_try_advisory_xact_lock`` in a bounded loop
(``ckanext.imwg.search.index_lock_wait`` seconds, then the document is sent without it and
a warning logged), so two transactions that each index several datasets in opposite order
cannot deadlock. 0 turns the lock off.

Rebuilds index datasets without a commit of theirs (``ckan search-index rebuild``, the
re-index of an organisation's datasets): :func:`holding` takes the same locks for a chunk
of datasets, on a connection of its own, around the reading of the datasets and the
writing of their entries, so a rebuild never sends a document read before a transaction
that indexes the same dataset committed.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
import sqlalchemy.orm

log = logging.getLogger(__name__)

#: first key of the suite's advisory locks on datasets ("IMWG")
NAMESPACE = 0x494D5747
#: the default of ``ckanext.imwg.search.index_lock_wait`` (seconds)
WAIT = 10
#: seconds between two tries of a lock another transaction holds
POLL = 0.05

_TRY = sa.text("SELECT pg_try_advisory_xact_lock(:ns, hashtext(:id))")
#: the datasets among ``ids`` whose lock this connection took (held until unlocked)
_TRY_MANY = sa.text("SELECT id FROM unnest(CAST(:ids AS text[])) AS id WHERE pg_try_advisory_lock(:ns, hashtext(id))")
_UNLOCK_MANY = sa.text("SELECT pg_advisory_unlock(:ns, hashtext(id)) FROM unnest(CAST(:ids AS text[])) AS id")

#: the datasets whose locks this context holds (:func:`holding`)
_held: contextvars.ContextVar[frozenset[str]] = contextvars.ContextVar("imwg_index_locks", default=frozenset())


def _wait() -> int:
    return int(tk.config.get("ckanext.imwg.search.index_lock_wait", WAIT))


def before_index(entity: Any, operation: Any) -> None:
    """Lock a dataset that is about to be read for the index, and read its row afresh."""
    if not isinstance(entity, model.Package) or operation == model.DomainObjectOperation.deleted:
        return
    wait = _wait()
    if wait <= 0:
        return
    session = sa.orm.object_session(entity) or model.Session
    if not lock(session, entity.id, wait):
        log.warning("Indexing dataset %s without its index lock (held by another transaction for %ss)", entity.id, wait)
    if entity in session and not session.is_modified(entity):
        # loaded, maybe, before another transaction committed a change to it: package_show
        # reads the row again
        session.expire(entity)


def lock(session: Any, dataset_id: str, wait: float) -> bool:
    """Take the dataset's advisory lock for the rest of the transaction, waiting at most
    ``wait`` seconds; whether it was taken."""
    deadline = time.monotonic() + wait
    while True:
        if session.execute(_TRY, {"ns": NAMESPACE, "id": dataset_id}).scalar():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL)


@contextlib.contextmanager
def holding(dataset_ids: Iterable[str]) -> Iterator[None]:
    """Hold the locks of the datasets ``dataset_ids`` (ids) inside: a
    rebuild reads them and writes their entries (committed) inside, and no
    transaction indexes one of them meanwhile. Each lock is waited for as
    :func:`before_index` waits for one (then the dataset is indexed without
    it, a warning logged); a block inside another takes only the locks the
    outer one does not hold."""
    wait = _wait()
    wanted = [i for i in dict.fromkeys(dataset_ids) if i not in _held.get()]
    if wait <= 0 or not wanted:
        yield
        return
    conn = model.meta.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
    taken: list[str] = []
    try:
        deadline = time.monotonic() + wait
        missing = wanted
        while True:
            got = {r[0] for r in conn.execute(_TRY_MANY, {"ns": NAMESPACE, "ids": missing})}
            taken += [i for i in missing if i in got]
            missing = [i for i in missing if i not in got]
            if not missing or time.monotonic() >= deadline:
                break
            time.sleep(POLL)
        if missing:
            log.warning(
                "Indexing datasets %s without their index lock (held by another transaction for %ss)",
                ", ".join(missing),
                wait,
            )
        token = _held.set(_held.get() | frozenset(taken))
        try:
            yield
        finally:
            _held.reset(token)
    finally:
        try:
            if taken:
                conn.execute(_UNLOCK_MANY, {"ns": NAMESPACE, "ids": taken})
        except Exception:
            # a pooled connection must not keep session locks: drop it, the locks go with it
            conn.invalidate()
            raise
        finally:
            conn.close()
