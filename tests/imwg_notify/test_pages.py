"""Preferences (action and page), the signed unsubscribe link, the sysadmin
pages (delivery status with retry, caught mail) and ``ckan notify``."""

from __future__ import annotations

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.cli.cli import ckan as ckan_cli
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_notify import outbox, tokens
from ckanext.imwg_notify.model import message_table
from tests.imwg_notify.conftest import run_jobs

PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_notify imwg_search"
)


def token_of(name):
    return call_action("api_token_create", context={"user": name}, user=name, name="t")["token"]


def own(name):
    return {"user": name, "ignore_auth": False}


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestPreferences:
    def test_defaults_then_update(self):
        """Each kind starts at its default; an update changes only the kinds given."""
        user = factories.User(name="ana")
        shown = call_action("notify_preferences_show", context=own("ana"))
        assert shown["preferences"] == {
            "access": "immediate",
            "changes": "daily",
            "overdue": "immediate",
            "needs": "immediate",
        }
        call_action("notify_preferences_update", context=own("ana"), changes="weekly", access="none")
        assert outbox.frequency(user["id"], "changes") == "weekly"
        assert outbox.frequency(user["id"], "access") == "none"
        assert outbox.frequency(user["id"], "needs") == "immediate"

    def test_bad_frequency_is_a_field_error(self):
        """A frequency a kind does not allow is refused on that field, nothing changed."""
        user = factories.User(name="ana")
        with pytest.raises(Exception) as refused:
            call_action("notify_preferences_update", context=own("ana"), access="daily", changes="hourly")
        assert set(refused.value.error_dict) == {"access", "changes"}
        assert outbox.frequency(user["id"], "changes") == "daily"

    def test_only_oneself_or_a_sysadmin(self):
        """Another user's preferences are refused; a sysadmin may change them."""
        from ckan.logic import NotAuthorized

        factories.User(name="ana")
        factories.User(name="bo")
        factories.Sysadmin(name="root")
        with pytest.raises(NotAuthorized):
            call_action("notify_preferences_update", context=own("bo"), user_id="ana", changes="none")
        with pytest.raises(NotAuthorized):
            call_action("notify_preferences_show", context=own("bo"), user_id="ana")
        call_action("notify_preferences_update", context=own("root"), user_id="ana", changes="none")
        assert outbox.frequency(model.User.get("ana").id, "changes") == "none"

    def test_none_stores_nothing_and_digests_hold(self):
        """With "none" nothing is stored; with "daily" the message is held for the digest."""
        user = factories.User(name="ana")
        call_action("notify_preferences_update", context=own("ana"), overdue="none", needs="daily")
        assert not outbox.notify(user["id"], "overdue", "k1", "dataset_overdue", {})
        assert outbox.notify(user["id"], "needs", "k2", "need", {})
        model.Session.commit()
        [row] = model.Session.execute(sa.select(message_table)).mappings().all()
        assert row["status"] == "held" and row["digest"] == "daily"

    def test_page_saves_and_shows_errors(self, app):
        """The page lists the kinds; a post saves; a bad value is shown on its field."""
        factories.User(name="ana")
        headers = {"Authorization": token_of("ana")}
        page = app.get("/user/ana/notifications", headers=headers)
        assert 'name="changes"' in page.body and 'value="weekly"' in page.body
        assert 'name="access"' in page.body
        app.post("/user/ana/notifications", data={"changes": "weekly"}, headers=headers, follow_redirects=False)
        assert outbox.frequency(model.User.get("ana").id, "changes") == "weekly"
        page = app.post("/user/ana/notifications", data={"access": "weekly"}, headers=headers)
        assert "Choose one of: immediate, none" in page.body

    def test_page_of_another_user_is_403(self, app):
        """Another user's page is refused."""
        factories.User(name="ana")
        factories.User(name="bo")
        app.get("/user/ana/notifications", headers={"Authorization": token_of("bo")}, status=403)

    def test_user_page_links_to_it(self, app):
        """The user's own page has a tab to their notifications."""
        factories.User(name="ana")
        page = app.get("/user/ana", headers={"Authorization": token_of("ana")})
        assert "/user/ana/notifications" in page.body


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestUnsubscribe:
    def test_valid_token_turns_the_kind_off(self, app):
        """The signed link sets its kind to none and says so (no login needed)."""
        user = factories.User(name="ana")
        page = app.get(f"/notify/unsubscribe/{tokens.unsubscribe_token(user['id'], 'changes')}")
        assert "no longer get notifications of this kind: changes" in page.body
        assert outbox.frequency(user["id"], "changes") == "none"
        assert outbox.frequency(user["id"], "overdue") == "immediate"

    def test_forged_token_is_400_and_changes_nothing(self, app):
        """A token signed with another secret, or altered, is a clear 400 page; nothing changes."""
        from itsdangerous import URLSafeSerializer

        user = factories.User(name="ana")
        forged = URLSafeSerializer("not-the-secret", salt="imwg_notify.unsubscribe").dumps(
            {"u": user["id"], "k": "changes"}
        )
        page = app.get(f"/notify/unsubscribe/{forged}", status=400)
        assert "This unsubscribe link is not valid" in page.body
        genuine = tokens.unsubscribe_token(user["id"], "changes")
        app.get(f"/notify/unsubscribe/{genuine[:-2]}xx", status=400)
        app.get("/notify/unsubscribe/garbage", status=400)
        assert outbox.frequency(user["id"], "changes") == "daily"


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config("smtp.server", "127.0.0.1:9")
class TestStatus:
    def failed_message(self, monkeypatch, ckan_config):
        monkeypatch.setitem(ckan_config, "ckanext.imwg_notify.max_attempts", 1)
        user = factories.User(name="ana")
        outbox.notify(user["id"], "access", "k1", "agreement_expiring", {"provider": "A", "receiver": "B"})
        model.Session.commit()
        run_jobs()
        return model.Session.execute(sa.select(message_table)).mappings().one()

    def test_status_page_is_for_sysadmins(self, app):
        """Sysadmins see the delivery status; another user gets 403; a visitor is sent to log in."""
        factories.User(name="ana")
        factories.Sysadmin(name="root")
        app.get("/ckan-admin/notifications", headers={"Authorization": token_of("ana")}, status=403)
        app.get("/ckan-admin/mail", headers={"Authorization": token_of("ana")}, status=403)
        response = app.get("/ckan-admin/notifications", follow_redirects=False)
        assert response.status_code == 302
        page = app.get("/ckan-admin/notifications", headers={"Authorization": token_of("root")})
        assert "imwg-notify-counts" in page.body

    def test_failure_shown_and_retried(self, app, monkeypatch, ckan_config):
        """A failed message is listed with its error; the retry button queues it again."""
        row = self.failed_message(monkeypatch, ckan_config)
        assert row["status"] == "failed"
        factories.Sysadmin(name="root")
        headers = {"Authorization": token_of("root")}
        page = app.get("/ckan-admin/notifications", headers=headers)
        assert "agreement-" not in page.body and "k1" in page.body and "Connection refused" in page.body
        app.post(f"/ckan-admin/notifications/{row['id']}/retry", headers=headers, follow_redirects=False)
        model.Session.expire_all()
        again = model.Session.execute(sa.select(message_table)).mappings().one()
        assert again["status"] == "queued" and again["attempts"] == 0

    def test_retry_of_a_message_not_failed_is_a_field_error(self, monkeypatch, ckan_config):
        """Only failed messages are retried."""
        from ckan.logic import ValidationError

        row = self.failed_message(monkeypatch, ckan_config)
        call_action("notify_message_retry", id=row["id"])
        with pytest.raises(ValidationError) as refused:
            call_action("notify_message_retry", id=row["id"])
        assert "id" in refused.value.error_dict

    def test_cli_status_and_tick(self, cli, monkeypatch, ckan_config):
        """`ckan notify status` counts by status and lists failures; `ckan notify tick` runs."""
        self.failed_message(monkeypatch, ckan_config)
        result = cli.invoke(ckan_cli, ["notify", "status"])
        assert result.exit_code == 0, result.output
        assert "failed     1" in result.output and "k1" in result.output
        result = cli.invoke(ckan_cli, ["notify", "tick"])
        assert result.exit_code == 0, result.output
        assert '"digests": 0' in result.output
