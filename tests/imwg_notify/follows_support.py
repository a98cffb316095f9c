"""What the notification tests share: places of the demo gazetteer, running
the jobs queue in this process, preferences, stored messages, publishing."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from ckan import model
from ckan.tests.helpers import call_action

from ckanext.imwg_notify import model as notify_model

KACHIN, MYITKYINA_DISTRICT, WAINGMAW, SHAN = "MMR001", "MMR001D001", "MMR001014", "MMR015"


def run_jobs() -> None:
    """Run every queued job, in this process (rq's SimpleWorker on CKAN's real
    Redis queue): a forked work horse would inherit the test's open database
    connections."""
    import rq
    from ckan.lib import jobs

    queue = jobs.get_queue()
    rq.SimpleWorker([queue], connection=queue.connection).work(burst=True)
    model.Session.remove()


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
