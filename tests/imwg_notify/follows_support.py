"""What the notification tests share: places of the demo gazetteer, running
the jobs queue in this process, preferences, stored messages, publishing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from ckan import model
from ckan.tests.helpers import call_action

from ckanext.imwg_notify import model as notify_model
from ckanext.imwg_notify.follows import model as follow_model
from tests.imwg_notify.conftest import run_jobs  # noqa: F401 - the notification tests' one way to run jobs

KACHIN, MYITKYINA_DISTRICT, WAINGMAW, SHAN = "MMR001", "MMR001D001", "MMR001014", "MMR015"


def prefer(user_id: str, kind: str, frequency: str) -> None:
    table = notify_model.preference_table
    model.Session.execute(
        sa.dialects.postgresql.insert(table)
        .values(user_id=user_id, kind=kind, frequency=frequency, modified=dt.datetime.utcnow())
        .on_conflict_do_update(index_elements=["user_id", "kind"], set_={"frequency": frequency})
    )
    model.Session.commit()


def messages(user_id: str | None = None, kind: str | None = "changes") -> list[dict]:
    table = notify_model.message_table
    query = sa.select(table).order_by(table.c.created)
    if user_id:
        query = query.where(table.c.user_id == user_id)
    if kind:
        query = query.where(table.c.kind == kind)
    return [dict(r) for r in model.Session.execute(query).mappings()]


def changes(package_id: str | None = None) -> list[dict]:
    """The changes stored to be told to followers (once each, whatever the number of followers)."""
    table = follow_model.change_table
    query = sa.select(table).order_by(table.c.created)
    if package_id:
        query = query.where(table.c.package_id == package_id)
    return [dict(r) for r in model.Session.execute(query).mappings()]


def told(user_id: str, how: str = "immediate") -> list[dict]:
    """What ``user_id`` is told of the changes so far, oldest first, each a
    dict of the notification's data and ``package_id``: their own messages
    (``immediate``), or the items of the digest ``how`` (``daily``,
    ``weekly``) as it would be built now (nothing stored)."""
    if how == "immediate":
        return [{**m["data"], "package_id": m["package_id"]} for m in messages(user_id)]
    from ckanext.imwg_notify.follows import digest
    from ckanext.imwg_notify.follows.visibility import Audience

    found = digest.changes(dt.datetime.min, dt.datetime.utcnow() + dt.timedelta(seconds=1))
    audience = Audience()
    for group in digest.groups(found, how, audience):
        if user_id in group.users:
            items = digest.items(group, found, audience)
            return [{**data, "package_id": change.package.id} for change, data in reversed(items)]
    return []


def as_user(name: str) -> dict:
    return {"user": name, "ignore_auth": False}


def publish(user: str, org: dict, **fields) -> dict:
    return call_action(
        "package_create",
        context=as_user(user),
        name=fields.pop("name", "hazards-waingmaw"),
        title=fields.pop("title", "Hazardous areas in Waingmaw"),
        owner_org=org["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity=fields.pop("sensitivity", "public"),
        **fields,
    )
