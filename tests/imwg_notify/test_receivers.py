"""The access and freshness receivers: each signal owes the right people a
message, and no message shows a dataset's title to someone who may not see
the dataset (the sharing protocol's roles, one dataset per level)."""

from __future__ import annotations

import datetime

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests.helpers import call_action

from ckanext.imwg import interfaces
from ckanext.imwg_notify.model import message_table
from tests.imwg_notify.conftest import SMTP_SERVER, run_jobs, text_of
from tests.imwg_sensitivity.matrix import SECRET, build_portal

PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_notify imwg_search"
)
CONTACT = "maintainer@example.org"


def uid(name):
    return model.User.get(name).id


def address(name):
    return model.User.get(name).email


def send(signal, sender, **kwargs):
    interfaces.signal(signal).send(sender, **kwargs)
    model.Session.commit()


def recipients(key_prefix=""):
    rows = model.Session.execute(
        sa.select(message_table.c.recipient).where(message_table.c.key.startswith(key_prefix))
    ).scalars()
    return sorted(rows)


def everything(message):
    return f"{message['Subject']}\n{text_of(message)}"


@pytest.fixture
def portal():
    return build_portal()


@pytest.mark.usefixtures("with_plugins", "clean_db", "empty_queue")
@pytest.mark.usefixtures("app")  # the jobs write mail with the app last built: this one, with these plugins
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.ckan_config("smtp.server", SMTP_SERVER)
class TestReceivers:
    def test_request_created_tells_deciders_and_contacts(self, portal, inbox):
        """Deciders get the title they see and the pending-requests page; a contact address
        (not an account) of a strictly confidential dataset reads only "a dataset"."""
        ds = portal["datasets"]["strictly_confidential"]
        send(
            interfaces.ACCESS_REQUEST_CREATED,
            "req-1",
            package_id=ds["id"],
            user_id=uid("no-org"),
            deciders=[uid("owner-admin"), uid("the-sysadmin")],
            contacts=[CONTACT],
        )
        run_jobs()
        [admin] = inbox.to(address("owner-admin"))
        assert "asks for access to Hazardous areas strictly_confidential" in admin["Subject"]
        assert "/access/requests" in text_of(admin)
        assert len(inbox.to(address("the-sysadmin"))) == 1
        [contact] = inbox.to(CONTACT)
        assert "asks for access to a dataset" in contact["Subject"]
        assert "strictly_confidential" not in everything(contact)
        assert "hazards-strictly" not in everything(contact)

    def test_decision_to_requester(self, portal, inbox):
        """The requester hears the decision, the reason and the expiry; a title only if they see it."""
        confidential = portal["datasets"]["confidential"]
        hidden = portal["datasets"]["strictly_confidential"]
        expires = datetime.datetime(2027, 3, 31)
        send(
            interfaces.ACCESS_REQUEST_DECIDED,
            "req-2",
            package_id=confidential["id"],
            user_id=uid("no-org"),
            decision="approved",
            reason="",
            expires=expires,
            grant_id="g-2",
            decided_by=uid("owner-admin"),
        )
        send(
            interfaces.ACCESS_REQUEST_DECIDED,
            "req-3",
            package_id=hidden["id"],
            user_id=uid("no-org"),
            decision="rejected",
            reason="Not for this purpose",
            expires=None,
            grant_id=None,
            decided_by=uid("owner-admin"),
        )
        run_jobs()
        messages = {m["Subject"]: text_of(m) for m in inbox.to(address("no-org"))}
        approved = messages["Your request for access to Hazardous areas confidential is approved"]
        assert "expires on 31 March 2027" in approved
        assert "/dataset/hazards-confidential" in approved
        rejected = messages["Your request for access to a dataset is rejected"]
        assert "Reason: Not for this purpose" in rejected
        assert "strictly" not in rejected

    def test_waiting_escalates_to_sysadmins(self, portal, inbox):
        """A reminder goes to the deciders, and with escalate to every sysadmin too."""
        ds = portal["datasets"]["restricted"]
        kwargs = dict(package_id=ds["id"], user_id=uid("no-org"), deciders=[uid("owner-admin")], days=7)
        send(interfaces.ACCESS_REQUEST_WAITING, "req-4", escalate=False, **kwargs)
        assert recipients("request-waiting") == [uid("owner-admin")]
        send(interfaces.ACCESS_REQUEST_WAITING, "req-4", escalate=True, **{**kwargs, "days": 14})
        assert sorted(recipients("request-waiting:req-4:14")) == sorted([uid("owner-admin"), uid("the-sysadmin")])
        run_jobs()
        assert "has waited 14 days" in inbox.to(address("the-sysadmin"))[0]["Subject"]

    def test_revoked_organisation_grant_tells_its_admins(self, portal, inbox):
        """A grant held by an organisation: its admins hear of the revocation, with the reason."""
        ds = portal["datasets"]["confidential"]
        partner = model.Group.get("partner-ngo")
        send(
            interfaces.ACCESS_GRANT_REVOKED,
            "g-5",
            package_id=ds["id"],
            organization_id=partner.id,
            reason="Agreement ended",
            revoked_by=uid("owner-admin"),
        )
        partner_admins = {m.table_id for m in partner.member_all if m.capacity == "admin" and m.state == "active"}
        assert set(recipients("grant-revoked")) == partner_admins
        assert uid("other-admin") in partner_admins and uid("other-member") not in partner_admins
        run_jobs()
        [message] = inbox.to(address("other-admin"))
        assert message["Subject"] == "Access to Hazardous areas confidential was revoked"
        assert "Reason: Agreement ended" in text_of(message)

    def test_expiring_grant_tells_holder_and_granter(self, portal, inbox):
        """The holder and whoever granted it hear that a grant expires soon."""
        ds = portal["datasets"]["confidential"]
        send(
            interfaces.ACCESS_GRANT_EXPIRING,
            "g-6",
            package_id=ds["id"],
            user_id=uid("grant"),
            expires=datetime.datetime(2026, 12, 1),
            granted_by=uid("owner-admin"),
            expired=False,
        )
        assert sorted(recipients("grant-expiring")) == sorted([uid("grant"), uid("owner-admin")])
        run_jobs()
        assert (
            inbox.to(address("grant"))[0]["Subject"]
            == "Access to Hazardous areas confidential expires on 01 December 2026"
        )

    def test_agreement_expiring_tells_both_parties_admins(self, portal, inbox):
        """The admins named by the signal hear of the agreement's end, with both organisations' names."""
        owner = model.Group.get("imsma-authority")
        partner = model.Group.get("partner-ngo")
        send(
            interfaces.AGREEMENT_EXPIRING,
            "a-1",
            provider_id=owner.id,
            receiver_id=partner.id,
            admins=[uid("owner-admin"), uid("other-admin")],
            ends=datetime.date(2026, 12, 31),
            expired=False,
        )
        run_jobs()
        [message] = inbox.to(address("other-admin"))
        assert owner.display_name in message["Subject"] and "31 December 2026" in message["Subject"]
        assert len(inbox.to(address("owner-admin"))) == 1

    def test_overdue_tells_editors_admins_and_maintainer(self, portal, inbox):
        """Editors and admins of the owner and the maintainer address; members are not told."""
        ds = portal["datasets"]["public"]
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], maintainer_email=CONTACT)
        send(interfaces.DATASET_OVERDUE, ds["id"], due=datetime.date(2026, 11, 1), status="delinquent")
        told = set(recipients("overdue"))
        assert {uid("owner-editor"), uid("owner-admin"), f"mailto:{CONTACT}"} <= told
        assert uid("owner-member") not in told and uid("other-admin") not in told
        run_jobs()
        assert inbox.to(CONTACT)[0]["Subject"] == "Hazardous areas public is due for an update"

    def test_hidden_dataset_overdue_is_withheld_from_an_address(self, portal, inbox):
        """A strictly confidential dataset's maintainer address (an anonymous reader) gets nothing;
        its editors get it."""
        ds = portal["datasets"]["strictly_confidential"]
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], maintainer_email=CONTACT)
        send(interfaces.DATASET_OVERDUE, ds["id"], due=datetime.date(2026, 11, 1), status="delinquent")
        run_jobs()
        assert inbox.to(CONTACT) == []
        assert len(inbox.to(address("owner-editor"))) == 1
        statuses = dict(model.Session.execute(sa.select(message_table.c.recipient, message_table.c.status)).all())
        assert statuses[f"mailto:{CONTACT}"] == "withheld"

    def test_no_message_carries_resource_urls(self, portal, inbox):
        """Whatever the level, messages never carry a resource's address."""
        for level, ds in portal["datasets"].items():
            send(
                interfaces.ACCESS_REQUEST_CREATED,
                f"req-{level}",
                package_id=ds["id"],
                user_id=uid("no-org"),
                deciders=[uid("owner-admin")],
                contacts=[CONTACT],
            )
        run_jobs()
        assert len(inbox.messages) == 8
        assert all(SECRET not in everything(m) for m in inbox.messages)

    def test_same_signal_twice_owes_nothing_more(self, portal):
        """A signal sent again with the same ids stores nothing more."""
        ds = portal["datasets"]["public"]
        for _ in range(2):
            send(
                interfaces.ACCESS_GRANT_REVOKED,
                "g-7",
                package_id=ds["id"],
                user_id=uid("grant"),
                reason="",
                revoked_by=uid("owner-admin"),
            )
        assert recipients("grant-revoked") == [uid("grant")]
