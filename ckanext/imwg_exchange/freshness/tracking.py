"""When a dataset's data last changed, and its status now.

A data change is a resource added, deleted, or its link or uploaded file
replaced; a metadata edit (title, description, a resource's name) is not.
The two are told apart by the digest of the dataset's active resources
(``model._DIGEST``), compared on every save of the dataset: CKAN's
``after_dataset_create`` / ``after_dataset_update`` run after the resources
are flushed and before the commit, whose ``before_commit`` writes the index
entry, so the row written here is read by :func:`index_status` in the same
transaction and the entry carries the new status. Resource actions go
through ``package_update``; their own after-hooks (after the commit) only
catch what that missed.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import search
from sqlalchemy.orm.attributes import flag_modified

from ckanext.imwg.indexing import stored_dataset
from ckanext.imwg.interfaces import ChunkCache

from . import model as fm
from . import rule

log = logging.getLogger(__name__)

#: given to :func:`evaluate` as the row of a dataset known to have none (not read again)
NO_ROW: Any = object()
#: the rows of the datasets of the chunk being indexed (``IIndexBatch``; None: no row)
_chunk: ChunkCache[Any] = ChunkCache("imwg_exchange_chunk_freshness")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def parse_time(value: Any) -> dt.datetime | None:
    """A time of a dataset dict (ISO text or datetime), naive UTC."""
    if isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return None
    return None


def schedule(pkg_dict: dict[str, Any]) -> tuple[str | None, bool]:
    """The dataset's update frequency and whether it is archived."""
    return pkg_dict.get("update_frequency") or None, rule.is_archived(pkg_dict.get("archived"))


def first_known_change(pkg_dict: dict[str, Any]) -> dt.datetime | None:
    """For a dataset without a row: its resources' latest creation or file
    change, else its own creation."""
    times = [
        parse_time(r.get(key))
        for r in pkg_dict.get("resources") or []
        if r.get("state", "active") == "active"
        for key in ("last_modified", "created")
    ]
    known = [t for t in times if t is not None]
    return max(known) if known else parse_time(pkg_dict.get("metadata_created"))


def evaluate(pkg_dict: dict[str, Any], row: Any = None, now: dt.datetime | None = None) -> rule.Freshness:
    """A dataset's freshness now, from its row (read when not given, and
    :data:`NO_ROW` for none) or, without one, from its resources."""
    if row is None and pkg_dict.get("id"):
        row = fm.record_of(pkg_dict["id"])
    if row is NO_ROW:
        row = None
    frequency, archived = schedule(pkg_dict)
    changed = row.data_changed_at if row is not None else first_known_change(pkg_dict)
    confirmed = row.confirmed_at if row is not None else None
    return rule.evaluate(frequency, changed, confirmed, now or utcnow(), archived)


def index_status(pkg_dict: dict[str, Any]) -> str | None:
    """The status a dataset's index document carries."""
    if not pkg_dict.get("id"):
        return None
    stored = stored_dataset(pkg_dict) or pkg_dict
    row = _chunk.get(pkg_dict["id"], fm.record_of)
    return evaluate({**stored, "id": pkg_dict["id"]}, NO_ROW if row is None else row).status


def before_index_chunk(package_ids: list[str]) -> None:
    """Read the rows of a chunk of datasets at once (``IIndexBatch``)."""
    rows = fm.records_of(package_ids)
    _chunk.fill({i: rows.get(i) for i in package_ids})


def after_index_chunk() -> None:
    _chunk.clear()


def dataset_saved(pkg_dict: dict[str, Any], now: dt.datetime | None = None) -> bool:
    """Record a dataset's save (in its transaction): a new data change when
    its resources' digest differs, and its status. Whether a row changed."""
    package_id = pkg_dict.get("id")
    if not package_id:
        return False
    now = now or utcnow()
    digest, latest = fm.resources_of(package_id)
    row = fm.record_of(package_id)
    if row is None:
        changed = latest or parse_time(pkg_dict.get("metadata_created")) or now
    elif row.resources_digest != digest:
        changed = now
    else:
        changed = row.data_changed_at
    frequency, archived = schedule(pkg_dict)
    confirmed = row.confirmed_at if row is not None else None
    status = rule.status(frequency, rule.last_current(changed, confirmed), now, archived)
    if row is not None and (row.resources_digest, row.data_changed_at, row.status) == (digest, changed, status):
        return False
    fm.save(package_id, data_changed_at=changed, resources_digest=digest, status=status, computed_at=now)
    if row is not None and row.status != status:
        fm.add_status_changes([{"package_id": package_id, "old_status": row.status, "new_status": status, "at": now}])
    return True


def index_at_commit(package_id: str) -> None:
    """Have the coming commit (re-)index the dataset, with the row just
    written. CKAN indexes a transaction's datasets at each commit, a
    savepoint's included: a hook that commits a savepoint before this part's
    runs has had the entry written with the old row. Marking the dataset
    changed (its ``metadata_modified`` rewritten as it is) puts it among the
    datasets the commit indexes again."""
    pkg = model.Package.get(package_id)
    if pkg is not None:
        flag_modified(pkg, "metadata_modified")


def resources_touched(package_id: str) -> None:
    """After a resource action's commit: record a change ``package_update``'s
    hook did not see (none, normally), and re-index the dataset if so."""
    pkg = model.Package.get(package_id)
    if pkg is None or pkg.state != "active":
        return
    digest, _latest = fm.resources_of(package_id)
    row = fm.record_of(package_id)
    if row is not None and row.resources_digest == digest:
        return
    pkg_dict = {"id": pkg.id, "metadata_created": pkg.metadata_created.isoformat(), **pkg.extras}
    if dataset_saved(pkg_dict):
        model.repo.commit()
        reindex([package_id])


def confirm(package_id: str, user_id: str, now: dt.datetime | None = None) -> None:
    """Record that the dataset's data is still current (audited), then
    re-index it. The caller has checked that ``user_id`` may edit it."""
    now = now or utcnow()
    pkg = model.Package.get(package_id)
    assert pkg is not None
    pkg_dict = {"id": pkg.id, "metadata_created": pkg.metadata_created.isoformat(), **pkg.extras}
    dataset_saved(pkg_dict, now)  # the row exists and is up to date
    row = fm.record_of(package_id)
    frequency, archived = schedule(pkg_dict)
    status = rule.status(frequency, rule.last_current(row.data_changed_at, now), now, archived)
    fm.update(package_id, confirmed_at=now, confirmed_by=user_id, status=status, computed_at=now)
    fm.add_event(package_id, fm.STILL_CURRENT, now, user_id=user_id, old_status=row.status, new_status=status)
    if row.status != status:
        fm.add_status_changes([{"package_id": package_id, "old_status": row.status, "new_status": status, "at": now}])
    model.repo.commit()
    reindex([package_id])


def reindex(package_ids: list[str]) -> None:
    """Re-index datasets (after the commit of their rows)."""
    if not package_ids:
        return
    search.rebuild(package_ids=package_ids, quiet=True, defer_commit=True)
    search.commit()


#: datasets read per page when the index's statuses are compared
INDEX_PAGE = 1000


def indexed_statuses(ids: set[str]) -> dict[str, str | None]:
    """The freshness the index entries of ``ids`` carry now (None: an entry
    written without it), read page by page from the search as the site."""
    found: dict[str, str | None] = {}
    search_ = tk.get_action("package_search")
    start = 0
    while ids - set(found):
        page = search_(
            {"ignore_auth": True},
            {
                "q": "*:*",
                "fl": "id,freshness",
                "rows": INDEX_PAGE,
                "start": start,
                "sort": "metadata_created asc",
                "include_private": True,
            },
        )
        for doc in page["results"]:
            if doc["id"] in ids:
                found[doc["id"]] = doc.get("freshness")
        start += INDEX_PAGE
        if start >= page["count"]:
            break
    return found


def recompute(now: dt.datetime | None = None, reindex_changed: bool = True) -> dict[str, Any]:
    """Recompute every active dataset's status in one pass; store the rows
    of datasets seen for the first time, record each change of status and
    re-index only the datasets whose status changed (and those without a row
    whose index entry carries another status, or none).

    Returns counts (``datasets``, ``changed``, ``new``, ``by_status``) and the ``changed_ids``.
    """
    now = now or utcnow()
    statuses: dict[str, str] = {}
    new_rows: list[tuple[str, dt.datetime, str, str]] = []
    changes: list[dict[str, Any]] = []
    by_status: dict[str, int] = dict.fromkeys(rule.STATUSES, 0)
    rows = fm.all_datasets()
    for r in rows:
        archived = rule.is_archived(r.archived)
        if r.known:
            last = rule.last_current(r.data_changed_at, r.confirmed_at)
        else:
            last = r.latest or r.metadata_created
        status = rule.status(r.update_frequency, last, now, archived)
        by_status[status] += 1
        if not r.known:
            new_rows.append((r.id, last, r.digest, status))
            if status in rule.LATE:
                changes.append({"package_id": r.id, "old_status": None, "new_status": status, "at": now})
        elif r.status != status:
            statuses[r.id] = status
            changes.append({"package_id": r.id, "old_status": r.status, "new_status": status, "at": now})
    fm.set_statuses(now, statuses)
    fm.insert_rows(now, new_rows)
    fm.add_status_changes(changes)
    model.repo.commit()
    # a dataset seen for the first time is re-indexed only when its entry
    # says otherwise (an entry written before the plugin, or since outdated):
    # the index hook computes the same status from the same dates
    indexed = indexed_statuses({n[0] for n in new_rows}) if new_rows else {}
    changed_ids = [*statuses, *(n[0] for n in new_rows if indexed.get(n[0]) != n[3])]
    if reindex_changed:
        reindex(changed_ids)
    log.info("freshness: %d datasets, %d changed, %d new", len(rows), len(statuses), len(new_rows))
    return {
        "datasets": len(rows),
        "changed": len(statuses),
        "new": len(new_rows),
        "by_status": by_status,
        "changed_ids": changed_ids,
    }


def recompute_job() -> None:
    """The background job that ``ckan exchange freshness --enqueue`` queues."""
    recompute()
