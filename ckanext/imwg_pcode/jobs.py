"""The coverage of an uploaded table, an analysis of the suite's upload job.

Runs in the job (``ckanext.imwg.uploads``) when a resource is uploaded or
replaced: gets the rows of the file's one read, checks the distinct codes of
its P-code columns against the gazetteer and stores the result per resource.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from typing import Any

import ckan.model as model
import sqlalchemy as sa

from ckanext.imwg import reader, uploads
from ckanext.imwg.reader import TableError

from . import config, coverage, places
from .model import coverage_table

log = logging.getLogger(__name__)

#: unknown codes named in a result (the count is always complete)
MAX_NAMED = 100


def wanted(resource: dict[str, Any]) -> bool:
    """An uploaded file the reader may read as a table."""
    return resource.get("url_type") == "upload" and reader.readable(resource.get("format"), resource.get("url"))


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


def _checked_since_upload(res: Any) -> bool:
    """The file was read after its last upload (a metadata edit, not a new file)."""
    if not res.last_modified:
        return False
    checked = model.Session.execute(
        sa.select(coverage_table.c.checked_at).where(coverage_table.c.resource_id == res.id)
    ).scalar()
    return checked is not None and checked >= res.last_modified


class Coverage(uploads.UploadAnalysis):
    """The coverage of one file, in the upload job: the rows of its one read
    go to a ``coverage.Scanner``; the codes found are checked against the
    gazetteer and stored."""

    name = "coverage"
    outcome = "gone"

    def start(self, upload: uploads.Upload) -> bool:
        res = upload.resource
        self.resource = {"id": res.id, "package_id": res.package_id}
        if res.url_type != "upload" or upload.kind is None:
            self.outcome = "not an uploaded CSV or XLSX file"
            return False
        if _checked_since_upload(res):
            self.outcome = "unchanged"
            return False
        if upload.path is None or not upload.path.exists():
            self.outcome = "missing"
            _store(self.resource, "failed", "the uploaded file is missing", {})
            return False
        if os.path.getsize(upload.path) > config.coverage_max_bytes():
            self.outcome = "skipped"
            _store(self.resource, "skipped", f"larger than {config.coverage_max_bytes()} bytes", {})
            return False
        self.scanner = coverage.Scanner()
        return True

    def consume(self, rows: list[list[str]]) -> bool:
        return self.scanner.consume(rows)

    def finish(self, upload: uploads.Upload) -> None:
        scan = self.scanner.scan()
        _store(self.resource, "done", None, classify(scan, model.Session))
        self.outcome = "done"
        log.info("P-code coverage of %s: %s codes in %s rows", self.resource["id"], len(scan.codes()), scan.rows)

    def failed(self, upload: uploads.Upload, error: TableError) -> None:
        _store(self.resource, "failed", str(error), {})
        self.outcome = "failed"


def check_resource(resource_id: str) -> str:
    """Record the P-code coverage of a resource's uploaded file, alone (the
    upload job runs it with the others over the same read)."""
    analysis = Coverage()
    uploads.analyse(resource_id, [analysis])
    return uploads.report(analysis)
