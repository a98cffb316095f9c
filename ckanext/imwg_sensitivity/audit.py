"""The audit log: requests, decisions, grants, revocations and every download
of gated data. Written only by this plugin; no action edits or deletes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
from flask import g, has_request_context, request

from .access import Access
from .model import audit_table

#: set on a request whose use of data a renderer recorded (``served``)
SERVED = "imwg_data_served"


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


def served(context: dict[str, Any], package_id: str, resource_id: str, kind: str) -> None:
    """Record that a preview served figures of a resource whose data is not
    public (``IDataAccess.data_served``): who, which resource, and how
    (``kind`` in the detail: ``preview_rows`` or ``preview_aggregates``).
    In the caller's transaction, committed at once, like a download."""
    package = model.Package.get(package_id)
    resource = model.Resource.get(resource_id) if resource_id else None
    if package is None:
        return
    who = Access(context.get("auth_user_obj") or context.get("user"))
    public = who.data_level(package, resource) == "public" and (resource is None or who.screened(resource))
    if not package.private and public:
        return
    record(
        "preview",
        actor=who.user.id if who.user else None,
        package_id=package.id,
        resource_id=resource.id if resource else None,
        path=request.path if has_request_context() else None,
        kind=kind,
    )
    model.Session.commit()
    if has_request_context():
        setattr(g, SERVED, True)
