"""Announcing a dataset to the followers of the open needs it matches.

Called on every dataset create and update. The open needs it matches are
found in SQL on the register's indexed arrays (sectors, places, the places'
scope), so one dataset against thousands of open needs is one indexed query;
then each follower not yet told of it is told only if ``package_show`` as
that follower shows the dataset. A dataset made visible by a later update
reaches the followers it now reaches; nobody is told twice (one notice per
need, dataset and follower, ever)."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from ckanext.imwg import interfaces
from ckanext.imwg.indexing import as_list

from . import reference
from .action import visible_datasets
from .matching import as_date
from .model import notice_table

log = logging.getLogger(__name__)

#: open needs a dataset matches (see ``matching``: the same rule, in SQL)
MATCHING_NEEDS = sa.text(
    """
    SELECT n.id FROM imwg_exchange_need n
    WHERE n.status IN ('open', 'in_discussion')
      AND n.sectors && CAST(:sectors AS text[])
      AND (cardinality(n.pcodes) = 0
           OR n.pcodes && CAST(:scope AS text[])
           OR n.place_scope && CAST(:codes AS text[]))
      AND (n.data_type IS NULL OR n.data_type = :data_type)
      AND (CAST(:start AS date) IS NULL OR n.reference_period_end IS NULL
           OR n.reference_period_end >= CAST(:start AS date))
      AND (CAST(:end AS date) IS NULL OR n.reference_period_start IS NULL
           OR n.reference_period_start <= CAST(:end AS date))
    """
)

#: the followers of those needs who were not told of the dataset yet
UNTOLD = sa.text(
    """
    SELECT f.need_id, u.id AS user_id, u.name FROM imwg_exchange_need_follower f
    JOIN "user" u ON u.id = f.user_id AND u.state = 'active'
    WHERE f.need_id = ANY(:needs)
      AND NOT EXISTS (SELECT 1 FROM imwg_exchange_need_notice t
                      WHERE t.need_id = f.need_id AND t.package_id = :package AND t.user_id = f.user_id)
    """
)


def matching_needs(dataset: dict[str, Any]) -> list[str]:
    """The open needs (ids) that a dataset as stored matches."""
    sectors = as_list(dataset.get("sectors"))
    if not sectors:
        return []
    codes = as_list(dataset.get("pcodes"))
    found = reference.ancestors(codes) if codes else {}
    scope = list(dict.fromkeys(codes + [a for c in codes for a in found.get(c, [])]))
    start = as_date(dataset.get("reference_period_start"))
    end = as_date(dataset.get("reference_period_end"))
    rows = model.Session.execute(
        MATCHING_NEEDS,
        {
            "sectors": sectors,
            "scope": scope,
            "codes": codes,
            "data_type": dataset.get("data_type") or None,
            "start": start,
            "end": end,
        },
    )
    return [r.id for r in rows]


def announce(context: dict[str, Any], dataset: dict[str, Any]) -> int:
    """Record a notice for each follower of a matching open need who may see
    the dataset and was not told yet (the one who changed it excepted). Returns how many."""
    if dataset.get("state", "active") != "active" or not dataset.get("id"):
        return 0
    needs = matching_needs(dataset)
    if not needs:
        return 0
    actor = context.get("user") or ""
    untold = model.Session.execute(UNTOLD, {"needs": needs, "package": dataset["id"]}).all()
    allowed: dict[str, bool] = {}
    now = dt.datetime.utcnow()
    told = 0
    matched: dict[str, list[str]] = {}
    for row in untold:
        if row.name == actor:
            continue
        if row.name not in allowed:
            allowed[row.name] = bool(visible_datasets(row.name, [dataset["id"]]))
        if allowed[row.name]:
            inserted = model.Session.execute(
                insert(notice_table)
                .values(need_id=row.need_id, package_id=dataset["id"], user_id=row.user_id, created=now)
                .on_conflict_do_nothing()
            )
            told += 1
            if inserted.rowcount:
                matched.setdefault(row.need_id, []).append(row.user_id)
    # the notifications (when a plugin listens) are stored in this transaction too
    for need_id, followers in matched.items():
        interfaces.signal(interfaces.NEED_MATCHED).send(need_id, package_id=dataset["id"], followers=followers)
    return told


def dataset_changed(context: dict[str, Any], pkg_dict: dict[str, Any]) -> None:
    """The hook: announce the dataset; a failure here is logged and never stops the dataset's save."""
    try:
        with model.Session.begin_nested():
            announce(context, pkg_dict)
    except (sa.exc.SQLAlchemyError, tk.ValidationError, KeyError, TypeError, ValueError):
        log.exception("imwg_exchange: announcing dataset %s to needs' followers failed", pkg_dict.get("id"))
