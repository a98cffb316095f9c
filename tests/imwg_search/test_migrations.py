"""The index table's migrations keep existing entries usable."""

from __future__ import annotations

import importlib.util
import pathlib
import random

import ckan.model as model
import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from ckan.tests import factories
from ckan.tests.helpers import call_action

import ckanext.imwg_search
from ckanext.imwg_search.backend import PostgresSolrConnection
from tests.support import search_statements

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


def heap_per_entry() -> tuple[float, bool]:
    """The index table's heap bytes per entry, and whether its pages are all
    marked visible (as vacuumed: index-only scans read no row)."""
    model.Session.remove()
    size, entries, pages, visible = model.Session.execute(
        "SELECT pg_relation_size(c.oid), (SELECT count(*) FROM imwg_search_package), c.relpages, c.relallvisible "
        "FROM pg_class c WHERE c.oid = 'imwg_search_package'::regclass"
    ).one()
    model.Session.remove()
    return size / entries, pages > 0 and visible == pages


def test_rows_are_rewritten_to_hold_their_narrow_columns(migrate_db_for):
    """Migration 0014 rewrites entries written in the default row shape
    (rows passing 2 kB: about 2 kB kept in the row) into rows of at most 1 kB, the facet
    values' hashes kept in them, vacuumed; the entries are found as before."""
    rnd = random.Random(14)

    def words(n: int) -> str:
        return " ".join("".join(rnd.choice("bcdfghjklmnpqrstvwz") for _ in range(8)) for _ in range(n))

    docs = [
        {"index_id": f"ix-{i}", "id": f"id-{i}", "site_id": "test", "name": f"entry-{i}", "title": words(6),
         "notes": words(300), "tags": [words(1) for _ in range(60)], "res_format": ["CSV"]}
        for i in range(40)
    ]  # fmt: skip
    PostgresSolrConnection(model.Session).add(docs)
    target = migration("0014_narrow_rows").ROW_TARGET
    migrate_db_for("imwg_search", "imwg_search_0013", False)
    with model.meta.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM FULL imwg_search_package"))  # the rows as the default shape writes them
    wide, _ = heap_per_entry()
    assert wide > 1.5 * target
    migrate_db_for("imwg_search", "imwg_search_0014")
    narrow, visible = heap_per_entry()
    assert narrow <= target
    assert visible
    # later migrations (0016 adds a column, rewriting the rows) keep them narrow; whether
    # their pages are all visible right after depends on what else the database runs then
    migrate_db_for("imwg_search")
    assert heap_per_entry()[0] <= target
    storage = model.Session.execute(
        "SELECT attstorage FROM pg_attribute WHERE attrelid = 'imwg_search_package'::regclass AND attname = 'fids'"
    ).scalar()
    assert storage == "m"
    search = PostgresSolrConnection(model.Session).search
    word = docs[7]["notes"].split()[100]
    assert [d["name"] for d in search(q=f"notes:{word}", fl="name").docs] == ["entry-7"]
    faceted = search(q="*:*", rows=0, facet="true", **{"facet.field": ["res_format"]})
    assert faceted.hits == 40 and faceted.facets["facet_fields"]["res_format"] == ["CSV", 40]


def text_and_filter_plan() -> tuple[int, str]:
    """The hits of a common word with a selective facet filter, and the plan
    of the count that search runs."""
    model.Session.remove()
    search = PostgresSolrConnection(model.Session).search
    with search_statements() as seen:
        hits = search(q="water", fq='res_format:"GeoJSON"', defType="dismax", qf="text", rows=0).hits
    [(count, params)] = [(q, p) for q, p in seen if q.startswith("SELECT count(*) FROM imwg_search_package")]
    model.Session.execute("SET LOCAL enable_seqscan = off")
    plan = "\n".join(r[0] for r in model.Session.execute(sa.text("EXPLAIN (COSTS OFF) " + count), params))
    model.Session.remove()
    return hits, plan


def test_a_text_match_and_a_term_filter_are_answered_by_one_index(migrate_db_for):
    """After migration 0015 a common word with a selective facet filter is
    matched in the index with the filter (an index condition: no entry's
    text vector is read to match it); before it, the filter's index alone
    was taken and the text matched on each row. The hits are the same."""
    docs = [
        {"index_id": f"ix-{i}", "id": f"id-{i}", "site_id": "test", "name": f"entry-{i}",
         "notes": "water point survey" if i % 10 else "market survey",
         "res_format": ["GeoJSON" if i % 40 == 1 else "CSV"]}
        for i in range(400)
    ]  # fmt: skip
    PostgresSolrConnection(model.Session).add(docs)
    model.Session.execute("ANALYZE imwg_search_package")
    model.Session.commit()
    hits, plan = text_and_filter_plan()
    assert hits == 10
    assert "imwg_search_package_text_terms_idx" in plan, plan
    assert "Filter" not in plan or "fts @@" not in plan.split("Filter", 1)[1], plan
    migrate_db_for("imwg_search", "imwg_search_0014", False)
    model.Session.execute("ANALYZE imwg_search_package")
    model.Session.commit()
    before, old_plan = text_and_filter_plan()
    assert before == hits
    assert "imwg_search_package_text_terms_idx" not in old_plan, old_plan
    assert "fts @@" in old_plan.split("Filter", 1)[1], old_plan  # the text matched on the filter's rows
    migrate_db_for("imwg_search")
    assert text_and_filter_plan()[0] == hits


def test_term_filters_rule_out_sequential_scans(monkeypatch):
    """Since migration 0014 an entry's terms are read from TOAST, which the
    planner does not cost: a search filtering on terms (one value or any of
    several) runs its statements with sequential scans ruled out (and JIT
    off), as a text search does; a search filtering on narrow columns only,
    or excluding a term (which no index answers), runs as planned."""
    PostgresSolrConnection(model.Session).add(
        [{"index_id": f"ix-{i}", "id": f"id-{i}", "site_id": "test", "name": f"entry-{i}",
          "res_format": ["CSV" if i % 4 else "PDF"], "organization": "north"} for i in range(20)]
    )  # fmt: skip
    settings = []
    execute = PostgresSolrConnection._execute

    def recording(self, sql_text, params):
        if sql_text.startswith("SELECT count(*)"):
            read = "SELECT current_setting('enable_seqscan'), current_setting('jit')"
            settings.append(tuple(self.session.execute(read).one()))
        return execute(self, sql_text, params)

    monkeypatch.setattr(PostgresSolrConnection, "_execute", recording)
    search = PostgresSolrConnection(model.Session).search
    filters = {'res_format:"CSV"': 15, 'res_format:("PDF" OR "SHP")': 5, 'organization:"north"': 20,
               '-res_format:"PDF"': 15, 'text:north AND -res_format:"PDF"': 15}  # fmt: skip
    for fq, hits in filters.items():
        assert search(q="*:*", fq=fq, sort="name asc", rows=1).hits == hits, fq
    assert [s[0] for s in settings] == ["off", "off", "on", "on", "off"]
    assert settings[0] == ("off", "off")
