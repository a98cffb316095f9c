"""The changes of a period in the digests of the followers who chose one.

A change is stored once (``fanout.fan_out``); when a digest is built, the
period's changes are read once, the followers of all their datasets,
organisations and places once (with their choice of digest), and the
followers are grouped: those who follow the same things (since before the
period), see the same datasets (the same permission labels, as
``package_search`` decides) and read the same language get the same digest.
Each group's digest is written once and stored once
(``imwg_notify_digest_content``); each recipient gets a message naming it,
and only their name and links are put in when it is sent. Nobody is told of
their own change. A digest lists at most ``digest_max_items`` changes, then
says how many more there are, with a link to the newest datasets.

Users who also have other messages held for the same digest (a data need
matched, a dataset overdue) get one digest all the same: their changes are
held as messages of their own, and the digest is built from the held
messages as before.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import ckan.model as model
import sqlalchemy as sa
from ckan.lib.plugins import get_permission_labels

from .. import config
from .. import model as notify_model
from . import fanout
from . import model as follow_model
from .visibility import EVERYTHING, Audience

#: put in a group's digest where each recipient's own values go (letters only:
#: they pass through URLs unchanged)
USER_ID, USER_NAME, DISPLAY_NAME, TOKEN = (
    "imwgnotifyrecipientid",
    "imwgnotifyrecipientname",
    "imwgnotifyrecipientdisplayname",
    "imwgnotifyunsubscribetoken",
)

#: the reasons to be told, in the order the first one found is given
_RANKS = {"dataset": 0, "organization": 1, "place": 2}


@dataclass
class Change:
    """One stored change, with what the digest needs of its dataset."""

    row: Any
    package: model.Package
    labels: frozenset[str]
    #: the dataset's places and their ancestors (code: unit)
    scope: dict[str, dict[str, Any]]


@dataclass
class Group:
    """Recipients who get the same digest."""

    locale: str
    #: the labels of theirs that datasets of the period carry
    #: (:data:`EVERYTHING` for sysadmins)
    labels: frozenset[str]
    #: (reason, target, since or None) followed; since only when it matters
    follows: frozenset[tuple[str, str, dt.datetime | None]]
    actor: str | None
    users: list[str] = field(default_factory=list)


#: the followers of the period's datasets, organisations and places who chose
#: ``:digest`` for changes (no choice: the kind's default)
_FOLLOWERS = sa.text(
    """
    SELECT f.user_id, f.reason, f.target, f.since FROM (
        SELECT follower_id AS user_id, 'dataset' AS reason, object_id AS target, datetime AS since
          FROM user_following_dataset WHERE object_id = ANY(:packages)
        UNION ALL
        SELECT follower_id, 'organization', object_id, datetime
          FROM user_following_group WHERE object_id = ANY(:orgs)
        UNION ALL
        SELECT user_id, 'place', pcode, created
          FROM imwg_notify_place_follow WHERE pcode = ANY(:codes)
    ) f
    JOIN "user" u ON u.id = f.user_id AND u.state = 'active'
    LEFT JOIN imwg_notify_preference p ON p.user_id = f.user_id AND p.kind = :kind
    WHERE COALESCE(p.frequency, :default) = :digest
    """
)


def changes(since: dt.datetime, until: dt.datetime) -> list[Change]:
    """The changes stored in ``(since, until]`` of datasets still active, oldest first."""
    table = follow_model.change_table
    rows = model.Session.execute(
        sa.select(table).where(table.c.created > since, table.c.created <= until).order_by(table.c.created)
    ).all()
    packages = {
        p.id: p
        for p in model.Session.query(model.Package).filter(model.Package.id.in_({r.package_id for r in rows}))
        if p.state == "active" and p.type == "dataset"
    }
    plugin = get_permission_labels()
    labels = {pid: frozenset(plugin.get_dataset_labels(p)) for pid, p in packages.items()}
    scopes: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {}
    found = []
    for row in rows:
        package = packages.get(row.package_id)
        if package is None:
            continue
        codes = tuple(fanout.dataset_places(package))
        if codes not in scopes:
            scopes[codes] = fanout.place_scope(list(codes))
        found.append(Change(row, package, labels[package.id], scopes[codes]))
    return found


def groups(found: list[Change], digest: str, audience: Audience) -> list[Group]:
    """The followers of ``found`` who chose ``digest``, grouped by what they get."""
    if not found:
        return []
    follows: dict[str, set[tuple[str, str, dt.datetime]]] = defaultdict(set)
    params = {
        "packages": list({c.package.id for c in found}),
        "orgs": list({c.package.owner_org for c in found if c.package.owner_org}),
        "codes": list({code for c in found for code in c.scope}),
        "kind": fanout.KIND,
        "default": fanout.default_frequency(),
        "digest": digest,
    }
    for row in model.Session.execute(_FOLLOWERS, params):
        follows[row.user_id].add((row.reason, row.target, row.since))
    if not follows:
        return []
    audience.add(follows)
    locales = _locales(list(follows))
    actors = {c.row.actor_id for c in found if c.row.actor_id}
    # a follow made before the oldest new dataset counts for every change
    # of the period: its date does not set its follower apart
    news = [c.package.metadata_created for c in found if c.row.event == fanout.NEW and c.package.metadata_created]
    oldest = min(news) if news else None
    # only the labels some dataset of the period carries tell readers apart
    # (each user's own labels, ``creator-<id>``, would set every one apart)
    relevant = frozenset().union(*(c.labels for c in found))
    grouped: dict[tuple[Any, ...], Group] = {}
    for user_id, followed in follows.items():
        labels = audience.labels_of(user_id)
        key_follows = frozenset(
            (reason, target, since if oldest is not None and since > oldest else None)
            for reason, target, since in followed
        )
        group = Group(
            locale=locales.get(user_id, config.default_locale()),
            labels=labels if labels == EVERYTHING else labels & relevant,
            follows=key_follows,
            actor=user_id if user_id in actors else None,
        )
        key = (group.locale, group.labels, group.follows, group.actor)
        grouped.setdefault(key, group).users.append(user_id)
    return list(grouped.values())


def items(group: Group, found: list[Change], audience: Audience) -> list[tuple[Change, dict[str, Any]]]:
    """The changes ``group`` is told of (newest first), each with why."""
    told = []
    for change in reversed(found):
        if change.row.actor_id and change.row.actor_id == group.actor:
            continue
        if not audience.sees(group.labels, change.labels):
            continue
        why = _why(group, change)
        if why is not None:
            told.append((change, why))
    return told


def _why(group: Group, change: Change) -> dict[str, Any] | None:
    package = change.package
    before = package.metadata_created if change.row.event == fanout.NEW else None
    reasons = []
    for reason, target, since in group.follows:
        if before is not None and since is not None and since > before:
            continue  # followed after the dataset was created: it is not new to them
        if (
            (reason == "dataset" and target == package.id)
            or (reason == "organization" and target == package.owner_org)
            or (reason == "place" and target in change.scope)
        ):
            reasons.append((_RANKS[reason], target if reason == "place" else "", reason))
    if not reasons:
        return None
    _rank, pcode, reason = min(reasons)
    return {
        "event": change.row.event,
        "reason": reason,
        "pcode": pcode or None,
        "place": (change.scope.get(pcode) or {}).get("name") if pcode else None,
        "resource_id": change.row.resource_id,
        **(change.row.data or {}),
    }


def _locales(user_ids: list[str]) -> dict[str, str]:
    table = notify_model.locale_table
    wanted = set(config.locales())
    rows = model.Session.execute(sa.select(table.c.user_id, table.c.locale).where(table.c.user_id.in_(user_ids))).all()
    return {r.user_id: r.locale for r in rows if r.locale in wanted}


def package_view(change: Change) -> dict[str, Any]:
    """What a digest names of a change's dataset: title, name and its resources'
    names (never an address); read once its recipients are known to see it."""
    package = change.package
    return {
        "id": package.id,
        "name": package.name,
        "title": package.title or package.name,
        "resources": [{"id": r.id, "name": r.name} for r in package.resources_all if r.state == "active"],
    }


def write(group: Group, told: list[tuple[Change, dict[str, Any]]], digest: str) -> dict[str, Any]:
    """The group's digest in its language, with the placeholders of each
    recipient's own values; at most ``digest_max_items`` changes listed."""
    from ..mail import render

    limit = config.digest_max_items()
    with render.in_language(group.locale):
        lines = []
        for change, data in told[:limit]:
            variables = render.variables_for(data, package_view(change))
            lines.append({"kind": fanout.KIND, "text": render.render("change", "short.txt", variables).strip()})
        user = {"id": USER_ID, "name": USER_NAME, "display_name": DISPLAY_NAME}
        variables = render.variables_for({"digest": digest}, None, user=user)
        unsubscribe = variables["link"]("imwg_notify.unsubscribe", token=TOKEN)
        for line in lines:
            line["unsubscribe_url"] = unsubscribe
        variables.update(
            items=lines,
            kinds=[fanout.KIND],
            total=len(told),
            more=max(len(told) - limit, 0),
            more_url=variables["link"]("dataset.search", sort="metadata_modified desc"),
            unsubscribe_url=unsubscribe,
        )
        subject = " ".join(render.render("digest", "subject.txt", variables).split())
        body = render.render("digest", "txt", variables)
    return {"subject": subject, "body": body, "html": None}


def personal(text: str, user: model.User) -> str:
    """A group's text with ``user``'s own values put in."""
    from ..tokens import unsubscribe_token

    return (
        text.replace(TOKEN, unsubscribe_token(user.id, fanout.KIND))
        .replace(DISPLAY_NAME, user.display_name)
        .replace(USER_NAME, user.name)
        .replace(USER_ID, user.id)
    )


def build(digest: str, key: str, since: dt.datetime, now: dt.datetime) -> list[str]:
    """Store the digests of the changes in ``(since, now]`` for the followers
    who chose ``digest`` (in the caller's transaction). Returns the ids of
    the digest messages stored; the followers who also have other messages
    held for this digest get their changes held with them instead."""
    found = changes(since, now)
    audience = Audience()
    built = groups(found, digest, audience)
    if not built:
        return []
    mixed = _with_held(digest, now, [u for g in built for u in g.users])
    stored: list[str] = []
    for group in built:
        told = items(group, found, audience)
        if not told:
            continue
        alone = [u for u in group.users if u not in mixed]
        for user_id in group.users:
            if user_id in mixed:
                _hold(user_id, told, digest, now)
        if alone:
            content = write(group, told, digest)
            stored += _store(alone, content, digest, key, now, len(told))
    return stored


def _with_held(digest: str, now: dt.datetime, user_ids: list[str]) -> set[str]:
    table = notify_model.message_table
    query = sa.select(table.c.user_id).where(
        table.c.status == notify_model.HELD,
        table.c.digest == digest,
        table.c.batch.is_(None),
        table.c.created <= now,
        table.c.user_id.in_(user_ids),
    )
    return set(model.Session.execute(query.distinct()).scalars())


def _hold(user_id: str, told: list[tuple[Change, dict[str, Any]]], digest: str, now: dt.datetime) -> None:
    from sqlalchemy.dialects.postgresql import insert

    table = notify_model.message_table
    for change, data in told:
        model.Session.execute(
            insert(table)
            .values(
                id=str(uuid.uuid4()),
                recipient=user_id,
                user_id=user_id,
                kind=fanout.KIND,
                key=change.row.key,
                template=fanout.TEMPLATE,
                data=data,
                package_id=change.package.id,
                status=notify_model.HELD,
                digest=digest,
                attempts=0,
                created=now,
            )
            .on_conflict_do_nothing(constraint="imwg_notify_message_recipient_key")
        )


#: the messages of a group's digest, one per recipient, in one statement
_STORE_MANY = sa.text(
    """
    INSERT INTO imwg_notify_message
        (id, recipient, user_id, kind, key, template, data, status, digest, attempts, next_attempt, created)
    SELECT v.id, v.user_id, v.user_id, 'digest', :key, 'digest', CAST(:data AS jsonb), :status, :digest, 0,
           :next_attempt, :now
    FROM unnest(CAST(:ids AS text[]), CAST(:users AS text[])) AS v (id, user_id)
    ON CONFLICT ON CONSTRAINT imwg_notify_message_recipient_key DO NOTHING
    RETURNING id
    """
)


def _store(
    user_ids: list[str], content: dict[str, Any], digest: str, key: str, now: dt.datetime, count: int
) -> list[str]:
    import json

    from ..outbox import REQUEUE_AFTER

    content_id = str(uuid.uuid4())
    model.Session.execute(notify_model.digest_content_table.insert().values(id=content_id, created=now, **content))
    done = model.Session.execute(
        _STORE_MANY,
        {
            "ids": [str(uuid.uuid4()) for _ in user_ids],
            "users": user_ids,
            "data": json.dumps({"digest": digest, "content": content_id, "items": count}),
            "status": notify_model.QUEUED,
            "digest": digest,
            "key": key,
            "next_attempt": now + REQUEUE_AFTER,
            "now": now,
        },
    )
    return list(done.scalars())


def forget_before(until: dt.datetime) -> int:
    """Delete the changes stored before ``until`` (every digest that could
    carry them is built). Returns how many."""
    table = follow_model.change_table
    return model.Session.execute(table.delete().where(table.c.created < until)).rowcount
