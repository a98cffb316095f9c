"""What the access workflow's tests share: a portal with an owner and a
partner organisation, the signals sent during a test, requests, downloads
and the audit log's events."""

from __future__ import annotations

import ckan.model as model  # noqa: F401
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import interfaces

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"

SECRET = "https://secret.example.org/casualties.csv"
AGGREGATE = "https://open.example.org/casualties-by-township.csv"


@pytest.fixture
def sent():
    """The suite's signals sent during a test: name -> [(sender, kwargs)]."""
    got: dict[str, list] = {}
    receivers = []
    for name in (
        interfaces.ACCESS_REQUEST_CREATED,
        interfaces.ACCESS_REQUEST_DECIDED,
        interfaces.ACCESS_REQUEST_WAITING,
        interfaces.ACCESS_GRANT_REVOKED,
        interfaces.ACCESS_GRANT_EXPIRING,
        interfaces.LEVEL_CHANGED,
    ):

        def receiver(sender, _name=name, **kwargs):
            got.setdefault(_name, []).append((sender, kwargs))

        receivers.append(receiver)
        interfaces.signal(name).connect(receiver)
    yield got
    for name, receiver in zip(
        (
            interfaces.ACCESS_REQUEST_CREATED,
            interfaces.ACCESS_REQUEST_DECIDED,
            interfaces.ACCESS_REQUEST_WAITING,
            interfaces.ACCESS_GRANT_REVOKED,
            interfaces.ACCESS_GRANT_EXPIRING,
            interfaces.LEVEL_CHANGED,
        ),
        receivers,
        strict=True,
    ):
        interfaces.signal(name).disconnect(receiver)


def as_user(name):
    return {"user": name, "ignore_auth": False}


def auth_headers(name):
    return {"Authorization": factories.APIToken(user=name)["token"]}


@pytest.fixture
def portal():
    factories.User(name="analyst", email="analyst@partner.example.org")
    factories.User(name="colleague", email="colleague@partner.example.org")
    factories.User(name="loner", email="loner@example.org")
    factories.User(name="owner-admin", email="admin@authority.example.org")
    factories.User(name="owner-member", email="member@authority.example.org")
    factories.User(name="other-admin", email="other-admin@partner.example.org")
    owner = factories.Organization(
        name="authority",
        org_type="government",
        users=[{"name": "owner-admin", "capacity": "admin"}, {"name": "owner-member", "capacity": "member"}],
    )
    factories.Organization(
        name="partner",
        org_type="ingo",
        users=[
            {"name": "analyst", "capacity": "member"},
            {"name": "colleague", "capacity": "member"},
            {"name": "other-admin", "capacity": "admin"},
        ],
    )

    def dataset(name, level, **extra):
        return call_action(
            "package_create",
            context={"user": "owner-admin"},
            type="dataset",
            name=name,
            title=name.replace("-", " ").title(),
            owner_org=owner["id"],
            source="National authority",
            sectors=["protection"],
            sensitivity=level,
            maintainer="Data Officer",
            maintainer_email="data.officer@authority.example.org",
            **extra,
        )

    confidential = dataset(
        "casualty-records",
        "confidential",
        resources=[
            {"url": SECRET, "name": "Records", "format": "CSV"},
            {"url": SECRET + "?part=2", "name": "More records", "format": "CSV"},
        ],
    )
    strict = dataset("imsma-full", "strictly_confidential", resources=[{"url": SECRET, "name": "All", "format": "CSV"}])
    return {"owner": owner, "confidential": confidential, "strict": strict}


def request(pkg, user="analyst", **extra):
    data = {
        "package_id": pkg["name"],
        "purpose": "humanitarian_response",
        "intended_use": "Plan safe routes for mobile clinics",
        "organization": "Partner NGO",
        "days": 30,
        "accept_terms": True,
        **extra,
    }
    return call_action("access_request_create", context=as_user(user), **data)


def download(app, pkg, index=0, user="analyst"):
    res = pkg["resources"][index]
    return app.get(
        f"/dataset/{pkg['id']}/resource/{res['id']}/download", headers=auth_headers(user), follow_redirects=False
    )


def events(pkg):
    entries = call_action("access_audit_list", context=as_user("owner-admin"), package_id=pkg["id"])
    return [e["event"] for e in reversed(entries)]
