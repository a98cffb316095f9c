"""The receivers of the suite's access and freshness signals: each owes the
right people a message (``outbox.notify``), in the sender's transaction.

Arguments are ids (see ``ckanext.imwg.interfaces``); what a message shows of
a dataset is read at send time as its recipient. Keys make every message
idempotent: a signal sent twice owes nothing more. A receiver that fails
rolls back its own part only (a savepoint) and never fails the sender.
"""

from __future__ import annotations

import datetime
import functools
import logging
from collections.abc import Callable, Iterable
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ckanext.imwg import interfaces

from .. import outbox

log = logging.getLogger(__name__)

ACCESS, OVERDUE = "access", "overdue"


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _name(user_id: str | None) -> str:
    # by id, from the session when the action that sent the signal read the user
    user = model.Session.get(model.User, user_id) if user_id else None
    return user.display_name if user else ""


def _org_title(org_id: str | None) -> str:
    group = model.Group.get(org_id) if org_id else None
    return group.display_name if group else ""


def members(org_id: str | None, capacities: Iterable[str]) -> list[str]:
    """Ids of the active users with one of ``capacities`` in organisation ``org_id``."""
    if not org_id:
        return []
    group = model.Group.get(org_id)
    if group is None:
        return []
    rows = (
        model.Session.query(model.Member.table_id)
        .join(model.User, model.User.id == model.Member.table_id)
        .filter(
            model.Member.group_id == group.id,
            model.Member.table_name == "user",
            model.Member.state == "active",
            model.Member.capacity.in_(list(capacities)),
            model.User.state == "active",
        )
    )
    return sorted({row[0] for row in rows})


def sysadmins() -> list[str]:
    """Ids of the active sysadmins (not the site's own user, which nobody reads mail for)."""
    rows = model.Session.query(model.User.id).filter(
        model.User.sysadmin.is_(True), model.User.state == "active", model.User.name != tk.config["ckan.site_id"]
    )
    return sorted(row[0] for row in rows)


def _each(user_ids: Iterable[str | None], *args: Any, **kwargs: Any) -> None:
    for user_id in dict.fromkeys(u for u in user_ids if u):
        outbox.notify(user_id, *args, **kwargs)


def _holders(kwargs: dict[str, Any]) -> list[str]:
    if kwargs.get("user_id"):
        return [kwargs["user_id"]]
    return members(kwargs.get("organization_id"), ("admin",))


def request_created(request_id: str, **kwargs: Any) -> None:
    """Deciders and the dataset's contacts: someone asks for access."""
    data = {"request_id": request_id, "requester": _name(kwargs.get("user_id"))}
    key = f"request-created:{request_id}"
    package_id = kwargs.get("package_id")
    deciders = [d for d in kwargs.get("deciders") or [] if d != kwargs.get("user_id")]
    _each(deciders, ACCESS, key, "access_request_created", data, package_id=package_id)
    for address in dict.fromkeys(a.strip() for a in kwargs.get("contacts") or [] if a and a.strip()):
        outbox.notify(None, ACCESS, key, "access_request_created", data, email=address, package_id=package_id)


def request_decided(request_id: str, **kwargs: Any) -> None:
    """The requester: the decision, with its reason and the grant's expiry."""
    decision = kwargs.get("decision")
    data = {
        "request_id": request_id,
        "decision": decision,
        "reason": kwargs.get("reason") or "",
        "expires": _plain(kwargs.get("expires")),
    }
    _each(
        [kwargs.get("user_id")],
        ACCESS,
        f"request-decided:{request_id}:{decision}",
        "access_request_decided",
        data,
        package_id=kwargs.get("package_id"),
    )


def request_waiting(request_id: str, **kwargs: Any) -> None:
    """Deciders (and with ``escalate`` the sysadmins): a request still waits."""
    days = kwargs.get("days")
    escalate = bool(kwargs.get("escalate"))
    data = {"request_id": request_id, "requester": _name(kwargs.get("user_id")), "days": days, "escalate": escalate}
    recipients = list(kwargs.get("deciders") or []) + (sysadmins() if escalate else [])
    _each(
        recipients,
        ACCESS,
        f"request-waiting:{request_id}:{days}",
        "access_request_waiting",
        data,
        package_id=kwargs.get("package_id"),
    )


def grant_revoked(grant_id: str, **kwargs: Any) -> None:
    """The holder (an organisation's admins for its grant): access was revoked."""
    data = {
        "grant_id": grant_id,
        "reason": kwargs.get("reason") or "",
        "organization": _org_title(kwargs.get("organization_id")),
    }
    _each(
        _holders(kwargs),
        ACCESS,
        f"grant-revoked:{grant_id}",
        "access_grant_revoked",
        data,
        package_id=kwargs.get("package_id"),
    )


def grant_expiring(grant_id: str, **kwargs: Any) -> None:
    """The holder and who granted it: the grant expires soon, or has expired."""
    expired = bool(kwargs.get("expired"))
    data = {
        "grant_id": grant_id,
        "expires": _plain(kwargs.get("expires")),
        "expired": expired,
        "organization": _org_title(kwargs.get("organization_id")),
    }
    _each(
        [*_holders(kwargs), kwargs.get("granted_by")],
        ACCESS,
        f"grant-{'expired' if expired else 'expiring'}:{grant_id}",
        "access_grant_expiring",
        data,
        package_id=kwargs.get("package_id"),
    )


def agreement_expiring(agreement_id: str, **kwargs: Any) -> None:
    """Both parties' admins: a data-sharing agreement ends soon, or has ended."""
    expired = bool(kwargs.get("expired"))
    data = {
        "agreement_id": agreement_id,
        "provider": _org_title(kwargs.get("provider_id")),
        "receiver": _org_title(kwargs.get("receiver_id")),
        "ends": _plain(kwargs.get("ends")),
        "expired": expired,
    }
    _each(
        kwargs.get("admins") or [],
        ACCESS,
        f"agreement-{'ended' if expired else 'ending'}:{agreement_id}",
        "agreement_expiring",
        data,
    )


def dataset_overdue(package_id: str, **kwargs: Any) -> None:
    """The dataset's maintainer address and its organisation's editors and admins: an update is due."""
    package = model.Package.get(package_id)
    if package is None:
        return
    due = _plain(kwargs.get("due"))
    data = {"due": due, "status": kwargs.get("status")}
    key = f"overdue:{package.id}:{due}"
    _each(members(package.owner_org, ("admin", "editor")), OVERDUE, key, "dataset_overdue", data, package_id=package.id)
    if package.maintainer_email and package.maintainer_email.strip():
        outbox.notify(
            None, OVERDUE, key, "dataset_overdue", data, email=package.maintainer_email, package_id=package.id
        )


def _safely(receive: Callable[..., None]) -> Callable[..., None]:
    @functools.wraps(receive)
    def receiver(sender: Any, **kwargs: Any) -> None:
        if not p.plugin_loaded("imwg_notify"):  # connected once, the plugin unloaded since (tests)
            return
        try:
            with model.Session.begin_nested():
                receive(sender, **kwargs)
        except Exception:
            log.exception("imwg_notify: %s could not store its notifications", receive.__name__)

    return receiver


RECEIVERS: dict[str, Callable[..., None]] = {
    interfaces.ACCESS_REQUEST_CREATED: _safely(request_created),
    interfaces.ACCESS_REQUEST_DECIDED: _safely(request_decided),
    interfaces.ACCESS_REQUEST_WAITING: _safely(request_waiting),
    interfaces.ACCESS_GRANT_REVOKED: _safely(grant_revoked),
    interfaces.ACCESS_GRANT_EXPIRING: _safely(grant_expiring),
    interfaces.AGREEMENT_EXPIRING: _safely(agreement_expiring),
    interfaces.DATASET_OVERDUE: _safely(dataset_overdue),
}


def connect() -> None:
    """Connect the receivers (strongly; connecting again changes nothing: blinker keeps one per function)."""
    for name, receiver in RECEIVERS.items():
        interfaces.signal(name).connect(receiver, weak=False)


def disconnect() -> None:
    """Disconnect them (the plugin unloaded)."""
    for name, receiver in RECEIVERS.items():
        interfaces.signal(name).disconnect(receiver)
