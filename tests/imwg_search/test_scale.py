"""What keeps the backend fast at scale leaves results as they were: batched
rebuild writes, inline numeric columns for function queries, facet hashes
that carry their field."""

from __future__ import annotations

import json

import ckan.lib.search as search
import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_search import writer
from ckanext.imwg_search.backend import PostgresSolrConnection

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_search"),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
]


def indexed() -> set[str]:
    model.Session.remove()
    return {r[0] for r in model.Session.execute("select doc->>'name' from imwg_search_package")}


def doc(name: str, **fields) -> dict:
    return {"index_id": f"ix-{name}", "id": f"id-{name}", "site_id": "test", "name": name, **fields}


def test_rebuild_writes_in_batches_and_all_of_them(monkeypatch):
    """A rebuild writes its entries a batch at a time and the last partial
    batch before it returns; what it indexes is what one-by-one writes gave."""
    for i in range(5):
        factories.Dataset(name=f"ds-{i}", title=f"Survey {i}", tags=[{"name": f"tag-{i % 2}"}])
    before = call_action("package_search", q="survey", **{"facet.field": '["tags"]'})
    model.Session.execute("TRUNCATE imwg_search_package")
    model.Session.commit()
    monkeypatch.setattr(writer, "BATCH_SIZE", 2)
    search.rebuild()
    assert indexed() == {f"ds-{i}" for i in range(5)}
    after = call_action("package_search", q="survey", **{"facet.field": '["tags"]'})
    assert after["count"] == before["count"] == 5
    assert after["facets"] == before["facets"] == {"tags": {"tag-0": 3, "tag-1": 2}}


def test_a_search_inside_a_batch_sees_its_entries():
    """Entries gathered by a rebuild are written before a search or a delete
    inside it runs, and none is left out when it ends."""
    conn = PostgresSolrConnection(model.Session)
    with writer.batched():
        conn.add([doc("first"), doc("second")])
        assert indexed() == set()  # gathered, not written yet
        assert conn.search("name:first").hits == 1
        conn.add([doc("third")])
        conn.delete(id="ix-third")
        conn.add([doc("fourth")])
    assert indexed() == {"first", "second", "fourth"}


def test_function_queries_read_numeric_columns_as_solr_reads_fields():
    """minx..maxy come from inline columns: a missing value reads as 0, a
    number stored as text as that number, like the fields of the document."""
    conn = PostgresSolrConnection(model.Session)
    conn.add([doc("boxed", minx=96, miny=24, maxx=98, maxy=26), doc("bare")])
    assert conn.search("*:*", fq="{!frange l=1 u=1000}maxx").docs[0]["name"] == "boxed"
    assert conn.search("*:*", fq="{!frange l=0 u=0}maxx").docs[0]["name"] == "bare"
    assert conn.search("*:*", fq="{!frange l=4 u=4}mul(sub(maxx,minx),sub(maxy,miny))").hits == 1


def test_facets_count_only_the_requested_fields():
    """Values of other fields never appear in a facet, even when they share
    the value's text."""
    factories.Dataset(name="one", tags=[{"name": "CSV"}], resources=[{"url": "http://x", "format": "CSV"}])
    factories.Dataset(name="two", resources=[{"url": "http://y", "format": "CSV"}])
    facets = call_action("package_search", **{"facet.field": json.dumps(["tags", "res_format"])})["facets"]
    assert facets == {"tags": {"CSV": 1}, "res_format": {"CSV": 2}}


def test_rehashing_migration_keeps_facet_counts(migrate_db_for):
    """Entries hashed the old way count the same once the migration rehashed them."""
    factories.Dataset(name="ds-a", tags=[{"name": "landmines"}, {"name": "floods"}])
    factories.Dataset(name="ds-b", tags=[{"name": "landmines"}])
    expected = {"landmines": 2, "floods": 1}
    model.Session.remove()  # the downgrade alters the table: no transaction may hold it
    migrate_db_for("imwg_search", "imwg_search_0005", False)
    migrate_db_for("imwg_search")
    model.Session.remove()
    assert call_action("package_search", **{"facet.field": '["tags"]'})["facets"]["tags"] == expected
