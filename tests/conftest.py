"""Fixtures shared by the suite's tests (CKAN's own fixtures do the rest)."""

from __future__ import annotations

import functools
import os

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
    # the suite loads and unloads every plugin for each test (CKAN's ``with_plugins``):
    # three costs of that, each the same result faster
    _caller_files_without_source()
    _yaml_through_libyaml()
    _entry_points_read_once()
    _plugins_reloaded_with_one_update()
    _core_declaration_read_once()
    _passwords_hashed_quickly()
    _tables_emptied_in_one_statement()
    # the suite's databases are on loopback: TLS there doubles each connection's cost (about
    # 10 ms; the engine's pool is emptied whenever the plugins are loaded), and protects nothing
    os.environ.setdefault("PGSSLMODE", "disable")
    config.addinivalue_line(
        "markers", "postgres_only(reason): the test checks the PostgreSQL backend itself; skipped on Solr"
    )


def _caller_files_without_source() -> None:
    """CKAN's ``add_template_directory``, ``add_public_directory`` and ``add_resource`` find
    the calling plugin's file with ``inspect.stack()``, which also looks up the source file,
    module and lines of every frame: in pytest's deep stacks about 75 ms a call, and
    ``with_plugins`` loads every plugin twice per test (seconds per test). They read only
    ``filename``, so in the suite the stack is the frames with their code's file name, line
    and function (what ``inspect.stack`` gives for a frame of a ``.py`` file), without
    source lines."""
    import inspect
    import sys

    def stack(context: int = 1) -> list[inspect.FrameInfo]:
        frames = []
        frame = sys._getframe(1)
        while frame is not None:
            code = frame.f_code
            frames.append(inspect.FrameInfo(frame, code.co_filename, frame.f_lineno, code.co_name, None, None))
            frame = frame.f_back
        return frames

    inspect.stack = stack


def _yaml_through_libyaml() -> None:
    """``with_plugins`` loads every plugin twice per test, and each load reads YAML with
    ``yaml.safe_load`` (scheming's schemas, every plugin's config declaration: about 50 reads
    a test) through PyYAML's pure-Python parser. In the suite they go through PyYAML's own
    libyaml parser with the same safe constructor (what ``yaml.safe_load`` would use if it
    chose the fastest parser)."""
    import yaml

    if not yaml.__with_libyaml__:
        return

    def safe_load(stream):  # noqa: ANN001, ANN202 - yaml.safe_load's own signature
        return yaml.load(stream, Loader=yaml.CSafeLoader)

    yaml.safe_load = _files_read_once(safe_load)


def _files_read_once(load):  # noqa: ANN001, ANN202 - a loader of any kind
    """``load`` (a parser taking an open file or a string), parsing each file's content once:
    the schemas and declarations the plugins read at every load do not change while the suite
    runs (a file a test writes again is parsed again: the key is its path and content). A
    file's result is kept pickled, so that each reader gets its own copy to change (unpickling
    plain data is about ten times faster than parsing YAML). A file is still parsed from the
    open file, so that errors name it."""
    import hashlib
    import pickle

    parsed: dict[tuple[str, bytes], bytes] = {}

    def cached(stream):  # noqa: ANN001, ANN202
        name = getattr(stream, "name", None)
        if not isinstance(name, str) or not os.path.isfile(name) or not stream.seekable() or stream.tell() != 0:
            return load(stream)
        content = stream.read()
        key = (os.path.realpath(name), hashlib.sha1(content.encode() if isinstance(content, str) else content).digest())
        if key not in parsed:
            stream.seek(0)
            parsed[key] = pickle.dumps(load(stream), pickle.HIGHEST_PROTOCOL)
        return pickle.loads(parsed[key])

    return cached


def _entry_points_read_once() -> None:
    """``importlib.metadata.entry_points()`` reads and parses the ``entry_points.txt`` of
    every installed distribution on each call (about 30 ms here), and CKAN calls it each time
    it looks a plugin up: dozens of times per test as ``with_plugins`` loads and unloads
    them. Nothing is installed while the suite runs, so each distribution's entry points are
    read once."""
    import importlib.metadata as metadata

    read: dict[str, metadata.EntryPoints] = {}
    entry_points = metadata.Distribution.entry_points

    def cached(dist: metadata.Distribution) -> metadata.EntryPoints:
        key = str(getattr(dist, "_path", ""))
        if not key:
            return entry_points.fget(dist)
        if key not in read:
            read[key] = entry_points.fget(dist)
        return read[key]

    metadata.Distribution.entry_points = property(cached)

    # and the entry points of all distributions (CKAN's ``_get_service`` asks for one plugin's
    # entry point: finding every distribution on the path each time took 8 ms)
    import ckan.plugins.core as plugins_core

    everything: list[metadata.EntryPoints] = []
    find = metadata.entry_points

    def all_entry_points(**params) -> metadata.EntryPoints:  # noqa: ANN003 - importlib's own selection
        if not everything:
            everything.append(find())
        return everything[0].select(**params) if params else everything[0]

    metadata.entry_points = plugins_core.entry_points = all_entry_points


def _plugins_reloaded_with_one_update() -> None:
    """CKAN's ``load_all`` unloads every plugin, bringing the configuration up to date for
    none (``update_config``: schema declarations, assets, helpers, validation; about 0.15 s),
    then loads them and brings it up to date again. ``with_plugins`` and each app a test makes
    call it, so in the suite the unloading leaves the update to the loading that follows at
    once: the plugins and configuration after ``load_all`` are the same."""
    import ckan.plugins as plugins
    from ckan.plugins import core

    def load_all() -> None:
        update = core.plugins_update
        core.plugins_update = lambda: None
        try:
            core.unload_all()
        finally:
            core.plugins_update = update
        names = core.aslist(core.config.get("ckan.plugins")) + core.find_system_plugins()
        core.load(*names)
        if not names:
            update()

    core.load_all = plugins.load_all = load_all


def _core_declaration_read_once() -> None:
    """Each ``update_config`` empties the configuration's declaration and reads CKAN core's
    (``config_declaration.yaml``: about 230 options, validated one by one) before the plugins'.
    The file does not change while the suite runs, so in the suite it is read once and each
    later declaration starts from copies of those options."""
    import copy

    from ckan.config.declaration import Declaration

    read = Declaration.load_core_declaration
    core: list = []

    def load_core_declaration(self: Declaration) -> None:
        if self._core_loaded or self._options or self._members:
            return read(self)
        if not core:
            read(self)
            core.extend(({key: copy.copy(option) for key, option in self._options.items()}, list(self._members)))
            return
        options, members = core
        self._options.update((key, copy.copy(option)) for key, option in options.items())
        self._members.extend(members)
        self._core_loaded = True

    Declaration.load_core_declaration = load_core_declaration


def _passwords_hashed_quickly() -> None:
    """CKAN hashes a password with PBKDF2-SHA512 at passlib's default 25,000 rounds, about
    40 ms here, and the suite makes thousands of users. In the suite's own process the same
    hash is taken with 1,000 rounds (a portal a test serves in its own process still checks
    them, and takes its own rounds when they log in)."""
    from ckan.model import user

    user.pbkdf2_sha512 = user.pbkdf2_sha512.using(rounds=1000)


def _tables_emptied_in_one_statement() -> None:
    """CKAN's ``reset_db`` (each ``clean_db``) empties every table it knows, asking the
    database first whether each exists: two round trips a table, about 140 a test. In the
    suite the tables that exist are read once and emptied by one statement, in CKAN's order."""
    import sqlalchemy as sa
    from ckan import model

    def delete_all(self: model.Repository) -> None:
        self.session.remove()
        connection = self.session.connection()
        existing = {
            tuple(row)
            for row in connection.execute(sa.text("SELECT schemaname, tablename FROM pg_tables"))
        }  # fmt: skip
        default = connection.execute(sa.text("SELECT current_schema()")).scalar()
        deletes = [
            f'DELETE FROM "{table.schema or default}"."{table.name}"'
            for table in reversed(self.metadata.sorted_tables)
            if table.name != "alembic_version" and (table.schema or default, table.name) in existing
        ]
        if deletes:
            connection.execute(sa.text(";\n".join(deletes)))
        self.session.commit()

    model.Repository.delete_all = delete_all


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
        if p.plugin_loaded(plugin) and not _at_head(plugin):
            migrate_db_for(plugin)


@functools.cache
def _migration_heads(plugin: str) -> frozenset[str]:
    """The head revisions of ``plugin``'s migrations (``ckanext/<plugin>/migration/<plugin>``)."""
    import importlib.util
    import os

    from alembic.script import ScriptDirectory

    spec = importlib.util.find_spec(f"ckanext.{plugin}")
    assert spec and spec.origin, plugin
    return frozenset(ScriptDirectory(os.path.join(os.path.dirname(spec.origin), "migration", plugin)).get_heads())


def _at_head(plugin: str) -> bool:
    """Whether ``plugin``'s tables are at its migrations' head. CKAN's reset empties the tables
    it knows (the plugins' tables too: they share its metadata) and drops them only on its
    first reset of the session, so after that the migrations would find nothing to do; asking
    alembic costs about 0.15 s a plugin, reading the version table a query."""
    import sqlalchemy as sa
    from ckan.model import meta

    table = f"{plugin}_alembic_version"
    with meta.engine.connect() as conn:
        if conn.execute(sa.text("SELECT to_regclass(:t)"), {"t": table}).scalar() is None:
            return False
        versions = frozenset(conn.execute(sa.text(f'SELECT version_num FROM "{table}"')).scalars())
    return versions == _migration_heads(plugin)


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
