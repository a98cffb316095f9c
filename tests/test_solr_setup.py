"""The suite on Solr (``make test-solr``): its configuration, checked without a Solr."""

from __future__ import annotations

import configparser

import pytest

from tests.conftest import _without_imwg_search
from tests.support import ROOT, make_dry_run


def plugins(ini: str) -> list[str]:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / ini)
    return parser["app:main"]["ckan.plugins"].split()


def test_solr_ini_is_test_ini_without_imwg_search():
    """tests/solr.ini runs the suite's plugins, less the PostgreSQL backend, in test.ini's order."""
    assert plugins("tests/solr.ini") == [p for p in plugins("test.ini") if p != "imwg_search"]


def test_solr_ini_points_at_make_solr_with_a_timeout():
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "tests" / "solr.ini")
    assert parser["app:main"]["solr_url"] == "http://127.0.0.1:8983/solr/ckan"
    assert int(parser["app:main"]["solr_timeout"]) <= 30


def test_plugin_markers_lose_imwg_search_only():
    """On Solr a test's ckan.plugins marker keeps every plugin but imwg_search; other marks stay."""
    mark = pytest.mark.ckan_config("ckan.plugins", "spatial_query imwg_search imwg_pcode").mark
    assert _without_imwg_search(mark).args == ("ckan.plugins", "spatial_query imwg_pcode")
    other = pytest.mark.ckan_config("ckan.site_title", "imwg_search").mark
    assert _without_imwg_search(other) is other


def test_solr_ini_has_its_own_database_redis_and_files():
    """`make test` runs the Solr pass beside the PostgreSQL one: nothing of test.ini's is shared."""
    solr = configparser.ConfigParser(interpolation=None)
    solr.read(ROOT / "tests" / "solr.ini")
    base = configparser.ConfigParser(interpolation=None)
    base.read(ROOT / "test.ini")
    for option in ("sqlalchemy.url", "ckan.redis.url", "ckan.storage_path"):
        assert solr["app:main"][option] != base["app:main"][option], option
    assert solr["app:main"]["sqlalchemy.url"].endswith("/ckan_imwg_test_solr")


def test_make_test_runs_both_passes_and_the_faults():
    """`make test`: the whole suite on test.ini, the search tests and the faults on tests/solr.ini."""
    dry = make_dry_run("test")
    assert "scripts/solr.sh with" in dry
    assert "--ckan-ini=test.ini tests" in dry
    assert "--ckan-ini=tests/solr.ini" in dry
    assert "tests/test_solrcloud_faults.py" in dry
    assert "|| solr))" in dry
