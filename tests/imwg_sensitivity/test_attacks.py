"""Attacks on the access workflow: deciders made from free text, files public
before they are screened, and forms posted from other sites."""

from __future__ import annotations

import json
import re

import ckan.logic as logic
import pytest
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_sensitivity import screening

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_pcode imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
SECRET = "https://secret.example.org/hazards.csv"
PASSWORD = "Attack-pass-2026"
CLEAN = "Township,Township P-code,Hazardous areas\nWaingmaw,MMR001002,3\n"


def as_user(name):
    return {"user": name, "ignore_auth": False}


def analyst_request():
    """A new user's pending request for the data of ``hazards``."""
    factories.User(name="analyst")
    return call_action(
        "access_request_create",
        context=as_user("analyst"),
        package_id="hazards",
        purpose="research",
        intended_use="Planning",
        organization="University",
        days=30,
        accept_terms=True,
    )


@pytest.fixture
def portal():
    factories.Sysadmin(name="the-sysadmin", password=PASSWORD)
    factories.User(name="owner-admin", email="admin@authority.example.org", password=PASSWORD)
    factories.User(name="owner-editor", email="editor@authority.example.org", password=PASSWORD)
    factories.User(name="owner-member", password=PASSWORD)
    factories.User(name="outsider", email="outsider@example.org", password=PASSWORD)
    factories.User(name="focal-point", password=PASSWORD)
    owner = factories.Organization(
        name="authority",
        org_type="government",
        users=[
            {"name": "owner-admin", "capacity": "admin"},
            {"name": "owner-editor", "capacity": "editor"},
            {"name": "owner-member", "capacity": "member"},
        ],
    )
    dataset = call_action(
        "package_create",
        context={"user": "owner-editor"},
        type="dataset",
        name="hazards",
        title="Hazards",
        owner_org=owner["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity="confidential",
        maintainer="Data Officer",
        maintainer_email="data.officer@authority.example.org",
        resources=[{"url": SECRET, "name": "Hazards", "format": "CSV"}],
    )
    return {"owner": owner, "dataset": dataset}


# -- deciders are roles, never free text ----------------------------------------------------


class TestDeciders:
    def test_a_matching_email_decides_nothing(self, portal):
        """A user whose e-mail is the dataset's maintainer address cannot grant access."""
        call_action(
            "user_patch", context={"user": "outsider"}, id="outsider", email="data.officer@authority.example.org"
        )
        with pytest.raises(logic.NotAuthorized):
            call_action("access_grant_create", context=as_user("outsider"), package_id="hazards", user_id="outsider")
        assert call_action("access_grant_list", context={"user": "the-sysadmin"}, package_id="hazards") == []

    def test_an_editor_naming_themself_maintainer_decides_nothing(self, portal):
        """An editor who sets the maintainer to their own name still cannot grant."""
        call_action("package_patch", context={"user": "owner-editor"}, id="hazards", maintainer="owner-editor")
        with pytest.raises(logic.NotAuthorized):
            call_action(
                "access_grant_create", context=as_user("owner-editor"), package_id="hazards", user_id="outsider"
            )

    def test_a_maintainer_decides_no_request(self, portal):
        """A request cannot be decided by the user the maintainer field names."""
        call_action("package_patch", context={"user": "owner-editor"}, id="hazards", maintainer="outsider")
        request = analyst_request()
        with pytest.raises(logic.NotAuthorized):
            call_action("access_request_decide", context=as_user("outsider"), id=request["id"], decision="approve")
        assert call_action("access_request_show", context={"user": "the-sysadmin"}, id=request["id"])["status"] == (
            "pending"
        )

    def test_organisation_admins_decide(self, portal):
        """The owning organisation's admins grant access."""
        grant = call_action(
            "access_grant_create", context=as_user("owner-admin"), package_id="hazards", user_id="outsider"
        )
        assert grant["package_id"] == portal["dataset"]["id"]
        assert grant["revoked"] is None

    @pytest.mark.ckan_config("ckanext.imwg_sensitivity.focal_points", "focal-point")
    def test_configured_focal_points_decide(self, portal):
        """A focal point named in config grants access; another user does not."""
        call_action("access_grant_create", context=as_user("focal-point"), package_id="hazards", user_id="outsider")
        with pytest.raises(logic.NotAuthorized):
            call_action(
                "access_grant_create", context=as_user("owner-member"), package_id="hazards", user_id="outsider"
            )


# -- uploads are gated until screened -------------------------------------------------------


@pytest.mark.usefixtures("clean_queues")
class TestUploadsWaitForTheScreen:
    def upload(self, create_with_upload, portal, content=CLEAN, **extra):
        call_action("package_patch", context={"user": "owner-editor"}, id="hazards", sensitivity="public")
        return create_with_upload(
            content,
            "hazards.csv",
            url="hazards.csv",
            format="CSV",
            package_id=portal["dataset"]["id"],
            context={"user": "owner-editor"},
            **extra,
        )

    @staticmethod
    def download(app, res, user=None):
        headers = {"Authorization": factories.APIToken(user=user)["token"]} if user else {}
        url = f"/dataset/hazards/resource/{res['id']}/download/hazards.csv"
        return app.get(url, headers=headers, follow_redirects=False)

    def test_a_new_public_file_waits_for_the_screen(self, app, portal, create_with_upload):
        """Before the screen runs only the owners get the file; after a clean screen, everyone."""
        res = self.upload(create_with_upload, portal)
        refused = self.download(app, res)
        assert refused.status_code == 403
        assert "being checked for personal data" in refused.get_data(as_text=True)
        assert self.download(app, res, "outsider").status_code == 403
        assert self.download(app, res, "owner-member").status_code == 200
        shown = call_action("package_show", context={"user": "", "ignore_auth": False}, id="hazards")
        file = next(r for r in shown["resources"] if r["id"] == res["id"])
        assert file["url"] == ""
        assert file["screening_pending"]
        assert file["access_controlled"]
        Worker(["default"]).work(burst=True)
        assert self.download(app, res).status_code == 200
        assert self.download(app, res, "outsider").status_code == 200

    def test_a_replaced_file_waits_again(self, app, portal, create_with_upload):
        """A new upload of the same resource is gated again until it is screened."""
        res = self.upload(create_with_upload, portal)
        assert screening.run(res["id"])["status"] == "clean"
        served = self.download(app, res)
        assert served.status_code == 200, served.get_data(as_text=True)
        create_with_upload(
            CLEAN + "Myitkyina,MMR001001,5\n",
            "hazards.csv",
            action="resource_update",
            id=res["id"],
            url="hazards.csv",
            format="CSV",
            package_id=portal["dataset"]["id"],
            context={"user": "owner-editor"},
        )
        assert self.download(app, res).status_code == 403
        Worker(["default"]).work(burst=True)
        assert self.download(app, res).status_code == 200

    def test_an_unreadable_file_waits_for_an_editor(self, app, portal, create_with_upload):
        """A file the screen cannot read stays with the owners until an editor confirms it."""
        res = self.upload(create_with_upload, portal, content=b"\x89PNG\r\n\x1a\n\x00\x00binary")
        Worker(["default"]).work(burst=True)
        assert self.download(app, res).status_code == 403
        call_action("personal_data_confirm", context=as_user("owner-editor"), resource_id=res["id"])
        assert self.download(app, res).status_code == 200

    @pytest.mark.parametrize("name, fmt", [("v.json", "JSON"), ("v.tab", "TAB"), ("v.xls", "XLS"), ("v.dat", "")])
    def test_tables_the_screen_does_not_read_wait_for_an_editor(self, app, portal, create_with_upload, name, fmt):
        """A file in a format the screen does not read (or no format at all) is never public unscreened."""
        call_action("package_patch", context={"user": "owner-editor"}, id="hazards", sensitivity="public")
        people = "Name,Phone\nAung Aung,+95 9 123 4567\n"
        res = create_with_upload(
            people, name, url=name, format=fmt, package_id=portal["dataset"]["id"], context={"user": "owner-editor"}
        )
        url = f"/dataset/hazards/resource/{res['id']}/download/{name}"
        assert app.get(url, follow_redirects=False).status_code == 403
        Worker(["default"]).work(burst=True)
        if fmt != "TAB":  # the screen reads tab-separated files: these findings raise the file's level
            assert app.get(url, follow_redirects=False).status_code == 403
        assert "Aung" not in json.dumps(call_action("package_show", context=as_user(""), id="hazards"))

    def test_documents_are_not_held_back(self, app, portal, create_with_upload):
        """A PDF report goes out as it is: the screen reads tables, not documents."""
        call_action("package_patch", context={"user": "owner-editor"}, id="hazards", sensitivity="public")
        res = create_with_upload(
            b"%PDF-1.4 report",
            "report.pdf",
            url="report.pdf",
            format="PDF",
            package_id=portal["dataset"]["id"],
            context={"user": "owner-editor"},
        )
        url = f"/dataset/hazards/resource/{res['id']}/download/report.pdf"
        assert app.get(url, follow_redirects=False).status_code == 200

    def test_an_old_last_modified_written_back_does_not_pass_a_new_file(self, app, portal, create_with_upload):
        """A client writing back a stale copy (its older last_modified) leaves a new, unscreened file gated."""
        res = self.upload(create_with_upload, portal)
        Worker(["default"]).work(burst=True)
        stale = call_action("package_show", id="hazards")
        create_with_upload(
            "Name,Phone\nAung Aung,+95 9 123 4567\n",
            "hazards.csv",
            action="resource_update",
            id=res["id"],
            url="hazards.csv",
            format="CSV",
            package_id=portal["dataset"]["id"],
            context={"user": "owner-editor"},
        )
        assert self.download(app, res).status_code == 403
        call_action("package_update", context={"user": "owner-editor"}, **{**stale, "notes": "Edited"})
        assert self.download(app, res).status_code == 403

    def test_the_command_screens_what_waits(self, app, portal, create_with_upload):
        """`ckan sensitivity screen` screens the files that wait, then finds none."""
        from click.testing import CliRunner

        from ckanext.imwg_sensitivity.cli import sensitivity

        res = self.upload(create_with_upload, portal)
        call_action("job_clear", context={"user": "the-sysadmin"})  # as if the worker had lost them
        # the group itself, in this process's configuration (the test's storage)
        result = CliRunner().invoke(sensitivity, ["screen", "--enqueue"])
        assert result.exit_code == 0, result.output
        assert "Screened: 1 queued" in result.output
        assert self.download(app, res).status_code == 403
        Worker(["default"]).work(burst=True)
        assert self.download(app, res).status_code == 200
        again = CliRunner().invoke(sensitivity, ["screen"])
        assert again.exit_code == 0
        assert "No file waits" in again.output

    def test_owners_downloads_of_unscreened_files_are_audited(self, app, portal, create_with_upload):
        """A download before the screen is recorded in the audit log."""
        res = self.upload(create_with_upload, portal)
        assert self.download(app, res, "owner-member").status_code == 200
        entries = call_action("access_audit_list", context={"user": "the-sysadmin"}, package_id="hazards")
        assert [e["event"] for e in entries if e["resource_id"] == res["id"]] == ["download"]


class TestUploadsKeepTheirResource:
    def test_the_owner_check_keeps_the_resource_list_package_update_holds(self, portal):
        """package_update stores each uploaded file under ``pkg.resources[index]``
        right after its owner check (``package_owner_org_update``), which the
        suite chains to relabel the dataset's activities. Reloading the
        resource list there would give it back in whatever order the database
        returns (the relationship has none) and store a file under another
        resource's id: the list the session holds stays as it is."""
        import ckan.model as model
        import sqlalchemy as sa

        pkg = model.Package.get("hazards")
        held = pkg.resources_all
        assert [r.id for r in held] == [portal["dataset"]["resources"][0]["id"]]
        context = {"user": "owner-editor", "ignore_auth": True, "defer_commit": True}
        call_action("package_owner_org_update", context=context, id=pkg.id, organization_id=pkg.owner_org)
        assert "resources_all" not in sa.inspect(pkg).unloaded
        assert pkg.resources_all is held
        model.Session.rollback()


# -- CSRF ----------------------------------------------------------------------------------


def _token(body):
    return re.search(r'name="_csrf_token" value="([^"]+)"', body).group(1)


def browser(app, name):
    """A client that keeps its cookies, logged in as ``name`` through a session
    (not an API token, which CKAN exempts from CSRF checks), and the CSRF
    token of its session."""
    client = app.test_client()
    environ = {"REMOTE_USER": name}
    body = client.get("/dataset/", environ_overrides=environ).get_data(as_text=True)
    return client, environ, _token(body)


def suite_forms(app, portal, create_with_upload):
    """Every state-changing route of the suite, with real ids filled in."""
    res = create_with_upload(
        CLEAN, "t.csv", url="t.csv", format="CSV", package_id=portal["dataset"]["id"], context={"user": "owner-editor"}
    )
    request = analyst_request()
    values = {"id": "hazards", "resource_id": res["id"]}
    forms = {}
    for rule in app.flask_app.url_map.iter_rules():
        if rule.endpoint.startswith("imwg") and "POST" in rule.methods:
            args = {a: (request["id"] if "requests" in rule.rule else values[a]) for a in rule.arguments}
            forms[rule.endpoint] = rule.build(args)[1]
    assert forms
    return forms


@pytest.mark.parametrize("with_token", [False, True])
def test_every_form_of_the_suite_checks_the_csrf_token(app, portal, create_with_upload, with_token):
    """A POST to any of the suite's routes without CKAN's CSRF token is refused
    (400) and changes nothing; with it, it reaches the view."""
    forms = suite_forms(app, portal, create_with_upload)
    client, environ, token = browser(app, "the-sysadmin")
    for endpoint, url in forms.items():
        data = {"decision": "reject", "reason": "No", "_csrf_token": token} if with_token else {"decision": "reject"}
        resp = client.post(url, data=data, environ_overrides=environ, follow_redirects=False)
        if with_token:
            assert resp.status_code != 400, (endpoint, resp.status_code)
        else:
            assert resp.status_code == 400, (endpoint, resp.status_code)
    statuses = {r["status"] for r in call_action("access_request_list", context={"user": "the-sysadmin"})}
    assert statuses == ({"rejected"} if with_token else {"pending"})
