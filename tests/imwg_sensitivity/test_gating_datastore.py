"""The protocol on the DataStore's read actions and on datatables previews,
for each role (the DataStore database comes from scripts/datastore-db.sh)."""

from __future__ import annotations

import json

import ckan.logic as logic
import pytest
from ckan.tests.helpers import call_action

from tests.imwg_sensitivity.matrix import DATA, METADATA, ROLES, build_portal, context, headers
from tests.support import DATASTORE

PLUGINS = (
    "activity imwg datastore datatables_view scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
)
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckan.datastore.write_url", f"postgresql://ckan_imwg:ckan_imwg@{DATASTORE}"),
    pytest.mark.ckan_config("ckan.datastore.read_url", f"postgresql://ckan_imwg_ro:ckan_imwg_ro@{DATASTORE}"),
    pytest.mark.ckan_config("ckan.datastore.sqlsearch.enabled", "true"),
]
#: a value of a row, which must not reach anyone without the data
ROW = "casualty-record-7731"


@pytest.fixture
def portal():
    """The gating portal, each resource with DataStore rows and a datatables view."""
    _portal = build_portal()
    from sqlalchemy import orm

    import ckanext.datastore.tests.helpers as datastore_helpers

    engine = datastore_helpers.db.get_write_engine()
    session = orm.scoped_session(orm.sessionmaker(bind=engine))
    datastore_helpers.clear_db(session)  # the DataStore's tables only
    session.commit()
    views = {}
    for level, ds in _portal["datasets"].items():
        rid = ds["resources"][0]["id"]
        call_action(
            "datastore_create",
            context={"user": "the-sysadmin"},
            resource_id=rid,
            force=True,
            fields=[{"id": "township", "type": "text"}, {"id": "record", "type": "text"}],
            records=[{"township": "MMR001014", "record": ROW}],
        )
        views[level] = call_action(
            "resource_view_create",
            context={"user": "the-sysadmin"},
            resource_id=rid,
            view_type="datatables_view",
            title="Table",
        )
    return {**_portal, "views": views}


@pytest.mark.parametrize("role", ROLES)
def test_datastore_reads(portal, role):
    for level, ds in portal["datasets"].items():
        rid = ds["resources"][0]["id"]
        reads = [
            ("datastore_search", {"resource_id": rid}),
            ("datastore_info", {"id": rid}),
            ("datastore_search_sql", {"sql": f'SELECT * FROM "{rid}"'}),
        ]
        for action, params in reads:
            if role in DATA[level]:
                result = call_action(action, context=context(role), **params)
                if action != "datastore_info":
                    assert ROW in json.dumps(result), (action, level, role)
            else:
                with pytest.raises(logic.NotAuthorized):
                    call_action(action, context=context(role), **params)


@pytest.mark.parametrize("role", ROLES)
def test_datatables_preview(app, portal, role):
    form = {"draw": "1", "search[value]": "", "start": "0", "length": "10"}
    for level, ds in portal["datasets"].items():
        if role not in METADATA[level]:
            continue
        view = portal["views"][level]
        resp = app.post(f"/datatables/ajax/{view['id']}", data=form, headers=headers(role))
        body = resp.get_data(as_text=True)
        if role in DATA[level]:
            assert resp.status_code == 200, (level, role)
            assert ROW in body, (level, role)
        else:
            assert resp.status_code == 403, (level, role)
            assert ROW not in body, (level, role)
        page = app.get(
            f"/dataset/{ds['id']}/resource/{ds['resources'][0]['id']}/view/{view['id']}", headers=headers(role)
        )
        assert (page.status_code == 200) == (role in DATA[level]), (level, role)
        # only those with the data are told that its rows are in the DataStore
        shown = call_action("resource_show", context=context(role), id=ds["resources"][0]["id"])
        if role in DATA[level]:
            assert shown.get("datastore_active") is True
        else:
            assert "datastore_active" not in shown
