"""The index document does not depend on the order of ``ckan.plugins``: the
``before_dataset_index`` hooks of the suite (shared, places, HXL,
sensitivity) and ckanext-spatial's give the same document in any order."""

from __future__ import annotations

import json

import ckan.lib.search as search
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.imwg_pcode import places

SUITE = [
    "activity",
    "imwg",
    "scheming_datasets",
    "scheming_organizations",
    "spatial_metadata",
    "spatial_query",
    "imwg_pcode",
    "imwg_hxl",
    "imwg_sensitivity",
    "imwg_search",
]
#: the plugins with a ``before_dataset_index`` hook, in other orders
ORDERS = {
    "reversed": list(reversed(SUITE)),
    "places first": ["imwg_pcode", *(p for p in SUITE if p != "imwg_pcode")],
    "shared last": [*(p for p in SUITE if p != "imwg"), "imwg"],
}
CSV = "District,Killed\n#adm2+code,#affected+killed\nMMR001D001,3\nMMR001D002,1\n"

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", " ".join(SUITE)),
]


@pytest.fixture
def datasets(tmp_path, create_with_upload):
    """Datasets that every hook adds to: places with ancestors, names and
    extent; list fields; an organisation type; a confidential resource whose
    address the sensitivity hook keeps out; an HXL file's hashtags; places
    that hold no code."""
    places.load(tmp_path)
    factories.User(name="editor")
    org = factories.Organization(name="cccm", org_type="un_agency", users=[{"name": "editor", "capacity": "editor"}])

    def create(name, **fields):
        return call_action(
            "package_create",
            context={"user": "editor"},
            type="dataset",
            name=name,
            title=name.replace("-", " ").title(),
            owner_org=org["id"],
            source="CCCM Cluster",
            sectors=["cccm", "protection"],
            **fields,
        )

    tagged = create("idp-sites", pcodes=["MMR001014", "HT0111"], sensitivity="public")
    create_with_upload(
        CSV, "casualties.csv", url="casualties.csv", format="CSV", package_id=tagged["id"], context={"user": "editor"}
    )
    gated = create("casualty-records", pcodes=["MMR015001"], sensitivity="confidential")
    call_action(
        "resource_create",
        context={"user": "editor"},
        package_id=gated["id"],
        url="https://records.example.org/casualties.csv",
        format="CSV",
    )
    untagged = create("national-plan", sensitivity="public")
    # places stored without the form's validation (an older version, an import): separators only
    legacy = create("legacy-plan", pcodes=["MMR001"], sensitivity="public")
    model.Session.execute(
        sa.text("UPDATE package_extra SET value = :v WHERE package_id = :id AND key = 'pcodes'"),
        {"v": '[" ; "]', "id": legacy["id"]},
    )
    model.Session.commit()
    Worker(["default"]).work(burst=True)
    return [tagged["id"], gated["id"], untagged["id"], legacy["id"]]


def documents(ids):
    """The index documents of ``ids``, built again now (every field, stored
    by Solr or not, as the PostgreSQL backend keeps them)."""
    for id_ in ids:
        search.rebuild(id_)
    model.Session.remove()
    rows = model.Session.execute(sa.text("SELECT id, doc FROM imwg_search_package WHERE id = ANY(:ids)"), {"ids": ids})
    return {id_: doc if isinstance(doc, dict) else json.loads(doc) for id_, doc in rows}


@pytest.mark.parametrize("order", list(ORDERS))
def test_hooks_in_another_order_build_the_same_document(ckan_config, datasets, order):
    """Rebuilt with the plugins in another order, every document is the same."""
    expected = documents(datasets)
    tagged = expected[datasets[0]]
    # the hooks ran: the places' ancestors and extent, list fields, hashtags, the gated address kept out
    assert set(tagged["vocab_pcode_adm1"]) == {"MMR001", "HT01"}
    assert "minx" in tagged
    assert tagged["vocab_sectors"] == ["cccm", "protection"]
    assert tagged["organization_type"] == "un_agency"
    assert "pcodes" not in tagged
    assert "extras_pcodes" not in tagged
    assert "#affected+killed" in tagged["vocab_hxl_hashtags"]
    assert "records.example.org" not in str(expected[datasets[1]].get("res_url"))
    for untagged in (expected[datasets[2]], expected[datasets[3]]):
        assert "vocab_pcodes" not in untagged
        assert "pcodes" not in untagged

    before = ckan_config["ckan.plugins"]
    ckan_config["ckan.plugins"] = ORDERS[order]
    try:
        assert documents(datasets) == expected
    finally:
        ckan_config["ckan.plugins"] = before
