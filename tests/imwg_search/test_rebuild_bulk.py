"""A rebuild reads its datasets in bulk (``imwg_search.bulk``) and writes
exactly the index entries CKAN's one-by-one path writes, with every
plugin's ``before_dataset_index`` applied."""

from __future__ import annotations

import logging

import ckan.lib.search as search
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

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
    create("national-plan", license_id="cc-by", tags=[{"name": "plan"}])
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
        entry = {k: v for k, v in row.items() if k not in ("indexed_at", "fts", "row_version")}
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
    with bulk._holding(chunk):
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
    with caplog.at_level(logging.WARNING, logger="ckanext.imwg_search.bulk"), bulk._holding(chunk):
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
