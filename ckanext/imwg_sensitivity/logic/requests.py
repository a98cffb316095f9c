"""Access requests: asked for, listed, shown and decided (a decision to
approve writes the grant); the deciders and the requester told by e-mail."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from .. import audit, config
from ..access import Access
from ..model import request_table
from . import records, schema

log = logging.getLogger(__name__)


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
    model.Session.commit()
    _notify_deciders(pkg, row, access)
    return records.answer(row)


def _notify_deciders(pkg: model.Package, row: dict[str, Any], access: Access) -> None:
    """E-mail the maintainer and the owner organisation's admins (CKAN's mailer);
    a mail server that fails does not undo the request."""
    recipients: dict[str, str] = {}
    if pkg.maintainer_email:
        recipients[pkg.maintainer_email] = pkg.maintainer or pkg.maintainer_email
    if pkg.owner_org:
        for member in model.Session.query(model.Member).filter_by(
            group_id=pkg.owner_org, table_name="user", capacity="admin", state="active"
        ):
            user = model.User.get(member.table_id)
            if user and user.email:
                recipients[user.email] = user.display_name
    body = tk._(
        '{user} ({org}) asks for access to the data of "{title}".\n\nPurpose: {purpose}\nUse: {use}\n\n'
        "Decide on the pending requests page: {url}"
    ).format(
        user=access.user.display_name,
        org=row["organization"],
        title=pkg.title or pkg.name,
        purpose=row["purpose"],
        use=row["intended_use"],
        url=tk.url_for("imwg_sensitivity.pending", _external=True),
    )
    for email, name in recipients.items():
        _mail(name, email, pkg, body)


def _mail(name: str, email: str, pkg: model.Package, body: str) -> None:
    """One e-mail about an access request; a mail server that fails does not
    undo what was decided."""
    from ckan.lib import mailer

    try:
        mailer.mail_recipient(name, email, tk._("Access request: {title}").format(title=pkg.title or pkg.name), body)
    except Exception:  # noqa: BLE001 - an unset or broken mail setup is logged, never a 500
        log.warning("Could not e-mail %s about an access request", email, exc_info=True)


@tk.side_effect_free
@validate(schema.listing)
def access_request_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Access requests the caller made, and those the caller decides.

    :param package_id: only those for this dataset
    :type package_id: string
    :param status: only those with this status (``pending``, ``approved``,
        ``rejected``, ``more_info``)
    :type status: string
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
            visible.append(records.answer(row))
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
    return records.answer(row)


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
        days = data_dict.get("days") or row["days"] or config.default_expiry_days()
        grant_id = records.grant(
            pkg,
            resource_ids,
            user_id=None if data_dict.get("to_organization") else row["user_id"],
            organization_id=_organization_of(row["user_id"], data_dict.get("organization_id"))
            if data_dict.get("to_organization")
            else None,
            granted_by=access.user.id,
            expires=now + dt.timedelta(days=days),
            request_id=row["id"],
        )
        changes.update(status="approved", grant_id=grant_id)
    else:
        changes["status"] = "rejected" if decision == "reject" else "more_info"
    model.Session.execute(request_table.update().where(request_table.c.id == row["id"]).values(**changes))
    event = {"approve": "request_approved", "reject": "request_rejected", "more_info": "request_more_info"}[decision]
    audit.record(event, actor=access.user.id, package_id=pkg.id, request_id=row["id"], grant_id=changes.get("grant_id"))
    model.Session.commit()
    _notify_requester(pkg, {**row, **changes})
    return records.answer({**row, **changes})


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


def _notify_requester(pkg: model.Package, row: dict[str, Any]) -> None:
    user = model.User.get(row["user_id"])
    if not user or not user.email:
        return
    # the title as the requester may see it now (the dataset may have been hidden since)
    title = pkg.title or pkg.name if Access(user).sees_metadata(pkg) else tk._("a dataset")
    body = tk._('Your request for the data of "{title}" is now: {status}.\n{reason}').format(
        title=title, status=row["status"], reason=row.get("reason") or ""
    )
    _mail(user.display_name, user.email, pkg, body)
