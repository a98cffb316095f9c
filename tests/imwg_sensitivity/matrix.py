"""The gating matrix shared by the exit tests: every role, every level, a
portal with one dataset per level, grants of every kind, and what the
protocol (the README's promise per level) gives each role."""

from __future__ import annotations

import datetime as dt

import ckan.model as model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_sensitivity.model import grant_table

SECRET = "https://secret.example.org/imsma-export.csv"
ROLES = [
    "anonymous",
    "no_org",
    "other_member",
    "other_admin",
    "owner_member",
    "owner_editor",
    "owner_admin",
    "sysadmin",
    "grant",
    "expired_grant",
    "revoked_grant",
    "grant_elsewhere",
]
#: who gets the data of a dataset at each level (default protocol)
DATA = {
    "public": set(ROLES),
    # grant holders are members of the partner organisation, so "members" covers them all
    "restricted": set(ROLES) - {"anonymous", "no_org"},
    "confidential": {"owner_member", "owner_editor", "owner_admin", "sysadmin", "grant"},
    "strictly_confidential": {"owner_member", "owner_editor", "owner_admin", "sysadmin"},
}
#: who sees the metadata
METADATA = {
    "public": set(ROLES),
    "restricted": set(ROLES),
    "confidential": set(ROLES),
    "strictly_confidential": {"owner_member", "owner_editor", "owner_admin", "sysadmin"},
}


def build_portal():
    """One dataset per level (each with a gated link), owned by ``imsma-authority``; the roles' users and grants."""
    users = {r: factories.User(name=r.replace("_", "-")) for r in ROLES if r not in ("anonymous", "sysadmin")}
    users["sysadmin"] = factories.Sysadmin(name="the-sysadmin")
    owner = factories.Organization(
        name="imsma-authority",
        org_type="government",
        users=[
            {"name": "owner-member", "capacity": "member"},
            {"name": "owner-editor", "capacity": "editor"},
            {"name": "owner-admin", "capacity": "admin"},
        ],
    )
    factories.Organization(
        name="partner-ngo",
        org_type="ingo",
        users=[
            {"name": "other-member", "capacity": "member"},
            {"name": "other-admin", "capacity": "admin"},
            {"name": "grant", "capacity": "member"},
            {"name": "expired-grant", "capacity": "member"},
            {"name": "revoked-grant", "capacity": "member"},
            {"name": "grant-elsewhere", "capacity": "member"},
        ],
    )
    datasets = {}
    for level in DATA:
        ds = call_action(
            "package_create",
            context={"user": "owner-editor"},
            type="dataset",
            name=f"hazards-{level.replace('_', '-')}",
            title=f"Hazardous areas {level}",
            owner_org=owner["id"],
            source="National authority",
            sectors=["protection"],
            sensitivity=level,
            resources=[{"url": SECRET, "name": "IMSMA export", "format": "CSV"}],
        )
        datasets[level] = ds
    now = dt.datetime.utcnow()
    for level, ds in datasets.items():
        for role, expires, revoked, target in (
            ("grant", now + dt.timedelta(days=30), None, ds),
            ("expired_grant", now - dt.timedelta(days=1), None, ds),
            ("revoked_grant", now + dt.timedelta(days=30), now, ds),
            ("grant_elsewhere", now + dt.timedelta(days=30), None, datasets["public"]),
        ):
            model.Session.execute(
                grant_table.insert().values(
                    id=f"{role}-{level}",
                    package_id=target["id"],
                    user_id=users[role]["id"],
                    granted_by=users["sysadmin"]["id"],
                    created=now,
                    expires=expires,
                    revoked=revoked,
                )
            )
    model.Session.commit()
    return {"users": users, "datasets": datasets, "owner": owner}


def context(role):
    """The role's context (call_action ignores auth unless told not to)."""
    if role == "anonymous":
        return {"user": "", "ignore_auth": False}
    return {"user": "the-sysadmin" if role == "sysadmin" else role.replace("_", "-"), "ignore_auth": False}


def headers(role):
    """Log the role in through an API token (CKAN's web requests read it too)."""
    if role == "anonymous":
        return {}
    return {"Authorization": factories.APIToken(user=context(role)["user"])["token"]}
