"""Freshness on a portal: what counts as a data change, "still current",
the recomputation command, the index, the facet and the badges."""

from __future__ import annotations

import datetime as dt
import re

import ckan.logic as logic
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action
from click.testing import CliRunner

from ckanext.imwg_exchange.cli import exchange
from ckanext.imwg_exchange.freshness import after_search, tracking
from ckanext.imwg_exchange.freshness.model import event_table, freshness_table

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_exchange imwg_search"
CSV = "site,pcode\nCamp A,MMR001001\n"


def as_user(name):
    return {"user": name, "ignore_auth": False}


@pytest.fixture
def portal():
    """An organisation with an admin, an editor and a member; a user of no organisation."""
    for name in ("admin", "editor", "member", "outsider"):
        factories.User(name=name)
    return factories.Organization(
        name="ngo",
        org_type="ingo",
        users=[
            {"name": "admin", "capacity": "admin"},
            {"name": "editor", "capacity": "editor"},
            {"name": "member", "capacity": "member"},
        ],
    )


def create(org, name="idp-sites", frequency="monthly", **fields):
    return call_action(
        "package_create",
        context=as_user("editor"),
        type="dataset",
        name=name,
        title=name.replace("-", " ").title(),
        owner_org=org["id"],
        source="Field teams",
        sectors=["cccm"],
        update_frequency=frequency,
        **fields,
    )


def row(package_id):
    return model.Session.execute(sa.select(freshness_table).where(freshness_table.c.package_id == package_id)).first()


def age(package_id, days):
    """Make the dataset's data as old as ``days`` (its row written directly)."""
    when = tracking.utcnow() - dt.timedelta(days=days)
    model.Session.execute(
        freshness_table.update().where(freshness_table.c.package_id == package_id).values(data_changed_at=when)
    )
    model.Session.commit()
    return when


def found(fq):
    result = call_action("package_search", fq=fq, include_private=True, rows=100)
    return sorted(p["name"] for p in result["results"])


def just_now(value):
    return abs((tracking.utcnow() - value).total_seconds()) < 60


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestDataChanges:
    def test_a_new_dataset_is_fresh(self, portal):
        """Created now: its data changed now."""
        pkg = create(portal)
        shown = call_action("freshness_show", context=as_user("outsider"), id=pkg["name"])
        assert shown["status"] == "fresh"
        assert shown["days_since_change"] == 0
        assert shown["next_due"] is not None

    def test_a_metadata_edit_is_not_a_data_change(self, portal):
        """Title, description and a resource's name change nothing."""
        pkg = create(portal, resources=[{"url": "https://example.org/a.csv", "name": "A"}])
        old = age(pkg["id"], 100)
        call_action("package_patch", context=as_user("editor"), id=pkg["id"], title="New title", notes="More words")
        call_action("resource_patch", context=as_user("editor"), id=pkg["resources"][0]["id"], name="Renamed")
        assert row(pkg["id"]).data_changed_at == old

    def test_a_new_resource_is_a_data_change(self, portal):
        """Adding a resource counts."""
        pkg = create(portal)
        age(pkg["id"], 100)
        call_action("resource_create", context=as_user("editor"), package_id=pkg["id"], url="https://example.org/b.csv")
        assert just_now(row(pkg["id"]).data_changed_at)

    def test_a_changed_link_is_a_data_change(self, portal):
        """A resource pointing to another file counts."""
        pkg = create(portal, resources=[{"url": "https://example.org/a.csv"}])
        age(pkg["id"], 100)
        call_action(
            "resource_patch", context=as_user("editor"), id=pkg["resources"][0]["id"], url="https://example.org/a2.csv"
        )
        assert just_now(row(pkg["id"]).data_changed_at)

    def test_an_upload_is_a_data_change(self, portal, create_with_upload):
        """Uploading a file, and uploading it again under the same name, count."""
        pkg = create(portal)
        age(pkg["id"], 100)
        res = create_with_upload(CSV, "sites.csv", url="sites.csv", package_id=pkg["id"], context=as_user("editor"))
        assert just_now(row(pkg["id"]).data_changed_at)
        age(pkg["id"], 100)
        create_with_upload(
            CSV + "Camp B,MMR001002\n",
            "sites.csv",
            action="resource_update",
            id=res["id"],
            url="sites.csv",
            package_id=pkg["id"],
            context=as_user("editor"),
        )
        assert just_now(row(pkg["id"]).data_changed_at)

    def test_a_deleted_resource_is_a_data_change(self, portal):
        """Removing a resource counts."""
        pkg = create(portal, resources=[{"url": "https://example.org/a.csv"}, {"url": "https://example.org/b.csv"}])
        age(pkg["id"], 100)
        call_action("resource_delete", context=as_user("editor"), id=pkg["resources"][1]["id"])
        assert just_now(row(pkg["id"]).data_changed_at)

    def test_the_index_carries_the_status_after_a_data_change(self, portal):
        """A delinquent dataset given new data is found as fresh at once."""
        pkg = create(portal)
        age(pkg["id"], 100)
        tracking.recompute()
        assert found("freshness:delinquent") == ["idp-sites"]
        call_action("resource_create", context=as_user("editor"), package_id=pkg["id"], url="https://example.org/b.csv")
        assert found("freshness:fresh") == ["idp-sites"]

    def test_archived_and_no_schedule(self, portal):
        """An archived dataset is archived; "as needed" has no schedule; so has one without a frequency."""
        create(portal, name="old-survey", archived="yes")
        create(portal, name="assessments", frequency="adhoc")
        create(portal, name="no-frequency", frequency="")
        assert found("freshness:archived") == ["old-survey"]
        assert found("freshness:never") == ["assessments", "no-frequency"]

    def test_a_dataset_without_a_row_counts_from_its_resources(self, portal):
        """Before its first save under the plugin, a dataset's resources date it."""
        pkg = create(portal, resources=[{"url": "https://example.org/a.csv"}])
        model.Session.execute(freshness_table.delete())
        long_ago = tracking.utcnow() - dt.timedelta(days=50)
        model.Session.execute(sa.text("UPDATE resource SET created = :t, last_modified = NULL"), {"t": long_ago})
        model.Session.commit()
        stored = call_action("package_show", context={"use_cache": False}, id=pkg["id"])
        assert tracking.evaluate(stored).status == "overdue"


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestStillCurrent:
    @pytest.fixture
    def late(self, portal):
        pkg = create(portal)
        age(pkg["id"], 100)
        tracking.recompute()
        return pkg

    def test_an_editor_confirms_and_the_dataset_is_fresh(self, late):
        """The status becomes fresh and the index says so."""
        answer = call_action("dataset_still_current", context=as_user("editor"), id=late["name"])
        assert answer["status"] == "fresh"
        assert found("freshness:fresh") == ["idp-sites"]
        assert found("freshness:delinquent") == []

    def test_the_confirmation_is_audited_and_keeps_the_data_change(self, late):
        """Who confirmed, when, and the status before and after; confirming is not a data
        change: the last change stays as it was."""
        before = row(late["id"]).data_changed_at
        call_action("dataset_still_current", context=as_user("editor"), id=late["id"])
        audit = model.Session.execute(sa.select(event_table).where(event_table.c.kind == "still_current")).all()
        editor = model.User.by_name("editor")
        assert len(audit) == 1
        assert audit[0].user_id == editor.id
        assert audit[0].package_id == late["id"]
        assert (audit[0].old_status, audit[0].new_status) == ("delinquent", "fresh")
        assert just_now(audit[0].at)
        assert row(late["id"]).confirmed_by == editor.id
        assert row(late["id"]).data_changed_at == before

    def test_refusals_change_nothing(self, late):
        """A member of the organisation or another user is refused, and so is anonymous; nothing
        recorded. A missing dataset is not found; a missing id is a field error."""
        for user in ("member", "outsider"):
            with pytest.raises(logic.NotAuthorized):
                call_action("dataset_still_current", context=as_user(user), id=late["id"])
            events = model.Session.execute(sa.select(event_table).where(event_table.c.kind == "still_current"))
            assert events.all() == [], user
        with pytest.raises(logic.NotAuthorized):
            call_action("dataset_still_current", context=as_user(""), id=late["id"])
        with pytest.raises(logic.NotFound):
            call_action("dataset_still_current", context=as_user("editor"), id="no-such-dataset")
        with pytest.raises(logic.ValidationError) as err:
            call_action("dataset_still_current", context=as_user("editor"))
        assert "id" in err.value.error_dict

    def test_the_button_confirms(self, app, late):
        """The dataset page's button (a form with its CSRF token) confirms."""
        token = factories.APIToken(user="editor")["token"]
        body = app.get("/dataset/idp-sites", headers={"Authorization": token}).get_data(as_text=True)
        assert "imwg-freshness-confirm" in body
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', body).group(1)
        res = app.post(
            "/dataset/idp-sites/still-current",
            data={"_csrf_token": csrf},
            headers={"Authorization": token},
            follow_redirects=False,
        )
        assert res.status_code == 302
        assert call_action("freshness_show", id="idp-sites")["status"] == "fresh"

    def test_the_page_for_readers_and_editors(self, app, late):
        """The editor's form carries CSRF's token (the route checks it for cookie sessions);
        anonymous visitors and members see the badge, not the button; an anonymous post is
        sent to log in and changes nothing."""
        token = factories.APIToken(user="editor")["token"]
        body = app.get("/dataset/idp-sites", headers={"Authorization": token}).get_data(as_text=True)
        form = re.search(r"<form[^>]*imwg-freshness-confirm.*?</form>", body, re.S).group(0)
        assert 'name="_csrf_token"' in form
        member = factories.APIToken(user="member")["token"]
        for headers in ({}, {"Authorization": member}):
            body = app.get("/dataset/idp-sites", headers=headers).get_data(as_text=True)
            assert 'data-freshness="delinquent"' in body, headers
            assert "imwg-freshness-confirm" not in body, headers
        res = app.post("/dataset/idp-sites/still-current", follow_redirects=False)
        assert res.status_code == 302
        assert "/user/login" in res.headers["Location"]
        assert call_action("freshness_show", id="idp-sites")["status"] == "delinquent"


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestRecompute:
    def test_the_command_changes_statuses_and_reindexes_them(self, portal):
        """Data grown old becomes due, overdue, delinquent, in the table and the index."""
        for name, days in (("due-one", 35), ("overdue-one", 50), ("late-one", 70), ("fresh-one", 3)):
            pkg = create(portal, name=name)
            age(pkg["id"], days)
        result = CliRunner().invoke(exchange, ["freshness"])
        assert result.exit_code == 0, result.output
        assert "3 changed status" in result.output
        assert found("freshness:due") == ["due-one"]
        assert found("freshness:overdue") == ["overdue-one"]
        assert found("freshness:delinquent") == ["late-one"]
        assert found("freshness:fresh") == ["fresh-one"]
        assert row(model.Package.by_name("late-one").id).status == "delinquent"

    def test_each_change_is_recorded(self, portal):
        """One status event per change, for the notifications to tell."""
        pkg = create(portal)
        age(pkg["id"], 35)
        tracking.recompute()
        age(pkg["id"], 50)
        tracking.recompute()
        changes = model.Session.execute(
            sa.select(event_table.c.old_status, event_table.c.new_status)
            .where(event_table.c.kind == "status")
            .order_by(event_table.c.id)
        ).all()
        assert [tuple(c) for c in changes] == [("fresh", "due"), ("due", "overdue")]

    def test_only_changed_datasets_are_reindexed(self, portal):
        """A second run with nothing changed re-indexes nothing."""
        stale = create(portal, name="stale")
        create(portal, name="current")
        age(stale["id"], 35)
        first = tracking.recompute()
        second = tracking.recompute()
        assert first["changed_ids"] == [stale["id"]]
        assert second["changed_ids"] == []

    def test_datasets_without_a_row_are_recorded(self, portal):
        """Datasets indexed before the plugin get their row (and entry) on the first run."""
        pkg = create(portal)
        model.Session.execute(freshness_table.delete())
        model.Session.commit()
        summary = tracking.recompute()
        assert summary["new"] == 1
        assert row(pkg["id"]).status == "fresh"

    def test_a_first_run_reindexes_only_entries_that_say_otherwise(self, portal):
        """Datasets without a row whose index entry already carries the status
        computed now are recorded, not re-indexed; one whose files aged since it
        was indexed (its entry says fresh, it is now delinquent) is re-indexed."""
        same = create(portal, name="same")
        aged = create(portal, name="aged")
        model.Session.execute(freshness_table.delete())
        long_ago = tracking.utcnow() - dt.timedelta(days=200)
        model.Session.execute(
            sa.text("UPDATE resource SET created = :t, last_modified = :t WHERE package_id = :id"),
            {"t": long_ago, "id": aged["id"]},
        )
        model.Session.execute(
            sa.text("UPDATE package SET metadata_created = :t WHERE id = :id"), {"t": long_ago, "id": aged["id"]}
        )
        model.Session.commit()
        assert found("freshness:fresh") == ["aged", "same"]
        summary = tracking.recompute()
        assert summary["new"] == 2
        assert summary["changed_ids"] == [aged["id"]]
        assert same["id"] not in summary["changed_ids"]
        assert found("freshness:delinquent") == ["aged"]

    def test_enqueue(self, portal):
        """--enqueue queues the job instead."""
        result = CliRunner().invoke(exchange, ["freshness", "--enqueue"])
        assert result.exit_code == 0, result.output
        assert "Queued job" in result.output


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestSearchAndPages:
    @pytest.fixture
    def datasets(self, portal):
        create(portal, name="fresh-one")
        late = create(portal, name="late-one")
        create(portal, name="old-survey", archived="yes")
        age(late["id"], 70)
        tracking.recompute()

    def test_facet_and_labels(self, datasets):
        """package_search counts the statuses; the part's search hook gives each value its label."""
        result = call_action("package_search", **{"facet.field": ["freshness"], "rows": 0})
        counts = {i["name"]: i["count"] for i in result["search_facets"]["freshness"]["items"]}
        assert counts == {"fresh": 1, "delinquent": 1, "archived": 1}
        result = after_search(call_action("package_search", **{"facet.field": ["freshness"], "rows": 0}), {})
        labels = {i["name"]: i["display_name"] for i in result["search_facets"]["freshness"]["items"]}
        assert labels == {"fresh": "Fresh", "delinquent": "Delinquent", "archived": "Archived"}

    def test_pages(self, app, datasets):
        """/dataset: a "Freshness" facet, and each result's badge; /dataset?freshness=delinquent
        lists the late dataset only; the dataset page has the badge; the form's about group asks
        whether the dataset is archived."""
        body = app.get("/dataset/").get_data(as_text=True)
        assert "Freshness" in body
        assert "freshness=delinquent" in body
        assert 'data-freshness="delinquent"' in body
        assert 'data-freshness="archived"' in body
        assert 'data-freshness="fresh"' in body
        body = app.get("/dataset/?freshness=delinquent").get_data(as_text=True)
        assert "/dataset/late-one" in body
        assert "/dataset/fresh-one" not in body
        body = app.get("/dataset/late-one").get_data(as_text=True)
        assert 'data-freshness="delinquent"' in body
        assert "imwg-freshness-panel" in body
        token = factories.APIToken(user="editor")["token"]
        body = app.get("/dataset/edit/fresh-one", headers={"Authorization": token}).get_data(as_text=True)
        assert 'id="field-archived"' in body


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestDashboardList:
    @pytest.fixture
    def datasets(self, portal):
        create(portal, name="fresh-one")
        for name, days in (("due-one", 35), ("late-one", 70)):
            age(create(portal, name=name)["id"], days)
        tracking.recompute()

    def test_the_list_and_its_snippet(self, app, datasets):
        """An editor gets the late datasets, most late first, fresh ones left out; a member may
        not edit them (not theirs to update) and gets none; anonymous is refused; the dashboard
        snippet lists them with their buttons."""
        listed = call_action("freshness_list_for_user", context=as_user("editor"))
        assert [d["name"] for d in listed] == ["late-one", "due-one"]
        assert call_action("freshness_list_for_user", context=as_user("member")) == []
        with pytest.raises(logic.NotAuthorized):
            call_action("freshness_list_for_user", context=as_user(""))
        token = factories.APIToken(user="editor")["token"]
        with app.flask_app.test_request_context(headers={"Authorization": token}):
            app.flask_app.preprocess_request()
            from ckan.lib.base import render_snippet

            html = render_snippet("imwg_exchange/freshness/dashboard.html")
        assert 'data-dataset="late-one"' in html
        assert 'data-dataset="fresh-one"' not in html
        assert "imwg-freshness-confirm" in html
