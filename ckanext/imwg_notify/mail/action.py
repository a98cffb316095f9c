"""The notifications' actions: a user's preferences, unsubscribing by a
signed link, and for sysadmins the delivery status, retrying a failed
message and the mail the local catcher received."""

from __future__ import annotations

import datetime
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import Context, DataDict
from sqlalchemy.dialects.postgresql import insert

from .. import model as notify_model
from .. import outbox, tokens
from ..outbox import KINDS
from . import catcher, status

__all__ = [
    "notify_preferences_show",
    "notify_preferences_update",
    "notify_unsubscribe",
    "notify_status_show",
    "notify_message_retry",
    "notify_caught_mail_list",
]


def _target(context: Context, data_dict: DataDict) -> model.User:
    """The user the preferences are of: ``user_id`` (id or name), else the caller."""
    wanted = data_dict.get("user_id") or context.get("user")
    user = model.User.get(wanted) if isinstance(wanted, str) and wanted else None
    if user is None:
        raise tk.ObjectNotFound(tk._("User not found"))
    return user


def _preferences(user_id: str) -> dict[str, str]:
    return {kind: outbox.frequency(user_id, kind) for kind in KINDS}


@tk.side_effect_free
def notify_preferences_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """How often a user gets each kind of notification.

    :param user_id: the user (id or name; optional, default: the caller;
        only sysadmins may name another user)
    :type user_id: string

    :returns: ``user_id``, ``preferences`` (kind -> immediate / daily /
        weekly / none) and ``choices`` (kind -> the frequencies it allows)
    """
    user = _target(context, data_dict)
    tk.check_access("notify_preferences_show", context, {"user_id": user.id})
    return {
        "user_id": user.id,
        "preferences": _preferences(user.id),
        "choices": {kind: list(spec["frequencies"]) for kind, spec in KINDS.items()},
    }


def notify_preferences_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Choose how often a user gets each kind of notification (the kinds not given are unchanged).

    :param user_id: the user (id or name; optional, default: the caller;
        only sysadmins may name another user)
    :type user_id: string
    :param access: access requests, decisions, grants and agreements:
        ``immediate`` or ``none``
    :type access: string
    :param changes: changes of followed datasets, organisations and places:
        ``immediate``, ``daily``, ``weekly`` or ``none``
    :type changes: string
    :param overdue: datasets overdue for an update (same choices)
    :type overdue: string
    :param needs: datasets matching followed data needs (same choices)
    :type needs: string

    :returns: as ``notify_preferences_show``
    """
    user = _target(context, data_dict)
    tk.check_access("notify_preferences_update", context, {"user_id": user.id})
    chosen: dict[str, str] = {}
    errors: dict[str, list[str]] = {}
    for kind, spec in KINDS.items():
        if kind not in data_dict or data_dict[kind] in (None, ""):
            continue
        value = data_dict[kind]
        if value not in spec["frequencies"]:
            errors[kind] = [tk._("Choose one of: {choices}").format(choices=", ".join(spec["frequencies"]))]
            continue
        chosen[kind] = value
    if errors:
        raise tk.ValidationError(errors)
    table = notify_model.preference_table
    now = datetime.datetime.utcnow()
    for kind, value in chosen.items():
        statement = insert(table).values(user_id=user.id, kind=kind, frequency=value, modified=now)
        model.Session.execute(
            statement.on_conflict_do_update(
                index_elements=[table.c.user_id, table.c.kind], set_={"frequency": value, "modified": now}
            )
        )
    if not context.get("defer_commit"):
        model.Session.commit()
    return notify_preferences_show({**context, "ignore_auth": True}, {"user_id": user.id})


@tk.auth_allow_anonymous_access
def notify_unsubscribe(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Turn off one kind of notification with the signed link of a message.

    :param token: the token of the link (it names the user and the kind)
    :type token: string

    :returns: ``user_id`` and ``kind``
    """
    tk.check_access("notify_unsubscribe", context, data_dict)
    token = data_dict.get("token")
    found = tokens.read_unsubscribe_token(token) if isinstance(token, str) else None
    if found is None or found["kind"] not in KINDS or model.User.get(found["user_id"]) is None:
        raise tk.ValidationError({"token": [tk._("This unsubscribe link is not valid.")]})
    notify_preferences_update(
        {**context, "ignore_auth": True}, {"user_id": found["user_id"], found["kind"]: outbox.NONE}
    )
    return found


@tk.side_effect_free
def notify_status_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Messages by status and the last ones that failed or wait for a retry (sysadmins).

    :param limit: how many failures to list (default 20, at most 200)
    :type limit: int

    :returns: ``counts`` (status -> number) and ``failures`` (id, key, kind,
        status, attempts, next_attempt, last_error, created; no content)
    """
    tk.check_access("notify_status_show", context, data_dict)
    try:
        limit = int(data_dict.get("limit", 20))
    except (TypeError, ValueError):
        raise tk.ValidationError({"limit": [tk._("Must be a whole number")]}) from None
    if not 1 <= limit <= 200:
        raise tk.ValidationError({"limit": [tk._("Must be between 1 and 200")]})
    return status.summary(limit)


def notify_message_retry(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Try a failed message again, from its first attempt (sysadmins).

    :param id: the message's id
    :type id: string

    :returns: ``id`` and ``status`` (``queued``)
    """
    tk.check_access("notify_message_retry", context, data_dict)
    table = notify_model.message_table
    message_id = data_dict.get("id")
    if not isinstance(message_id, str) or not message_id:
        raise tk.ValidationError({"id": [tk._("Missing value")]})
    now = datetime.datetime.utcnow()
    done = model.Session.execute(
        table.update()
        .where(table.c.id == message_id, table.c.status == notify_model.FAILED)
        .values(status=notify_model.QUEUED, attempts=0, next_attempt=now + outbox.REQUEUE_AFTER, last_error=None)
        .returning(table.c.id)
    ).scalar()
    if done is None:
        exists = model.Session.execute(sa.select(table.c.id).where(table.c.id == message_id)).scalar()
        if exists is None:
            raise tk.ObjectNotFound(tk._("Message not found"))
        raise tk.ValidationError({"id": [tk._("Only a failed message can be tried again")]})
    outbox.send_after_commit(message_id)
    model.Session.commit()
    return {"id": message_id, "status": notify_model.QUEUED}


@tk.side_effect_free
def notify_caught_mail_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The messages the local mail catcher received, newest first (sysadmins).

    :param limit: how many (default 50, at most 500)
    :type limit: int

    :returns: ``name``, ``received``, ``from``, ``to``, ``subject``, ``text``
    """
    tk.check_access("notify_caught_mail_list", context, data_dict)
    try:
        limit = int(data_dict.get("limit", 50))
    except (TypeError, ValueError):
        raise tk.ValidationError({"limit": [tk._("Must be a whole number")]}) from None
    if not 1 <= limit <= 500:
        raise tk.ValidationError({"limit": [tk._("Must be between 1 and 500")]})
    return catcher.caught(limit)
