"""The audit log as a page: who reads what, names not ids, readable details,
filters (bad ones as field errors), paging, CSV and XLSX export; and, for
every role, no dataset title the reader may not see on the pending count,
the requests page, a dataset's access page and the audit page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action
from openpyxl import load_workbook

from ckanext.imwg_sensitivity import audit
from ckanext.imwg_sensitivity.model import request_table
from tests.imwg_sensitivity import workflow_support as workflow
from tests.imwg_sensitivity.matrix import METADATA, ROLES, build_portal, headers
from tests.imwg_sensitivity.workflow_support import PLUGINS, as_user, auth_headers, request

#: the workflow tests' portal
portal = workflow.portal

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
STRICT_TITLE = "Hazardous areas strictly_confidential"


@pytest.fixture
def history(portal):
    """A request approved with a reason-free decision, a download, a revocation with a reason."""
    pkg = portal["confidential"]
    req = request(pkg)
    decided = call_action(
        "access_request_decide", context=as_user("owner-admin"), id=req["id"], decision="approve", days=14
    )
    call_action("access_grant_revoke", context=as_user("owner-admin"), id=decided["grant_id"], reason="Misuse")
    return {"pkg": pkg, "request": req, "grant_id": decided["grant_id"]}


def get(app, path, user, status=200):
    resp = app.get(path, headers=auth_headers(user))
    assert resp.status_code == status, (path, resp.status_code)
    return resp


def test_the_page_names_people_and_datasets_and_reads_details(app, history):
    pkg = history["pkg"]
    body = get(app, "/access/audit", "owner-admin").get_data(as_text=True)
    analyst = model.User.get("analyst")
    assert f'<a href="/user/analyst">{analyst.display_name}</a>' in body
    assert f'<a href="/dataset/{pkg["name"]}">{pkg["title"]}</a>' in body
    assert "Access revoked" in body and "Request approved" in body
    assert "Reason: Misuse" in body
    assert "{'" not in body and "{&#39;" not in body
    assert analyst.id not in body
    # linked from the dashboard and the requests page
    assert "/access/audit" in get(app, "/dashboard/datasets", "owner-admin").get_data(as_text=True)
    assert 'id="audit-link"' in get(app, "/access/requests", "owner-admin").get_data(as_text=True)
    assert 'id="audit-link"' not in get(app, "/access/requests", "analyst").get_data(as_text=True)


def test_who_reads_the_audit_log(app, history, portal):
    # another organisation's dataset and its entry
    other = call_action(
        "package_create",
        context={"user": "other-admin"},
        type="dataset",
        name="partner-survey",
        title="Partner survey",
        owner_org="partner",
        source="Partner",
        sectors=["protection"],
        sensitivity="confidential",
    )
    audit.record("download", actor=model.User.get("colleague").id, package_id=other["id"])
    model.Session.commit()
    owner = get(app, "/access/audit", "owner-admin").get_data(as_text=True)
    assert history["pkg"]["title"] in owner and "Partner survey" not in owner
    partner = get(app, "/access/audit", "other-admin").get_data(as_text=True)
    assert "Partner survey" in partner and history["pkg"]["title"] not in partner
    sysadmin = factories.Sysadmin()
    everything = get(app, "/access/audit", sysadmin["name"]).get_data(as_text=True)
    assert "Partner survey" in everything and history["pkg"]["title"] in everything
    for user in ("analyst", "owner-member", "loner"):
        get(app, "/access/audit", user, status=403)
        get(app, "/access/audit.xlsx", user, status=403)
    assert app.get("/access/audit", follow_redirects=False).status_code == 302
    # an admin cannot read another organisation's entries by naming them
    get(app, f"/access/audit?package_id={other['name']}", "owner-admin", status=403)
    get(app, "/access/audit?organization_id=partner", "owner-admin", status=403)


def test_filters(app, history):
    pkg = history["pkg"]

    def shown(query):
        body = get(app, "/access/audit?" + query, "owner-admin").get_data(as_text=True)
        return body.count('class="audit-entry"')

    assert shown("") == 4  # created, granted, approved, revoked
    assert shown("event=grant_revoked") == 1
    assert shown("user=analyst") == 1
    assert shown(f"package_id={pkg['name']}") == 4
    today = dt.date.today()
    assert shown(f"date_from={today}&date_to={today}") == 4
    assert shown(f"date_to={today - dt.timedelta(days=1)}") == 0
    assert shown(f"date_from={today + dt.timedelta(days=1)}") == 0
    # bad filters: field errors on the page, not a 500
    for query, field in (
        ("date_from=yesterday", "date_from"),
        ("date_to=2026-13-45", "date_to"),
        (f"date_from={today}&date_to={today - dt.timedelta(days=3)}", "date_to"),
        ("user=nobody-at-all", "user"),
        ("package_id=no-such-dataset", "package_id"),
    ):
        body = get(app, "/access/audit?" + query, "owner-admin").get_data(as_text=True)
        assert "is-invalid" in body, query
        assert 'class="audit-entry"' not in body
        with pytest.raises(logic.ValidationError) as err:
            params = dict(p.split("=") for p in query.split("&"))
            call_action("access_audit_list", context=as_user("owner-admin"), **params)
        assert field in err.value.error_dict
        assert get(app, "/access/audit.csv?" + query, "owner-admin", status=400)


def test_paging(app, history):
    pkg = history["pkg"]
    for i in range(60):
        audit.record("download", actor=model.User.get("analyst").id, package_id=pkg["id"], n=i)
    model.Session.commit()
    first = get(app, "/access/audit", "owner-admin").get_data(as_text=True)
    assert first.count('class="audit-entry"') == 50
    assert 'id="audit-next"' in first and 'id="audit-prev"' not in first
    second = get(app, "/access/audit?page=2", "owner-admin").get_data(as_text=True)
    assert second.count('class="audit-entry"') == 14
    assert 'id="audit-next"' not in second and 'id="audit-prev"' in second
    assert get(app, "/access/audit?page=x", "owner-admin").status_code == 200


def test_exports(app, history):
    pkg = history["pkg"]
    resp = get(app, "/access/audit.csv?event=grant_revoked", "owner-admin")
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["event"] for r in rows] == ["grant_revoked"]
    assert rows[0]["dataset"] == pkg["title"]
    assert rows[0]["actor_name"] == model.User.get("owner-admin").display_name
    assert rows[0]["detail"] == "reason: Misuse"
    resp = get(app, f"/access/audit.xlsx?package_id={pkg['name']}", "owner-admin")
    assert resp.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(resp.get_data())).active
    values = list(sheet.values)
    assert values[0][:3] == ("at", "event", "actor")
    assert [v[1] for v in values[1:]] == ["grant_revoked", "request_approved", "grant_created", "request_created"]
    # a value that a spreadsheet would run as a formula is kept as text
    audit.record("notification_sent", package_id=pkg["id"], subject="=HYPERLINK(1)")
    model.Session.commit()
    sheet = load_workbook(
        io.BytesIO(get(app, "/access/audit.xlsx?event=notification_sent", "owner-admin").get_data())
    ).active
    assert list(sheet.values)[1][-1] == "subject: =HYPERLINK(1)"


# -- every role: no title the reader may not see -------------------------------------------


@pytest.fixture
def matrix():
    """The gating portal, a pending request from ``no-org`` for each dataset
    (the strictly confidential one asked for before its level was raised) and
    an audit entry for each."""
    built = build_portal()
    requester = model.User.get("no-org")
    for level, ds in built["datasets"].items():
        model.Session.execute(
            request_table.insert().values(
                id=f"request-{level}",
                package_id=ds["id"],
                user_id=requester.id,
                purpose="research",
                intended_use="Mapping",
                organization="None",
                days=10,
                accepted_terms=True,
                status="pending",
                created=dt.datetime.utcnow(),
            )
        )
        audit.record("request_created", actor=requester.id, package_id=ds["id"], request_id=f"request-{level}")
    model.Session.commit()
    return built


@pytest.mark.ckan_config("ckanext.imwg_sensitivity.focal_points", "other-admin")
@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
def test_no_hidden_title_on_the_workflow_pages(app, matrix, role):
    sees_strict = role in METADATA["strictly_confidential"]
    decides = role in ("owner_admin", "sysadmin", "other_admin")  # other-admin: a focal point
    strict = matrix["datasets"]["strictly_confidential"]
    confidential = matrix["datasets"]["confidential"]

    home = app.get("/dataset/", headers=headers(role)).get_data(as_text=True)
    expected = 4 if decides else 0
    assert (f'id="header-pending-count">{expected}<' in home) == bool(expected)
    assert ('id="header-pending-count"' in home) == bool(expected)

    listing = app.get("/access/requests", headers=headers(role)).get_data(as_text=True)
    assert (STRICT_TITLE in listing) == (sees_strict and decides), role
    if role == "no_org":  # the requester: the strictly confidential one is not named
        assert "A dataset you can no longer see" in listing
        assert STRICT_TITLE not in listing

    page = app.get(f"/dataset/{strict['name']}/access", headers=headers(role))
    assert page.status_code == (200 if sees_strict and decides else 404 if not sees_strict else 403), role
    assert STRICT_TITLE not in page.get_data(as_text=True) or sees_strict
    page = app.get(f"/dataset/{confidential['name']}/access", headers=headers(role))
    assert page.status_code == (200 if decides else 403), role

    log = app.get("/access/audit", headers=headers(role))
    reads = role in ("owner_admin", "sysadmin", "other_admin")
    assert log.status_code == (200 if reads else 403), role
    assert (STRICT_TITLE in log.get_data(as_text=True)) == (sees_strict and reads), role
    export = app.get("/access/audit.csv", headers=headers(role))
    assert (STRICT_TITLE in export.get_data(as_text=True)) == (sees_strict and reads), role
