"""Values kept for the life of a database transaction (``ckanext.imwg.txcache``)."""

from __future__ import annotations

import threading

import ckan.model as model
import pytest
import sqlalchemy as sa

from ckanext.imwg import txcache
from tests.support import statements_run

KEY = "imwg_test_value"


@pytest.fixture(autouse=True)
def fresh_session():
    """Each test starts and ends with no transaction in progress."""
    model.Session.remove()
    yield
    model.Session.remove()


def counted():
    """A computation that reads the database, and how often it ran."""
    calls = []

    def compute():
        calls.append(model.Session.execute(sa.text("SELECT 1")).scalar())
        return len(calls)

    return compute, calls


def test_computed_once_per_transaction():
    """The same transaction gets the first answer; the next computes its own."""
    compute, calls = counted()
    assert txcache.value(KEY, compute) == 1
    assert txcache.value(KEY, compute) == 1
    model.Session.commit()
    assert txcache.get(KEY) is None
    assert txcache.value(KEY, compute) == 2
    assert len(calls) == 2


def test_a_rollback_drops_the_values():
    """Nothing kept in a transaction that rolled back is seen afterwards."""
    txcache.put(KEY, "kept")
    model.Session.execute(sa.text("SELECT 1"))
    assert txcache.get(KEY) == "kept"
    model.Session.rollback()
    assert txcache.get(KEY) is None
    assert txcache.get(KEY, "none") == "none"


def test_a_savepoint_does_not_end_the_transaction():
    """Values outlive a savepoint committed or rolled back inside their transaction."""
    txcache.put(KEY, "kept")
    with model.Session.begin_nested():
        model.Session.execute(sa.text("SELECT 1"))
    assert txcache.get(KEY) == "kept"
    savepoint = model.Session.begin_nested()
    savepoint.rollback()
    assert txcache.get(KEY) == "kept"


def test_a_value_computed_outside_a_transaction_stays_with_the_one_it_began():
    """A computation that begins the transaction is kept for that transaction."""
    compute, calls = counted()
    assert model.Session().get_transaction() is None
    txcache.value(KEY, compute)
    with statements_run() as statements:
        txcache.value(KEY, compute)
    assert calls == [1]
    assert statements == []


def test_putting_a_value_sends_nothing():
    """Beginning a transaction to hold a value sends no statement."""
    with statements_run() as statements:
        txcache.put(KEY, "kept")
        assert txcache.pop(KEY) == "kept"
        assert txcache.pop(KEY) is None
    assert statements == []


def test_kept_until_the_commit_is_done():
    """The transaction's own commit listeners see its values; nothing after it does."""
    seen = []

    def listener(session):
        seen.append(txcache.get(KEY, "gone", session))

    txcache.put(KEY, "kept")
    for event in ("before_commit", "after_commit"):
        sa.event.listen(model.Session, event, listener)
    try:
        model.Session.commit()
    finally:
        for event in ("before_commit", "after_commit"):
            sa.event.remove(model.Session, event, listener)
    assert seen == ["kept", "kept"]
    assert txcache.get(KEY, "gone") == "gone"


def test_one_session_does_not_see_another_ones():
    """Each thread's session (CKAN's scoped session) keeps its own values."""
    txcache.put(KEY, "this thread")
    seen = []

    def other():
        seen.append(txcache.get(KEY, "nothing"))
        model.Session.remove()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join()
    assert seen == ["nothing"]
    assert txcache.get(KEY) == "this thread"


def test_a_given_session_keeps_its_own():
    """A session given explicitly (not CKAN's) holds its own values."""
    session = model.meta.create_local_session(bind=model.Session.get_bind())
    try:
        txcache.put(KEY, "local", session)
        assert txcache.get(KEY) is None
        assert txcache.get(KEY, session=session) == "local"
    finally:
        session.close()
    assert txcache.get(KEY, session=session) is None
