"""Access requests, decisions, grants, revocation and the audit log, through
the API and the pages, with their bad input."""

from __future__ import annotations

import csv
import datetime as dt
import io

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import interfaces
from ckanext.imwg_sensitivity.model import grant_table
from tests.imwg_sensitivity import workflow_support
from tests.imwg_sensitivity.workflow_support import (
    AGGREGATE,
    PLUGINS,
    SECRET,
    as_user,
    auth_headers,
    download,
    events,
    request,
)

#: the workflow's fixtures: its portal, the signals sent
portal = workflow_support.portal
sent = workflow_support.sent

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def test_request_approve_download_expire(app, portal, sent):
    """The whole life of a grant: asked, signalled, approved, used, expired, refused."""
    pkg = portal["confidential"]
    assert download(app, pkg).status_code == 403

    req = request(pkg)
    assert req["status"] == "pending"
    ((sender, told),) = sent[interfaces.ACCESS_REQUEST_CREATED]
    assert sender == req["id"]
    assert told["package_id"] == pkg["id"]
    assert told["user_id"] == model.User.get("analyst").id
    assert told["contacts"] == ["data.officer@authority.example.org"]
    # the owner's admins (the factory's creator among them), not its members nor the requester
    admins = {
        m.table_id
        for m in model.Session.query(model.Member).filter_by(
            group_id=pkg["owner_org"], table_name="user", capacity="admin", state="active"
        )
    }
    assert model.User.get("owner-admin").id in told["deciders"]
    assert set(told["deciders"]) == admins

    # the decider sees it as pending, with a count on the page
    pending = call_action("access_request_list", context=as_user("owner-admin"), status="pending")
    assert [r["id"] for r in pending] == [req["id"]]
    page = app.get("/access/requests", headers=auth_headers("owner-admin")).get_data(as_text=True)
    assert "Plan safe routes for mobile clinics" in page
    assert 'id="pending-count">1<' in page

    decided = call_action("access_request_decide", context=as_user("owner-admin"), id=req["id"], decision="approve")
    assert decided["status"] == "approved"
    assert decided["grant_id"]
    ((sender, told),) = sent[interfaces.ACCESS_REQUEST_DECIDED]
    assert sender == req["id"]
    assert told["decision"] == "approved"
    assert told["grant_id"] == decided["grant_id"]
    assert told["user_id"] == model.User.get("analyst").id
    assert told["decided_by"] == model.User.get("owner-admin").id
    assert told["expires"].isoformat() == decided["expires"]

    # the requester sees the status, and gets the data at every path
    mine = app.get("/access/requests", headers=auth_headers("analyst")).get_data(as_text=True)
    assert "approved" in mine
    resp = download(app, pkg)
    assert resp.status_code == 302
    assert resp.headers["Location"] == SECRET
    shown = call_action("package_show", context=as_user("analyst"), id=pkg["id"])
    assert shown["resources"][0]["url"] == SECRET
    grants = call_action("access_grant_list", context=as_user("analyst"))
    assert [g["id"] for g in grants] == [decided["grant_id"]]
    assert grants[0]["active"]
    expires = dt.datetime.fromisoformat(grants[0]["expires"])
    assert dt.timedelta(days=29) < expires - dt.datetime.utcnow() <= dt.timedelta(days=30)

    # the same grant, once its time is over, gives nothing (no job needed)
    model.Session.execute(
        grant_table.update()
        .where(grant_table.c.id == decided["grant_id"])
        .values(expires=dt.datetime.utcnow() - dt.timedelta(seconds=1))
    )
    model.Session.commit()
    assert download(app, pkg).status_code == 403
    shown = call_action("package_show", context=as_user("analyst"), id=pkg["id"])
    assert shown["resources"][0]["url"] != SECRET
    assert not call_action("access_grant_list", context=as_user("analyst"))[0]["active"]

    assert events(pkg) == ["request_created", "grant_created", "request_approved", "download"]
    entries = call_action("access_audit_list", context=as_user("owner-admin"), package_id=pkg["id"])
    dl = next(e for e in entries if e["event"] == "download")
    analyst = model.User.get("analyst")
    assert dl["actor"] == analyst.id
    assert dl["resource_id"] == pkg["resources"][0]["id"]
    assert dl["path"].endswith("/download")


def test_approval_narrowed_to_one_resource_and_to_the_organisation(app, portal):
    pkg = portal["confidential"]
    first, second = (r["id"] for r in pkg["resources"])
    req = request(pkg)
    call_action(
        "access_request_decide",
        context=as_user("owner-admin"),
        id=req["id"],
        decision="approve",
        resource_ids=[first],
        to_organization=True,
        days=7,
    )
    for user in ("analyst", "colleague"):
        assert download(app, pkg, 0, user).status_code == 302
        assert download(app, pkg, 1, user).status_code == 403


def test_reject_and_more_information(app, portal, sent):
    pkg = portal["confidential"]
    req = request(pkg)
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_request_decide", context=as_user("owner-admin"), id=req["id"], decision="reject")
    assert "reason" in err.value.error_dict
    assert call_action("access_request_show", context=as_user("analyst"), id=req["id"])["status"] == "pending"

    asked = call_action(
        "access_request_decide",
        context=as_user("owner-admin"),
        id=req["id"],
        decision="more_info",
        reason="Which townships?",
    )
    assert asked["status"] == "more_info"
    rejected = call_action(
        "access_request_decide",
        context=as_user("owner-admin"),
        id=req["id"],
        decision="reject",
        reason="Records name survivors; ask for the aggregate instead",
    )
    assert rejected["status"] == "rejected"
    assert not rejected.get("grant_id")
    told = [kwargs for _, kwargs in sent[interfaces.ACCESS_REQUEST_DECIDED]]
    assert [t["decision"] for t in told] == ["more_info", "rejected"]
    assert told[-1]["reason"] == "Records name survivors; ask for the aggregate instead"
    assert told[-1]["expires"] is None and told[-1]["grant_id"] is None
    assert download(app, pkg).status_code == 403
    assert call_action("access_grant_list", context=as_user("analyst")) == []
    assert events(pkg) == ["request_created", "request_more_info", "request_rejected"]
    # a rejected request may be followed by a new one
    assert request(pkg)["status"] == "pending"


def test_revoke(app, portal):
    pkg = portal["confidential"]
    grant = call_action("access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], user_id="analyst")
    assert download(app, pkg).status_code == 302
    with pytest.raises(logic.NotAuthorized):
        call_action("access_grant_revoke", context=as_user("analyst"), id=grant["id"])
    call_action("access_grant_revoke", context=as_user("owner-admin"), id=grant["id"])
    assert download(app, pkg).status_code == 403
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_grant_revoke", context=as_user("owner-admin"), id=grant["id"])
    assert "already revoked" in str(err.value.error_dict["id"])
    assert events(pkg) == ["grant_created", "download", "grant_revoked"]


def test_deciding_twice_changes_nothing(portal):
    req = request(portal["confidential"])
    call_action("access_request_decide", context=as_user("owner-admin"), id=req["id"], decision="approve")
    before = call_action("access_grant_list", context=as_user("owner-admin"), package_id=portal["confidential"]["id"])
    for decision in ("approve", "reject"):
        with pytest.raises(logic.ValidationError) as err:
            call_action(
                "access_request_decide", context=as_user("owner-admin"), id=req["id"], decision=decision, reason="x"
            )
        assert "already decided" in str(err.value.error_dict["id"])
    after = call_action("access_grant_list", context=as_user("owner-admin"), package_id=portal["confidential"]["id"])
    assert after == before
    assert call_action("access_request_show", context=as_user("analyst"), id=req["id"])["status"] == "approved"


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"accept_terms": False}, "accept_terms"),
        ({"days": 0}, "days"),
        ({"days": 10000}, "days"),
        ({"purpose": "curiosity"}, "purpose"),
        ({"intended_use": ""}, "intended_use"),
        ({"resource_ids": ["not-a-resource"]}, "resource_ids"),
        ({"package_id": "no-such-dataset"}, "package_id"),
    ],
)
def test_bad_requests_are_field_errors(portal, extra, field):
    with pytest.raises(logic.ValidationError) as err:
        request(portal["confidential"], **extra)
    assert field in err.value.error_dict
    assert call_action("access_request_list", context=as_user("owner-admin")) == []


@pytest.mark.parametrize("user", ["owner-member", "owner-admin"])
def test_no_request_from_someone_who_has_access(portal, user):
    with pytest.raises(logic.ValidationError) as err:
        request(portal["confidential"], user=user)
    assert "already have access" in str(err.value.error_dict["package_id"])


def test_no_second_pending_request(portal):
    request(portal["confidential"])
    with pytest.raises(logic.ValidationError) as err:
        request(portal["confidential"])
    assert "waiting for a decision" in str(err.value.error_dict["package_id"])
    assert len(call_action("access_request_list", context=as_user("analyst"))) == 1


def test_strictly_confidential_allows_no_requests_and_no_grants(portal):
    strict = portal["strict"]
    # those outside the owner do not even learn that it exists: the answer for a missing dataset
    with pytest.raises(logic.ValidationError) as hidden:
        request(strict)
    with pytest.raises(logic.ValidationError) as missing:
        request({**strict, "name": "no-such-dataset"})
    assert hidden.value.error_dict == missing.value.error_dict == {"package_id": ["Not found: Dataset"]}
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_grant_create", context=as_user("owner-admin"), package_id=strict["id"], user_id="analyst")
    assert "allows no grants" in str(err.value.error_dict["package_id"])
    assert call_action("access_grant_list", context=as_user("owner-admin"), package_id=strict["id"]) == []


def test_public_data_needs_no_request(portal):
    pkg = call_action(
        "package_create",
        context={"user": "owner-admin"},
        type="dataset",
        name="open-aggregate",
        title="Open aggregate",
        owner_org=portal["owner"]["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity="public",
        resources=[{"url": AGGREGATE, "format": "CSV"}],
    )
    with pytest.raises(logic.ValidationError) as err:
        request(pkg)
    assert "already have access" in str(err.value.error_dict["package_id"])


def test_anonymous_cannot_request(portal):
    with pytest.raises(logic.NotAuthorized):
        call_action(
            "access_request_create",
            context={"user": "", "ignore_auth": False},
            package_id=portal["confidential"]["id"],
            purpose="research",
            intended_use="x",
            organization="x",
            days=5,
            accept_terms=True,
        )


@pytest.mark.parametrize("user", ["analyst", "other-admin", "loner"])
def test_only_deciders_decide_and_see_requests(portal, user):
    req = request(portal["confidential"], user="colleague")
    with pytest.raises(logic.NotAuthorized):
        call_action("access_request_decide", context=as_user(user), id=req["id"], decision="approve")
    with pytest.raises(logic.NotAuthorized):
        call_action("access_request_show", context=as_user(user), id=req["id"])
    assert call_action("access_request_list", context=as_user(user)) == []
    with pytest.raises(logic.NotAuthorized):
        call_action("access_grant_create", context=as_user(user), package_id=portal["confidential"]["id"], user_id=user)
    with pytest.raises(logic.NotAuthorized):
        call_action("access_audit_list", context=as_user(user), package_id=portal["confidential"]["id"])


def test_a_maintainer_by_email_decides_nothing(portal):
    """The maintainer fields are free text: a user with that address is no decider."""
    factories.User(name="data-officer", email="data.officer@authority.example.org")
    req = request(portal["confidential"])
    with pytest.raises(logic.NotAuthorized):
        call_action("access_request_decide", context=as_user("data-officer"), id=req["id"], decision="approve")
    assert call_action("access_request_show", context=as_user("owner-admin"), id=req["id"])["status"] == "pending"


@pytest.mark.parametrize(
    "extra, field",
    [
        ({}, "user_id"),
        ({"user_id": "analyst", "organization_id": "partner"}, "user_id"),
        ({"user_id": "nobody-here"}, "user_id"),
        ({"organization_id": "no-such-org"}, "organization_id"),
        ({"user_id": "analyst", "days": 0}, "days"),
        ({"user_id": "analyst", "resource_ids": ["x"]}, "resource_ids"),
    ],
)
def test_bad_grants_are_field_errors(portal, extra, field):
    pkg = portal["confidential"]
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], **extra)
    assert field in err.value.error_dict
    assert call_action("access_grant_list", context=as_user("owner-admin"), package_id=pkg["id"]) == []


def test_levels_are_checked(portal):
    """An unknown level and a resource looser than its dataset are field errors; nothing is saved."""
    pkg = portal["confidential"]
    with pytest.raises(logic.ValidationError) as err:
        call_action("package_patch", context={"user": "owner-admin"}, id=pkg["id"], sensitivity="top_secret")
    assert "sensitivity" in err.value.error_dict
    with pytest.raises(logic.ValidationError) as err:
        call_action(
            "package_patch",
            context={"user": "owner-admin"},
            id=pkg["id"],
            resources=[{"url": AGGREGATE, "name": "Aggregate", "sensitivity": "public"}],
        )
    assert "resources" in err.value.error_dict
    after = call_action("package_show", id=pkg["id"])
    assert after["sensitivity"] == "confidential"
    assert [r["url"] for r in after["resources"]] == [SECRET, SECRET + "?part=2"]


def test_the_audit_log_is_read_only_and_exports_as_csv(app, portal):
    pkg = portal["confidential"]
    req = request(pkg)
    call_action("access_request_decide", context=as_user("owner-admin"), id=req["id"], decision="approve")
    download(app, pkg)
    for name in ("access_audit_create", "access_audit_update", "access_audit_delete", "access_audit_patch"):
        with pytest.raises(KeyError):
            logic.get_action(name)

    resp = app.get(f"/access/audit.csv?package_id={pkg['name']}", headers=auth_headers("owner-admin"))
    assert resp.status_code == 200
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["event"] for r in rows] == ["download", "request_approved", "grant_created", "request_created"]
    assert all(r["package_id"] == pkg["id"] for r in rows)

    for user in ("analyst", "owner-member", "other-admin"):
        assert app.get(f"/access/audit.csv?package_id={pkg['name']}", headers=auth_headers(user)).status_code == 403
    sysadmin = factories.Sysadmin()
    everything = app.get("/access/audit.csv", headers=auth_headers(sysadmin["name"]))
    assert everything.status_code == 200
    assert everything.get_data(as_text=True).count("\n") == 5


def test_request_and_decide_through_the_pages(app, portal):
    pkg = portal["confidential"]
    page = app.get(f"/dataset/{pkg['name']}", headers=auth_headers("analyst")).get_data(as_text=True)
    assert "Request access" in page
    assert SECRET not in page

    form = app.get(f"/dataset/{pkg['name']}/request-access", headers=auth_headers("analyst"))
    assert form.status_code == 200
    assert "data-sharing terms" in form.get_data(as_text=True).lower()
    missing = app.post(
        f"/dataset/{pkg['name']}/request-access",
        headers=auth_headers("analyst"),
        data={"purpose": "research", "intended_use": "", "organization": "Partner", "days": "10"},
    )
    assert missing.status_code == 200
    body = missing.get_data(as_text=True)
    assert "Missing value" in body
    assert "must be accepted" in body
    assert call_action("access_request_list", context=as_user("analyst")) == []

    sent = app.post(
        f"/dataset/{pkg['name']}/request-access",
        headers=auth_headers("analyst"),
        data={
            "purpose": "research",
            "intended_use": "Casualty trends by township",
            "organization": "Partner",
            "days": "10",
            "accept_terms": "true",
        },
        follow_redirects=False,
    )
    assert sent.status_code == 302
    (req,) = call_action("access_request_list", context=as_user("analyst"))
    denied = app.post(
        f"/access/requests/{req['id']}/decide", headers=auth_headers("analyst"), data={"decision": "approve"}
    )
    assert denied.status_code == 403
    app.post(
        f"/access/requests/{req['id']}/decide",
        headers=auth_headers("owner-admin"),
        data={"decision": "approve", "days": "3"},
    )
    assert download(app, pkg).status_code == 302
    assert call_action("access_request_show", context=as_user("analyst"), id=req["id"])["status"] == "approved"
