"""What keeps the backend fast at scale leaves results as they were: batched
rebuild writes, inline numeric columns for function queries, facet hashes
that carry their field."""

from __future__ import annotations

import hashlib
import json
import logging

import ckan.lib.search as search
import ckan.model as model
import pytest
import sqlalchemy as sa
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


#: a description full-text search cannot index: its distinct words weigh more
#: than a tsvector holds (1 MB), so the table refuses the entry
TOO_LONG = " ".join(hashlib.md5(str(i).encode()).hexdigest() for i in range(40000))


def test_an_entry_the_table_refuses_costs_no_other_entry_of_its_batch(monkeypatch, caplog):
    """The refused entry is reported, by its dataset, to the write of the
    batch it belongs to; the other entries of the batch, and of the batches
    after it, are written."""
    monkeypatch.setattr(writer, "BATCH_SIZE", 3)
    conn = PostgresSolrConnection(model.Session)
    with caplog.at_level(logging.ERROR, logger="ckanext.imwg_search"), writer.batched():
        conn.add([doc("first")])
        conn.add([doc("long", notes=TOO_LONG)])
        with pytest.raises(
            writer.EntriesNotWritten, match="dataset id-long .ix-long.: string is too long for tsvector"
        ):
            conn.add([doc("third")])  # the batch is written here
        conn.add([doc("fourth")])
    assert indexed() == {"first", "third", "fourth"}
    assert "Error while indexing dataset id-long" in caplog.text


def test_a_refused_entry_in_the_last_batch_is_raised_on_leaving():
    conn = PostgresSolrConnection(model.Session)
    with pytest.raises(writer.EntriesNotWritten, match="id-long"), writer.batched():
        conn.add([doc("first"), doc("long", notes=TOO_LONG), doc("last")])
    assert indexed() == {"first", "last"}


@pytest.fixture
def one_dataset_too_long():
    """Five datasets, one of them with a description too long for full-text
    search (given outside CKAN: no dataset commit would save it), and an empty
    index."""
    for i in range(4):
        factories.Dataset(name=f"ds-{i}")
    long_id = factories.Dataset(name="ds-long")["id"]
    model.Session.execute(sa.text("UPDATE package SET notes = :n WHERE id = :id"), {"n": TOO_LONG, "id": long_id})
    model.Session.execute(sa.text("TRUNCATE imwg_search_package"))
    model.Session.commit()
    return long_id


def test_rebuild_reports_the_dataset_refused_and_writes_the_others(one_dataset_too_long):
    """As CKAN's rebuild stops at a dataset's error, after writing the rest of its batch."""
    with pytest.raises(search.SearchIndexError, match=one_dataset_too_long):
        search.rebuild()
    assert indexed() == {f"ds-{i}" for i in range(4)}


def test_forced_rebuild_logs_the_dataset_refused_and_goes_on(one_dataset_too_long, monkeypatch, caplog):
    """As ``ckan search-index rebuild -f`` logs a dataset's error and carries on."""
    monkeypatch.setattr(writer, "BATCH_SIZE", 2)
    with caplog.at_level(logging.ERROR, logger="ckanext.imwg_search"):
        search.rebuild(force=True)
    assert indexed() == {f"ds-{i}" for i in range(4)}
    assert f"Error while indexing dataset {one_dataset_too_long}" in caplog.text


def test_numbers_beyond_a_double_read_as_zero():
    """A bounding box value no double holds is stored as no number (read as
    0), not refused."""
    conn = PostgresSolrConnection(model.Session)
    conn.add([doc("huge", minx="1e999", maxx=10**400, miny="-1e999", maxy="12.5")])
    assert conn.search("*:*", fq="{!frange l=0 u=0}minx").hits == 1
    assert conn.search("*:*", fq="{!frange l=0 u=0}maxx").hits == 1
    assert conn.search("*:*", fq="{!frange l=12.5 u=12.5}maxy").hits == 1
