"""The index table's migrations keep existing entries usable."""

from __future__ import annotations

import importlib.util
import pathlib

import ckan.model as model
import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from ckan.tests import factories
from ckan.tests.helpers import call_action

import ckanext.imwg_search
from ckanext.imwg_search.backend import PostgresSolrConnection

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_search"),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
]


def tag_facet():
    return call_action("package_search", **{"facet.field": '["tags"]'})["facets"]["tags"]


def test_entries_indexed_before_facet_values_get_them(migrate_db_for):
    """Entries written before facet values existed are counted again after the upgrade."""
    factories.Dataset(name="old-entry", tags=[{"name": "landmines"}])
    model.Session.remove()  # the downgrade alters the table: no transaction may hold it
    migrate_db_for("imwg_search", "imwg_search_0004", False)
    model.Session.execute("UPDATE imwg_search_package SET fids = '{}'")
    model.Session.execute("DELETE FROM imwg_search_facet_value")
    model.Session.commit()
    assert tag_facet() == {}
    model.Session.remove()
    migrate_db_for("imwg_search")
    model.Session.remove()
    assert tag_facet() == {"landmines": 1}


def migration(name: str):
    """A migration script of the plugin, as a module."""
    path = pathlib.Path(ckanext.imwg_search.__file__).parent / "migration" / "imwg_search" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"imwg_search_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numbers() -> dict[str, tuple[float, ...]]:
    """Each entry's numeric columns as a function query reads them (NULL as 0)."""
    model.Session.remove()
    rows = model.Session.execute(
        "SELECT doc->>'name', coalesce(num_minx, 0), coalesce(num_miny, 0), coalesce(num_maxx, 0), "
        "coalesce(num_maxy, 0), coalesce(num_bbox_area, 0) FROM imwg_search_package"
    )
    return {name: tuple(values) for name, *values in rows}


def test_numeric_columns_take_any_text_a_number_pattern_matches(migrate_db_for):
    """Text that looks like a number and that no float8 holds becomes NULL
    (read as 0, as the writer stores it) instead of stopping the upgrade."""
    conn = PostgresSolrConnection(model.Session)
    conn.add(
        [
            {"index_id": "ix-big", "id": "id-big", "site_id": "test", "name": "big", "minx": "1e999",
             "miny": "1e-400", "maxx": "12.5", "maxy": " 3 ", "bbox_area": "9" * 1200},
            {"index_id": "ix-odd", "id": "id-odd", "site_id": "test", "name": "odd", "minx": "-1E0999",
             "miny": "abc", "maxx": ["1", "2"], "maxy": "1.7976931348623157e308"},
        ]
    )  # fmt: skip
    written = numbers()
    assert written == {"big": (0, 0, 12.5, 3, 0), "odd": (0, 0, 0, 1.7976931348623157e308, 0)}
    model.Session.remove()  # the downgrade alters the table: no transaction may hold it
    migrate_db_for("imwg_search", "imwg_search_0005", False)
    migrate_db_for("imwg_search")
    assert numbers() == written


def test_rehashing_leaves_no_temporary_table():
    """The rehashing migration drops its working table, so that its
    downgrade and upgrade can run one after the other on one connection."""
    factories.Dataset(name="tagged", tags=[{"name": "landmines"}])
    model.Session.remove()
    rehash = migration("0007_field_coded_facet_hashes")
    with model.meta.engine.begin() as conn, Operations.context(MigrationContext.configure(conn)):
        rehash.downgrade()
        rehash.upgrade()
        assert conn.execute(sa.text("SELECT to_regclass('pg_temp.imwg_search_facet_names')")).scalar() is None
    assert tag_facet() == {"landmines": 1}
