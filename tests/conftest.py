"""Fixtures shared by the suite's tests (CKAN's own fixtures do the rest)."""

from __future__ import annotations

import pytest

#: Plugins with their own tables; clean_db drops every table, so these come back.
MIGRATED_PLUGINS = ("activity", "imwg_search", "imwg_pcode", "imwg_sensitivity", "imwg_hxl")


@pytest.fixture
def clean_db(reset_db, migrate_db_for):
    """CKAN's clean_db, plus the tables of the loaded plugins that have migrations.

    Use it after ``with_plugins`` so that the plugins are loaded.
    """
    import ckan.plugins as p

    reset_db()
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
    from playwright.sync_api import sync_playwright

    from tests.support import chromium_args

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=chromium_args())
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(30000)
        yield page
        browser.close()
