"""A rebuild reads its datasets in bulk (``imwg_search.bulk``) and writes
exactly the index entries CKAN's one-by-one path writes, with every
plugin's ``before_dataset_index`` applied."""

from __future__ import annotations

import logging
import threading
import time

import ckan.lib.search as search
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import index_lock, interfaces
from ckanext.imwg_search import bulk, seam
from tests.imwg_pcode import places

CSV = "District,Killed\n#adm2+code,#affected+killed\nMMR001D001,3\nMMR001D002,1\n"

# every plugin of the suite's configuration (test.ini's list)
pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")]


@pytest.fixture
def datasets(tmp_path, create_with_upload):
    """Datasets that differ in everything an index entry is built from:
    public, private, restricted, confidential and strictly confidential;
    with and without places, resources (an upload whose HXL hashtags are
    indexed, a link gated by its level), tags, groups, a relationship; two
    organisations of different types; a deleted dataset (not indexed)."""
    places.load(tmp_path)
    factories.User(name="editor")
    members = [{"name": "editor", "capacity": "editor"}]
    cccm = factories.Organization(name="cccm", org_type="un_agency", users=members)
    ngo = factories.Organization(name="local-ngo", org_type="nngo", users=members)
    factories.Group(name="floods", title="Floods", users=[{"name": "editor", "capacity": "member"}])
    factories.Group(name="access", title="Access", users=[{"name": "editor", "capacity": "member"}])

    def create(name, org=cccm, **fields):
        fields.setdefault("sensitivity", "public")
        return call_action(
            "package_create",
            context={"user": "editor"},
            type="dataset",
            name=name,
            title=f"  {name.replace('-', ' ').title()}",
            owner_org=org["id"],
            source="CCCM Cluster",
            sectors=["cccm", "protection"],
            **fields,
        )

    tagged = create(
        "idp-sites",
        pcodes=["MMR001014", "HT0111"],
        tags=[{"name": "idp"}, {"name": "camps"}],
        groups=[{"name": "floods"}, {"name": "access"}],
        notes="Sites of **displaced** people",
    )
    create_with_upload(
        CSV, "casualties.csv", url="casualties.csv", format="CSV", package_id=tagged["id"], context={"user": "editor"}
    )
    gated = create("casualty-records", pcodes=["MMR015001"], sensitivity="confidential", org=ngo)
    for n, url in enumerate(("https://records.example.org/casualties.csv", "records.example.org/plain")):
        call_action(
            "resource_create",
            context={"user": "editor"},
            package_id=gated["id"],
            url=url,
            name=f"Records {n}",
            format="CSV",
        )
    private = create("private-plan", private=True, tags=[{"name": "plan"}], groups=[{"name": "floods"}])
    create("restricted-survey", sensitivity="restricted", pcodes=["MMR001"], org=ngo)
    create("strict-list", sensitivity="strictly_confidential", private=True)
    create("national-plan", license_id="cc-by", tags=[{"name": "plan"}], update_frequency="monthly")
    call_action(
        "package_relationship_create",
        context={"user": "editor", "ignore_auth": True},
        subject=tagged["id"],
        object=private["id"],
        type="child_of",
    )
    gone = create("withdrawn")
    call_action("package_delete", context={"user": "editor"}, id=gone["id"])
    model.Session.commit()
    Worker(["default"]).work(burst=True)
    model.Session.remove()
    return [r[0] for r in model.Session.execute(sa.text("SELECT id FROM package ORDER BY name"))]


def entries() -> dict[str, dict]:
    """Every column of every index entry but the time it was written."""
    model.Session.remove()
    rows = model.Session.execute(
        sa.text("SELECT *, fts::text AS fts_text, xmin::text AS row_version FROM imwg_search_package")
    ).mappings()
    out = {}
    for row in rows:
        # an entry's place in the words' bitmaps follows the order entries were first written in
        entry = {k: v for k, v in row.items() if k not in ("indexed_at", "fts", "row_version", "ord")}
        out[row["index_id"]] = entry
    model.Session.remove()
    return out


def row_versions() -> dict[str, str]:
    model.Session.remove()
    return dict(model.Session.execute(sa.text("SELECT index_id, xmin::text FROM imwg_search_package")).all())


def one_by_one(ids):
    """CKAN's own path: each dataset read by ``package_show`` and indexed."""
    search.clear_all()
    for id_ in ids:
        seam._original_rebuild(id_)
    model.Session.commit()
    return entries()


def test_bulk_dicts_are_package_shows(datasets):
    """Each dataset's dict read in bulk is the dict ``package_show`` gives CKAN's rebuild."""
    chunk = bulk._Chunk(datasets)
    for id_ in datasets:
        dict_ = bulk.show(chunk, chunk.packages[id_])
        expected = bulk.shown(id_)
        assert bulk.differences(dict_, expected) == [], id_
        assert dict_ == expected
    relationships = [d for d in map(bulk.shown, datasets) if d["relationships_as_subject"]]
    assert relationships, "the relationship is part of what is compared"


@pytest.mark.parametrize("chunk", [bulk.CHUNK, 2])
def test_bulk_rebuild_writes_the_same_entries_as_one_by_one(datasets, chunk, monkeypatch, caplog):
    """``search-index rebuild`` (read in chunks) and ``rebuild-fast``'s
    ``rebuild(package_ids=...)`` write every column of every entry as
    CKAN's one-by-one path does, with every plugin's additions."""
    monkeypatch.setattr(bulk, "CHUNK", chunk)
    expected = one_by_one(datasets)
    assert len(expected) == len(datasets) - 1  # the deleted one is not indexed
    with caplog.at_level(logging.WARNING, logger="ckanext.imwg_search.bulk"):
        search.clear_all()
        search.rebuild()
        assert entries() == expected
        search.clear_all()
        search.rebuild(package_ids=datasets)
        assert entries() == expected
    assert not [r for r in caplog.records if "differs" in r.getMessage()]

    docs = {e["doc"]["name"]: e["doc"] for e in expected.values()}
    tagged = docs["idp-sites"]
    assert set(tagged["vocab_pcode_adm1"]) == {"MMR001", "HT01"}  # imwg_pcode: ancestors
    assert "minx" in tagged  # imwg_pcode: the extent
    assert tagged["vocab_sectors"] == ["cccm", "protection"]  # imwg: list fields
    assert tagged["organization_type"] == "un_agency"  # imwg: the organisation's type
    assert docs["casualty-records"]["organization_type"] == "nngo"
    assert "#affected+killed" in tagged["vocab_hxl_hashtags"]  # imwg_hxl
    assert "records.example.org" not in str(docs["casualty-records"].get("res_url"))  # imwg_sensitivity
    assert sorted(tagged["groups"]) == ["access", "floods"]
    assert docs["idp-sites"]["child_of"] == ["private-plan"]
    assert docs["private-plan"]["capacity"] == "private"
    labels = {e["doc"]["name"]: e["labels"] for e in expected.values()}
    assert labels["national-plan"] == ["public"]
    assert "public" not in labels["private-plan"] and "public" not in labels["strict-list"]


def names() -> dict[str, str]:
    return dict(model.Session.execute(sa.text("SELECT name, id FROM package")).all())


def test_what_plugins_read_per_chunk_is_read_again_for_the_next(datasets, monkeypatch):
    """The rows the plugins read for a chunk (``IIndexBatch``: organisations'
    types, freshness rows, HXL hashtags) serve that chunk only: changed once
    the first chunk is indexed, the datasets of the first chunk are indexed
    as they were and the others as they are now, each exactly as the
    one-by-one path indexes it then. The chunks mix two organisations."""
    by_name = names()
    order = [
        ["casualty-records", "private-plan"],  # local-ngo, cccm
        ["idp-sites", "restricted-survey"],  # cccm (HXL hashtags), local-ngo
        ["national-plan", "strict-list"],  # cccm (monthly, its freshness row)
        ["withdrawn"],
    ]
    ids = [by_name[name] for chunk in order for name in chunk]
    monkeypatch.setattr(bulk, "CHUNK", 2)
    before = one_by_one(ids)
    model.Session.remove()

    def change() -> None:
        with model.meta.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE group_extra SET value = 'ingo' WHERE key = 'org_type'"
                    " AND group_id = (SELECT id FROM \"group\" WHERE name = 'local-ngo')"
                )
            )
            conn.execute(
                sa.text("UPDATE imwg_hxl_profile SET hashtags = hashtags || '{#sector+cluster}' WHERE package_id = :p"),
                {"p": by_name["idp-sites"]},
            )
            conn.execute(
                sa.text(
                    "UPDATE imwg_exchange_freshness SET data_changed_at = data_changed_at - interval '3 years'"
                    " WHERE package_id = :p"
                ),
                {"p": by_name["national-plan"]},
            )
            # no row: the status from the dataset's resources
            conn.execute(
                sa.text("DELETE FROM imwg_exchange_freshness WHERE package_id = :p"), {"p": by_name["strict-list"]}
            )

    indexed: list[list[str]] = []
    original = bulk._index_chunk

    def index_chunk(part, *args):
        original(part, *args)
        indexed.append(list(part))
        if len(indexed) == 1:
            change()

    monkeypatch.setattr(bulk, "_index_chunk", index_chunk)
    search.clear_all()
    search.rebuild(package_ids=ids)
    monkeypatch.setattr(bulk, "_index_chunk", original)
    assert indexed == [[by_name[n] for n in chunk] for chunk in order]
    got = entries()
    after = one_by_one(ids)

    def doc(entries, name):
        return next(e["doc"] for e in entries.values() if e["doc"]["name"] == name)

    first = set(order[0])
    for index_id, entry in got.items():
        assert entry == (before if entry["doc"]["name"] in first else after)[index_id], entry["doc"]["name"]
    assert doc(got, "casualty-records")["organization_type"] == "nngo"
    assert doc(got, "restricted-survey")["organization_type"] == "ingo"
    assert "#sector+cluster" in doc(got, "idp-sites")["vocab_hxl_hashtags"]
    assert "#sector+cluster" not in doc(before, "idp-sites")["vocab_hxl_hashtags"]
    assert doc(got, "national-plan")["freshness"] != doc(before, "national-plan")["freshness"]


def test_hooks_read_once_per_chunk(datasets):
    """The bulk rebuild reads the plugins' own rows (organisations' types,
    freshness rows, HXL hashtags, sensitivity levels) once per chunk; the
    one-by-one path once per dataset."""
    statements: list[str] = []

    def seen(conn, cursor, statement, *args):
        statements.append(statement)

    def reads() -> dict[str, int]:
        # an organisation read by its id (``Group.get``), freshness rows, hashtags, levels
        read = ('"group".id = %(', "imwg_exchange_freshness", "imwg_hxl_profile", "key = 'sensitivity'")
        return {t: sum(t in s for s in statements) for t in read}

    sa.event.listen(model.meta.engine, "before_cursor_execute", seen)
    try:
        search.rebuild(package_ids=datasets)
        bulk_reads = reads()
        statements.clear()
        one_by_one(datasets)
        single_reads = reads()
    finally:
        sa.event.remove(model.meta.engine, "before_cursor_execute", seen)
    # one per chunk, and those of the chunk's first dataset read through package_show; one
    # by one, one per dataset indexed (a level for each public one: 4 of the 6)
    assert all(n <= 3 for n in bulk_reads.values()), bulk_reads
    assert all(n >= 4 for n in single_reads.values()), single_reads


def test_a_rebuild_waits_for_a_transaction_indexing_a_dataset(datasets):
    """A transaction that holds a dataset's index lock (it is indexing the
    dataset, before its commit) makes the rebuild wait: the rebuild reads
    the dataset as that transaction committed it, and its entry is not an
    older document."""
    by_name = names()
    search.rebuild(package_ids=datasets)
    other = model.meta.engine.connect()
    tx = other.begin()
    assert other.execute(
        sa.text("SELECT pg_try_advisory_xact_lock(:ns, hashtext(:id))"),
        {"ns": index_lock.NAMESPACE, "id": by_name["national-plan"]},
    ).scalar()
    other.execute(sa.text("UPDATE package SET title = 'Plan 2026' WHERE name = 'national-plan'"))
    done = threading.Timer(1.5, lambda: (tx.commit(), other.close()))
    done.start()
    started = time.monotonic()
    try:
        search.rebuild(package_ids=datasets)
    finally:
        done.join()
    assert time.monotonic() - started >= 1.4
    got = {e["doc"]["name"]: e["doc"] for e in entries().values()}
    assert got["national-plan"]["title"] == "Plan 2026"


def test_rebuild_over_the_index_rewrites_nothing(datasets):
    """A rebuild over an index whose entries are current rewrites none of
    them (no dead rows); after a clear the table is emptied by TRUNCATE."""
    search.rebuild(clear=True)
    before = row_versions()
    search.rebuild()
    assert row_versions() == before
    model.Session.remove()
    dead = model.Session.execute(
        sa.text("SELECT count(*) FROM imwg_search_package WHERE xmin::text <> ALL(:v)"), {"v": list(before.values())}
    ).scalar()
    assert dead == 0


def test_only_missing_and_one_dataset(datasets):
    """``rebuild -o`` indexes only the datasets missing; ``rebuild NAME`` one dataset."""
    expected = one_by_one(datasets)
    missing = next(i for i, e in expected.items() if e["doc"]["name"] == "idp-sites")
    model.Session.execute(sa.text("DELETE FROM imwg_search_package WHERE index_id = :i"), {"i": missing})
    model.Session.commit()
    before = row_versions()
    search.rebuild(only_missing=True)
    after = row_versions()
    assert {k: v for k, v in after.items() if k != missing} == before
    assert entries() == expected
    search.rebuild(expected[missing]["id"])
    assert entries() == expected


def test_a_difference_from_package_show_falls_back_to_it(datasets, caplog):
    """When a chunk's first dict differs from ``package_show``'s (here: the
    chunk lost the first dataset's resources), the rebuild says so, indexes
    that dataset from ``package_show``'s dict and reads every other one
    through ``package_show``: the entries are still CKAN's."""
    expected = one_by_one(datasets)
    first = datasets[0]
    chunk = bulk._Chunk(datasets)
    assert chunk.resources.pop(first)
    search.clear_all()
    with caplog.at_level(logging.WARNING, logger="ckanext.imwg_search.bulk"), interfaces.index_chunk(datasets):
        bulk._index_chunk(datasets, chunk, search.index_for(model.Package), force=False)
    model.Session.commit()
    assert chunk.differs
    assert any("differs from package_show's at" in r.getMessage() for r in caplog.records)
    assert entries() == expected


def test_differences_names_the_paths():
    assert bulk.differences({"a": [1, {"b": 2}]}, {"a": [1, {"b": 3}]}) == ["/a[1]/b"]
    assert bulk.differences({"a": 1}, {"c": 1}) in (["/a", "/c"], ["/c", "/a"])
    assert bulk.differences({"a": [1]}, {"a": [1, 2]}) == ["/a"]
    assert bulk.differences({"a": 1}, {"a": 1}) == []
