"""Language: the language a signed-in user last browsed in is recorded (only
when it changes), and their mail is written in it."""

from __future__ import annotations

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests.helpers import call_action

from ckanext.imwg_notify import outbox
from ckanext.imwg_notify.mail import languages
from ckanext.imwg_notify.model import locale_table
from tests.imwg_notify.conftest import SMTP_SERVER, run_jobs, text_of
from tests.support import editor_dataset

PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_notify imwg_search"
)


def recorded(user_id):
    return model.Session.execute(sa.select(locale_table.c.locale).where(locale_table.c.user_id == user_id)).scalar()


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config("smtp.server", SMTP_SERVER)
class TestLanguage:
    def test_page_in_french_records_french(self, app):
        """A signed-in user's French page view records French; an English one records English again."""
        editor_dataset()
        languages._known.clear()
        editor = model.User.get("editor")
        token = call_action("api_token_create", context={"user": "editor"}, user="editor", name="t")["token"]
        app.get("/fr/dataset/casualties-2024", headers={"Authorization": token})
        assert recorded(editor.id) == "fr"
        app.get("/dataset/casualties-2024", headers={"Authorization": token})
        model.Session.expire_all()
        assert recorded(editor.id) == "en"

    def test_recorded_only_when_it_changes(self):
        """The same language again writes nothing."""
        editor_dataset()
        languages._known.clear()
        editor = model.User.get("editor")
        assert languages.record(editor.id, "fr")
        assert not languages.record(editor.id, "fr")
        assert not languages.record(editor.id, "xx")  # not a language messages are written in

    def test_french_recipient_gets_french(self, inbox):
        """A user whose last language is French gets the message in French, with French links."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        languages._known.clear()
        languages.record(editor.id, "fr")
        outbox.notify(editor.id, "overdue", "k", "dataset_overdue", {"due": "2026-11-01"}, package_id=dataset["id"])
        model.Session.commit()
        run_jobs()
        [message] = inbox.to(editor.email)
        assert message["Subject"] == "Casualties 2024 doit être mis à jour"
        body = text_of(message)
        assert body.startswith(f"Bonjour {editor.display_name},")
        assert "Casualties 2024 devait être mis à jour le 01 novembre 2026." in body
        assert "/fr/dataset/casualties-2024" in body

    def test_french_digest_names_months_in_french(self, inbox):
        """A French recipient's digest gives its dates with French month names, not ISO dates."""
        import datetime

        from ckanext.imwg_notify.mail import tick

        dataset = editor_dataset()
        editor = model.User.get("editor")
        languages._known.clear()
        languages.record(editor.id, "fr")
        call_action("notify_preferences_update", context={"user": "editor"}, overdue="daily")
        outbox.notify(editor.id, "overdue", "k", "dataset_overdue", {"due": "2026-08-03"}, package_id=dataset["id"])
        model.Session.commit()
        run_jobs()
        assert tick.tick(datetime.datetime.utcnow())["digests"] == 1
        run_jobs()
        [message] = inbox.to(editor.email)
        body = text_of(message)
        assert "(depuis le 03 août 2026)" in body or "03 août 2026" in body, body
        assert "2026-08-03" not in body

    def test_others_get_the_default_language(self, inbox):
        """Without a recorded language the message is in ckan.locale_default."""
        dataset = editor_dataset()
        editor = model.User.get("editor")
        outbox.notify(editor.id, "overdue", "k", "dataset_overdue", {"due": "2026-11-01"}, package_id=dataset["id"])
        model.Session.commit()
        run_jobs()
        [message] = inbox.to(editor.email)
        assert message["Subject"] == "Casualties 2024 is due for an update"
