"""Telling the followers of a dataset, of its organisation and of its places
that the dataset changed.

A dataset placed in a township concerns the followers of the township and
of every unit above it (``places_with_ancestors``): following a state
covers its districts and townships. A change is stored once per event,
dataset, resource and day (its key), whatever the number of followers: those
who chose to be told at once get their own message then, when the
permission labels let them see the dataset (the outbox checks again, with
``package_show`` as the recipient, when it sends); those who chose a digest
are found when it is built (``follows.digest``). Nobody is told of their own
change. What is stored is ids and plain values, never a resource's address.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ckanext.imwg import interfaces
from ckanext.imwg.indexing import as_list

from . import model as follow_model
from .visibility import Audience

log = logging.getLogger(__name__)

#: the events of a dataset its followers are told of
NEW = "new"
RESOURCE_NEW = "resource_new"
RESOURCE_CHANGED = "resource_changed"
LEVEL = "level"
EVENTS = (NEW, RESOURCE_NEW, RESOURCE_CHANGED, LEVEL)
#: the outbox's kind and template of these notifications
KIND = "changes"
TEMPLATE = "change"
#: a dataset updated within this time after its creation is still "new" (the
#: web form creates a draft and makes it active by an update)
NEW_WINDOW = dt.timedelta(hours=24)


def dataset_places(dataset: Any) -> list[str]:
    """The P-codes a dataset (``model.Package`` or dict) is placed in."""
    if isinstance(dataset, dict):
        value = dataset.get("pcodes")
    else:
        value = dataset.extras.get("pcodes")
    return [c.strip().upper() for c in as_list(value) if c.strip()]


def place_scope(codes: list[str]) -> dict[str, dict[str, Any]]:
    """The places and all their ancestors, as the gazetteer names them (the
    codes themselves, unnamed, when there is no gazetteer)."""
    if not codes:
        return {}
    found = interfaces.places_with_ancestors(codes)
    return {**{c: {"name": c} for c in codes}, **found}


def key_of(event: str, package_id: str, resource_id: str | None = None, day: dt.date | None = None) -> str:
    """One notification per recipient, event, dataset, resource and day (a
    new dataset: once ever)."""
    if event == NEW:
        return f"follow:{NEW}:{package_id}"
    day = day or dt.datetime.utcnow().date()
    return f"follow:{event}:{package_id}:{resource_id or ''}:{day.isoformat()}"


def default_frequency() -> str:
    """How often followers who chose nothing hear of changes."""
    from ckanext.imwg_notify import outbox

    return outbox.KINDS[KIND]["default"]


def _actor_id(context: dict[str, Any]) -> str | None:
    user = context.get("auth_user_obj") or context.get("user")
    if isinstance(user, model.User):
        return user.id
    if not user:
        return None
    found = model.User.get(str(user))
    return found.id if found is not None else None


def recipients(
    dataset: Any,
    actor_id: str | None = None,
    audience: Audience | None = None,
    event: str | None = None,
    at_once: bool = False,
) -> list[tuple[str, str, str | None]]:
    """``(user_id, reason, pcode)`` of the followers to tell of a change of
    ``dataset`` (a ``model.Package``): those who see it, the actor excepted;
    with ``at_once``, only those who chose to be told of changes at once."""
    scope = place_scope(dataset_places(dataset))
    # a dataset is new only to those who followed before it was created (the
    # one-day window lets a draft made active later count as new)
    before = dataset.metadata_created if event == NEW else None
    wanted = None
    if at_once:
        from ckanext.imwg_notify import outbox

        wanted = (KIND, outbox.IMMEDIATE, default_frequency())
    rows = follow_model.followers(dataset.id, dataset.owner_org, scope, before, wanted)
    rows = [r for r in rows if r[0] != actor_id]
    if not rows:
        return []
    seeing = (audience or Audience()).who_sees(dataset, [r[0] for r in rows])
    return [r for r in rows if r[0] in seeing]


def fan_out(
    context: dict[str, Any],
    package_id: str,
    event: str,
    *,
    resource_id: str | None = None,
    extra: dict[str, Any] | None = None,
    audience: Audience | None = None,
    day: dt.date | None = None,
) -> int:
    """Store the change once (in the caller's transaction), and a message for
    each follower who chose to be told at once and sees the dataset. The
    followers who chose a digest are found when it is built
    (``follows.digest``). Returns how many messages were stored now."""
    from ckanext.imwg_notify import outbox

    dataset = model.Package.get(package_id)
    if dataset is None or dataset.state != "active" or dataset.type != "dataset":
        return 0
    now = dt.datetime.utcnow()
    if event == NEW and now - (dataset.metadata_created or dt.datetime.min) > NEW_WINDOW:
        return 0
    key = key_of(event, dataset.id, resource_id, day)
    actor = _actor_id(context)
    stored = model.Session.execute(
        insert(follow_model.change_table)
        .values(
            id=str(uuid.uuid4()),
            key=key,
            event=event,
            package_id=dataset.id,
            resource_id=resource_id,
            actor_id=actor,
            data=extra or {},
            created=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(follow_model.change_table.c.id)
    ).scalar()
    if stored is None:  # this event of this dataset (and resource) was told today already
        return 0
    scope = place_scope(dataset_places(dataset))
    told = 0
    for user_id, reason, pcode in recipients(dataset, actor, audience, event, at_once=True):
        data = {
            "event": event,
            "reason": reason,
            "pcode": pcode,
            "place": (scope.get(pcode) or {}).get("name") if pcode else None,
            "resource_id": resource_id,
            **(extra or {}),
        }
        told += bool(outbox.notify(user_id, KIND, key, TEMPLATE, data, package_id=dataset.id))
    return told


def _safely(context: dict[str, Any], package_id: str | None, event: str, **kwargs: Any) -> None:
    """Fan out; a failure is logged and never stops the dataset's save."""
    if not package_id:
        return
    try:
        with model.Session.begin_nested():
            fan_out(context, package_id, event, **kwargs)
    except (sa.exc.SQLAlchemyError, tk.ValidationError, KeyError, TypeError, ValueError):
        log.exception("imwg_notify: telling the followers of dataset %s failed", package_id)


def dataset_changed(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    """A dataset was created or updated: a dataset active within a day of its
    creation (the web form creates a draft and makes it active by an update)
    is new to its followers, once. Other edits are told through their
    resources and level."""
    if pkg_dict.get("type", "dataset") == "dataset":
        _safely(context, pkg_dict.get("id"), NEW)


#: the hooks by CKAN's names (created and updated are alike: "new" is told once)
dataset_created = dataset_updated = dataset_changed


def resource_changed(context: dict[str, Any], resource: dict[str, Any], created: bool) -> None:
    """A resource was added or changed."""
    _safely(
        context,
        resource.get("package_id"),
        RESOURCE_NEW if created else RESOURCE_CHANGED,
        resource_id=resource.get("id"),
    )


# -- the suite's signals -------------------------------------------------------------------


def _loaded() -> bool:
    # a receiver stays connected once the plugin is unloaded (tests): it then does nothing
    import ckan.plugins as p

    return p.plugin_loaded("imwg_notify")


def level_changed(sender: str, **kwargs: Any) -> None:
    """LEVEL_CHANGED: the dataset's followers who still see it hear of its new level."""
    if not _loaded():
        return
    changed_by = kwargs.get("changed_by")
    _safely(
        {"user": changed_by or ""},
        sender,
        LEVEL,
        extra={"old": kwargs.get("old"), "new": kwargs.get("new")},
    )


def need_matched(sender: str, **kwargs: Any) -> None:
    """NEED_MATCHED: the need's followers (already checked to see the dataset) hear of it."""
    if not _loaded():
        return
    from ckanext.imwg_notify import outbox

    package_id = kwargs.get("package_id")
    followers: Iterable[str] = kwargs.get("followers") or ()
    if not package_id:
        return
    try:
        with model.Session.begin_nested():  # all or nothing, inside the caller's transaction
            for user_id in followers:
                outbox.notify(
                    user_id,
                    "needs",
                    f"need:{sender}:{package_id}",
                    "need",
                    {"need_id": sender, "package_id": package_id},
                    package_id=package_id,
                )
    except sa.exc.SQLAlchemyError:  # the need's own notices are kept
        log.exception("imwg_notify: telling the followers of need %s failed", sender)


def connect() -> None:
    """Connect the receivers (idempotent: blinker keeps one connection per receiver)."""
    interfaces.signal(interfaces.LEVEL_CHANGED).connect(level_changed, weak=False)
    interfaces.signal(interfaces.NEED_MATCHED).connect(need_matched, weak=False)
