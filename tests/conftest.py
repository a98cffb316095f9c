"""Fixtures shared by the suite's tests (CKAN's own fixtures do the rest)."""

from __future__ import annotations

import functools

import pytest

#: Plugins with their own tables; clean_db drops every table, so these come back.
MIGRATED_PLUGINS = (
    "activity",
    "imwg_search",
    "imwg_pcode",
    "imwg_sensitivity",
    "imwg_hxl",
    "imwg_exchange",
    "imwg_notify",
    "imwg_imsma",
)


@functools.cache
def solr_backend() -> bool:
    """Whether this session searches with Solr: its ini leaves imwg_search out of
    ``ckan.plugins`` (tests/solr.ini, ``make test-solr``), so CKAN's own Solr search runs.
    Read once, at collection, before any test patches the configuration."""
    from ckan.common import config

    return "imwg_search" not in config.get("ckan.plugins", [])


@functools.cache
def _session_solr_url() -> str | None:
    from ckan.common import config

    return config.get("solr_url")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "postgres_only(reason): the test checks the PostgreSQL backend itself; skipped on Solr"
    )


def pytest_collection_modifyitems(config, items):
    """On Solr, take imwg_search out of every ``ckan.plugins`` marker (module, class or test),
    so the same tests run with CKAN's Solr search; skip the ``postgres_only`` ones."""
    if not solr_backend():
        return
    _session_solr_url()
    seen: set[int] = set()
    for item in items:
        mark = item.get_closest_marker("postgres_only")
        if mark:
            item.add_marker(pytest.mark.skip(reason=f"PostgreSQL backend only: {mark.args[0] if mark.args else ''}"))
        for node in item.listchain():
            if id(node) in seen:
                continue
            seen.add(id(node))
            node.own_markers[:] = [_without_imwg_search(m) for m in node.own_markers]


def _without_imwg_search(mark: pytest.Mark) -> pytest.Mark:
    if mark.name != "ckan_config" or not mark.args or mark.args[0] != "ckan.plugins":
        return mark
    plugins = " ".join(p for p in str(mark.args[1]).split() if p != "imwg_search")
    return pytest.mark.ckan_config("ckan.plugins", plugins).mark


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db, plus the tables of the loaded plugins that have migrations.

    Use it after ``with_plugins`` so that the plugins are loaded.
    """
    import ckan.plugins as p

    reset_db()
    if solr_backend():  # the index outside the database goes with it
        from ckan.common import config
        from ckan.lib.search import clear_all

        if config.get("solr_url") == _session_solr_url():  # not a test's made-up address
            clear_all()
    for plugin in MIGRATED_PLUGINS:
        if p.plugin_loaded(plugin):
            migrate_db_for(plugin)


@pytest.fixture
def sysadmin_context():
    """A context that acts as the site user."""

    def make():
        import ckan.plugins.toolkit as tk

        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        return {"user": site_user["name"], "ignore_auth": True}

    return make


@pytest.fixture
def page():
    """A page in Debian's chromium, driven by Playwright."""
    from tests.support import chromium

    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30000)
        yield page
