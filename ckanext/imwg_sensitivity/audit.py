"""The audit log: requests, decisions, grants, revocations and every download
of gated data. Written only by this plugin; no action edits or deletes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model

from .model import audit_table


def record(
    event: str,
    actor: str | None = None,
    package_id: str | None = None,
    resource_id: str | None = None,
    request_id: str | None = None,
    grant_id: str | None = None,
    path: str | None = None,
    **detail: Any,
) -> None:
    """Add an entry (in the caller's transaction)."""
    model.Session.execute(
        audit_table.insert().values(
            at=dt.datetime.utcnow(),
            actor=actor,
            event=event,
            package_id=package_id,
            resource_id=resource_id,
            request_id=request_id,
            grant_id=grant_id,
            path=path,
            detail=detail,
        )
    )
