"""The profile of a tabular resource, an analysis of the suite's upload job
(``ckanext.imwg.uploads``): on upload or update, read its file (uploaded,
or fetched safely for a link) in a process of its own, profile and validate
it, and store the result for the view and the API. A bad file is stored as
a message; the analysis never raises for one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.imwg import interfaces, reader, uploads

from . import analysis, config, fetch, profile, validation
from .model import profile_table

log = logging.getLogger(__name__)

VIEW_TYPE = "hxl_preview"
#: resource fields the job keeps up to date
TAGGED = "hxl_tagged"
HASHTAGS = "hxl_hashtags"


def wanted(resource: dict[str, Any]) -> bool:
    """A tabular file, uploaded or at an http(s) address."""
    if reader.kind_of(resource.get("format"), resource.get("url")) is None:
        return False
    url = str(resource.get("url") or "")
    return resource.get("url_type") == "upload" or url.startswith(("http://", "https://"))


def stored(resource_id: str) -> dict[str, Any] | None:
    row = model.Session.execute(sa.select(profile_table).where(profile_table.c.resource_id == resource_id)).first()
    return dict(row._mapping) if row else None


def _store(
    res: model.Resource,
    key: str,
    status: str,
    message: str | None,
    result: dict[str, Any],
    detail: str | None = None,
) -> dict[str, Any]:
    tags = sorted({c["hashtag"] for c in result.get("columns", []) if c.get("hashtag")})
    row = {
        "resource_id": res.id,
        "package_id": res.package_id,
        "file_key": key,
        "checked": dt.datetime.utcnow(),
        "status": status,
        "message": message,
        "detail": detail,
        "hashtags": tags if result.get("hxl") else [],
        "result": result,
    }
    session = model.Session
    session.execute(sa.delete(profile_table).where(profile_table.c.resource_id == res.id))
    session.execute(profile_table.insert().values(**row))
    _flag(res, row["hashtags"])
    session.commit()  # the resource's change re-indexes its dataset
    return row


def _flag(res: model.Resource, hashtags: list[str]) -> None:
    """Record on the resource whether it is HXL-tagged and its hashtags."""
    extras = dict(res.extras or {})
    if hashtags:
        wanted_extras = {TAGGED: True, HASHTAGS: hashtags}
        if any(extras.get(k) != v for k, v in wanted_extras.items()):
            res.extras = {**extras, **wanted_extras}
    elif TAGGED in extras or HASHTAGS in extras:
        res.extras = {k: v for k, v in extras.items() if k not in (TAGGED, HASHTAGS)}


def _add_view(res: model.Resource) -> None:
    """Give an HXL resource the preview view (once)."""
    exists = model.Session.query(model.ResourceView).filter_by(resource_id=res.id, view_type=VIEW_TYPE).first()
    if exists is None:
        site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
        tk.get_action("resource_view_create")(
            {"ignore_auth": True, "user": site_user["name"]},
            {"resource_id": res.id, "view_type": VIEW_TYPE, "title": tk._("HXL preview")},
        )


def _key(res: model.Resource, path: Path | None) -> str:
    if path is not None:
        stat = os.stat(path)
        return f"upload:{stat.st_size}:{stat.st_mtime_ns}"
    return f"link:{res.url}:{res.metadata_modified or res.created}"


class Profile(uploads.UploadAnalysis):
    """The profile of one file, in the upload job. It reads the file itself
    (polars, in a process of its own, started in ``start``: it runs while the
    job reads the rows for the other analyses)."""

    name = "profile"
    rows = False
    outcome = "gone"
    profiling: Profiling | None = None
    work: tempfile.TemporaryDirectory | None = None

    def start(self, upload: uploads.Upload) -> bool:
        res = upload.resource
        kind = reader.kind_of(res.format, res.url)
        if kind is None:
            self.outcome = "not a tabular file"
            return False
        path = upload.path
        if res.url_type == "upload" and (path is None or not path.exists()):
            _store(res, "missing", "failed", tk._("The uploaded file is missing."), {})
            self.outcome = "failed"
            return False
        self.key = _key(res, path)
        before = stored(res.id)
        if before and before["file_key"] == self.key and before["status"] != "failed" and _current(before):
            self.outcome = "unchanged"
            return False
        if path is None:
            self.work = tempfile.TemporaryDirectory(prefix="imwg-hxl-")
            path = Path(self.work.name) / "remote"
            try:
                fetch.fetch(
                    res.url,
                    path,
                    min(config.fetch_max_bytes(), config.max_bytes()),
                    config.fetch_timeout(),
                    config.fetch_allowed_networks(),
                )
            except fetch.FetchError as error:
                full = tk._("The file was not fetched: {reason}.").format(reason=error)
                _store(res, self.key, "refused", refusal(error.reason, error.why), {}, detail=full)
                self.outcome = "refused"
                return False
        self.profiling = Profiling(path, kind)
        return True

    def finish(self, upload: uploads.Upload) -> None:
        res = upload.resource
        assert self.profiling is not None
        status, message, result = self.profiling.outcome()
        _store(res, self.key, status, message, result)
        if result.get("hxl"):
            _add_view(res)
        self.outcome = status

    def close(self) -> None:
        if self.profiling is not None:
            self.profiling.close()
        if self.work is not None:
            self.work.cleanup()


def run(resource_id: str) -> str:
    """Profile one resource's file and store the result, alone (the upload
    job runs the profile with the other analyses)."""
    analysis_ = Profile()
    uploads.analyse(resource_id, [analysis_])
    return uploads.report(analysis_)


def _current(row: dict[str, Any]) -> bool:
    """Whether a stored profile has the shape this version makes (older
    ones lack what aggregate-only previews need)."""
    return row["status"] != "done" or (row["result"] or {}).get("version") == profile.VERSION


def refusal(reason: str, why: str | None = None) -> str:
    """Why a link's file was not fetched, in words that name neither its
    host nor its address (for anyone who may see the preview). Stored in
    English, translated when shown (``preview``)."""
    precise = {
        fetch.PRIVATE: tk._("The file was not fetched: the address is on a private network."),
        fetch.UNRESOLVED: tk._("The file was not fetched: the host name of the address is not known."),
        fetch.SCHEME: tk._("The file was not fetched: only http and https addresses are fetched."),
        fetch.CREDENTIALS: tk._("The file was not fetched: addresses with a user name or password are not fetched."),
        fetch.NOT_PUBLIC: tk._("The file was not fetched: the address is not a public address."),
        fetch.TIMEOUT: tk._("The file was not fetched: its server took too long to answer."),
    }
    if why in precise:
        return precise[why]
    sentences = {
        fetch.ADDRESS: tk._("The file was not fetched: files are fetched only from public http and https addresses."),
        fetch.SERVER: tk._("The file was not fetched: its server did not deliver it."),
        fetch.CONTENT: tk._("The file was not fetched: the link does not lead to a data file."),
        fetch.SIZE: tk._("The file was not fetched: it is larger than the portal fetches."),
    }
    return sentences.get(reason, tk._("The file was not fetched."))


class Profiling:
    """The profile of one file, under way in a process of its own from the
    moment it is made; ``outcome()`` waits for it."""

    def __init__(self, path: Path, kind: str):
        self.path = path
        self.apart: analysis.Apart | None = None
        self.early: tuple[str, str | None, dict[str, Any]] | None = None
        size = os.path.getsize(path)
        if size > config.max_bytes():
            self.early = (
                "skipped",
                tk._("The file is {size} bytes, larger than the {limit} bytes profiled.").format(
                    size=size, limit=config.max_bytes()
                ),
                {},
            )
            return
        self.apart = analysis.Apart(
            str(path),
            kind,
            config.preview_rows(),
            config.validate_rows(),
            config.profile_timeout(),
            config.profile_max_memory(),
        )

    def outcome(self) -> tuple[str, str | None, dict[str, Any]]:
        """(status, message, result); never raises for a bad file."""
        if self.early is not None:
            return self.early
        assert self.apart is not None
        try:
            result = self.apart.result()
        except analysis.AnalysisError as error:
            return "failed", tk._("The file cannot be previewed: {reason}.").format(reason=error), {}
        except Exception as error:  # noqa: BLE001 - a file that breaks a reader never breaks the worker
            log.exception("Profiling %s failed", self.path)
            return "failed", tk._("The file cannot be previewed ({error}).").format(error=type(error).__name__), {}
        for sheet in [result, *(result.get("other_sheets") or {}).values()]:
            if "validation" not in sheet:
                continue  # a sheet that could not be read
            pcodes = validation.pcode_issues(sheet, interfaces.places)
            if pcodes:
                checked = sheet["validation"]
                checked["issues"] = validation.ordered(checked["issues"] + pcodes)
                checked["errors"] = validation.errors(checked["issues"])
        return "done", None, result

    def close(self) -> None:
        if self.apart is not None:
            self.apart.close()


def profile_file(path: Path, kind: str) -> tuple[str, str | None, dict[str, Any]]:
    """(status, message, result) for one file; never raises for a bad file."""
    profiling = Profiling(path, kind)
    try:
        return profiling.outcome()
    finally:
        profiling.close()
