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
"""

from __future__ import annotations

import logging
import time
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


def before_index(entity: Any, operation: Any) -> None:
    """Lock a dataset that is about to be read for the index, and read its row afresh."""
    if not isinstance(entity, model.Package) or operation == model.DomainObjectOperation.deleted:
        return
    wait = int(tk.config.get("ckanext.imwg.search.index_lock_wait", WAIT))
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
