"""Changing and terminating a data-sharing agreement in the pages: the form
comes prefilled, bad input comes back on its fields (nothing typed lost,
nothing saved), only the providing organisation's admins get the forms, and
termination asks for a confirmation first."""

from __future__ import annotations

import datetime as dt
import io

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories

from ckanext.imwg_sensitivity.model import agreement_table, audit_table
from tests.imwg_sensitivity.agreements_support import PDF, count, create, in_days, parties, token

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


@pytest.fixture
def portal():
    """The agreements' portal: two parties, a third organisation, a dataset of each."""
    return parties()


def stored(agreement_id):
    row = model.Session.execute(sa.select(agreement_table).where(agreement_table.c.id == agreement_id)).one()
    model.Session.rollback()  # the next read sees what a request committed
    return row._mapping


def form_of(agreement, **changes):
    """What the edit form sends when left as it came, with ``changes``."""
    values = {
        "title": agreement["title"],
        "purpose": agreement["purpose"],
        "package_ids": "",
        "by_rule": "true",
        "sectors": "",
        "places": "",
        "max_level": "",
        "starts": agreement["starts"],
        "ends": agreement["ends"],
        **changes,
    }
    return {k: v for k, v in values.items() if v is not None}


def edit(app, agreement, user="provider-admin", status=200, **changes):
    return app.post(
        f"/agreement/{agreement['id']}/edit",
        data=form_of(agreement, **changes),
        headers=token(user),
        status=status,
        follow_redirects=False,
    )


class TestEditPage:
    def test_links_on_the_agreement_page_for_the_providers_admins_only(self, app, portal):
        """The agreement's page offers Change and Terminate to the provider's admins, to nobody else."""
        a = create()
        page = app.get(f"/agreement/{a['id']}", headers=token("provider-admin")).get_data(as_text=True)
        assert f'href="/agreement/{a["id"]}/edit"' in page and f'href="/agreement/{a["id"]}/terminate"' in page
        for user in ("provider-member", "receiver-admin", "receiver-member"):
            page = app.get(f"/agreement/{a['id']}", headers=token(user)).get_data(as_text=True)
            assert f"/agreement/{a['id']}/edit" not in page and f"/agreement/{a['id']}/terminate" not in page

    def test_form_is_prefilled(self, app, portal):
        """The form shows the agreement's values, its datasets by name, the receiver fixed."""
        a = create(title="MAC and protection", package_ids=["hazards"], sectors=["protection"], max_level="restricted")
        page = app.get(f"/agreement/{a['id']}/edit", headers=token("provider-admin")).get_data(as_text=True)
        assert 'value="MAC and protection"' in page
        assert ">Protection monitoring</textarea>" in page
        assert 'id="package_ids" name="package_ids" class="form-control" value="hazards"' in page
        assert 'value="protection"' in page
        assert '<option value="restricted" selected>' in page
        assert f'value="{a["ends"]}"' in page and f'value="{a["starts"]}"' in page
        assert 'name="receiver_id"' not in page and f"<strong>{portal['receiver']['title']}</strong>" in page
        assert 'name="by_rule" value="true" checked' in page

    @pytest.mark.parametrize(
        "user, status", [("provider-member", 403), ("receiver-admin", 403), ("receiver-member", 403), ("outsider", 404)]
    )
    def test_others_are_refused(self, app, portal, user, status):
        """Members of the parties who are not the provider's admins get 403, everyone else 404; nothing changes."""
        a = create()
        app.get(f"/agreement/{a['id']}/edit", headers=token(user), status=status)
        edit(app, a, user=user, status=status, purpose="Taken over")
        assert stored(a["id"])["purpose"] == "Protection monitoring"

    def test_anonymous_is_sent_to_log_in(self, app, portal):
        a = create()
        resp = app.get(f"/agreement/{a['id']}/edit", follow_redirects=False)
        assert resp.status_code == 302 and "/user/login" in resp.headers["Location"]

    def test_unknown_agreement_is_404(self, app, portal):
        app.get("/agreement/no-such-agreement/edit", headers=token("provider-admin"), status=404)


class TestEdit:
    def test_saves_the_changes(self, app, portal):
        """A valid post changes the fields and leads back to the agreement."""
        a = create()
        resp = edit(app, a, status=302, purpose="Mine risk education", sectors="health, protection", ends=in_days(90))
        assert resp.status_code == 302 and resp.headers["Location"].endswith(f"/agreement/{a['id']}")
        row = stored(a["id"])
        assert row["purpose"] == "Mine risk education"
        assert row["sectors"] == ["health", "protection"] and row["by_rule"]
        assert row["ends"] == dt.date.fromisoformat(in_days(90))
        assert row["receiver_id"] == portal["receiver"]["id"]

    def test_nothing_changed_records_nothing(self, app, portal):
        """The form sent back as it came leads to the agreement; no change is audited."""
        a = create(package_ids=["hazards"], sectors=["protection"])
        edit(app, a, package_ids="hazards", sectors="protection", status=302)
        events = model.Session.execute(sa.select(audit_table.c.event)).scalars().all()
        assert "agreement_updated" not in events

    def test_rule_turned_off_for_named_datasets(self, app, portal):
        """Unticking the rule and emptying its parts leaves the named datasets only."""
        a = create(sectors=["protection"])
        edit(app, a, by_rule=None, sectors="", package_ids="hazards", status=302)
        row = stored(a["id"])
        assert not row["by_rule"] and row["package_ids"] == [portal["dataset"]["id"]]

    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"starts": in_days(10), "ends": in_days(5)}, "ends"),  # the end before the start
            ({"ends": in_days(-3)}, "ends"),
            ({"ends": ""}, "ends"),
            ({"ends": "next tuesday"}, "ends"),
            ({"starts": ""}, "starts"),
            ({"purpose": ""}, "purpose"),
            ({"title": ""}, "title"),
            ({"package_ids": "foreign, no-such-dataset"}, "package_ids"),  # not the provider's datasets
            ({"by_rule": None, "sectors": ""}, "package_ids"),  # covers nothing
            ({"places": "MMR001"}, "places"),  # no gazetteer: places cannot be checked
            ({"max_level": "top_secret"}, "max_level"),
        ],
    )
    def test_bad_input_comes_back_on_its_field(self, app, portal, changes, field):
        """200 with the error on the field, what was typed kept, nothing saved."""
        a = create()
        typed = {"title": "A new title", "sectors": "shelter", **changes}
        resp = edit(app, a, **typed)
        page = resp.get_data(as_text=True)
        assert f'data-field-error="{field}"' in page and f'data-field="{field}"' in page
        if field != "title":
            assert 'value="A new title"' in page
        assert stored(a["id"])["title"] == a["title"] and stored(a["id"])["sectors"] is None

    def test_an_ended_agreement_changes_without_its_dates(self, app, portal):
        """An agreement already past its end still takes other changes (its dates are not sent again)."""
        a = create()
        ended = dt.date.today() - dt.timedelta(days=2)
        model.Session.execute(
            agreement_table.update()
            .where(agreement_table.c.id == a["id"])
            .values(starts=ended - dt.timedelta(days=30), ends=ended)
        )
        model.Session.commit()
        page = app.get(f"/agreement/{a['id']}/edit", headers=token("provider-admin")).get_data(as_text=True)
        assert f'value="{ended.isoformat()}"' in page
        a = {**a, "starts": (ended - dt.timedelta(days=30)).isoformat(), "ends": ended.isoformat()}
        edit(app, a, purpose="Archived monitoring", status=302)
        assert stored(a["id"])["purpose"] == "Archived monitoring"

    def test_document_replaced_and_removed(self, app, portal):
        """A file chosen replaces the document; ticking Remove takes it away."""
        a = create()
        data = {**form_of(a), "document": (io.BytesIO(PDF), "signed.pdf")}
        app.post(f"/agreement/{a['id']}/edit", data=data, headers=token("provider-admin"), status=200)
        assert stored(a["id"])["document_name"] == "signed.pdf"
        page = app.get(f"/agreement/{a['id']}/edit", headers=token("provider-admin")).get_data(as_text=True)
        assert 'name="clear_document"' in page
        edit(app, a, clear_document="true", status=302)
        assert stored(a["id"])["document"] is None

    def test_terminated_agreement_is_not_edited(self, app, portal):
        """A terminated agreement's form leads back to its page."""
        a = create()
        app.post(f"/agreement/{a['id']}/terminate", data={"reason": "Ended"}, headers=token("provider-admin"))
        resp = app.get(f"/agreement/{a['id']}/edit", headers=token("provider-admin"), follow_redirects=False)
        assert resp.status_code == 302
        edit(app, a, purpose="Again", status=302)
        assert stored(a["id"])["purpose"] == "Protection monitoring"


class TestTerminate:
    def test_asks_first_then_terminates_with_the_reason(self, app, portal):
        """The button leads to a confirmation; confirming terminates it, with the reason shown to both parties."""
        a = create(title="MAC and protection")
        page = app.get(f"/agreement/{a['id']}/terminate", headers=token("provider-admin")).get_data(as_text=True)
        assert "terminate-agreement-form" in page and "MAC and protection" in page
        assert stored(a["id"])["terminated"] is None  # asking changes nothing
        resp = app.post(
            f"/agreement/{a['id']}/terminate",
            data={"reason": "The project closed"},
            headers=token("provider-admin"),
            follow_redirects=False,
        )
        assert resp.status_code == 302
        row = stored(a["id"])
        assert row["terminated"] is not None and row["terminated_reason"] == "The project closed"
        page = app.get(f"/agreement/{a['id']}", headers=token("receiver-member")).get_data(as_text=True)
        assert "The project closed" in page
        page = app.get(f"/agreement/{a['id']}", headers=token("provider-admin")).get_data(as_text=True)
        assert "terminate-agreement" not in page and "edit-agreement" not in page
        resp = app.get(f"/agreement/{a['id']}/terminate", headers=token("provider-admin"), follow_redirects=False)
        assert resp.status_code == 302

    @pytest.mark.parametrize("user, status", [("receiver-admin", 403), ("provider-member", 403), ("outsider", 404)])
    def test_others_are_refused(self, app, portal, user, status):
        a = create()
        app.get(f"/agreement/{a['id']}/terminate", headers=token(user), status=status)
        app.post(f"/agreement/{a['id']}/terminate", data={"reason": "x"}, headers=token(user), status=status)
        assert stored(a["id"])["terminated"] is None


class TestNewForm:
    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"receiver_id": "no-such-org"}, "receiver_id"),  # an unknown organisation
            ({"starts": in_days(10), "ends": in_days(5)}, "ends"),  # the end before the start
            ({"ends": ""}, "ends"),
            ({"purpose": ""}, "purpose"),
        ],
    )
    def test_bad_input_comes_back_on_its_field(self, app, portal, changes, field):
        """200 with the error on the field and what was typed kept; nothing recorded."""
        form = {
            "receiver_id": portal["receiver"]["id"],
            "title": "Typed title",
            "purpose": "Monitoring",
            "sectors": "protection",
            "by_rule": "true",
            "ends": in_days(30),
            **changes,
        }
        resp = app.post("/organization/mine-action-centre/agreements/new", data=form, headers=token("provider-admin"))
        page = resp.get_data(as_text=True)
        assert resp.status_code == 200
        assert f'data-field-error="{field}"' in page
        assert 'value="Typed title"' in page and 'value="protection"' in page
        assert count() == 0

    def test_sysadmin_edits(self, app, portal):
        """A sysadmin manages any agreement."""
        factories.Sysadmin(name="root")
        a = create()
        edit(app, a, user="root", purpose="Checked", status=302)
        assert stored(a["id"])["purpose"] == "Checked"
