"""Data-sharing agreements: recorded, changed, shown, listed and terminated
through the API and the pages, their bad input, who sees them, the signed
document, and the notice before they end."""

from __future__ import annotations

import datetime as dt
import io

import ckan.logic as logic
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import interfaces
from ckanext.imwg_sensitivity.model import agreement_table, audit_table
from tests.imwg_sensitivity.agreements_support import PDF, as_user, count, create, in_days, parties, token

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


@pytest.fixture
def portal():
    return parties()


class TestCreate:
    def test_recorded_and_answered(self, portal):
        a = create(title="MAC and protection", sectors=["protection"], max_level="confidential")
        assert a["status"] == "in_force" and a["in_force"]
        assert a["provider_id"] == portal["provider"]["id"]
        assert a["receiver_id"] == portal["receiver"]["id"]
        assert a["sectors"] == ["protection"] and a["max_level"] == "confidential" and a["by_rule"]
        assert a["starts"] == dt.date.today().isoformat()
        assert "document" not in a and not a["has_document"]
        entry = model.Session.execute(sa.select(audit_table).where(audit_table.c.event == "agreement_created")).one()
        assert entry.detail["agreement_id"] == a["id"]

    def test_named_datasets_by_name(self, portal):
        a = create(by_rule=False, package_ids=["hazards"])
        assert a["package_ids"] == [portal["dataset"]["id"]] and not a["by_rule"]

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"receiver_id": "mine-action-centre"}, "receiver_id"),
            ({"receiver_id": "no-such-org"}, "receiver_id"),
            ({"receiver_id": ""}, "receiver_id"),
            ({"starts": in_days(10), "ends": in_days(5)}, "ends"),
            ({"starts": in_days(-30), "ends": in_days(-1)}, "ends"),
            ({"ends": "next tuesday"}, "ends"),
            ({"ends": None}, "ends"),
            ({"starts": "2026-13-45"}, "starts"),
            ({"max_level": "top_secret"}, "max_level"),
            ({"by_rule": False, "package_ids": ["foreign"]}, "package_ids"),
            ({"by_rule": False, "package_ids": ["no-such-dataset"]}, "package_ids"),
            ({"by_rule": False}, "package_ids"),
            ({"package_ids": [{"id": "x"}]}, "package_ids"),
            ({"sectors": "protection", "places": [1, 2]}, "places"),
            ({"places": ["MMR001"]}, "places"),  # no gazetteer: places cannot be checked
            ({"purpose": ""}, "purpose"),
            ({"purpose": "a\x00b"}, "purpose"),
        ],
    )
    def test_bad_input_is_a_field_error_and_nothing_is_saved(self, portal, changes, field):
        with pytest.raises(logic.ValidationError) as e:
            create(**changes)
        assert field in e.value.error_dict, e.value.error_dict
        assert count() == 0

    @pytest.mark.parametrize("user", ["provider-member", "receiver-admin", "outsider"])
    def test_only_the_providers_admins_record(self, portal, user):
        with pytest.raises(logic.NotAuthorized):
            create(user=user)
        assert count() == 0

    def test_sysadmins_record(self, portal):
        factories.Sysadmin(name="root")
        assert create(user="root")["status"] == "in_force"


class TestVisibility:
    @pytest.mark.parametrize("user", ["provider-admin", "provider-member", "receiver-admin", "receiver-member"])
    def test_parties_see_it(self, portal, user):
        a = create()
        assert call_action("access_agreement_show", context=as_user(user), id=a["id"])["id"] == a["id"]
        own = "mine-action-centre" if user.startswith("provider") else "protection-cluster"
        other = "protection-cluster" if user.startswith("provider") else "mine-action-centre"
        listed = call_action("access_agreement_list", context=as_user(user), organization_id=own)
        assert [x["id"] for x in listed] == [a["id"]]
        # the other party's list of agreements (with third parties too) is its members' only
        with pytest.raises(logic.NotAuthorized):
            call_action("access_agreement_list", context=as_user(user), organization_id=other)
        assert [x["id"] for x in call_action("access_agreement_list", context=as_user(user))] == [a["id"]]

    @pytest.mark.parametrize("user", ["outsider", ""])
    def test_others_are_told_it_does_not_exist(self, portal, user):
        a = create()
        for action in ("access_agreement_show", "access_agreement_terminate", "access_agreement_update"):
            with pytest.raises(logic.NotFound):
                call_action(action, context=as_user(user), id=a["id"])
        with pytest.raises(logic.NotFound):
            call_action("access_agreement_show", context=as_user(user), id="no-such-agreement")
        with pytest.raises(logic.NotAuthorized):
            call_action("access_agreement_list", context=as_user(user), organization_id="mine-action-centre")
        if user:
            assert call_action("access_agreement_list", context=as_user(user)) == []

    @pytest.mark.parametrize("user", ["provider-member", "receiver-admin"])
    def test_only_the_providers_admins_change_or_end_it(self, portal, user):
        a = create()
        with pytest.raises(logic.NotAuthorized):
            call_action("access_agreement_update", context=as_user(user), id=a["id"], purpose="Other")
        with pytest.raises(logic.NotAuthorized):
            call_action("access_agreement_terminate", context=as_user(user), id=a["id"])


class TestUpdateAndTerminate:
    def test_update_changes_scope_and_dates(self, portal):
        a = create()
        b = call_action(
            "access_agreement_update",
            context=as_user("provider-admin"),
            id=a["id"],
            sectors=["health"],
            ends=in_days(60),
        )
        assert b["sectors"] == ["health"] and b["ends"] == in_days(60) and b["purpose"] == a["purpose"]

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"ends": in_days(-2)}, "ends"),
            ({"receiver_id": "third-org"}, "receiver_id"),
            ({"max_level": "nope"}, "max_level"),
            ({"package_ids": ["foreign"]}, "package_ids"),
        ],
    )
    def test_update_bad_input(self, portal, changes, field):
        a = create()
        with pytest.raises(logic.ValidationError) as e:
            call_action("access_agreement_update", context=as_user("provider-admin"), id=a["id"], **changes)
        assert field in e.value.error_dict
        shown = call_action("access_agreement_show", context=as_user("provider-admin"), id=a["id"])
        assert shown["ends"] == a["ends"] and shown["package_ids"] == a["package_ids"]

    def test_terminate_once(self, portal):
        a = create()
        t = call_action("access_agreement_terminate", context=as_user("provider-admin"), id=a["id"], reason="Ended")
        assert t["status"] == "terminated" and t["terminated_reason"] == "Ended"
        with pytest.raises(logic.ValidationError):
            call_action("access_agreement_terminate", context=as_user("provider-admin"), id=a["id"])
        with pytest.raises(logic.ValidationError):
            call_action("access_agreement_update", context=as_user("provider-admin"), id=a["id"], purpose="x")
        listed = call_action(
            "access_agreement_list", context=as_user("receiver-member"), organization_id="protection-cluster"
        )
        assert [x["status"] for x in listed] == ["terminated"]


class TestDocument:
    def post(self, app, user, size=None, name="signed.pdf", status=200, **fields):
        content = PDF if size is None else PDF + b"0" * size
        data = {
            "provider_id": "mine-action-centre",
            "receiver_id": "protection-cluster",
            "purpose": "Protection monitoring",
            "by_rule": "true",
            "ends": in_days(30),
            "document": (io.BytesIO(content), name),
            **fields,
        }
        resp = app.post("/api/action/access_agreement_create", data=data, headers=token(user), status=status)
        return resp.json

    def test_served_to_the_parties_only(self, app, portal):
        a = self.post(app, "provider-admin")["result"]
        assert a["has_document"] and a["document_name"] == "signed.pdf"
        url = f"/agreement/{a['id']}/document"
        for user in ("provider-admin", "provider-member", "receiver-member"):
            resp = app.get(url, headers=token(user))
            assert resp.status_code == 200 and resp.data == PDF
            assert "attachment" in resp.headers["Content-Disposition"]
        assert app.get(url, headers=token("outsider"), status=404)
        assert app.get(url, status=404)
        # not in the folder CKAN serves as static files
        stored = model.Session.execute(sa.select(agreement_table.c.document)).scalar()
        assert app.get(f"/uploads/agreements/{stored}", status=404)

    @pytest.mark.ckan_config("ckanext.imwg_sensitivity.agreement_max_document_mb", 1)
    def test_too_large(self, app, portal):
        answer = self.post(app, "provider-admin", size=1024 * 1024 + 10, status=409)
        assert "document" in answer["error"]
        assert count() == 0

    def test_not_a_document(self, app, portal):
        answer = self.post(
            app, "provider-admin", name="run.exe", status=409, document=(io.BytesIO(b"MZ\x90\x00" * 64), "run.exe")
        )
        assert "document" in answer["error"]
        assert count() == 0


class TestPages:
    def test_organisation_tab_and_list_for_members_only(self, app, portal):
        a = create(title="MAC and protection")
        for org, user in (("mine-action-centre", "provider-member"), ("protection-cluster", "receiver-member")):
            page = app.get(f"/organization/{org}", headers=token(user)).get_data(as_text=True)
            assert f"/organization/{org}/agreements" in page
            listing = app.get(f"/organization/{org}/agreements", headers=token(user)).get_data(as_text=True)
            assert "MAC and protection" in listing
            page = app.get(f"/organization/{org}", headers=token("outsider")).get_data(as_text=True)
            assert "/agreements" not in page
            app.get(f"/organization/{org}/agreements", headers=token("outsider"), status=404)
            app.get(f"/organization/{org}/agreements", status=404)
        app.get(f"/agreement/{a['id']}", headers=token("outsider"), status=404)
        page = app.get(f"/agreement/{a['id']}", headers=token("receiver-member")).get_data(as_text=True)
        assert "MAC and protection" in page and "terminate-agreement" not in page
        page = app.get(f"/agreement/{a['id']}", headers=token("provider-admin")).get_data(as_text=True)
        assert "terminate-agreement" in page

    def test_new_agreement_form(self, app, portal):
        app.get("/organization/mine-action-centre/agreements/new", headers=token("receiver-admin"), status=403)
        page = app.get("/organization/mine-action-centre/agreements/new", headers=token("provider-admin"))
        assert "agreement-form" in page.get_data(as_text=True)
        form = {
            "receiver_id": portal["receiver"]["id"],
            "purpose": "Monitoring",
            "sectors": "protection",
            "by_rule": "true",
            "ends": in_days(5),
            "starts": in_days(10),
        }
        resp = app.post("/organization/mine-action-centre/agreements/new", data=form, headers=token("provider-admin"))
        assert 'data-field="ends"' in resp.get_data(as_text=True)
        assert count() == 0
        form["starts"] = ""
        resp = app.post(
            "/organization/mine-action-centre/agreements/new",
            data=form,
            headers=token("provider-admin"),
            follow_redirects=False,
        )
        assert resp.status_code == 302 and "/agreement/" in resp.headers["Location"]
        assert count() == 1


class TestNotice:
    def test_both_parties_admins_are_told_once(self, portal):
        soon = create(ends=in_days(10))
        create(ends=in_days(20))  # beyond the notice window
        ended = create(ends=in_days(1))
        model.Session.execute(
            agreement_table.update()
            .where(agreement_table.c.id == ended["id"])
            .values(starts=dt.date.today() - dt.timedelta(days=30), ends=dt.date.today() - dt.timedelta(days=1))
        )
        model.Session.commit()
        received = []

        def receiver(sender, **kwargs):
            received.append((sender, kwargs))

        signal = interfaces.signal(interfaces.AGREEMENT_EXPIRING)
        signal.connect(receiver)
        try:
            interfaces.signal(interfaces.TICK).send(dt.datetime.utcnow())
            interfaces.signal(interfaces.TICK).send(dt.datetime.utcnow())
        finally:
            signal.disconnect(receiver)
        assert sorted((s, k["expired"]) for s, k in received) == sorted([(soon["id"], False), (ended["id"], True)])
        admins = {model.User.get("provider-admin").id, model.User.get("receiver-admin").id}
        for _, kwargs in received:
            assert admins <= set(kwargs["admins"])
            assert model.User.get("outsider").id not in kwargs["admins"]
            assert model.User.get("receiver-member").id not in kwargs["admins"]
            assert kwargs["provider_id"] == portal["provider"]["id"]
            assert kwargs["receiver_id"] == portal["receiver"]["id"]
