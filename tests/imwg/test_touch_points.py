"""What the suite relies on inside CKAN, checked against the CKAN installed.

The README's "Where the suite touches CKAN's internals" lists each place.
These tests fail when a CKAN release changes one of them (a function's
signature, a table's columns, a template block, a route, a listener's
place) and when the code touches CKAN somewhere the list does not name.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
from pathlib import Path

import ckan
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa

from ckanext.imwg import txcache
from ckanext.imwg_search import backend, commits, seam
from ckanext.imwg_sensitivity import exits
from tests.support import ALL_PLUGINS, DATASTORE

ROOT = Path(__file__).resolve().parents[2]
CKANEXT = ROOT / "ckanext"
README = ROOT / "README.md"
SECTION = "## Where the suite touches CKAN's internals"
SITE = Path(ckan.__file__).resolve().parent.parent

#: touch points the code scan below cannot see, by module
KNOWN = {
    "ckanext/imwg/txcache.py": "CKAN's session and its transactions",
    "ckanext/imwg_sensitivity/exits.py": "CKAN's action names and view functions",
    "ckanext/imwg_hxl/jobs.py": "resource extras written through CKAN's model",
}
#: imported from CKAN, documented for extensions, and not in the toolkit
DOCUMENTED = {"ckan.lib.plugins.DefaultTranslation"}
#: modules whose every name an extension may use
PUBLIC_MODULES = ("ckan.plugins", "ckan.types", "ckan.model", "ckan.tests")
#: SQL that names a table
SQL_TABLE = re.compile(r"\b(?:FROM|JOIN|UPDATE|INTO)\s+\"?([a-z_]+)")
#: Flask's ways into every request or page
FLASK_HOOKS = {"before_request", "after_request", "register_error_handler", "before_render_template", "view_functions"}


# -- the README's list and the code --------------------------------------------------------


def readme_section() -> str:
    text = README.read_text()
    assert SECTION in text
    return text.split(SECTION, 1)[1].split("\n## ", 1)[0]


def suite_modules() -> list[Path]:
    return sorted(p for p in CKANEXT.rglob("*.py") if "migration" not in p.parts)


def _declared_tables() -> dict[str, sa.Table]:
    """CKAN's tables as its code declares them (with the activity plugin's).

    Not ``model.meta.metadata``: the first ``clean_db`` of a session
    (``Repository.clean_db``) replaces it with a ``MetaData`` reflected from the
    database as that reset found it, so what it holds depends on the tests run
    before (and on the session before). The registry's metadata is the one the
    models are declared on, and no reset replaces it.
    """
    import ckanext.activity.model  # noqa: F401 - declares the activity table

    return dict(model.meta.registry.metadata.tables)


@functools.cache
def _ckan_tables() -> set[str]:
    return {name for name in _declared_tables() if not name.startswith("imwg_")}


def _public(module: str, name: str | None) -> bool:
    """Whether ``module.name`` is something an extension may use: the
    toolkit's (the same object), or a module every extension uses."""
    if module.startswith(PUBLIC_MODULES) or f"{module}.{name}" in DOCUMENTED:
        return True
    if name is None:
        return False
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return False
    return any(getattr(owner, name, None) is obj for owner in (tk, p))


def _private(name: str, *also: str) -> bool:
    return (name.startswith("_") and not name.startswith("__")) or name in also


def touches(path: Path) -> list[str]:
    """What a module uses of CKAN beyond the toolkit and plugin interfaces."""
    tree = ast.parse(path.read_text())
    found: list[str] = []
    modules: dict[str, str] = {}  # local name -> CKAN module it is bound to
    flask = {
        a.asname or a.name
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module == "flask"
        for a in n.names
    }
    tables = _ckan_tables()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(("ckan.", "ckanext.activity")) or alias.name == "ckan":
                    modules[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(("ckan", "ckanext.activity")):
            if node.module.startswith("ckanext.") and not node.module.startswith("ckanext.activity"):
                continue
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                try:
                    importlib.import_module(full)
                    modules[alias.asname or alias.name] = full  # a module: judged by what is used of it
                except ImportError:
                    if not _public(node.module, alias.name):
                        found.append(full)
        elif isinstance(node, ast.Attribute):
            if node.attr in FLASK_HOOKS or node.attr in ("listen", "listens_for"):
                found.append(node.attr)
            if isinstance(node.value, ast.Name) and node.value.id in modules:
                module = modules[node.value.id]
                if not _public(module, node.attr):
                    found.append(f"{module}.{node.attr}")
            if isinstance(node.value, ast.Name) and node.value.id in flask and _private(node.attr, "extensions"):
                found.append(f"flask.{node.value.id}.{node.attr}")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "getattr" and len(node.args) > 1:
            owner, attr = node.args[0], node.args[1]
            if isinstance(owner, ast.Name) and owner.id in flask and isinstance(attr, ast.Constant):
                if _private(str(attr.value)):
                    found.append(f"flask.{owner.id}.{attr.value}")
        elif isinstance(node, ast.Name) and node.id in FLASK_HOOKS:
            found.append(node.id)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found += [f"table {t}" for t in SQL_TABLE.findall(node.value) if t in tables]
    return sorted(set(found))


def listed_modules() -> set[str]:
    return set(re.findall(r"`(ckanext/[\w/]+\.py)`", readme_section()))


def template_overrides() -> dict[str, Path]:
    """The suite's templates that extend one of CKAN's (or an extension's), by name."""
    overrides = {}
    for path in sorted(CKANEXT.glob("*/templates/**/*.html")):
        if "ckan_extends" in path.read_text():
            parts = path.relative_to(CKANEXT).parts
            overrides["/".join(parts[parts.index("templates") + 1 :])] = path
    return overrides


def test_the_readme_lists_every_module_that_touches_ckan():
    """Every module that reaches past the toolkit is in the README's table."""
    scanned = {path.relative_to(ROOT).as_posix(): touches(path) for path in suite_modules()}
    touching = {name: uses for name, uses in scanned.items() if uses}
    missing = {name: uses for name, uses in touching.items() if name not in listed_modules()}
    missing.update({name: [why] for name, why in KNOWN.items() if name not in listed_modules()})
    assert missing == {}


def test_the_readme_lists_modules_that_exist():
    """Each module the table names is in the tree (a moved one is renamed there too)."""
    assert sorted(m for m in listed_modules() if not (ROOT / m).is_file()) == []


def test_the_readme_lists_every_template_override():
    """Every template that extends CKAN's blocks is named in the README's table."""
    section = readme_section()
    assert sorted(name for name in template_overrides() if f"`{name}`" not in section) == []


def test_no_listener_is_added_at_import():
    """No module registers an SQLAlchemy listener or connects a signal when
    it is imported: plugins install them (see ``seam.install``)."""

    def at_import(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield from node.decorator_list
            elif isinstance(node, ast.ClassDef):
                yield from node.decorator_list
                yield from at_import(node.body)
            else:
                yield node

    found = []
    for path in suite_modules():
        for top in at_import(ast.parse(path.read_text()).body):
            for node in ast.walk(top):
                func = node.func if isinstance(node, ast.Call) else None
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
                if name in ("listen", "listens_for", "connect"):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == []


# -- the search seam -----------------------------------------------------------------------


def test_the_search_functions_the_seam_replaces():
    """The functions ``seam`` stands in for keep their names and signatures."""
    import ckan.lib.search as search
    import ckan.lib.search.common as common
    import ckan.lib.search.index as index
    import ckan.lib.search.query as query

    assert list(inspect.signature(seam._original_make_connection).parameters) == ["decode_dates"]
    assert seam._original_make_connection.__module__ == "ckan.lib.search.common"
    for module in (search, common, index, query):
        assert hasattr(module, "make_connection"), module.__name__
    assert list(inspect.signature(seam._original_check_schema).parameters) == ["schema_file"]
    assert list(inspect.signature(seam._original_notify).parameters) == ["self", "entity", "operation"]
    assert search.SynchronousSearchPlugin.notify.__module__ in ("ckan.lib.search", seam.__name__)
    assert "check_solr_schema_version" in inspect.getsource(importlib.import_module("ckan.config.environment"))
    assert list(inspect.signature(index.PackageSearchIndex.index_package).parameters)[:2] == ["self", "pkg_dict"]
    assert issubclass(common.SearchQueryError, common.SearchError)
    assert issubclass(common.SearchIndexError, Exception)
    assert search.SUPPORTED_SCHEMA_VERSIONS
    assert (Path(ckan.__file__).parent / "config" / "solr" / "schema.xml").is_file()


def test_ckan_calls_only_what_the_backend_answers():
    """Each call CKAN's search code makes on its Solr client (``conn.x(...)``)
    is a method of the PostgreSQL connection that takes its arguments."""
    calls = []
    for path in (Path(ckan.__file__).parent / "lib" / "search").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "conn"
            ):
                calls.append(node)
    assert calls
    for call in calls:
        method = getattr(backend.PostgresSolrConnection, call.func.attr, None)
        assert method is not None, call.func.attr
        keywords = {k.arg: None for k in call.keywords if k.arg}
        inspect.signature(method).bind(None, *[None for a in call.args if not isinstance(a, ast.Starred)], **keywords)


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.plugins", "imwg_search")
def test_the_commit_marks_surround_ckans_indexing():
    """The backend's commit listeners run first and last around CKAN's own
    ``before_commit`` listener, which indexes the datasets of the commit."""
    from ckan.model import meta

    names = [f.__qualname__ for f in model.Session().dispatch.before_commit]
    ours = [n for n in names if n.startswith("track_commits.")]
    assert ours == ["track_commits.<locals>.begin", "track_commits.<locals>.flush"]
    assert names.index(ours[0]) < names.index(meta.ckan_before_commit.__qualname__) < names.index(ours[1])


def probe_commit() -> list[object]:
    """What a ``before_commit`` listener after CKAN's sees of the commit mark."""
    seen = []

    def probe(session):
        seen.append(txcache.get(commits.COMMITTING, session=session))

    txcache.put("imwg_test_probe", True)
    sa.event.listen(model.Session, "before_commit", probe)
    try:
        model.Session.commit()
    finally:
        sa.event.remove(model.Session, "before_commit", probe)
    return seen


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.plugins", "imwg_search")
def test_the_commit_listeners_act_while_the_plugin_is_loaded():
    """With ``imwg_search`` loaded a commit is marked for the backend."""
    assert probe_commit() == [True]


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.plugins", "")
def test_the_commit_listeners_do_nothing_once_the_plugin_is_unloaded():
    """The listeners stay with CKAN's session after the plugin is unloaded
    (SQLAlchemy cannot take them back from a plugin), and do nothing there."""
    seam.install()  # as a test that loaded the plugin before this one did
    assert not seam.active()
    assert probe_commit() == [None]


# -- authorisation, labels and the activity table ------------------------------------------


def test_authorisation_functions():
    """The ``ckan.authz`` and ``ckan.lib.plugins`` functions the sensitivity plugin calls."""
    import ckan.authz as authz
    import ckan.lib.plugins as lib_plugins

    def params(fn):
        return list(inspect.signature(fn).parameters)

    assert params(authz.check_config_permission) == ["permission"]
    assert params(authz.has_user_permission_for_group_or_org) == ["group_id", "user_name", "permission"]
    assert params(authz.users_role_for_group_or_org) == ["group_id", "user_name"]
    assert params(authz.get_local_functions) == ["module", "include_private"]
    assert params(lib_plugins.get_permission_labels) == []
    labels = lib_plugins.DefaultPermissionLabels
    assert params(labels.get_dataset_labels) == ["self", "dataset_obj"]
    assert params(labels.get_user_dataset_labels) == ["self", "user_obj"]


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", "imwg_search")
def test_ckan_labels_name_the_organisations_of_members():
    """CKAN's own labels give a member ``member-<organisation id>`` and a
    private dataset its organisation's: the memberships the sensitivity
    plugin reads from them (``labels.SensitivityLabels``)."""
    from ckan.lib.plugins import DefaultPermissionLabels
    from ckan.tests import factories

    user = factories.User()
    org = factories.Organization(users=[{"name": user["name"], "capacity": "member"}])
    dataset = factories.Dataset(owner_org=org["id"], private=True)
    labels = DefaultPermissionLabels()
    assert f"member-{org['id']}" in labels.get_user_dataset_labels(model.User.get(user["id"]))
    assert f"member-{org['id']}" in labels.get_dataset_labels(model.Package.get(dataset["id"]))


#: the columns of CKAN's tables that the suite's SQL reads or writes
COLUMNS = {
    "package": ("id", "name", "state", "private", "owner_org", "creator_user_id", "metadata_created"),
    "package_extra": ("package_id", "key", "value", "state"),
    "package_tag": ("package_id", "tag_id", "state"),
    "resource": ("id", "package_id", "state", "format", "url", "created", "last_modified"),
    "activity": ("id", "object_id", "permission_labels", "data"),
    "user": ("id", "name", "state", "sysadmin"),
    "group": ("id", "state", "is_organization"),
    "group_extra": ("group_id", "key", "value"),
    "member": ("group_id", "table_id", "table_name", "capacity", "state"),
    "package_member": ("user_id",),
    "user_following_dataset": ("follower_id", "object_id", "datetime"),
    "user_following_group": ("follower_id", "object_id", "datetime"),
}


def test_the_columns_of_ckans_tables():
    """The columns the suite's SQL and ``relabel_activities`` use are CKAN's."""
    from ckanext.activity.model import Activity

    tables = _declared_tables()
    missing = {t: [c for c in cols if c not in tables[t].c] for t, cols in COLUMNS.items() if t in tables}
    assert {t: cols for t, cols in missing.items() if cols} == {}
    assert set(COLUMNS) <= set(tables)
    assert {"object_id", "permission_labels"} <= set(Activity.__table__.c.keys())


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", "activity imwg_search")
def test_activity_labels_are_a_text_array_in_the_database():
    """``relabel_activities`` writes a list of labels: the column CKAN's
    migrations made is a text array (its model declares it as text)."""
    column = model.Session.execute(
        sa.text(
            "SELECT udt_name FROM information_schema.columns "
            "WHERE table_name = 'activity' AND column_name = 'permission_labels'"
        )
    ).scalar()
    assert column == "_text"


def test_every_ckan_table_in_the_suites_sql_has_its_columns_listed():
    """A query on another of CKAN's tables gets its columns checked here too."""
    used = {use.removeprefix("table ") for path in suite_modules() for use in touches(path) if use.startswith("table ")}
    assert sorted(used - set(COLUMNS)) == []


# -- files, requests and pages -------------------------------------------------------------


def test_uploaded_files_and_pages():
    """Where uploaded files are on disk, and the pager of the location pages."""
    from ckan.lib import uploader
    from ckan.lib.helpers import Page

    assert list(inspect.signature(uploader.get_resource_uploader).parameters) == ["data_dict"]
    assert list(inspect.signature(uploader.ResourceUpload.get_path).parameters) == ["self", "id"]
    assert {"collection", "page", "items_per_page", "item_count", "url"} <= set(inspect.signature(Page).parameters)


def test_what_the_request_guard_mirrors():
    """``guard`` reads JSON as CKAN's API does, and ``csrf`` skips the views
    CKAN exempts through ``g._csrf_exempt_view``."""
    import ckan.config.middleware.flask_app as flask_app
    import ckan.views.api as api

    assert list(inspect.signature(api._get_request_data).parameters) == ["try_url_params"]
    assert "g._csrf_exempt_view = True" in inspect.getsource(flask_app)


def test_ckans_csrf_check(app):
    """The suite's forms call the same CSRF check as CKAN's ``before_request``."""
    assert callable(app.flask_app.extensions["csrf"].protect)


def test_the_resource_history_page_renders_the_version_it_read():
    """CKAN's resource history page reads the activity table itself and
    renders the version as ``pkg_dict`` and ``resource``: what ``gate.on_render``
    judges before the page shows it."""
    from ckanext.activity import views

    source = inspect.getsource(views.resource_history)
    assert 'activity.data["package"]' in source
    assert re.search(r"[\"']pkg_dict[\"']:\s*package\b", source)
    assert re.search(r"[\"']resource[\"']:\s*resource\b", source)


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.plugins", ALL_PLUGINS)
@pytest.mark.ckan_config("ckan.datastore.write_url", f"postgresql://ckan_imwg:ckan_imwg@{DATASTORE}")
@pytest.mark.ckan_config("ckan.datastore.read_url", f"postgresql://ckan_imwg_ro:ckan_imwg_ro@{DATASTORE}")
def test_the_routes_the_gate_names(app):
    """Every route the gate names is registered (``exits.route_of``: its view
    function's module and name) with the arguments ``gate.check_request``
    reads: a dataset's ``id``, a resource's ``resource_id`` or a view's
    ``resource_view_id``."""
    flask_app = app.flask_app
    arguments: dict[str, set[str]] = {}
    for rule in flask_app.url_map.iter_rules():
        route = exits.route_of(flask_app.view_functions[rule.endpoint])
        arguments.setdefault(route, set()).update(rule.arguments)
    named = {*exits.DATASET_ROUTES, *exits.DOWNLOADS, exits.VIEW_PAGE, *exits.ROUTES}
    replaced = {old for old, new in exits.REPLACED.items() if new in arguments}
    assert sorted(named - set(arguments) - replaced) == []
    assert sorted(r for r in exits.DATASET_ROUTES if "id" not in arguments[r]) == []
    data = [r for r, kind in exits.ROUTES.items() if kind == exits.DATA]
    assert sorted(r for r in data if not arguments[r] & {"resource_id", "resource_view_id"}) == []


# -- templates -----------------------------------------------------------------------------

#: the template folders of CKAN and of the plugins a deployment enables
BASES = [
    SITE / "ckan" / "templates",
    *(SITE / "ckanext" / name / "templates" for name in ("activity", "scheming", "datastore", "spatial")),
    # a feature's page that another feature extends (imwg_pcode's location page)
    *sorted(CKANEXT.glob("*/templates")),
]
BLOCK = re.compile(r"{%-?\s*block\s+(\w+)")
EXTENDS = re.compile(r"{%-?\s*extends\s+[\"']([^\"']+)[\"']")


def blocks_of(name: str, seen: set[str] | None = None) -> set[str]:
    """The blocks a template of CKAN's (or a deployed plugin's) defines or inherits."""
    seen = set() if seen is None else seen
    if name in seen:
        return set()
    seen.add(name)
    blocks: set[str] = set()
    for base in BASES:
        path = base / name
        if path.is_file():
            text = path.read_text()
            blocks.update(BLOCK.findall(text))
            for parent in EXTENDS.findall(text):
                blocks |= blocks_of(parent, seen)
    return blocks


def test_the_blocks_the_templates_override():
    """Each block an overriding template fills exists in the template it extends."""
    assert template_overrides()
    missing = {}
    for name, path in template_overrides().items():
        ours = set(BLOCK.findall(path.read_text()))
        lacking = sorted(ours - blocks_of(name))
        if lacking:
            missing[name] = lacking
    assert missing == {}
