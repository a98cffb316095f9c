"""Grants of access: listed, given without a request, revoked (a decided
request writes its grant through ``records.grant``); their coming and past
ends announced at each ``TICK``. Events are sent as the suite's signals
before they are committed."""

from __future__ import annotations

import datetime as dt
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
from ..model import grant_table
from . import records, schema


@tk.side_effect_free
@validate(schema.listing)
def access_grant_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Grants of a dataset (to those who decide its requests), or the caller's own.

    :param package_id: the dataset (omit for the caller's own grants)
    :type package_id: string

    :returns: grants, each with ``active`` (not revoked and not expired)
    """
    tk.check_access("access_grant_list", context, data_dict)
    access = Access.of(context)
    c = grant_table.c
    query = sa.select(grant_table).order_by(c.created.desc())
    if data_dict.get("package_id"):
        query = query.where(c.package_id == records.package(data_dict["package_id"]).id)
    else:
        query = query.where(sa.or_(c.user_id == access.user.id, c.organization_id.in_(list(access.orgs) or [""])))
    now = dt.datetime.utcnow()
    return [
        {**records.answer(dict(r._mapping)), "active": r.revoked is None and (r.expires is None or r.expires > now)}
        for r in model.Session.execute(query)
    ]


@validate(schema.access_grant_create)
def access_grant_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Grant access without a request (to those who decide the dataset's requests).

    :param package_id: the dataset (id or name)
    :type package_id: string
    :param user_id: the user who gets access (id or name); or
    :type user_id: string
    :param organization_id: the organisation whose members get access
    :type organization_id: string
    :param resource_ids: only these resources (default: all of them)
    :type resource_ids: list of strings
    :param days: how long (default ``ckanext.imwg_sensitivity.default_expiry_days``)
    :type days: int
    :param expires: or the day it ends (``YYYY-MM-DD``, after today and at
        most ``ckanext.imwg_sensitivity.max_request_days`` away)
    :type expires: string

    :returns: the grant
    """
    pkg = records.package(data_dict["package_id"])
    tk.check_access("access_grant_create", context, {**data_dict, "package_id": pkg.id})
    access = Access.of(context)
    errors: dict[str, list[str]] = {}
    user = model.User.get(data_dict["user_id"]) if data_dict.get("user_id") else None
    org = model.Group.get(data_dict["organization_id"]) if data_dict.get("organization_id") else None
    if bool(data_dict.get("user_id")) == bool(data_dict.get("organization_id")):
        errors["user_id"] = [tk._("Give either a user or an organisation")]
    elif data_dict.get("user_id") and (user is None or user.state != "active"):
        errors["user_id"] = [tk._("No such user: {id}").format(id=data_dict["user_id"])]
    elif data_dict.get("organization_id") and (org is None or not org.is_organization or org.state != "active"):
        errors["organization_id"] = [tk._("No such organisation: {id}").format(id=data_dict["organization_id"])]
    days = data_dict.get("days", config.default_expiry_days())
    if days < 1 or days > config.max_request_days():
        errors["days"] = [tk._("Between 1 and {n} days").format(n=config.max_request_days())]
    resource_ids = records.resource_ids(pkg, data_dict.get("resource_ids"))
    if not any(access.allows_requests(pkg, r) for r in records.wanted(pkg, resource_ids)):
        errors["package_id"] = [tk._("The sharing protocol allows no grants for this data")]
    now = dt.datetime.utcnow()
    try:
        expires = _expiry(data_dict, now, days)
    except tk.ValidationError as e:
        errors.update(e.error_dict)
    if errors:
        raise tk.ValidationError(errors)
    grant_id = records.grant(
        pkg,
        resource_ids,
        user_id=user.id if user else None,
        organization_id=org.id if org else None,
        granted_by=access.user.id,
        expires=expires,
    )
    model.Session.commit()
    return records.answer(records.row(grant_table, grant_id))


@validate(schema.access_grant_revoke)
def access_grant_revoke(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Revoke a grant (at once: the next access is refused).

    :param id: the grant's id
    :type id: string
    :param reason: why (told to its holder)
    :type reason: string
    """
    row = records.row(grant_table, data_dict["id"])
    tk.check_access("access_grant_revoke", context, row)
    if row["revoked"] is not None:
        raise tk.ValidationError({"id": [tk._("This grant was already revoked")]})
    access = Access.of(context)
    now = dt.datetime.utcnow()
    changes = {"revoked": now, "revoked_by": access.user.id, "revoked_reason": data_dict.get("reason")}
    model.Session.execute(grant_table.update().where(grant_table.c.id == row["id"]).values(**changes))
    audit.record(
        "grant_revoked",
        actor=access.user.id,
        package_id=row["package_id"],
        grant_id=row["id"],
        request_id=row["request_id"],
        **({"reason": changes["revoked_reason"]} if changes["revoked_reason"] else {}),
    )
    interfaces.signal(interfaces.ACCESS_GRANT_REVOKED).send(
        row["id"],
        package_id=row["package_id"],
        user_id=row["user_id"],
        organization_id=row["organization_id"],
        reason=changes["revoked_reason"],
        revoked_by=access.user.id,
    )
    model.Session.commit()
    return records.answer({**row, **changes})


def _expiry(data_dict: DataDict, now: dt.datetime, days: int) -> dt.datetime:
    from .requests import _expiry as expiry

    return expiry({**data_dict, "days": days}, now, days)


def _announce(now: dt.datetime) -> int:
    """Send ``ACCESS_GRANT_EXPIRING`` once for each grant in force that ends
    within ``expiry_notice_days`` and once for each that has ended since,
    marking each notice sent (in the same transaction). The number sent."""
    c = grant_table.c
    soon = now + dt.timedelta(days=max(config.expiry_notice_days(), 0))
    due = model.Session.execute(
        sa.select(grant_table)
        .where(
            c.revoked.is_(None),
            c.expires.isnot(None),
            sa.or_(
                sa.and_(c.expires <= now, c.expired_sent.is_(None)),
                sa.and_(c.expires > now, c.expires <= soon, c.expiring_sent.is_(None)),
            ),
        )
        .order_by(c.expires)
    ).all()
    for row in due:
        expired = row.expires <= now
        interfaces.signal(interfaces.ACCESS_GRANT_EXPIRING).send(
            row.id,
            package_id=row.package_id,
            user_id=row.user_id,
            organization_id=row.organization_id,
            expires=row.expires,
            granted_by=row.granted_by,
            expired=expired,
        )
        # an expired grant needs no "soon" notice any more
        marks = {"expired_sent": now, "expiring_sent": row.expiring_sent or now} if expired else {"expiring_sent": now}
        model.Session.execute(grant_table.update().where(c.id == row.id).values(**marks))
    return len(due)


def _on_tick(now: dt.datetime, **kwargs: Any) -> None:
    """``TICK``: announce the grants that end (and commit)."""
    if plugins.plugin_loaded("imwg_sensitivity") and _announce(now):
        model.Session.commit()


#: what this module does at the suite's ``TICK`` (the plugin subscribes it)
TICK_RECEIVERS = (_on_tick,)
