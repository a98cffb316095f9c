"""The audit log, read (entries are written by ``audit.record`` where their
events happen; no action edits or deletes one), and the one entry another
feature of the portal may add (``access_audit_record``: a notification sent)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.imwg.guard import has_nul

from .. import audit
from ..access import Access
from ..model import audit_table
from . import records, schema

#: the longest detail another feature may record, as JSON text
MAX_DETAIL = 10000


@tk.side_effect_free
@validate(schema.audit_list)
def access_audit_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The audit log (read-only), newest first: of one dataset, of an
    organisation's datasets, of the datasets of every organisation the caller
    administers (an organisation's admins), or all of it (sysadmins).

    :param package_id: the dataset
    :type package_id: string
    :param organization_id: the organisation
    :type organization_id: string
    :param user: only what this user did (id or name)
    :type user: string
    :param event: only entries of this event (``download``, ``grant_revoked``...)
    :type event: string
    :param date_from: only entries of this day (``YYYY-MM-DD``) or later
    :type date_from: string
    :param date_to: only entries of this day or earlier
    :type date_to: string
    :param limit: at most this many entries (default 100)
    :type limit: int
    :param offset: skip this many
    :type offset: int
    """
    tk.check_access("access_audit_list", context, data_dict)
    if data_dict.get("date_from") and data_dict.get("date_to") and data_dict["date_from"] > data_dict["date_to"]:
        raise tk.ValidationError({"date_to": [tk._("The end of the period is before its start")]})
    c = audit_table.c
    query = sa.select(audit_table).order_by(c.at.desc(), c.id.desc())
    access = Access.of(context)
    if data_dict.get("package_id"):
        query = query.where(c.package_id == records.package(data_dict["package_id"]).id)
    elif data_dict.get("organization_id"):
        org = model.Group.get(data_dict["organization_id"])
        query = query.where(c.package_id.in_(_datasets_of([org.id] if org else [])))
    elif not access.sysadmin and not context.get("ignore_auth"):
        query = query.where(c.package_id.in_(_datasets_of(_administered(access))))
    if data_dict.get("user"):
        query = query.where(c.actor == data_dict["user"])
    if data_dict.get("event"):
        query = query.where(c.event == data_dict["event"])
    if data_dict.get("date_from"):
        query = query.where(c.at >= dt.datetime.combine(data_dict["date_from"], dt.time()))
    if data_dict.get("date_to"):
        query = query.where(c.at < dt.datetime.combine(data_dict["date_to"] + dt.timedelta(days=1), dt.time()))
    query = query.limit(data_dict.get("limit", 100)).offset(data_dict.get("offset", 0))
    return [records.answer(dict(r._mapping)) for r in model.Session.execute(query)]


def _datasets_of(org_ids: list[str]) -> Any:
    """The ids of the datasets of these organisations (a subquery)."""
    return sa.select(model.package_table.c.id).where(model.package_table.c.owner_org.in_(org_ids or [""]))


def _administered(access: Access) -> list[str]:
    """The organisations whose audit log a user reads: those they administer."""
    if access.user is None:
        return []
    return [
        org_id
        for org_id in sorted(access.orgs)
        if authz.users_role_for_group_or_org(org_id, access.user.name) == "admin"
    ]


def access_audit_record(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Add one entry to the audit log, or many (``entries``), in the caller's
    transaction (not committed): for the portal's own features (called with
    ``ignore_auth``, as the notifications do for the messages they send) and
    sysadmins.

    :param event: what happened (``notification_sent``...)
    :type event: string
    :param actor: the user who did it (id or name)
    :type actor: string
    :param package_id: the dataset concerned
    :type package_id: string
    :param resource_id: the resource concerned
    :type resource_id: string
    :param detail: what else to keep (an object of plain values)
    :type detail: dict
    :param entries: instead of the above, a list of entries (at most 1000),
        each an object with the same keys: all are recorded, or none (the
        errors under ``entries``, by position)
    :type entries: list of dicts

    :returns: the entry (with ``entries``: ``{"recorded": n}``)
    """
    tk.check_access("access_audit_record", context, data_dict)
    if "entries" not in data_dict:
        entry = _entry(context, data_dict)
        audit.record_many([entry])
        return {"event": entry["event"], "actor": entry["actor"], "package_id": entry["package_id"]}
    entries = data_dict["entries"]
    if not isinstance(entries, list) or not entries or len(entries) > MAX_ENTRIES:
        raise tk.ValidationError({"entries": [tk._("A list of 1 to {max} entries").format(max=MAX_ENTRIES)]})
    checked, errors = [], {}
    for position, item in enumerate(entries):
        try:
            checked.append(_entry(context, item if isinstance(item, dict) else {"event": None}))
        except tk.ValidationError as error:
            errors[str(position)] = error.error_dict
    if errors:
        raise tk.ValidationError({"entries": [errors]})
    audit.record_many(checked)
    return {"recorded": len(checked)}


#: the most entries one call records
MAX_ENTRIES = 1000


def _entry(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One entry checked, as ``audit.record_many`` takes it; a ValidationError otherwise."""
    data_dict = dict(data_dict)
    detail = data_dict.pop("detail", None) or {}
    data, errors = tk.navl_validate(data_dict, schema.audit_record(), context)
    if not isinstance(detail, dict) or has_nul(detail) or len(json.dumps(detail, default=str)) > MAX_DETAIL:
        errors["detail"] = [tk._("Not an object of plain values")]
    else:
        detail = json.loads(json.dumps(detail, default=str))
    # a value its validators refused (a NUL) is not looked up
    pkg = model.Package.get(data["package_id"]) if data.get("package_id") and "package_id" not in errors else None
    if data.get("package_id") and pkg is None and "package_id" not in errors:
        errors["package_id"] = ["%s: %s" % (tk._("Not found"), tk._("Dataset"))]  # noqa: UP031 - CKAN's words
    res = model.Resource.get(data["resource_id"]) if data.get("resource_id") and "resource_id" not in errors else None
    if (
        data.get("resource_id")
        and "resource_id" not in errors
        and (res is None or (pkg is not None and res.package_id != pkg.id))
    ):
        errors["resource_id"] = ["%s: %s" % (tk._("Not found"), tk._("Resource"))]  # noqa: UP031 - CKAN's words
    if errors:
        raise tk.ValidationError(errors)
    reserved = {"event", "actor", "package_id", "resource_id", "request_id", "grant_id", "path"}
    return {
        "event": data["event"],
        "actor": data.get("actor"),
        "package_id": pkg.id if pkg else (res.package_id if res else None),
        "resource_id": res.id if res else None,
        "detail": {k: v for k, v in detail.items() if k not in reserved},
    }
