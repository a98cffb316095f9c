"""A link whose file is refused (a private address, a host that does not
resolve) is explained in full to those who may edit its dataset and to
nobody else: the host and the address it resolved to never appear in what
others are answered, through the API, the resource page or the view, even
for a public link (whose readers get the data)."""

from __future__ import annotations

import json

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_hxl import jobs
from ckanext.imwg_hxl.model import profile_table
from tests.imwg_hxl.matrix import PLUGINS, gated, headers, user

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

#: gated links the job refuses, and what of them must not be told
LINKS = {
    "private address": ("http://10.0.0.5/casualties.csv", ("10.0.0.5",)),
    "unknown host": ("http://records.gated.invalid/casualties.csv", ("records.gated.invalid", "gated.invalid")),
}


@pytest.fixture(params=list(LINKS))
def refused(request):
    """A confidential dataset with a link the profile job refused, its view,
    and what of the link must stay hidden."""
    url, secrets = LINKS[request.param]
    ds = gated("confidential")
    res = call_action(
        "resource_create",
        context={"user": "owner-member"},
        package_id=ds["id"],
        url=url,
        format="CSV",
        name="Casualties (link)",
    )
    Worker(["default"]).work(burst=True)
    view = call_action(
        "resource_view_create",
        context={"user": "owner-member"},
        resource_id=res["id"],
        view_type="hxl_preview",
        title="HXL",
    )
    return ds, res, view, secrets


def preview_for(user, res):
    return call_action("hxl_preview_show", context={"user": user, "ignore_auth": False}, id=res["id"])


def pages_for(app, user, ds, res, view):
    """The resource page and the view's own page, as ``user`` gets them."""
    headers = {"Authorization": factories.APIToken(user=user)["token"]} if user else {}
    base = f"/dataset/{ds['name']}/resource/{res['id']}"
    return [app.get(path, headers=headers, expect_errors=True).body for path in (base, f"{base}/view/{view['id']}")]


def test_the_stored_message_names_neither_host_nor_address(refused):
    """What the job stores for everyone says why in general; the address is kept apart."""
    _, res, _, secrets = refused
    row = jobs.stored(res["id"])
    assert row["status"] == "refused"
    assert not any(s in row["message"] for s in secrets)
    assert any(s in row["detail"] for s in secrets)


def test_those_who_edit_the_dataset_read_the_full_reason(refused):
    """The publisher's side sees which address was refused, to fix the link."""
    _, res, _, secrets = refused
    shown = preview_for("owner-member", res)
    assert shown["access"] == "data"
    assert shown["status"] == "refused"
    assert any(s in shown["message"] for s in secrets)


def test_an_aggregate_only_answer_names_neither_host_nor_address(refused):
    """No field of an aggregate-only answer tells where the gated file is."""
    _, res, _, secrets = refused
    shown = preview_for("other-member", res)
    assert shown["access"] == "aggregates"
    assert shown["status"] == "refused"
    assert shown["message"].startswith("The file was not fetched")
    assert not any(s in json.dumps(shown) for s in secrets)


def test_a_refused_caller_is_told_nothing_of_the_link(refused):
    """Those who get nothing are refused with a sentence that names no host or address."""
    _, res, _, secrets = refused
    with pytest.raises(logic.NotAuthorized) as error:
        preview_for("", res)
    assert not any(s in str(error.value) for s in secrets)


@pytest.mark.parametrize("user", ["other-member", ""])
def test_the_pages_name_neither_host_nor_address(app, refused, user):
    """The resource page and the view's page show nothing of the link to those without the data."""
    ds, res, view, secrets = refused
    for body in pages_for(app, user, ds, res, view):
        assert not any(s in body for s in secrets)


def test_a_refusal_stored_before_the_split_names_nothing(refused):
    """An older refusal (moved whole to ``detail`` by the migration) reaches others as a plain sentence."""
    _, res, _, secrets = refused
    model.Session.execute(profile_table.update().where(profile_table.c.resource_id == res["id"]).values(message=None))
    model.Session.commit()
    shown = preview_for("other-member", res)
    assert shown["message"] == "The file was not fetched."
    assert any(s in preview_for("owner-member", res)["message"] for s in secrets)


def test_a_refused_public_link_names_its_address_only_to_the_dataset_editors(app):
    """A public link to a host that resolves to a private address: everyone
    gets the data, and reads the precise reason; only those who may edit the
    dataset (to fix the link) read the address it resolved to, on the
    resource page (no view: it says why) and through the API."""
    ds = gated("public")
    res = call_action(
        "resource_create",
        context={"user": "owner-member"},
        package_id=ds["id"],
        url="http://localhost/casualties.csv",
        format="CSV",
        name="Casualties (link)",
    )
    Worker(["default"]).work(burst=True)
    assert "127.0.0.1" in jobs.stored(res["id"])["detail"]
    path = f"/dataset/{ds['name']}/resource/{res['id']}"
    for role in ("anonymous", "no_org", "other_member"):
        body = app.get(path, headers=headers(role)).body
        assert "imwg-hxl-no-view" in body and "the address is on a private network" in body
        assert "127.0.0.1" not in body and "loopback" not in body
        shown = preview_for(user(role), res)
        assert shown["access"] == "data"
        assert shown["message"] == "The file was not fetched: the address is on a private network."
        assert "127.0.0.1" not in json.dumps(shown)
    for role in ("owner_member", "sysadmin"):
        assert "127.0.0.1 is a loopback address" in app.get(path, headers=headers(role)).body
        assert "127.0.0.1" in preview_for(user(role), res)["message"]
