"""Every preview that serves figures of data that is not public leaves an
entry in the sensitivity plugin's audit log (who, which dataset and
resource, rows or aggregates), through the API, the resource page and the
view's own page; public data and refusals leave none."""

from __future__ import annotations

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests.helpers import call_action

from tests.imwg_hxl.matrix import PLUGINS, RECORD, headers, portal, user

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def previews(ds):
    """The audit log's entries of a dataset for figures the HXL preview served, oldest first."""
    entries = call_action("access_audit_list", context={"user": "the-sysadmin"}, package_id=ds["id"])
    return [e for e in reversed(entries) if e["event"] == "preview" and "kind" in e["detail"]]


def entry(role, ds, res, kind):
    """What the audit log should hold for one preview served to ``role``."""
    return {
        "actor": model.User.get(user(role)).id,
        "package_id": ds["id"],
        "resource_id": res["id"],
        "detail": {"kind": kind},
    }


def seen_in(found):
    return [{k: e[k] for k in ("actor", "package_id", "resource_id", "detail")} for e in found]


def api(role, res):
    return call_action("hxl_preview_show", context={"user": user(role), "ignore_auth": False}, id=res["id"])


def test_an_aggregate_only_answer_is_audited(create_with_upload):
    """hxl_preview_show giving aggregates of confidential data: one entry, kind preview_aggregates."""
    ds, res = portal(create_with_upload, "confidential")
    api("other_member", res)
    assert seen_in(previews(ds)) == [entry("other_member", ds, res, "preview_aggregates")]


def test_rows_through_the_api_are_audited(create_with_upload):
    """hxl_preview_show giving rows of confidential data to a grant holder: kind preview_rows."""
    ds, res = portal(create_with_upload, "confidential")
    api("grant", res)
    assert seen_in(previews(ds)) == [entry("grant", ds, res, "preview_rows")]


def test_the_resource_page_of_an_aggregate_only_preview_is_audited(app, create_with_upload):
    """The resource page showing the aggregate-only preview: one entry per page."""
    ds, res = portal(create_with_upload, "restricted")
    page = app.get(f"/dataset/{ds['name']}/resource/{res['id']}", headers=headers("no_org"))
    assert "imwg-hxl-aggregate-only" in page.body
    assert seen_in(previews(ds)) == [entry("no_org", ds, res, "preview_aggregates")]


def test_the_view_of_rows_is_audited(app, create_with_upload):
    """The view's own page showing rows of restricted data to a member of another organisation."""
    ds, res = portal(create_with_upload, "restricted")
    view = next(v for v in call_action("resource_view_list", id=res["id"]) if v["view_type"] == "hxl_preview")
    path = f"/dataset/{ds['name']}/resource/{res['id']}/view/{view['id']}"
    assert app.get(path, headers=headers("other_member")).status_code == 200
    assert seen_in(previews(ds)) == [entry("other_member", ds, res, "preview_rows")]


def test_public_previews_are_not_audited(app, create_with_upload):
    """Public data: the API and the page leave no preview entry."""
    ds, res = portal(create_with_upload, "public")
    api("no_org", res)
    app.get(f"/dataset/{ds['name']}/resource/{res['id']}", headers=headers("no_org"))
    assert previews(ds) == []


@pytest.mark.parametrize("role", ["grant", "owner_member"])
def test_the_page_of_a_resource_without_views_is_not_audited(app, create_with_upload, role):
    """A profiled resource whose views were deleted: its page shows no figure
    of the file (only why there is no preview, when there is a reason), so
    it leaves no entry."""
    ds, res = portal(create_with_upload, "confidential")
    for view in call_action("resource_view_list", id=res["id"]):
        call_action("resource_view_delete", context={"user": "the-sysadmin"}, id=view["id"])
    page = app.get(f"/dataset/{ds['name']}/resource/{res['id']}", headers=headers(role))
    assert page.status_code == 200
    assert RECORD not in page.body
    assert previews(ds) == []


def test_a_refused_preview_is_not_audited(create_with_upload):
    """Nothing served, nothing recorded: a caller refused the preview leaves no entry."""
    ds, res = portal(create_with_upload, "confidential")
    with pytest.raises(logic.NotAuthorized):
        api("no_org", res)
    assert previews(ds) == []
