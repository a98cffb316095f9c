"""`make test` runs the PostgreSQL pass in two halves at the same time: their setup, checked
without running them."""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys

from tests.support import ROOT, make_dry_run


def options(ini: str) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / ini)
    return {**parser["app:main"]}


def test_the_second_half_shares_nothing_it_writes_and_differs_in_nothing_else():
    """tests/second.ini is test.ini with its own database, Redis database and files."""
    first, second = options("test.ini"), options("tests/second.ini")
    assert second.pop("use") == "config:../test.ini"
    assert set(second) == {"sqlalchemy.url", "ckan.redis.url", "ckan.storage_path"}
    for option, value in second.items():
        assert value != first[option], option
    assert second["sqlalchemy.url"].endswith("/ckan_imwg_test_2")
    assert second["ckan.redis.url"] not in (options("tests/solr.ini")["ckan.redis.url"], first["ckan.redis.url"])


def test_the_datastore_database_is_the_one_the_environment_names():
    """The DataStore tests of the second half write to a database of their own."""
    code = "from tests.support import DATASTORE; print(DATASTORE)"
    env = {**os.environ, "IMWG_DATASTORE_DB": "ckan_imwg_datastore_test_2"}
    named = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert named.stdout.strip() == "127.0.0.1:5432/ckan_imwg_datastore_test_2"
    env.pop("IMWG_DATASTORE_DB")
    default = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert default.stdout.strip() == "127.0.0.1:5432/ckan_imwg_datastore_test"


def test_make_test_runs_the_two_halves_each_on_its_own_configuration():
    dry = make_dry_run("test")
    assert "--ckan-ini=test.ini tests --splits 2" in dry and "--group 1" in dry
    assert "IMWG_DATASTORE_DB=ckan_imwg_datastore_test_2" in dry
    assert "--ckan-ini=tests/second.ini tests --splits 2" in dry and "--group 2" in dry
    assert "exit $((postgres || second || solr))" in dry


def test_the_durations_name_tests_of_the_suite():
    """tests/durations.json (``--store-durations``) gives each test's seconds; pytest-split
    balances the halves by them (a test it does not list counts as the average)."""
    durations = json.loads((ROOT / "tests" / "durations.json").read_text())
    assert len(durations) > 1000
    assert all(name.startswith("tests/") and "::" in name and seconds >= 0 for name, seconds in durations.items())
    files = {name.split("::")[0] for name in durations}
    assert all((ROOT / file).is_file() for file in files), sorted(f for f in files if not (ROOT / f).is_file())
