"""Builders shared by the data-needs tests (not a test module)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.imwg_pcode import places

NEXT_YEAR = (dt.date.today() + dt.timedelta(days=365)).isoformat()
YESTERDAY = (dt.date.today() - dt.timedelta(days=1)).isoformat()


def as_user(name: str) -> dict[str, Any]:
    """A context that acts as ``name`` with its permissions (call_action ignores auth unless told not to)."""
    return {"user": name, "ignore_auth": False}


def portal(tmp_path: Path) -> dict[str, Any]:
    """A gazetteer (Myanmar, Haiti), two organisations and their people.

    - ``cluster``: ``member`` (member), ``cluster-admin`` (admin)
    - ``operator``: ``editor`` (editor)
    - ``outsider``: in no organisation
    """
    places.load(tmp_path)
    users = {name: factories.User(name=name) for name in ("member", "cluster-admin", "editor", "outsider")}
    users["sysadmin"] = factories.Sysadmin(name="needs-sysadmin")
    cluster = factories.Organization(
        name="protection-cluster",
        org_type="un_agency",
        users=[{"name": "member", "capacity": "member"}, {"name": "cluster-admin", "capacity": "admin"}],
    )
    operator = factories.Organization(
        name="demining-operator", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}]
    )
    return {"users": users, "cluster": cluster, "operator": operator}


def need_fields(org: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A valid need of ``org`` for Kachin, protection."""
    return {
        "title": "Hazardous areas in Kachin",
        "notes": "Polygons of suspected hazardous areas",
        "sectors": ["protection"],
        "pcodes": ["MMR001"],
        "owner_org": org["id"],
        "purpose": "Plan safe routes",
        "deadline": NEXT_YEAR,
        **fields,
    }


def post_need(user: str, org: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return call_action("need_create", context=as_user(user), **need_fields(org, **fields))


def publish(user: str, org: dict[str, Any], name: str, **fields: Any) -> dict[str, Any]:
    """A dataset published by ``user`` (protection, Waingmaw, public by default)."""
    values = {
        "title": name.replace("-", " ").capitalize(),
        "sectors": ["protection"],
        "pcodes": ["MMR001014"],
        "sensitivity": "public",
        "source": "Operator survey",
        **fields,
    }
    return call_action(
        "package_create", context=as_user(user), type="dataset", name=name, owner_org=org["id"], **values
    )
