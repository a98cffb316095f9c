"""The followed places and the changes told to followers (created by
migrations imwg_notify_0002 and _0003), declared on CKAN's metadata, and the
queries on them and on CKAN's own follow tables."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, insert

#: a user follows a place (a P-code of the gazetteer) and, through it, every place inside it
place_follow_table = sa.Table(
    "imwg_notify_place_follow",
    tk.BaseModel.metadata,
    sa.Column("user_id", sa.UnicodeText, primary_key=True),
    sa.Column("pcode", sa.UnicodeText, primary_key=True),
    sa.Column("created", sa.DateTime, nullable=False),
)

#: a change of a dataset its followers are told of, stored once (the
#: followers who chose a digest are found when it is built)
change_table = sa.Table(
    "imwg_notify_change",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    #: one per event, dataset, resource and day (see ``fanout.key_of``)
    sa.Column("key", sa.UnicodeText, nullable=False, unique=True),
    sa.Column("event", sa.UnicodeText, nullable=False),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("resource_id", sa.UnicodeText),
    #: who made it (never told of it)
    sa.Column("actor_id", sa.UnicodeText),
    sa.Column("data", JSONB, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
)


def follow(user_id: str, pcode: str) -> bool:
    """Record the follow; False when it was there already."""
    done = model.Session.execute(
        insert(place_follow_table)
        .values(user_id=user_id, pcode=pcode, created=dt.datetime.utcnow())
        .on_conflict_do_nothing()
    )
    return bool(done.rowcount)


def unfollow(user_id: str, pcode: str) -> bool:
    """Remove the follow; False when there was none."""
    done = model.Session.execute(
        place_follow_table.delete().where(place_follow_table.c.user_id == user_id, place_follow_table.c.pcode == pcode)
    )
    return bool(done.rowcount)


def is_following(user_id: str, pcode: str) -> bool:
    query = sa.select(sa.literal(1)).where(place_follow_table.c.user_id == user_id, place_follow_table.c.pcode == pcode)
    return model.Session.execute(query).first() is not None


def followed_places(user_id: str) -> list[tuple[str, dt.datetime]]:
    """The user's followed P-codes and since when, newest first."""
    query = (
        sa.select(place_follow_table.c.pcode, place_follow_table.c.created)
        .where(place_follow_table.c.user_id == user_id)
        .order_by(place_follow_table.c.created.desc(), place_follow_table.c.pcode)
    )
    return [(r.pcode, r.created) for r in model.Session.execute(query)]


def follower_count(pcode: str) -> int:
    query = sa.select(sa.func.count()).where(place_follow_table.c.pcode == pcode)
    return int(model.Session.execute(query).scalar() or 0)


#: the active followers of a dataset, of its organisation and of its places,
#: with the first reason found for each (the dataset, then the organisation,
#: then a place); with ``:before``, only follows made by then
_FOLLOWERS = sa.text(
    """
    SELECT DISTINCT ON (f.user_id) f.user_id, f.reason, f.pcode FROM (
        SELECT follower_id AS user_id, 1 AS rank, 'dataset' AS reason, NULL AS pcode, datetime AS since
          FROM user_following_dataset WHERE object_id = :package
        UNION ALL
        SELECT follower_id, 2, 'organization', NULL, datetime
          FROM user_following_group WHERE object_id = :org
        UNION ALL
        SELECT user_id, 3, 'place', pcode, created
          FROM imwg_notify_place_follow WHERE pcode = ANY(:codes)
    ) f
    JOIN "user" u ON u.id = f.user_id AND u.state = 'active'
    LEFT JOIN imwg_notify_preference p ON p.user_id = f.user_id AND p.kind = :kind
    WHERE (CAST(:before AS timestamp) IS NULL OR f.since <= CAST(:before AS timestamp))
      AND (CAST(:frequency AS text) IS NULL OR COALESCE(p.frequency, :default) = :frequency)
    ORDER BY f.user_id, f.rank, f.pcode
    """
)


def followers(
    package_id: str,
    org_id: str | None,
    codes: Iterable[str],
    before: dt.datetime | None = None,
    frequency: tuple[str, str, str] | None = None,
) -> list[tuple[str, str, str | None]]:
    """``(user_id, reason, pcode)`` for each active follower of the dataset,
    its organisation or one of ``codes`` (reason ``dataset``, ``organization``
    or ``place``; pcode only for a place); with ``before``, only those who
    followed by then; with ``frequency`` (kind, frequency, the kind's
    default), only those who chose that frequency for that kind."""
    kind, chosen, default = frequency or (None, None, None)
    params = {"package": package_id, "org": org_id or "", "codes": list(codes), "before": before}
    params.update(kind=kind, frequency=chosen, default=default)
    rows = model.Session.execute(_FOLLOWERS, params)
    return [(r.user_id, r.reason, r.pcode) for r in rows]
