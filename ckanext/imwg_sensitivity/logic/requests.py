"""Access requests: asked for, listed, shown, cancelled and decided (a
decision to approve writes the grant). Each event is sent as one of the
suite's signals before it is committed (``ckanext.imwg.interfaces``): the
notifications tell the deciders and the requester."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import ckan.model as model
import ckan.plugins as plugins
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.imwg import interfaces

from .. import audit, config
from ..access import Access
from ..model import grant_table, request_table
from . import records, schema


def access_request_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Ask for access to the data of a gated dataset.

    :param package_id: the dataset (id or name)
    :type package_id: string
    :param resource_ids: which resources (default: all of them)
    :type resource_ids: list of strings
    :param purpose: ``humanitarian_response``, ``research``, ``advocacy`` or ``other``
    :type purpose: string
    :param intended_use: what the data will be used for
    :type intended_use: string
    :param organization: the requester's organisation
    :type organization: string
    :param days: for how long (at most ``ckanext.imwg_sensitivity.max_request_days``)
    :type days: int
    :param accept_terms: acceptance of the portal's data-sharing terms (must be true)
    :type accept_terms: bool

    :returns: the request (status ``pending``)
    """
    tk.check_access("access_request_create", context, data_dict)
    # every field's error at once: the schema's and the rules below
    data_dict, errors = tk.navl_validate(data_dict, schema.access_request_create(), context)
    if not data_dict.get("accept_terms"):
        errors.setdefault("accept_terms", []).append(tk._("The data-sharing terms must be accepted"))
    if "days" not in errors and not 1 <= data_dict["days"] <= config.max_request_days():
        errors["days"] = [tk._("Between 1 and {n} days").format(n=config.max_request_days())]
    if "package_id" in errors:
        raise tk.ValidationError(errors)
    pkg = records.package(data_dict["package_id"])
    access = Access.of(context)
    if not access.sees_metadata(pkg):
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    try:
        resource_ids = records.resource_ids(pkg, data_dict.get("resource_ids"))
    except tk.ValidationError as e:
        errors.update(e.error_dict)
        resource_ids = None
    wanted = [r for r in pkg.resources if r.state == "active" and (resource_ids is None or r.id in resource_ids)]
    if not any(access.may_request(pkg, r) for r in wanted or [None]):
        if all(access.gets_data(pkg, r) for r in wanted or [None]):
            errors["package_id"] = [tk._("You already have access to this data")]
        else:
            errors["package_id"] = [tk._("The sharing protocol allows no requests for this data")]
    pending = model.Session.execute(
        sa.select(request_table.c.id).where(
            request_table.c.package_id == pkg.id,
            request_table.c.user_id == access.user.id,
            request_table.c.status.in_(["pending", "more_info"]),
        )
    ).first()
    if pending:
        errors.setdefault("package_id", []).append(tk._("You already have a request waiting for a decision"))
    if errors:
        raise tk.ValidationError(errors)
    row = {
        "id": str(uuid.uuid4()),
        "package_id": pkg.id,
        "user_id": access.user.id,
        "resource_ids": resource_ids,
        "purpose": data_dict["purpose"],
        "intended_use": data_dict["intended_use"],
        "organization": data_dict["organization"],
        "days": data_dict["days"],
        "accepted_terms": True,
        "status": "pending",
        "created": dt.datetime.utcnow(),
    }
    model.Session.execute(request_table.insert().values(**row))
    audit.record("request_created", actor=access.user.id, package_id=pkg.id, request_id=row["id"])
    interfaces.signal(interfaces.ACCESS_REQUEST_CREATED).send(
        row["id"],
        package_id=pkg.id,
        user_id=access.user.id,
        deciders=_deciders(pkg),
        contacts=[pkg.maintainer_email] if pkg.maintainer_email else [],
    )
    model.Session.commit()
    return records.answer(row)


def _deciders(pkg: model.Package) -> list[str]:
    """Ids of the users who decide a dataset's requests and are told of them:
    the owner organisation's active admins and the site's focal points
    (sysadmins decide too, but are told only of an escalation)."""
    ids: list[str] = []
    if pkg.owner_org:
        ids.extend(
            user.id
            for user in model.Session.query(model.User)
            .join(model.Member, model.Member.table_id == model.User.id)
            .filter(
                model.Member.group_id == pkg.owner_org,
                model.Member.table_name == "user",
                model.Member.capacity == "admin",
                model.Member.state == "active",
                model.User.state == "active",
            )
            .order_by(model.User.name)
        )
    for name in sorted(config.focal_points()):
        user = model.User.get(name)
        if user is not None and user.state == "active":
            ids.append(user.id)
    return list(dict.fromkeys(ids))


def _with_grant(row: dict[str, Any]) -> dict[str, Any]:
    """A request as answered, with its grant's real expiry and revocation."""
    answer = records.answer(row)
    if row.get("grant_id"):
        grant = model.Session.execute(sa.select(grant_table).where(grant_table.c.id == row["grant_id"])).first()
        if grant is not None:
            now = dt.datetime.utcnow()
            answer.update(
                expires=grant.expires.isoformat() if grant.expires else None,
                revoked=grant.revoked.isoformat() if grant.revoked else None,
                revoked_reason=grant.revoked_reason,
                grant_active=grant.revoked is None and (grant.expires is None or grant.expires > now),
            )
    return answer


@tk.side_effect_free
@validate(schema.listing)
def access_request_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Access requests the caller made, and those the caller decides.

    :param package_id: only those for this dataset
    :type package_id: string
    :param status: only those with this status (``pending``, ``approved``,
        ``rejected``, ``more_info``, ``cancelled``)
    :type status: string

    :returns: requests, newest first; an approved one with its grant's
        ``expires``, ``revoked``, ``revoked_reason`` and ``grant_active``
    """
    tk.check_access("access_request_list", context, data_dict)
    access = Access.of(context)
    c = request_table.c
    query = sa.select(request_table).order_by(c.created.desc())
    if data_dict.get("package_id"):
        query = query.where(c.package_id == records.package(data_dict["package_id"]).id)
    if data_dict.get("status"):
        query = query.where(c.status == data_dict["status"])
    rows = [dict(r._mapping) for r in model.Session.execute(query)]
    visible = []
    for row in rows:
        pkg = model.Package.get(row["package_id"])
        if row["user_id"] == access.user.id or (pkg is not None and access.can_decide(pkg)):
            visible.append(_with_grant(row))
    return visible


@tk.side_effect_free
@validate(schema.by_id)
def access_request_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """One access request (to its requester and to those who decide it).

    :param id: the request's id
    :type id: string
    """
    row = records.row(request_table, data_dict["id"])
    tk.check_access("access_request_show", context, row)
    return _with_grant(row)


@validate(schema.access_request_decide)
def access_request_decide(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Approve, reject or ask for more information about a request.

    :param id: the request's id
    :type id: string
    :param decision: ``approve``, ``reject`` or ``more_info``
    :type decision: string
    :param reason: why (required to reject or to ask for more)
    :type reason: string
    :param resource_ids: approve only these resources (a subset of those asked for)
    :type resource_ids: list of strings
    :param days: how long the access lasts (default: what was asked for, or
        ``ckanext.imwg_sensitivity.default_expiry_days``)
    :type days: int
    :param expires: or the day the access ends (``YYYY-MM-DD``, after today and
        at most ``ckanext.imwg_sensitivity.max_request_days`` away)
    :type expires: string
    :param to_organization: grant the requester's whole organisation (default false)
    :type to_organization: bool
    :param organization_id: which of the requester's organisations, with
        ``to_organization`` (required when the requester belongs to several)
    :type organization_id: string

    :returns: the request, with ``grant_id`` when approved
    """
    row = records.row(request_table, data_dict["id"])
    tk.check_access("access_request_decide", context, row)
    access = Access.of(context)
    pkg = records.package(row["package_id"])
    if row["status"] not in ("pending", "more_info"):
        raise tk.ValidationError(
            {"id": [tk._("This request was already decided ({status})").format(status=row["status"])]}
        )
    decision = data_dict["decision"]
    if decision in ("reject", "more_info") and not data_dict.get("reason"):
        raise tk.ValidationError({"reason": [tk._("Missing value")]})
    now = dt.datetime.utcnow()
    changes: dict[str, Any] = {"decided": now, "decided_by": access.user.id, "reason": data_dict.get("reason")}
    if decision == "approve":
        resource_ids = records.resource_ids(pkg, data_dict.get("resource_ids")) or row["resource_ids"]
        if row["resource_ids"] and resource_ids and not set(resource_ids) <= set(row["resource_ids"]):
            raise tk.ValidationError({"resource_ids": [tk._("Only resources that were asked for")]})
        if not any(access.allows_requests(pkg, r) for r in records.wanted(pkg, resource_ids)):
            raise tk.ValidationError({"id": [tk._("The sharing protocol allows no grants for this data")]})
        expires = _expiry(data_dict, now, row["days"] or config.default_expiry_days())
        grant_id = records.grant(
            pkg,
            resource_ids,
            user_id=None if data_dict.get("to_organization") else row["user_id"],
            organization_id=_organization_of(row["user_id"], data_dict.get("organization_id"))
            if data_dict.get("to_organization")
            else None,
            granted_by=access.user.id,
            expires=expires,
            request_id=row["id"],
        )
        changes.update(status="approved", grant_id=grant_id)
        changes_expires: dt.datetime | None = expires
    else:
        changes_expires = None
        changes["status"] = "rejected" if decision == "reject" else "more_info"
    model.Session.execute(request_table.update().where(request_table.c.id == row["id"]).values(**changes))
    event = {"approve": "request_approved", "reject": "request_rejected", "more_info": "request_more_info"}[decision]
    audit.record(
        event,
        actor=access.user.id,
        package_id=pkg.id,
        request_id=row["id"],
        grant_id=changes.get("grant_id"),
        **({"reason": changes["reason"]} if changes.get("reason") else {}),
        **({"expires": changes_expires.date().isoformat()} if changes_expires else {}),
    )
    interfaces.signal(interfaces.ACCESS_REQUEST_DECIDED).send(
        row["id"],
        package_id=pkg.id,
        user_id=row["user_id"],
        decision=changes["status"],
        reason=changes.get("reason"),
        expires=changes_expires,
        grant_id=changes.get("grant_id"),
        decided_by=access.user.id,
    )
    model.Session.commit()
    return _with_grant({**row, **changes})


def _expiry(data_dict: DataDict, now: dt.datetime, default_days: int) -> dt.datetime:
    """When access given now ends: ``expires`` (a day after today, at most
    ``max_request_days`` away), else ``days`` from now, else the default."""
    if data_dict.get("expires"):
        day = data_dict["expires"]
        longest = (now + dt.timedelta(days=config.max_request_days())).date()
        if day <= now.date():
            raise tk.ValidationError({"expires": [tk._("The end of access must be after today")]})
        if day > longest:
            raise tk.ValidationError(
                {"expires": [tk._("At most {n} days from today").format(n=config.max_request_days())]}
            )
        return dt.datetime.combine(day, dt.time())
    return now + dt.timedelta(days=data_dict.get("days") or default_days)


@validate(schema.by_id)
def access_request_cancel(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Withdraw one's own request while it waits for a decision.

    :param id: the request's id
    :type id: string

    :returns: the request (status ``cancelled``)
    """
    row = records.row(request_table, data_dict["id"])
    tk.check_access("access_request_cancel", context, row)
    if row["status"] not in ("pending", "more_info"):
        raise tk.ValidationError(
            {
                "id": [
                    tk._("Only a request waiting for a decision can be cancelled ({status})").format(
                        status=row["status"]
                    )
                ]
            }
        )
    access = Access.of(context)
    changes = {"status": "cancelled", "decided": dt.datetime.utcnow(), "decided_by": access.user.id}
    model.Session.execute(request_table.update().where(request_table.c.id == row["id"]).values(**changes))
    audit.record("request_cancelled", actor=access.user.id, package_id=row["package_id"], request_id=row["id"])
    model.Session.commit()
    return records.answer({**row, **changes})


def _remind(now: dt.datetime) -> int:
    """Send ``ACCESS_REQUEST_WAITING`` for the requests pending longer than
    ``reminder_days`` (once), and again, escalated, after twice as long
    (once); the reminders sent are marked, in the same transaction. The
    number of signals sent."""
    days = config.reminder_days()
    if days < 1:
        return 0
    c = request_table.c
    due = model.Session.execute(
        sa.select(request_table).where(
            c.status == "pending",
            c.created <= now - dt.timedelta(days=days),
            sa.or_(
                c.reminded.is_(None), sa.and_(c.escalated.is_(None), c.created <= now - dt.timedelta(days=2 * days))
            ),
        )
    ).all()
    for row in due:
        pkg = model.Package.get(row.package_id)
        if pkg is None or pkg.state != "active":
            continue
        escalate = row.created <= now - dt.timedelta(days=2 * days)
        interfaces.signal(interfaces.ACCESS_REQUEST_WAITING).send(
            row.id,
            package_id=pkg.id,
            user_id=row.user_id,
            deciders=_deciders(pkg),
            days=(now - row.created).days,
            escalate=escalate,
        )
        marks = {"reminded": row.reminded or now, **({"escalated": now} if escalate else {})}
        model.Session.execute(request_table.update().where(c.id == row.id).values(**marks))
    return len(due)


def _organization_of(user_id: str, chosen: str | None) -> str:
    """The requester's organisation that an organisation-wide grant goes to:
    the one the decider names, or the only one there is (never a guess)."""
    orgs = Access(user_id).orgs
    if not orgs:
        raise tk.ValidationError({"to_organization": [tk._("The requester belongs to no organisation on the portal")]})
    if chosen:
        org = model.Group.get(chosen)
        if org is None or org.id not in orgs:
            raise tk.ValidationError({"organization_id": [tk._("Not an organisation of the requester")]})
        return org.id
    if len(orgs) > 1:
        raise tk.ValidationError(
            {"organization_id": [tk._("The requester belongs to several organisations: name the one to grant")]}
        )
    return next(iter(orgs))


def _on_tick(now: dt.datetime, **kwargs: Any) -> None:
    """``TICK``: remind the deciders of the requests that wait (and commit)."""
    if plugins.plugin_loaded("imwg_sensitivity") and _remind(now):
        model.Session.commit()


#: what this module does at the suite's ``TICK`` (the plugin subscribes it)
TICK_RECEIVERS = (_on_tick,)
