"""The index entry is written in the dataset's own transaction."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import ckan.lib.search as search
import ckan.model as model
import pytest
from ckan.common import config
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import txcache
from ckanext.imwg_search import commits
from tests.support import write_ini

PLUGINS = "imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
]


def sql(statement, **params):
    result = model.Session.execute(statement, params)
    model.Session.commit()
    return result


def counts(name):
    model.Session.remove()
    packages = model.Session.execute("select count(*) from package where name = :n", {"n": name}).scalar()
    entries = model.Session.execute(
        "select count(*) from imwg_search_package where doc->>'name' = :n", {"n": name}
    ).scalar()
    return packages, entries


@pytest.fixture
def trigger():
    """Install a trigger on the index table for the test, and remove it after."""
    installed = []

    def install(body):
        sql(
            f"CREATE OR REPLACE FUNCTION imwg_test_trigger() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NEW; END $$"
        )
        sql(
            "CREATE TRIGGER imwg_test_trigger BEFORE INSERT OR UPDATE ON imwg_search_package "
            "FOR EACH ROW EXECUTE FUNCTION imwg_test_trigger()"
        )
        installed.append(True)

    yield install
    model.Session.remove()
    if installed:
        sql("DROP TRIGGER IF EXISTS imwg_test_trigger ON imwg_search_package")
        sql("DROP FUNCTION IF EXISTS imwg_test_trigger()")


def test_failed_index_write_saves_nothing(trigger):
    """When the index write fails, the dataset is not saved either."""
    trigger("IF NEW.doc->>'name' = 'poison' THEN RAISE EXCEPTION 'index write refused'; END IF;")
    with pytest.raises(search.SearchIndexError, match="index write refused"):
        factories.Dataset(name="poison")
    model.Session.rollback()
    assert counts("poison") == (0, 0)
    factories.Dataset(name="healthy")
    assert counts("healthy") == (1, 1)


def test_failed_index_write_on_update_keeps_old_version(trigger):
    """A failed index write on update leaves dataset and index as they were."""
    ds = factories.Dataset(name="kept", title="Old title")
    trigger("IF NEW.doc->>'title' = 'New title' THEN RAISE EXCEPTION 'index write refused'; END IF;")
    with pytest.raises(search.SearchIndexError):
        call_action("package_patch", id=ds["id"], title="New title")
    model.Session.rollback()
    model.Session.remove()
    assert call_action("package_show", id="kept")["title"] == "Old title"
    assert call_action("package_search", q="title:old")["count"] == 1


def test_api_failed_index_write_is_clean_error(app, trigger):
    """Through the API a failed index write is an error answer, with nothing saved."""
    trigger("IF NEW.doc->>'name' = 'poison' THEN RAISE EXCEPTION 'index write refused'; END IF;")
    sysadmin = factories.Sysadmin()
    token = factories.APIToken(user=sysadmin["name"])
    resp = app.post("/api/3/action/package_create", json={"name": "poison"}, headers={"Authorization": token["token"]})
    assert resp.json["success"] is False
    assert "Search Index Error" in resp.json["error"]["__type"]
    assert counts("poison") == (0, 0)


@pytest.fixture
def writes(trigger):
    """Count the index writes per dataset name (a trigger on the index table)."""
    sql("CREATE TABLE imwg_test_writes (name text)")
    # an upsert fires the INSERT trigger once per write (and UPDATE on conflict)
    trigger("IF TG_OP = 'INSERT' THEN INSERT INTO imwg_test_writes VALUES (NEW.doc->>'name'); END IF;")
    yield lambda name: sql("SELECT count(*) FROM imwg_test_writes WHERE name = :n", n=name).scalar()
    model.Session.remove()
    sql("DROP TABLE IF EXISTS imwg_test_writes CASCADE")


def test_one_index_write_per_commit(writes):
    """CKAN indexes a new dataset twice in its commit (as new, then as changed
    through its extras); the entry is written once, with the last document."""
    ds = factories.Dataset(name="once", extras=[{"key": "origin", "value": "survey"}])
    assert writes("once") == 1
    call_action("package_patch", id=ds["id"], title="Once more", extras=[{"key": "origin", "value": "census"}])
    assert writes("once") == 2
    assert call_action("package_search", q="census")["count"] == 1


def test_one_document_built_per_commit(monkeypatch):
    """CKAN's two notifications of a new dataset's commit re-read the dataset
    and rebuild its document only once; a later commit builds it again."""
    import ckan.lib.search.index as search_index

    built = []
    original = search_index.PackageSearchIndex.index_package

    def counted(self, pkg_dict, defer_commit=False):
        built.append(pkg_dict["name"])
        return original(self, pkg_dict, defer_commit)

    monkeypatch.setattr(search_index.PackageSearchIndex, "index_package", counted)
    ds = factories.Dataset(name="built-once", extras=[{"key": "origin", "value": "survey"}])
    assert built == ["built-once"]
    call_action("package_patch", id=ds["id"], extras=[{"key": "origin", "value": "census"}])
    assert built == ["built-once", "built-once"]
    assert call_action("package_search", q="census")["count"] == 1


def test_entries_held_back_during_a_commit():
    """Inside a commit, a search sees the entries held back for its end, a
    delete drops them, and a rollback leaves nothing."""
    ds = factories.Dataset(name="held")
    conn = search.make_connection()
    doc = search.show(ds["id"])
    session = model.Session()
    txcache.put(commits.COMMITTING, True)
    try:
        conn.add([{**doc, "index_id": "held-copy", "title": "Held back copy"}])
        assert "held-copy" in txcache.get(commits.PENDING)
        assert sql_count("select count(*) from imwg_search_package where index_id = 'held-copy'") == 0
        assert conn.search(q="title:copy", fq="+site_id:imwg-test").hits == 1
        conn.add([{**doc, "index_id": "held-second", "title": "Second copy"}])
        conn.delete(id="held-second")
        assert "held-second" not in txcache.get(commits.PENDING, {})
    finally:
        txcache.pop(commits.COMMITTING)
        session.rollback()
    assert counts("held") == (1, 1)
    assert sql_count("select count(*) from imwg_search_package where index_id like 'held-%'") == 0


def sql_count(statement):
    return model.Session.execute(statement).scalar()


CHILD = textwrap.dedent(
    """
    import sys
    from ckan.cli import load_config
    from ckan.config.middleware import make_app
    import ckan.plugins.toolkit as tk

    app = make_app(load_config(sys.argv[1]))
    flask_app = getattr(app, "apps", {}).get("flask_app", app)._wsgi_app
    with flask_app.test_request_context():
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        print("creating", flush=True)
        tk.get_action("package_create")(
            {"user": site_user["name"], "ignore_auth": True}, {"name": "killed-midway"})
        print("created", flush=True)
    """
)


def test_process_killed_midway_leaves_nothing(tmp_path, trigger):
    """A process killed between the dataset write and the index write commits neither."""
    trigger("IF NEW.doc->>'name' = 'killed-midway' THEN PERFORM pg_sleep(120); END IF;")
    url = config["sqlalchemy.url"]
    sep = "&" if "?" in url else "?"
    ini = write_ini(
        tmp_path / "child.ini",
        **{
            "ckan.plugins": PLUGINS,
            "ckan.auth.create_unowned_dataset": "true",
            # the server notices a dead client within 200 ms and rolls back
            "sqlalchemy.url": f"{url}{sep}options=-c%%20client_connection_check_interval%%3D200",
        },
    )
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    child = subprocess.Popen([sys.executable, str(script), str(ini)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 60
        pid = None
        while time.time() < deadline and pid is None:
            model.Session.remove()
            pid = model.Session.execute(
                "select pid from pg_stat_activity where wait_event = 'PgSleep' "
                "and query ilike '%imwg_search_package%'"
            ).scalar()
            time.sleep(0.2)
        if pid is None:
            child.kill()
            pytest.fail("the child never reached the index write:\n" + child.communicate()[0].decode()[-3000:])
        # the dataset row is written (in the child's open transaction) but not committed
        assert counts("killed-midway") == (0, 0)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        deadline = time.time() + 30
        while time.time() < deadline:
            model.Session.remove()
            alive = model.Session.execute("select count(*) from pg_stat_activity where pid = :p", {"p": pid}).scalar()
            if not alive:
                break
            time.sleep(0.2)
        assert not alive, "the server kept the dead client's transaction open"
    finally:
        if child.poll() is None:
            child.kill()
    assert counts("killed-midway") == (0, 0)
    # and the same dataset can be created afterwards
    sql("DROP TRIGGER IF EXISTS imwg_test_trigger ON imwg_search_package")
    factories.Dataset(name="killed-midway")
    assert counts("killed-midway") == (1, 1)
