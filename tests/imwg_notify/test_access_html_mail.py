"""The access messages carry an HTML part beside the plain text: the same
words and links, every value escaped, the page's direction for the
recipient's language."""

from __future__ import annotations

import datetime

import ckan.model as model
import pytest
from ckan.tests import factories

from ckanext.imwg import interfaces
from tests.imwg_notify.conftest import SMTP_SERVER, run_jobs, text_of
from tests.imwg_sensitivity.matrix import build_portal

PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_notify imwg_search"
)


def uid(name):
    return model.User.get(name).id


def send(signal, sender, **kwargs):
    interfaces.signal(signal).send(sender, **kwargs)
    model.Session.commit()


def html_of(message):
    return message.get_body(preferencelist=("html",)).get_content()


@pytest.fixture
def portal():
    built = build_portal()
    factories.User(name="tricky", fullname="Ana <b>Bold</b>", email="tricky@example.org")
    return built


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config("smtp.server", SMTP_SERVER)
@pytest.mark.usefixtures("app")  # the jobs write mail with the app last built: this one, with these plugins
class TestAccessHtmlMail:
    def test_request_created(self, portal, inbox):
        """The deciders' message: the requester's name escaped, the dataset and the requests page as links."""
        ds = portal["datasets"]["confidential"]
        send(
            interfaces.ACCESS_REQUEST_CREATED,
            "req-1",
            package_id=ds["id"],
            user_id=uid("tricky"),
            deciders=[uid("owner-admin")],
            contacts=[],
        )
        run_jobs()
        [message] = inbox.to(model.User.get("owner-admin").email)
        html = html_of(message)
        assert message.get_content_type() == "multipart/alternative"
        assert "Ana &lt;b&gt;Bold&lt;/b&gt; asks for access to Hazardous areas confidential." in html
        assert "<b>Bold</b>" not in html
        assert f'<a href="http://test.ckan.net/dataset/{ds["name"]}">Hazardous areas confidential</a>' in html
        assert '<a href="http://test.ckan.net/access/requests">' in html
        assert 'dir="ltr"' in html
        assert "Ana <b>Bold</b> asks for access to Hazardous areas confidential." in text_of(message)

    def test_decision_and_revocation(self, portal, inbox):
        """The requester's messages: decision, expiry, the reason escaped, the dataset's link."""
        ds = portal["datasets"]["confidential"]
        send(
            interfaces.ACCESS_REQUEST_DECIDED,
            "req-2",
            package_id=ds["id"],
            user_id=uid("no-org"),
            decision="approved",
            reason="",
            expires=datetime.datetime(2027, 3, 31),
            grant_id="g-2",
            decided_by=uid("owner-admin"),
        )
        send(
            interfaces.ACCESS_GRANT_REVOKED,
            "g-2",
            package_id=ds["id"],
            user_id=uid("no-org"),
            reason="<script>alert(1)</script> ended",
            revoked_by=uid("owner-admin"),
        )
        run_jobs()
        messages = {str(m["Subject"]): m for m in inbox.to(model.User.get("no-org").email)}
        approved = html_of(messages["Your request for access to Hazardous areas confidential is approved"])
        assert "Your request for access to Hazardous areas confidential is approved." in approved
        assert "Your access expires on 31 March 2027." in approved
        assert f'href="http://test.ckan.net/dataset/{ds["name"]}"' in approved
        revoked = html_of(messages["Access to Hazardous areas confidential was revoked"])
        assert "Your access to Hazardous areas confidential was revoked." in revoked
        assert "Reason: &lt;script&gt;alert(1)&lt;/script&gt; ended" in revoked
        assert "<script>" not in revoked
