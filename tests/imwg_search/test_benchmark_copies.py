"""The search benchmark's synthetic index (``benchmarks/search.py
--synthetic-from``): the copies it adds to the PostgreSQL index are the
ones it posts to Solr, are found as datasets of their own, and leave the
kept facet counts equal to counting the entries."""

from __future__ import annotations

import importlib.util
from datetime import datetime

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.common import config
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_search import config as search_config
from tests.support import ROOT

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_pcode imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
_spec = importlib.util.spec_from_file_location("imwg_benchmark_search", ROOT / "benchmarks" / "search.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)


def test_copy_plan_fills_up_to_the_size():
    assert bench.copy_plan(1000, 3500) == [(1, 1000), (2, 1000), (3, 500)]
    assert bench.copy_plan(1000, 1000) == []
    assert sum(take for _, take in bench.copy_plan(1000, 200000)) == 199000


def test_a_solr_copy_drops_what_solr_fills_and_renames_the_dataset():
    source = {
        "id": "7e0338a9-1a7e-4f2f-a0de-e45a16d4f1f7",
        "index_id": "3937bd97d8b3bf62df8eed6c381bdb65",
        "site_id": "bench",
        "name": "dataset-0000005",
        "name_ngram": "dataset-0000005",
        "metadata_modified": "2019-02-24T02:36:08Z",
        "validated_data_dict": '{"id": "7e0338a9-1a7e-4f2f-a0de-e45a16d4f1f7", "name": "dataset-0000005"}',
        "res_url": ["https://data.example.org/7e0338a9-1a7e-4f2f-a0de-e45a16d4f1f7/0.csv"],
        "minx": 92.0,
        "_version_": "1850000000000000000",
    }
    copy = bench.copy_document(source, 2, bench.copy_field_destinations())
    new_id = bench.copy_id(source["id"], 2)
    assert new_id != source["id"]
    assert copy["id"] == new_id
    assert copy["index_id"] == bench.copy_index_id(new_id, "bench") != source["index_id"]
    assert copy["name"] == "dataset-0000005-2"
    assert copy["metadata_modified"] == "2019-02-23T20:36:08Z"  # 2 copies x 3 hours back
    assert copy["validated_data_dict"] == f'{{"id": "{new_id}", "name": "dataset-0000005-2"}}'
    assert copy["res_url"] == [f"https://data.example.org/{new_id}/0.csv"]
    assert copy["minx"] == 92.0
    assert "_version_" not in copy and "name_ngram" not in copy  # Solr's own


@pytest.mark.postgres_only("copies the PostgreSQL index table")
def test_postgresql_copies_are_the_solr_copies_and_searchable():
    factories.Sysadmin(name="the-sysadmin")
    org = factories.Organization(name="org-a", org_type="government")
    for name, extra in (("roads", {}), ("schools", {"private": True}), ("clinics", {"sensitivity": "restricted"})):
        call_action(
            "package_create",
            context={"user": "the-sysadmin"},
            name=name,
            title=name.title(),
            owner_org=org["id"],
            source="National authority",
            sectors=["protection"],
            sensitivity=extra.get("sensitivity", "public"),
            private=extra.get("private", False),
            maintainer="Data Officer",
            maintainer_email="officer@example.org",
            resources=[{"url": f"https://example.org/{name}.csv", "format": "CSV"}],
        )
    before = call_action(
        "package_search", context={"user": ""}, q="", facet="true", **{"facet.field": '["res_format"]'}
    )
    assert before["count"] == 2  # roads and clinics (a restricted dataset's metadata is public)

    filled = bench.pg_fill(8, config["sqlalchemy.url"])

    assert filled["entries"] == 8 and filled["copies"] == 2
    assert filled["kept_counts_equal_live"] is True
    model.Session.remove()
    rows = model.Session.execute(sa.text("SELECT id, doc, sort_name, sort_modified FROM imwg_search_package")).all()
    by_id = {r[0]: r for r in rows}
    sources = sorted(r for r in rows if not r[2].rsplit("-", 1)[-1].isdigit())
    assert len(sources) == 3
    for rank, (source_id, doc, _name, _modified) in enumerate(sources):
        for k in (1, 2):
            if k == 2 and rank >= 2:  # the second copy takes the first two sources (by id)
                assert bench.copy_id(source_id, k) not in by_id
                continue
            solr_doc = bench.copy_document(doc, k)
            _id, copied, sort_name, sort_modified = by_id[solr_doc["id"]]
            assert copied["index_id"] == solr_doc["index_id"]
            assert copied["name"] == sort_name == solr_doc["name"] == f"{doc['name']}-{k}"
            assert _date(sort_modified) == _date(copied["metadata_modified"]) == _date(solr_doc["metadata_modified"])
            assert (_date(doc["metadata_modified"]) - _date(sort_modified)).total_seconds() == 3 * 3600 * k
    # the anonymous visitor sees the entries of roads and clinics, counted or read from the kept counts
    visible = sum(1 for r in rows if r[2].split("-")[0] in ("roads", "clinics"))
    assert visible in (5, 6)
    for kept in (True, False):
        config[search_config.FACET_COUNTS] = kept
        try:
            found = call_action(
                "package_search", context={"user": ""}, q="", facet="true", **{"facet.field": '["res_format"]'}
            )
        finally:
            config[search_config.FACET_COUNTS] = True
        assert found["count"] == visible
        assert found["facets"]["res_format"] == {"CSV": visible}
    one = call_action("package_search", context={"user": ""}, fq='name:"roads-1"')
    assert [d["name"] for d in one["results"]] == ["roads-1"]


def _date(text: str) -> datetime:
    return datetime.strptime(text.rstrip("Z")[:19], "%Y-%m-%dT%H:%M:%S")
