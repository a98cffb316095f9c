"""The index table's migrations keep existing entries usable."""

from __future__ import annotations

import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

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
