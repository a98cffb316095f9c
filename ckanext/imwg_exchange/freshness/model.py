"""Freshness's tables (created by migration imwg_exchange_0002), declared on
CKAN's metadata, and the queries on them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.imwg import interfaces

from .rule import OVERDUE

#: per dataset: the last change of its data, the digest of its resources
#: that tells a data change from a metadata edit, the last "still current"
#: confirmation, and the status last computed (the one its index entry carries)
freshness_table = sa.Table(
    "imwg_exchange_freshness",
    tk.BaseModel.metadata,
    sa.Column("package_id", sa.UnicodeText, primary_key=True),
    sa.Column("data_changed_at", sa.DateTime, nullable=False),
    sa.Column("resources_digest", sa.UnicodeText, nullable=False),
    sa.Column("confirmed_at", sa.DateTime),
    sa.Column("confirmed_by", sa.UnicodeText),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("computed_at", sa.DateTime, nullable=False),
)

#: a "still current" confirmation (``kind`` still_current: the audit) or a
#: change of status (``kind`` status, for the notifications, which set
#: ``notified_at`` once they have told the maintainers)
event_table = sa.Table(
    "imwg_exchange_freshness_event",
    tk.BaseModel.metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
    sa.Column("kind", sa.UnicodeText, nullable=False),
    sa.Column("user_id", sa.UnicodeText),
    sa.Column("old_status", sa.UnicodeText),
    sa.Column("new_status", sa.UnicodeText),
    sa.Column("notified_at", sa.DateTime),
)

STILL_CURRENT = "still_current"
STATUS = "status"

#: a dataset's active resources as one text: what a data change changes (a
#: resource added or deleted, its link or its uploaded file replaced: CKAN
#: sets ``last_modified`` on each upload) and a metadata edit does not. The
#: same expression serves one dataset and the recomputation of all of them.
_DIGEST = (
    "md5(coalesce(string_agg(r.id || '|' || r.url || '|' || coalesce(r.last_modified::text, ''), ','"
    " ORDER BY r.id), ''))"
)
#: the latest time a resource was created or its file changed
_LATEST = "max(coalesce(r.last_modified, r.created))"

_RESOURCES_OF = sa.text(
    f"SELECT {_DIGEST} AS digest, {_LATEST} AS latest FROM resource r WHERE r.package_id = :id AND r.state = 'active'"
)

#: every active dataset with what its status is computed from, in one pass
_ALL = sa.text(
    f"""
    SELECT p.id, p.metadata_created, uf.value AS update_frequency, ar.value AS archived,
           f.package_id IS NOT NULL AS known, f.data_changed_at, f.confirmed_at, f.status,
           CASE WHEN f.package_id IS NULL THEN res.latest END AS latest,
           CASE WHEN f.package_id IS NULL THEN res.digest END AS digest
    FROM package p
    LEFT JOIN package_extra uf ON uf.package_id = p.id AND uf.key = 'update_frequency' AND uf.state = 'active'
    LEFT JOIN package_extra ar ON ar.package_id = p.id AND ar.key = 'archived' AND ar.state = 'active'
    LEFT JOIN imwg_exchange_freshness f ON f.package_id = p.id
    LEFT JOIN LATERAL (
        SELECT {_DIGEST} AS digest, {_LATEST} AS latest
        FROM resource r WHERE r.package_id = p.id AND r.state = 'active' AND f.package_id IS NULL
    ) res ON true
    WHERE p.state = 'active'
    """
)


def resources_of(package_id: str) -> tuple[str, dt.datetime | None]:
    """The digest of a dataset's active resources and their latest change."""
    row = model.Session.execute(_RESOURCES_OF, {"id": package_id}).one()
    return row.digest, row.latest


def record_of(package_id: str) -> Any:
    """The dataset's row (None: not recorded yet)."""
    return model.Session.execute(sa.select(freshness_table).where(freshness_table.c.package_id == package_id)).first()


def records_of(package_ids: Iterable[str]) -> dict[str, Any]:
    """The rows of several datasets, by dataset id."""
    ids = list(package_ids)
    if not ids:
        return {}
    rows = model.Session.execute(sa.select(freshness_table).where(freshness_table.c.package_id.in_(ids)))
    return {r.package_id: r for r in rows}


def save(package_id: str, **values: Any) -> None:
    """Insert or update the dataset's row."""
    stmt = sa.dialects.postgresql.insert(freshness_table).values(package_id=package_id, **values)
    model.Session.execute(stmt.on_conflict_do_update(index_elements=["package_id"], set_=values))


def update(package_id: str, **values: Any) -> None:
    """Change the dataset's existing row."""
    model.Session.execute(freshness_table.update().where(freshness_table.c.package_id == package_id).values(**values))


def add_event(package_id: str, kind: str, at: dt.datetime, **values: Any) -> None:
    model.Session.execute(event_table.insert().values(package_id=package_id, kind=kind, at=at, **values))


def add_status_changes(changes: list[dict[str, Any]]) -> None:
    """One ``status`` event per change (``package_id``, ``old_status``, ``new_status``, ``at``)."""
    if changes:
        model.Session.execute(event_table.insert(), [{"kind": STATUS, **c} for c in changes])
    # the notifications (when a plugin listens) are stored in this transaction too
    overdue = interfaces.signal(interfaces.DATASET_OVERDUE)
    for c in changes:
        if c["new_status"] == OVERDUE:
            overdue.send(c["package_id"], due=c.get("due") or c["at"].date(), status=c["new_status"])


def events_of(package_id: str, kind: str | None = None) -> list[Any]:
    """The dataset's events, oldest first."""
    query = sa.select(event_table).where(event_table.c.package_id == package_id)
    if kind:
        query = query.where(event_table.c.kind == kind)
    return list(model.Session.execute(query.order_by(event_table.c.at, event_table.c.id)))


def all_datasets() -> list[Any]:
    """Every active dataset with its frequency, archived flag, row and (when
    it has no row yet) its resources' digest and latest change."""
    return list(model.Session.execute(_ALL))


_SET_STATUS = sa.text(
    """
    UPDATE imwg_exchange_freshness f SET status = v.status, computed_at = :now
    FROM (SELECT unnest(CAST(:ids AS text[])) AS id, unnest(CAST(:statuses AS text[])) AS status) v
    WHERE f.package_id = v.id
    """
)
_INSERT_MANY = sa.text(
    """
    INSERT INTO imwg_exchange_freshness (package_id, data_changed_at, resources_digest, status, computed_at)
    SELECT v.id, v.changed, v.digest, v.status, :now
    FROM (SELECT unnest(CAST(:ids AS text[])) AS id, unnest(CAST(:changed AS timestamp[])) AS changed,
                 unnest(CAST(:digests AS text[])) AS digest, unnest(CAST(:statuses AS text[])) AS status) v
    ON CONFLICT (package_id) DO NOTHING
    """
)


def set_statuses(now: dt.datetime, statuses: dict[str, str]) -> None:
    """Set the status of existing rows in one statement."""
    if statuses:
        ids = list(statuses)
        model.Session.execute(_SET_STATUS, {"now": now, "ids": ids, "statuses": [statuses[i] for i in ids]})


def insert_rows(now: dt.datetime, rows: list[tuple[str, dt.datetime, str, str]]) -> None:
    """Insert rows (id, data_changed_at, digest, status) in one statement."""
    if rows:
        ids, changed, digests, statuses = (list(c) for c in zip(*rows, strict=True))
        model.Session.execute(
            _INSERT_MANY, {"now": now, "ids": ids, "changed": changed, "digests": digests, "statuses": statuses}
        )
