"""Values that last as long as a database transaction.

Some answers hold only while the transaction that read them lasts: a user's
memberships (every access check of a request asks for them), the
gazetteer's token (renewed by the first write to the gazetteer), the index
entries a commit holds back for its end. :func:`value` keeps such an answer
in the session's ``info``, under the session's root transaction (a savepoint
does not end it). Once that transaction is over (committed or rolled back;
its own ``after_commit`` and ``after_rollback`` listeners still see its
values) nobody sees the value again: the next use, in a new transaction,
starts empty and drops what the old one kept.

Nothing is registered with SQLAlchemy: a value is known to be stale by its
transaction, so there is no listener to install at import, to install per
plugin, or to leave behind when a plugin is unloaded.

Keys name their plugin (``"imwg_pcode_token"``, ``("imwg_sensitivity_orgs",
user_id)``). The session is CKAN's ``model.Session`` unless one is given.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import ckan.model as model

T = TypeVar("T")

#: where a session keeps its transaction's values: ``(transaction, {key: value})``
INFO_KEY = "imwg_txcache"


def value(key: Hashable, compute: Callable[[], T], session: Any = None) -> T:
    """The value kept under ``key`` in the current transaction; computed by
    ``compute()`` (and kept) the first time. A ``compute`` that reads the
    database begins the transaction when none was in progress: the value
    is kept for that one."""
    kept = _values(session, begin=False)
    if kept is not None and key in kept:
        return kept[key]
    result = compute()
    kept = _values(session, begin=True)
    if kept is not None:
        kept[key] = result
    return result


def get(key: Hashable, default: Any = None, session: Any = None) -> Any:
    """The value kept under ``key`` in the current transaction, or ``default``."""
    kept = _values(session, begin=False)
    return default if kept is None else kept.get(key, default)


def put(key: Hashable, item: Any, session: Any = None) -> None:
    """Keep ``item`` under ``key`` for the rest of the current transaction
    (one is begun when none is in progress: that sends nothing to the
    database)."""
    kept = _values(session, begin=True)
    if kept is not None:
        kept[key] = item


def pop(key: Hashable, default: Any = None, session: Any = None) -> Any:
    """Remove and return the value kept under ``key``, or ``default``."""
    kept = _values(session, begin=False)
    return default if kept is None else kept.pop(key, default)


def _values(session: Any, begin: bool) -> dict[Hashable, Any] | None:
    """The values kept for the session's current transaction (begun if
    ``begin``); None when there are none and ``begin`` is false."""
    if session is None:
        session = model.Session
    if hasattr(session, "registry"):  # a scoped session: the current thread's session
        session = session()
    transaction = session.get_transaction()
    if transaction is None and begin:
        session.begin()  # the connection is taken at the first statement
        transaction = session.get_transaction()
    held = session.info.get(INFO_KEY)
    if held is not None:
        if held[0] is transaction:
            return held[1]
        del session.info[INFO_KEY]  # its transaction is over
    if transaction is None or not begin:
        return None
    values: dict[Hashable, Any] = {}
    session.info[INFO_KEY] = (transaction, values)
    return values
