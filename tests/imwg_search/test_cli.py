"""`ckan search-index` commands on the PostgreSQL backend, and the backend's
own `ckan search` (`ckan imwg-search`, its old name, still answers)."""

from __future__ import annotations

import ckan.model as model
import pytest
from ckan.cli.cli import ckan
from ckan.tests import factories
from ckan.tests.helpers import CKANCliRunner, call_action

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "with_extended_cli"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_search"),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
]


def indexed():
    return model.Session.execute("select count(*) from imwg_search_package").scalar()


def run(cli, *args):
    result = cli.invoke(ckan, ["search-index", *args])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def datasets():
    return [factories.Dataset(name=f"ds-{i}", title=f"Survey {i}") for i in range(5)]


def test_clear_then_rebuild(cli, datasets):
    """clear empties the index; rebuild puts every dataset back."""
    run(cli, "clear")
    model.Session.remove()
    assert indexed() == 0
    assert call_action("package_search")["count"] == 0
    run(cli, "rebuild")
    model.Session.remove()
    assert indexed() == 5
    assert call_action("package_search", q="survey")["count"] == 5


def test_rebuild_fast(cli, datasets):
    """rebuild-fast (several processes) indexes every dataset."""
    run(cli, "clear")
    run(cli, "rebuild-fast")
    model.Session.remove()
    assert indexed() == 5
    assert call_action("package_search")["count"] == 5


def test_rebuild_only_missing(cli, datasets):
    """rebuild --only-missing adds only what is not indexed."""
    model.Session.execute("delete from imwg_search_package where doc->>'name' = 'ds-3'")
    model.Session.commit()
    out = run(cli, "rebuild", "--only-missing")
    model.Session.remove()
    assert indexed() == 5, out


def test_check_reports_unindexed(cli, datasets):
    """check lists datasets missing from the index."""
    assert "Packages not indexed = 0 out of 5" in run(cli, "check")
    model.Session.execute("delete from imwg_search_package where doc->>'name' = 'ds-2'")
    model.Session.commit()
    out = run(cli, "check")
    assert "Packages not indexed = 1 out of 5" in out
    assert "ds-2" in out


def test_show_prints_index_document(cli, datasets):
    """show prints the indexed document of one dataset."""
    out = run(cli, "show", "ds-1")
    assert "'name': 'ds-1'" in out
    assert "index_id" in out


def test_clear_one_dataset(cli, datasets):
    """clear NAME removes only that dataset from the index."""
    run(cli, "clear", "ds-0")
    model.Session.remove()
    assert indexed() == 4
    names = [d["name"] for d in call_action("package_search", rows=10)["results"]]
    assert "ds-0" not in names


def test_explain_shows_the_parsed_query(cli):
    """search explain prints the query the backend runs."""
    result = cli.invoke(ckan, ["search", "explain", "tags:health AND mines"])
    assert result.exit_code == 0, result.output
    assert "Term(field='tags', text='health'" in result.output


def test_explain_refuses_bad_syntax(cli):
    """search explain exits non-zero with the syntax error."""
    result = cli.invoke(ckan, ["search", "explain", "tags:(health"])
    assert result.exit_code != 0
    assert "Error" in result.output


def test_check_doc_passes_a_stock_document(cli, datasets):
    """search check-doc finds nothing wrong with a dataset CKAN indexed."""
    result = cli.invoke(ckan, ["search", "check-doc", "ds-1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("[]")


def test_old_name_runs_the_same_commands_and_warns(ckan_config):
    """imwg-search still runs search's commands, with a deprecation note on stderr only."""
    runner = CKANCliRunner(env={"CKAN_INI": ckan_config["__file__"]}, mix_stderr=False)
    new = runner.invoke(ckan, ["search", "explain", "tags:health"])
    old = runner.invoke(ckan, ["imwg-search", "explain", "tags:health"])
    assert old.exit_code == 0, old.output + old.stderr
    assert old.stdout == new.stdout
    assert "deprecated" in old.stderr
    assert "ckan search" in old.stderr
    assert "deprecated" not in new.stderr


def entry_versions():
    """Each entry's row version (``xmin``): a row rewritten gets a new one."""
    model.Session.remove()
    rows = model.Session.execute("select index_id, xmin::text from imwg_search_package").all()
    return dict(rows)


def test_rebuild_rewrites_only_changed_entries(cli, datasets):
    """A rebuild leaves the entries of unchanged datasets as they are (no dead
    rows for a vacuum to clear) and rewrites the changed one."""
    before = entry_versions()
    model.Session.execute("update package set title = 'Changed survey' where name = 'ds-1'")
    model.Session.commit()
    run(cli, "rebuild")
    after = entry_versions()
    changed = {k for k in before if before[k] != after[k]}
    assert len(after) == 5
    assert len(changed) == 1
    assert call_action("package_search", q="changed")["results"][0]["name"] == "ds-1"


def test_clear_leaves_no_dead_rows(cli, datasets):
    """Clearing the whole index empties the table at once (a new file, no dead
    rows), and the rebuild after it finds every dataset."""
    model.Session.remove()
    node = model.Session.execute("select pg_relation_filenode('imwg_search_package')").scalar()
    model.Session.commit()
    run(cli, "rebuild", "--clear")
    model.Session.remove()
    assert model.Session.execute("select pg_relation_filenode('imwg_search_package')").scalar() != node
    assert indexed() == 5
    assert call_action("package_search", q="survey")["count"] == 5
