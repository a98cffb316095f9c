"""Background job: the coverage of an uploaded CSV or XLSX resource.

Runs on CKAN's job queue when a resource is uploaded or replaced; reads the
file (streamed), checks the distinct codes of its P-code columns against the
gazetteer and stores the result per resource.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.lib import uploader

from . import config, coverage, places
from .model import coverage_table

log = logging.getLogger(__name__)

#: unknown codes named in a result (the count is always complete)
MAX_NAMED = 100


def wanted(resource: dict[str, Any]) -> bool:
    """An uploaded CSV or XLSX file."""
    return (
        resource.get("url_type") == "upload"
        and coverage.kind_of(resource.get("format"), resource.get("url")) is not None
    )


def enqueue(resource: dict[str, Any]) -> None:
    if wanted(resource):
        tk.enqueue_job(check_resource, [resource["id"]], title=f"P-code coverage of resource {resource['id']}")


def classify(scan: coverage.Scan, session: Any) -> dict[str, Any]:
    """What the scanned codes are in the gazetteer: per level, unknown, retired."""
    codes = scan.codes()
    found = places.lookup(session, codes)
    levels: dict[int, set[str]] = {}
    within: dict[int, set[str]] = {}
    retired = sorted(c for c, u in found.found.items() if u.retired)
    for code, unit in found.found.items():
        if unit.retired:
            continue
        levels.setdefault(unit.level, set()).add(code)
        for ancestor in found.ancestors(code):
            within.setdefault(ancestor.level, set()).add(ancestor.pcode)
    unknown = sorted(codes - set(found.found))
    return {
        "rows": scan.rows,
        "columns": [
            {
                "header": c.header,
                "hashtag": c.hashtag,
                "level": c.level,
                "distinct": len(c.values),
                "truncated": c.truncated,
            }
            for c in scan.columns
        ],
        "levels": {str(k): sorted(v) for k, v in sorted(levels.items())},
        "within": {str(k): sorted(v) for k, v in sorted(within.items())},
        "countries": sorted({u.country for u in found.found.values()}),
        "unknown": unknown[:MAX_NAMED],
        "unknown_count": len(unknown),
        "retired": retired,
    }


def _store(resource: dict[str, Any], status: str, message: str | None, result: dict[str, Any]) -> None:
    session = model.Session
    session.execute(sa.delete(coverage_table).where(coverage_table.c.resource_id == resource["id"]))
    session.execute(
        coverage_table.insert().values(
            resource_id=resource["id"],
            package_id=resource["package_id"],
            checked_at=dt.datetime.utcnow(),
            status=status,
            message=message,
            result=result,
        )
    )
    session.commit()


def _checked_since_upload(resource: dict[str, Any]) -> bool:
    """The file was read after its last upload (a metadata edit, not a new file)."""
    uploaded = resource.get("last_modified")
    if not uploaded:
        return False
    checked = model.Session.execute(
        sa.select(coverage_table.c.checked_at).where(coverage_table.c.resource_id == resource["id"])
    ).scalar()
    return checked is not None and checked >= dt.datetime.fromisoformat(uploaded)


def check_resource(resource_id: str) -> str:
    """Job: record the P-code coverage of a resource's uploaded file."""
    try:
        resource = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
    except tk.ObjectNotFound:
        return "gone"
    kind = coverage.kind_of(resource.get("format"), resource.get("url"))
    if resource.get("url_type") != "upload" or kind is None:
        return "not an uploaded CSV or XLSX file"
    if _checked_since_upload(resource):
        return "unchanged"
    path = Path(uploader.get_resource_uploader(resource).get_path(resource["id"]))
    if not path.exists():
        _store(resource, "failed", "the uploaded file is missing", {})
        return "missing"
    if os.path.getsize(path) > config.coverage_max_bytes():
        _store(resource, "skipped", f"larger than {config.coverage_max_bytes()} bytes", {})
        return "skipped"
    try:
        scan = coverage.scan(path, kind)
    except coverage.CoverageError as error:
        _store(resource, "failed", str(error), {})
        return "failed"
    result = classify(scan, model.Session)
    _store(resource, "done", None, result)
    log.info("P-code coverage of %s: %s codes in %s rows", resource_id, len(scan.codes()), scan.rows)
    return "done"
