"""What the agreements' tests share: a provider, a receiver and an outsider
organisation with their people, an agreement made through the API, and dates."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_sensitivity.model import agreement_table

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def as_user(name):
    return {"user": name, "ignore_auth": False}


def token(name):
    return {"Authorization": factories.APIToken(user=name)["token"]}


def in_days(n):
    return (dt.date.today() + dt.timedelta(days=n)).isoformat()


def parties() -> dict:
    """The portal of the agreements' tests (each module's ``portal`` fixture)."""
    for name in ("provider-admin", "provider-member", "receiver-admin", "receiver-member", "outsider"):
        factories.User(name=name)
    provider = factories.Organization(
        name="mine-action-centre",
        org_type="government",
        users=[{"name": "provider-admin", "capacity": "admin"}, {"name": "provider-member", "capacity": "member"}],
    )
    receiver = factories.Organization(
        name="protection-cluster",
        org_type="ingo",
        users=[{"name": "receiver-admin", "capacity": "admin"}, {"name": "receiver-member", "capacity": "member"}],
    )
    third = factories.Organization(name="third-org", org_type="ingo", users=[{"name": "outsider", "capacity": "admin"}])
    ds = call_action(
        "package_create",
        context={"user": "provider-admin"},
        type="dataset",
        name="hazards",
        title="Hazardous areas",
        owner_org=provider["id"],
        source="Centre",
        sectors=["protection"],
        sensitivity="confidential",
    )
    foreign = call_action(
        "package_create",
        context={"user": "outsider"},
        type="dataset",
        name="foreign",
        title="Foreign",
        owner_org=third["id"],
        source="Third",
        sectors=["protection"],
        sensitivity="confidential",
    )
    return {"provider": provider, "receiver": receiver, "third": third, "dataset": ds, "foreign": foreign}


def create(user="provider-admin", **changes):
    values = {
        "provider_id": "mine-action-centre",
        "receiver_id": "protection-cluster",
        "purpose": "Protection monitoring",
        "by_rule": True,
        "ends": in_days(30),
        **changes,
    }
    return call_action("access_agreement_create", context=as_user(user), **values)


def count():
    return model.Session.execute(sa.select(sa.func.count()).select_from(agreement_table)).scalar()
