"""The access workflow closed: the deciders' count, the state of one's own
request on the dataset page, approvals with an expiry, cancelling,
revoking with a reason, requests again after the end of access, the
dataset's access page, the signals sent and the time-based ones."""

from __future__ import annotations

import datetime as dt

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import interfaces
from ckanext.imwg_sensitivity.model import grant_table, request_table
from tests.imwg_sensitivity import workflow_support as workflow
from tests.imwg_sensitivity.workflow_support import PLUGINS, as_user, auth_headers, download, events, request

#: the fixtures of the workflow's tests: its portal, the signals sent
portal = workflow.portal
sent = workflow.sent

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def page(app, path, user):
    resp = app.get(path, headers=auth_headers(user))
    assert resp.status_code == 200, resp.status_code
    return resp.get_data(as_text=True)


def approve(req, **extra):
    return call_action(
        "access_request_decide", context=as_user("owner-admin"), id=req["id"], decision="approve", **extra
    )


def test_deciders_see_the_count_in_the_header_and_dashboard(app, portal):
    pkg = portal["confidential"]
    assert 'id="header-pending-count"' not in page(app, "/dataset/", "owner-admin")
    request(pkg)
    request(pkg, user="colleague")
    header = page(app, "/dataset/", "owner-admin")
    assert 'id="header-pending-count">2<' in header
    assert "Access requests (2)" in page(app, "/dashboard/datasets", "owner-admin")
    for user in ("analyst", "owner-member", "other-admin", "loner"):
        assert 'id="header-pending-count"' not in page(app, "/dataset/", user)
    # decided requests are no longer counted
    approve(call_action("access_request_list", context=as_user("owner-admin"))[0], days=14)
    assert 'id="header-pending-count">1<' in page(app, "/dataset/", "owner-admin")


def test_approve_for_14_days_shows_the_real_expiry(app, portal):
    pkg = portal["confidential"]
    req = request(pkg)  # asked for 30 days
    decided = approve(req, days=14)
    expires = dt.datetime.fromisoformat(decided["expires"])
    assert dt.timedelta(days=13) < expires - dt.datetime.utcnow() <= dt.timedelta(days=14)
    shown = call_action("access_request_list", context=as_user("analyst"))[0]
    assert shown["expires"] == decided["expires"]
    assert shown["grant_active"] is True
    date = expires.strftime("%B %-d, %Y")
    decider = page(app, "/access/requests", "owner-admin")
    assert f"access until {date}" in decider
    mine = page(app, "/access/requests", "analyst")
    assert f"access until {date}" in mine
    assert f'href="/dataset/{pkg["name"]}">{pkg["title"]}</a>' in mine
    # the dataset page: access until, no request button
    ds = page(app, f"/dataset/{pkg['name']}", "analyst")
    assert f"Access until {date}" in ds
    assert "Request access" not in ds


def test_pending_request_on_the_dataset_page_and_cancel(app, portal, sent):
    pkg = portal["confidential"]
    req = request(pkg)
    ds = page(app, f"/dataset/{pkg['name']}", "analyst")
    assert "Request pending since" in ds
    assert "Request access" not in ds
    assert f"/access/requests/{req['id']}/cancel" in ds
    # someone else cannot cancel it (nor a decider)
    for user in ("colleague", "owner-admin"):
        resp = app.post(f"/access/requests/{req['id']}/cancel", headers=auth_headers(user))
        assert resp.status_code == 403
        with pytest.raises(logic.NotAuthorized):
            call_action("access_request_cancel", context=as_user(user), id=req["id"])
    assert app.post("/access/requests/no-such/cancel", headers=auth_headers("analyst")).status_code == 404
    assert call_action("access_request_show", context=as_user("analyst"), id=req["id"])["status"] == "pending"
    resp = app.post(
        f"/access/requests/{req['id']}/cancel",
        headers=auth_headers("analyst"),
        data={"came_from": f"/dataset/{pkg['name']}"},
        follow_redirects=False,
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/dataset/{pkg['name']}")
    assert call_action("access_request_show", context=as_user("analyst"), id=req["id"])["status"] == "cancelled"
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_request_cancel", context=as_user("analyst"), id=req["id"])
    assert "id" in err.value.error_dict
    assert "Request access" in page(app, f"/dataset/{pkg['name']}", "analyst")
    assert events(pkg) == ["request_created", "request_cancelled"]
    # a cancelled request cannot be decided
    with pytest.raises(logic.ValidationError):
        approve(req)
    assert interfaces.ACCESS_REQUEST_DECIDED not in sent


def test_revoke_with_a_reason_then_request_again(app, portal, sent):
    pkg = portal["confidential"]
    req = request(pkg)
    decided = approve(req, days=14)
    assert download(app, pkg).status_code == 302
    resp = app.post(
        f"/access/grants/{decided['grant_id']}/revoke",
        headers=auth_headers("analyst"),
        data={"reason": "mine"},
    )
    assert resp.status_code == 403
    resp = app.post(
        f"/access/grants/{decided['grant_id']}/revoke",
        headers=auth_headers("owner-admin"),
        data={"reason": "The partnership ended", "came_from": f"/dataset/{pkg['name']}/access"},
        follow_redirects=False,
    )
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith(f"/dataset/{pkg['name']}/access")
    assert download(app, pkg).status_code == 403
    row = model.Session.execute(grant_table.select().where(grant_table.c.id == decided["grant_id"])).first()
    assert row.revoked_reason == "The partnership ended"
    ((sender, told),) = sent[interfaces.ACCESS_GRANT_REVOKED]
    assert sender == decided["grant_id"]
    assert told["reason"] == "The partnership ended"
    assert told["user_id"] == model.User.get("analyst").id
    assert told["revoked_by"] == model.User.get("owner-admin").id
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_grant_revoke", context=as_user("owner-admin"), id=decided["grant_id"], reason="again")
    assert "already revoked" in str(err.value.error_dict["id"])
    row2 = model.Session.execute(grant_table.select().where(grant_table.c.id == decided["grant_id"])).first()
    assert row2.revoked == row.revoked and row2.revoked_reason == "The partnership ended"
    mine = page(app, "/access/requests", "analyst")
    assert "The partnership ended" in mine
    entries = call_action(
        "access_audit_list", context=as_user("owner-admin"), package_id=pkg["id"], event="grant_revoked"
    )
    assert entries[0]["detail"] == {"reason": "The partnership ended"}
    # asked again after the revocation
    again = request(pkg)
    assert again["status"] == "pending"
    assert "Request pending since" in page(app, f"/dataset/{pkg['name']}", "analyst")


def test_request_again_after_expiry(app, portal):
    pkg = portal["confidential"]
    decided = approve(request(pkg), days=3)
    with pytest.raises(logic.ValidationError):
        request(pkg)  # access in force
    model.Session.execute(
        grant_table.update()
        .where(grant_table.c.id == decided["grant_id"])
        .values(expires=dt.datetime.utcnow() - dt.timedelta(minutes=1))
    )
    model.Session.commit()
    assert "Request access" in page(app, f"/dataset/{pkg['name']}", "analyst")
    assert request(pkg)["status"] == "pending"


@pytest.mark.parametrize(
    "extra, field",
    [
        ({"days": 0}, "days"),
        ({"days": 100000}, "days"),
        ({"expires": "2001-01-01"}, "expires"),
        ({"expires": "3000-01-01"}, "expires"),
        ({"expires": "tomorrow"}, "expires"),
    ],
)
def test_bad_expiry_is_a_field_error(portal, extra, field):
    pkg = portal["confidential"]
    req = request(pkg)
    with pytest.raises(logic.ValidationError) as err:
        approve(req, **extra)
    assert field in err.value.error_dict
    assert call_action("access_request_show", context=as_user("analyst"), id=req["id"])["status"] == "pending"
    assert call_action("access_grant_list", context=as_user("owner-admin"), package_id=pkg["id"]) == []
    with pytest.raises(logic.ValidationError) as err:
        call_action(
            "access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], user_id="analyst", **extra
        )
    assert field in err.value.error_dict
    assert call_action("access_grant_list", context=as_user("owner-admin"), package_id=pkg["id"]) == []


def test_expiry_as_a_date(portal):
    pkg = portal["confidential"]
    day = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    decided = approve(request(pkg), expires=day)
    assert decided["expires"].startswith(day)


def test_unknown_users_are_field_errors(portal):
    pkg = portal["confidential"]
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], user_id="nobody")
    assert "user_id" in err.value.error_dict
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_audit_list", context=as_user("owner-admin"), user="nobody")
    assert "user" in err.value.error_dict


def test_the_dataset_access_page(app, portal):
    pkg = portal["confidential"]
    req = request(pkg)
    call_action("access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], user_id="loner", days=5)
    body = page(app, f"/dataset/{pkg['name']}/access", "owner-admin")
    assert "Plan safe routes for mobile clinics" in body
    assert f"/access/requests/{req['id']}/decide" in body
    assert 'class="access-grant"' in body
    assert "/access/grants/" in body
    assert f"/access/audit?package_id={pkg['name']}" in body
    assert 'id="dataset-access-link"' in page(app, f"/dataset/{pkg['name']}", "owner-admin")
    assert 'id="dataset-access-link"' not in page(app, f"/dataset/{pkg['name']}", "analyst")
    for user in ("analyst", "owner-member", "other-admin"):
        assert app.get(f"/dataset/{pkg['name']}/access", headers=auth_headers(user)).status_code == 403
    # a dataset the user cannot see, like a missing one: 404
    strict = portal["strict"]
    assert app.get(f"/dataset/{strict['name']}/access", headers=auth_headers("analyst")).status_code == 404
    assert app.get("/dataset/no-such-dataset/access", headers=auth_headers("analyst")).status_code == 404
    anonymous = app.get(f"/dataset/{pkg['name']}/access", follow_redirects=False)
    assert anonymous.status_code == 302


def test_time_based_signals_are_sent_once(portal, sent):
    pkg = portal["confidential"]
    now = dt.datetime.utcnow()
    soon = call_action("access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], user_id="analyst")
    later = call_action("access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], user_id="loner")
    over = call_action("access_grant_create", context=as_user("owner-admin"), package_id=pkg["id"], user_id="colleague")
    for grant, expires in (
        (soon, now + dt.timedelta(days=3)),
        (later, now + dt.timedelta(days=30)),
        (over, now - dt.timedelta(hours=1)),
    ):
        model.Session.execute(grant_table.update().where(grant_table.c.id == grant["id"]).values(expires=expires))
    waiting = request(pkg, user="colleague")
    model.Session.execute(
        request_table.update().where(request_table.c.id == waiting["id"]).values(created=now - dt.timedelta(days=6))
    )
    model.Session.commit()

    interfaces.signal(interfaces.TICK).send(now)
    expiring = {s: kw for s, kw in sent[interfaces.ACCESS_GRANT_EXPIRING]}
    assert set(expiring) == {soon["id"], over["id"]}
    assert expiring[soon["id"]]["expired"] is False
    assert expiring[over["id"]]["expired"] is True
    assert expiring[soon["id"]]["user_id"] == model.User.get("analyst").id
    ((sender, told),) = sent[interfaces.ACCESS_REQUEST_WAITING]
    assert sender == waiting["id"] and told["escalate"] is False and told["days"] == 6
    assert model.User.get("owner-admin").id in told["deciders"]

    # the next tick sends nothing new
    interfaces.signal(interfaces.TICK).send(now + dt.timedelta(minutes=5))
    assert len(sent[interfaces.ACCESS_GRANT_EXPIRING]) == 2
    assert len(sent[interfaces.ACCESS_REQUEST_WAITING]) == 1

    # later: the soon one has expired, the request waits twice as long
    interfaces.signal(interfaces.TICK).send(now + dt.timedelta(days=5))
    late = sent[interfaces.ACCESS_GRANT_EXPIRING][2:]
    assert [(s, kw["expired"]) for s, kw in late] == [(soon["id"], True)]
    (_, escalated) = sent[interfaces.ACCESS_REQUEST_WAITING][1]
    assert escalated["escalate"] is True
    interfaces.signal(interfaces.TICK).send(now + dt.timedelta(days=5, minutes=5))
    assert len(sent[interfaces.ACCESS_REQUEST_WAITING]) == 2
    assert len(sent[interfaces.ACCESS_GRANT_EXPIRING]) == 3


def test_a_level_change_is_signalled_and_recorded(portal, sent):
    pkg = portal["confidential"]
    call_action("package_patch", context={"user": "owner-admin"}, id=pkg["id"], notes="Unrelated edit")
    assert interfaces.LEVEL_CHANGED not in sent
    call_action("package_patch", context={"user": "owner-admin"}, id=pkg["id"], sensitivity="restricted")
    ((sender, told),) = sent[interfaces.LEVEL_CHANGED]
    assert sender == pkg["id"]
    assert told == {"old": "confidential", "new": "restricted", "changed_by": model.User.get("owner-admin").id}
    (entry,) = call_action(
        "access_audit_list", context=as_user("owner-admin"), package_id=pkg["id"], event="level_changed"
    )
    assert entry["detail"] == {"old": "confidential", "new": "restricted"}
    assert entry["actor"] == model.User.get("owner-admin").id


def test_access_audit_record(portal):
    pkg = portal["confidential"]
    call_action(
        "access_audit_record",
        context={"ignore_auth": True},
        event="notification_sent",
        actor="analyst",
        package_id=pkg["id"],
        detail={"kind": "access_request_created", "to": "owner-admin"},
    )
    model.Session.commit()
    (entry,) = call_action(
        "access_audit_list", context=as_user("owner-admin"), package_id=pkg["id"], event="notification_sent"
    )
    assert entry["actor"] == model.User.get("analyst").id
    assert entry["detail"] == {"kind": "access_request_created", "to": "owner-admin"}
    for user in ("analyst", "owner-admin"):
        with pytest.raises(logic.NotAuthorized):
            call_action("access_audit_record", context=as_user(user), event="notification_sent")
    sysadmin = factories.Sysadmin()
    for bad, field in (
        ({"actor": "nobody"}, "actor"),
        ({"package_id": "no-such"}, "package_id"),
        ({"detail": ["not", "an", "object"]}, "detail"),
        ({"event": ""}, "event"),
    ):
        with pytest.raises(logic.ValidationError) as err:
            call_action(
                "access_audit_record", context=as_user(sysadmin["name"]), **{"event": "notification_sent", **bad}
            )
        assert field in err.value.error_dict


def test_access_audit_record_many_entries_all_or_none(portal):
    """``entries`` records many entries at once; one bad entry records none and names its position."""
    pkg = portal["confidential"]
    entries = [{"event": "notification_sent", "package_id": pkg["id"], "detail": {"n": i}} for i in range(3)]
    assert call_action("access_audit_record", context={"ignore_auth": True}, entries=entries) == {"recorded": 3}
    model.Session.commit()
    listed = call_action("access_audit_list", context=as_user("owner-admin"), package_id=pkg["id"])
    assert sorted(e["detail"]["n"] for e in listed if e["event"] == "notification_sent") == [0, 1, 2]
    bad = [*entries, {"event": "notification_sent", "package_id": "no-such"}]
    with pytest.raises(logic.ValidationError) as err:
        call_action("access_audit_record", context={"ignore_auth": True}, entries=bad)
    assert "package_id" in err.value.error_dict["entries"][0]["3"]
    for wrong in ([], "not a list", [{}] * 1001):
        with pytest.raises(logic.ValidationError) as err:
            call_action("access_audit_record", context={"ignore_auth": True}, entries=wrong)
        assert "entries" in err.value.error_dict
    model.Session.rollback()
    listed = call_action("access_audit_list", context=as_user("owner-admin"), package_id=pkg["id"])
    assert len([e for e in listed if e["event"] == "notification_sent"]) == 3
