"""The preview never shows rows to those who may not download them; those
the sharing protocol gives aggregates see counts and sums with small cells
suppressed, and nothing of any record. Every role, every level, through
the API, the resource page and the view's own address."""

from __future__ import annotations

import json

import ckan.logic as logic
import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from tests.imwg_hxl.matrix import HIDDEN, MODE, PLUGINS, RECORD, ROLES, gated, headers, portal, user

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


@pytest.mark.parametrize("level", list(MODE))
def test_api_pages_and_view_for_every_role(app, create_with_upload, level):
    ds, res = portal(create_with_upload, level)
    view = next(v for v in call_action("resource_view_list", id=res["id"]) if v["view_type"] == "hxl_preview")
    for role in ROLES:
        check_api(res, role, MODE[level][role], level)
        check_pages(app, ds, res, view, role, MODE[level][role], level)


def check_api(res, role, mode, level):
    context = {"user": user(role), "ignore_auth": False}
    if mode == "none" and level == "strictly_confidential":
        # the dataset is hidden from them: the answer is the one for a missing resource
        with pytest.raises(logic.NotFound):
            call_action("hxl_preview_show", context=context, id=res["id"])
        return
    if mode == "none":
        with pytest.raises(logic.NotAuthorized):
            call_action("hxl_preview_show", context=context, id=res["id"])
        return
    shown = call_action("hxl_preview_show", context=context, id=res["id"])
    text = json.dumps(shown)
    assert shown["access"] == mode, role
    assert shown["status"] == "done", role
    if mode == "data":
        assert len(shown["profile"]["sample"]) == 15, role
        assert RECORD in text, role
        return
    assert shown["profile"]["sample"] == [], role
    assert RECORD not in text, role
    for code in HIDDEN:
        assert code not in text, (role, code)
    by = shown["profile"]["aggregates"]["by"][0]
    assert [(g["key"], g["n"], g["sums"]) for g in by["groups"]] == [("MMR001D001", 7, [28])]
    assert by["suppressed"] == 2
    assert [i["label"] for i in shown["charts"]["bars"][0]["items"]] == ["MMR001D001"]
    assert all("top" not in c and "min" not in c for c in shown["profile"]["columns"])


def check_pages(app, ds, res, view, role, mode, level):
    page = app.get(f"/dataset/{ds['name']}/resource/{res['id']}", headers=headers(role), expect_errors=True)
    own = app.get(
        f"/dataset/{ds['name']}/resource/{res['id']}/view/{view['id']}", headers=headers(role), expect_errors=True
    )
    if level == "strictly_confidential" and mode == "none":
        assert page.status_code == 404, role
        assert own.status_code in (403, 404), role
        return
    assert page.status_code == 200, role
    if mode == "data":
        assert RECORD in page.body, role
        assert "imwg-hxl-hashtag-row" in page.body, role
        assert own.status_code == 200, role
        assert RECORD in own.body, role
        return
    assert own.status_code == 403, role
    assert RECORD not in own.body, role
    assert RECORD not in page.body, role
    for code in HIDDEN:
        assert code not in page.body, (role, code)
    if mode == "aggregates":
        assert "imwg-hxl-aggregate-only" in page.body, role
        assert "MMR001D001" in page.body, role
    else:
        assert "imwg-hxl-aggregate-only" not in page.body, role
        assert "MMR001D001" not in page.body, role


def test_an_aggregate_only_page_of_a_small_table_shows_no_figure(app, create_with_upload):
    """Fewer records than the threshold: the page says so and shows no count, sum or group."""
    ds = gated("restricted")
    small = "District,Killed\n#adm2+code,#affected+killed\nMMR001D001,4\nMMR001D001,3\nMMR015D001,9\n"
    res = create_with_upload(
        small, "small.csv", url="small.csv", format="CSV", package_id=ds["id"], context={"user": "owner-member"}
    )
    Worker(["default"]).work(burst=True)
    body = app.get(f"/dataset/{ds['name']}/resource/{res['id']}", headers=headers("no_org")).body
    assert "imwg-hxl-aggregate-only" in body
    assert "Fewer than 5 rows" in body
    assert not any(figure in body for figure in ("MMR001D001", "MMR015D001", ">16<", "3 rows,"))
