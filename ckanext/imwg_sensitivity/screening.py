"""The personal-data screen as a background job, its stored results, and the
rule that a file with findings is not public without an explicit confirmation.

On upload (or replacement) of a table the suite's upload job
(``ckanext.imwg.uploads``) hands its rows to the screen, which stores the
findings per resource. When a file with findings would be public,
the job raises that resource's own level to the one the findings call for, so
it is gated until the publisher has looked: a confirmation
(``personal_data_confirm``) is what lets it be public again, and a dataset or
resource update that makes an unconfirmed file public is a field error.

Until a file is screened (and after every new upload), ``access.Access``
gives a public file's data only to the owning organisation: deny by default,
whether the worker is quick, slow or down. A file the screen could not read
stays so until an editor confirms it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.imwg import uploads
from ckanext.imwg.reader import TableError

from . import audit, config, screen
from .access import MISSING, UNKNOWN, file_key, level_of, resource_level
from .model import screen_table

#: in the context of the job's own update, so that it does not screen again
FLAG = "imwg_sensitivity_screening"


def wanted(resource: dict[str, Any]) -> bool:
    """An uploaded file the screen must see before it is public."""
    return screen.needs_screen(resource.get("url_type"), resource.get("format"), resource.get("url"))


def _row(resource_id: str) -> dict[str, Any] | None:
    row = model.Session.execute(sa.select(screen_table).where(screen_table.c.resource_id == resource_id)).first()
    return dict(row._mapping) if row else None


class Screen(uploads.UploadAnalysis):
    """The screen of one file, in the upload job: the rows of its one read go
    to a ``screen.Screener``. Never fails for a bad file: the problem is
    stored as the result."""

    name = "screen"

    def start(self, upload: uploads.Upload) -> bool:
        res = self.res = upload.resource
        if not screen.needs_screen(res.url_type, res.format, res.url):
            return False
        # the key of the file before it is read: a file replaced meanwhile is not the one screened
        self.key = file_key(res.id)
        before = _row(res.id)
        if before and before["file_key"] == self.key:
            # this version of the file was screened already: the answer holds for it
            model.Session.execute(
                screen_table.update().where(screen_table.c.resource_id == res.id).values(screened=dt.datetime.utcnow())
            )
            model.Session.commit()
            self.outcome = before
            return False
        if self.key == MISSING:
            self._store("error", "The uploaded file was not found")
            return False
        if not screen.reads_whole(upload.kind, upload.path):
            self._store("error", "The personal-data screen does not read files of this kind")
            return False
        self.screener = screen.Screener()
        return True

    def consume(self, rows: list[list[str]]) -> bool:
        return self.screener.consume(rows)

    def finish(self, upload: uploads.Upload) -> None:
        result = self.screener.result()
        findings = result.as_dicts()
        self._store("findings" if findings else "clean", None, findings, result.suggested)
        if findings:
            _gate_until_confirmed(self.res, result.suggested)

    def failed(self, upload: uploads.Upload, error: TableError) -> None:
        self._store("error", str(error))

    def _store(self, status: str, message: str | None, findings: list | None = None, suggested: str = "public") -> None:
        res = self.res
        row = {
            "resource_id": res.id,
            "package_id": res.package_id,
            "file_key": self.key,
            "screened": dt.datetime.utcnow(),
            "status": status,
            "message": message,
            "findings": findings or [],
            "suggested": suggested,
            "confirmed": None,
            "confirmed_by": None,
        }
        model.Session.execute(sa.delete(screen_table).where(screen_table.c.resource_id == res.id))
        model.Session.execute(screen_table.insert().values(**row))
        audit.record(
            "personal_data_screened",
            package_id=res.package_id,
            resource_id=res.id,
            status=status,
            findings=len(row["findings"]),
        )
        model.Session.commit()
        self.outcome = row


def run(resource_id: str) -> dict[str, Any] | None:
    """Screen one resource's file, alone (``ckan sensitivity screen``; the
    upload job runs the screen with the other analyses over the same read)."""
    analysis = Screen()
    uploads.analyse(resource_id, [analysis])
    return analysis.outcome


def _gate_until_confirmed(res: model.Resource, suggested: str) -> None:
    """A public file with findings gets its own stricter level."""
    now = resource_level(level_of(res.package), res)
    if now != "public":
        return
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    context = {"ignore_auth": True, "user": site_user["name"], FLAG: True, uploads.OWN_UPDATE: True}
    tk.get_action("resource_patch")(context, {"id": res.id, "sensitivity": suggested})
    audit.record(
        "level_raised_by_screen", package_id=res.package_id, resource_id=res.id, level_from=now, level_to=suggested
    )
    model.Session.commit()


def unconfirmed(package_id: str) -> dict[str, dict[str, Any]]:
    """The dataset's resources whose latest file has findings nobody confirmed."""
    c = screen_table.c
    rows = model.Session.execute(
        sa.select(screen_table).where(c.package_id == package_id, c.status == "findings", c.confirmed.is_(None))
    )
    return {r.resource_id: dict(r._mapping) for r in rows}


def check_publication(data_dict: dict[str, Any]) -> None:
    """Refuse an update that would make a file with unconfirmed findings public
    (a field error on the resource's level, and on the dataset's when it is
    the dataset's level that would make it public)."""
    pkg = model.Package.get(data_dict.get("id") or data_dict.get("name") or "")
    if pkg is None:
        return
    pending = unconfirmed(pkg.id)
    if not pending:
        return
    level = data_dict.get("sensitivity", level_of(pkg))
    level = level if level in config.LEVELS else UNKNOWN
    resources = data_dict.get("resources")
    if resources is None:
        resources = [{"id": r.id, "name": r.name, **(r.extras or {})} for r in pkg.resources if r.state == "active"]
    per_resource: list[dict[str, list[str]]] = []
    inherited = []
    for res in resources:
        row = pending.get(res.get("id")) if isinstance(res, dict) else None
        if row is None or resource_level(level, res) != "public":
            per_resource.append({})
            continue
        columns = ", ".join(sorted({f["column"] for f in row["findings"]}))
        message = tk._(
            "The file was found to hold personal data or precise locations (columns: {columns}). "
            "Confirm on the resource page that it may be public, or choose a stricter level."
        ).format(columns=columns)
        per_resource.append({"sensitivity": [message]})
        if not res.get("sensitivity"):
            inherited.append(res.get("name") or (res.get("url") or "").rsplit("/", 1)[-1] or res.get("id"))
    if any(per_resource):
        errors: dict[str, Any] = {"resources": per_resource}
        if inherited:
            errors["sensitivity"] = [
                tk._("Not public while these files have unconfirmed personal-data findings: {names}").format(
                    names=", ".join(inherited)
                )
            ]
        raise tk.ValidationError(errors)


def confirm(resource_id: str, user_id: str) -> dict[str, Any]:
    row = _row(resource_id)
    if row is None or row["status"] not in ("findings", "error"):
        raise tk.ValidationError({"resource_id": [tk._("This file has no personal-data findings to confirm")]})
    if row["confirmed"] is not None:
        raise tk.ValidationError({"resource_id": [tk._("The findings were already confirmed")]})
    now = dt.datetime.utcnow()
    model.Session.execute(
        screen_table.update()
        .where(screen_table.c.resource_id == resource_id)
        .values(confirmed=now, confirmed_by=user_id)
    )
    audit.record("personal_data_confirmed", actor=user_id, package_id=row["package_id"], resource_id=resource_id)
    model.Session.commit()
    return {**row, "confirmed": now, "confirmed_by": user_id}


def show(resource_id: str) -> dict[str, Any] | None:
    return _row(resource_id)
