"""The audit log: requests, decisions, grants, revocations and every download
of gated data. Written only by this plugin; no action edits or deletes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import sqlalchemy as sa
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


def record_many(entries: list[dict[str, Any]]) -> None:
    """Add many entries in one statement (in the caller's transaction); each
    as :func:`record`'s arguments, ``detail`` a dict."""
    if not entries:
        return
    now = dt.datetime.utcnow()
    columns = ("actor", "package_id", "resource_id", "request_id", "grant_id", "path")
    model.Session.execute(
        audit_table.insert(),
        [
            {"at": now, "event": e["event"], "detail": e.get("detail") or {}, **{c: e.get(c) for c in columns}}
            for e in entries
        ],
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
    agreement = who.agreement_used(package, resource)
    record(
        "preview",
        actor=who.user.id if who.user else None,
        package_id=package.id,
        resource_id=resource.id if resource else None,
        path=request.path if has_request_context() else None,
        kind=kind,
        **({"agreement_id": agreement} if agreement else {}),
    )
    model.Session.commit()
    if has_request_context():
        setattr(g, SERVED, True)


# -- a dataset's level changed ------------------------------------------------------------
#
# ``package_update`` saves the new extras and flushes before the plugins'
# ``after_dataset_update``, so the old level is gone by then. The change of
# the ``sensitivity`` extra is seen as it is set (the old value loaded with
# it), kept on the session, and announced in ``after_dataset_update``.

#: the session's ``info`` key: package id -> (old level, new level)
LEVEL_CHANGES = "imwg_sensitivity_level_changes"


def _extra_set(target: Any, value: Any, oldvalue: Any, initiator: Any) -> None:
    if getattr(target, "key", None) != "sensitivity" or not target.package_id:
        return
    if not isinstance(oldvalue, str) or oldvalue == value:
        return  # a new extra: a dataset created, or given its first level
    changes = model.Session().info.setdefault(LEVEL_CHANGES, {})
    first = changes.get(target.package_id, (oldvalue, value))[0]
    changes[target.package_id] = (first, value)


def _forget(session: Any, transaction: Any) -> None:
    # only when the whole transaction ends: a savepoint of another plugin's
    # hook (``begin_nested``) ends before this plugin's hook reads the change
    if transaction.parent is None:
        session.info.pop(LEVEL_CHANGES, None)


def watch_levels() -> None:
    """Listen to the changes of the ``sensitivity`` extra (once); what a
    transaction saw is forgotten when it ends."""
    if not sa.event.contains(model.PackageExtra.value, "set", _extra_set):
        sa.event.listen(model.PackageExtra.value, "set", _extra_set, active_history=True)
    if not sa.event.contains(model.Session, "after_transaction_end", _forget):
        sa.event.listen(model.Session, "after_transaction_end", _forget)


def level_changed(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    """After ``package_update``: a changed level is an audit entry and the
    ``LEVEL_CHANGED`` signal, both before the update commits."""
    from ckanext.imwg import interfaces

    changes = model.Session().info.get(LEVEL_CHANGES) or {}
    change = changes.pop(pkg_dict.get("id"), None)
    if change is None or change[0] == change[1]:
        return
    old, new = change
    who = Access.of(context).user
    actor = who.id if who is not None else None
    record("level_changed", actor=actor, package_id=pkg_dict["id"], old=old, new=new)
    interfaces.signal(interfaces.LEVEL_CHANGED).send(pkg_dict["id"], old=old, new=new, changed_by=actor)
