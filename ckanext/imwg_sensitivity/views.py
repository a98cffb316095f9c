"""Pages: request access, the requests to decide (and one's own), a
dataset's requests and grants, the audit log (and its CSV and XLSX export)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.imwg.csrf import protected

from . import config
from .logic.schema import MAX_AUDIT_ROWS, PURPOSES

blueprint = Blueprint("imwg_sensitivity", __name__)


def _context():
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else "", "auth_user_obj": tk.current_user}


@blueprint.route("/dataset/<id>/request-access", methods=["GET", "POST"])
@protected
def request_access(id: str):
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    try:
        pkg = tk.get_action("package_show")(_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))
    errors: dict = {}
    data = {"days": config.default_expiry_days()}
    if request.method == "POST":
        form = request.form
        data = {
            "package_id": pkg["id"],
            "resource_ids": form.getlist("resource_ids"),
            "purpose": form.get("purpose", ""),
            "intended_use": form.get("intended_use", ""),
            "organization": form.get("organization", ""),
            "days": form.get("days", ""),
            "accept_terms": form.get("accept_terms", "false"),
        }
        try:
            tk.get_action("access_request_create")(_context(), dict(data))
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(tk._("Your request was sent. You will be told of the decision."))
            return tk.redirect_to("dataset.read", id=pkg["name"])
    return tk.render(
        "imwg_sensitivity/request.html",
        {"pkg": pkg, "data": data, "errors": errors, "purposes": PURPOSES, "terms": config.terms()},
    )


@blueprint.route("/access/requests", methods=["GET"])
def pending():
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    requests = tk.get_action("access_request_list")(_context(), {})
    mine = [r for r in requests if r["user_id"] == tk.current_user.id]
    to_decide = [r for r in requests if r["user_id"] != tk.current_user.id]
    return tk.render(
        "imwg_sensitivity/requests.html", {"mine": mine, "to_decide": to_decide, "came_from": request.path}
    )


def _errors_text(errors: dict[str, Any]) -> str:
    """Each field's messages after its label in the reader's language."""
    from .helpers import imwg_sensitivity_field

    return "; ".join(f"{imwg_sensitivity_field(k)}: {' '.join(map(str, v))}" for k, v in errors.items())


def _back(default: str) -> str:
    """Where to go after a form: the page it came from (a path of this site)."""
    target = request.form.get("came_from") or ""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


@blueprint.route("/access/requests/<id>/decide", methods=["POST"])
@protected
def decide(id: str):
    form = request.form
    data = {"id": id, "decision": form.get("decision", ""), "reason": form.get("reason") or None}
    for key in ("days", "expires"):
        if form.get(key):
            data[key] = form[key]
    return _request_step(
        "access_request_decide",
        {k: v for k, v in data.items() if v is not None},
        _deciders_only(),
        tk._("Decision recorded"),
    )


@blueprint.route("/access/requests/<id>/cancel", methods=["POST"])
@protected
def cancel(id: str):
    return _request_step(
        "access_request_cancel",
        {"id": id},
        tk._("Only the requester cancels a request"),
        tk._("Your request was cancelled"),
    )


@blueprint.route("/access/grants/<id>/revoke", methods=["POST"])
@protected
def revoke(id: str):
    data = {"id": id}
    if request.form.get("reason"):
        data["reason"] = request.form["reason"]
    return _request_step("access_grant_revoke", data, _deciders_only(), tk._("Access revoked"))


@blueprint.route("/dataset/<id>/access", methods=["GET"])
def dataset_access(id: str):
    """A dataset's requests and grants, for those who decide them."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    try:
        pkg = tk.get_action("package_show")(_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))
    try:
        grants = tk.get_action("access_grant_list")(_context(), {"package_id": pkg["id"]})
    except tk.NotAuthorized:
        return tk.abort(403, _deciders_only())
    requests = tk.get_action("access_request_list")(_context(), {"package_id": pkg["id"]})
    return tk.render(
        "imwg_sensitivity/access.html",
        {"pkg": pkg, "pkg_dict": pkg, "requests": requests, "grants": grants, "came_from": request.path},
    )


@blueprint.route("/dataset/<id>/resource/<resource_id>/personal-data/confirm", methods=["POST"])
@protected
def confirm_personal_data(id: str, resource_id: str):
    try:
        tk.get_action("personal_data_confirm")(_context(), {"resource_id": resource_id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the dataset's editors confirm its personal-data screen"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Resource not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(" ".join(v) for v in e.error_dict.values()))
    else:
        tk.h.flash_success(
            tk._("Confirmed. You may now choose the level of this file, public included, on its edit page.")
        )
    return tk.redirect_to("resource.read", id=id, resource_id=resource_id)


#: the audit page's filters (query parameters as ``access_audit_list`` names them)
AUDIT_FILTERS = ("package_id", "organization_id", "user", "event", "date_from", "date_to")
#: entries on one page of the audit log
AUDIT_PAGE = 50
#: the events the filter offers (others can still be asked for by name)
AUDIT_EVENTS = (
    "request_created",
    "request_approved",
    "request_rejected",
    "request_more_info",
    "request_cancelled",
    "grant_created",
    "grant_revoked",
    "download",
    "preview",
    "level_changed",
    "notification_sent",
    "personal_data_screened",
    "personal_data_confirmed",
    "level_raised_by_screen",
)
EXPORT_FIELDS = (
    "at",
    "event",
    "actor",
    "actor_name",
    "package_id",
    "dataset",
    "resource_id",
    "request_id",
    "grant_id",
    "path",
    "detail",
)


def _audit_filters() -> dict[str, str]:
    return {k: request.args[k].strip() for k in AUDIT_FILTERS if request.args.get(k, "").strip()}


def _audit_rows(params: dict[str, Any]) -> list[dict[str, Any]]:
    """The entries (NotAuthorized and ValidationError go to the caller)."""
    return tk.get_action("access_audit_list")(_context(), params)


@blueprint.route("/access/audit")
def audit_page():
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.full_path)
    filters = _audit_filters()
    try:
        page = max(1, min(int(request.args.get("page", "1")), 100000))
    except ValueError:
        page = 1
    errors: dict[str, Any] = {}
    rows: list[dict[str, Any]] = []
    try:
        rows = _audit_rows({**filters, "limit": AUDIT_PAGE + 1, "offset": (page - 1) * AUDIT_PAGE})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins and the organisation's admins read the audit log"))
    except tk.ValidationError as e:
        errors = e.error_dict
    return tk.render(
        "imwg_sensitivity/audit.html",
        {
            "entries": rows[:AUDIT_PAGE],
            "filters": filters,
            "errors": errors,
            "page": page,
            "has_next": len(rows) > AUDIT_PAGE,
            "events": AUDIT_EVENTS,
        },
    )


def _export_rows() -> list[dict[str, Any]] | Response:
    """The filtered entries for an export, each with the names a reader sees
    (a dataset's title only when the reader may see it)."""
    params: dict[str, Any] = {**_audit_filters(), "limit": MAX_AUDIT_ROWS}
    try:
        rows = _audit_rows(params)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins and the organisation's admins read the audit log"))
    except tk.ValidationError as e:
        return tk.abort(400, _errors_text(e.error_dict))
    names: dict[str, str] = {}
    titles: dict[str, str] = {}
    for row in rows:
        actor, package_id = row.get("actor"), row.get("package_id")
        if actor and actor not in names:
            names[actor] = tk.h.imwg_sensitivity_user(actor)
        if package_id and package_id not in titles:
            shown = tk.h.imwg_sensitivity_package(package_id)
            titles[package_id] = shown["title"] if shown else ""
        row["actor_name"] = names.get(actor, "")
        row["dataset"] = titles.get(package_id, "")
        row["detail"] = "\n".join(f"{k}: {v}" for k, v in (row.get("detail") or {}).items())
    return rows


def _export_name(ext: str) -> str:
    return f"access-audit-{dt.date.today().isoformat()}.{ext}"


@blueprint.route("/access/audit.csv")
def audit_csv():
    rows = _export_rows()
    if isinstance(rows, Response):
        return rows
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({f: _cell(row.get(f)) for f in EXPORT_FIELDS} for row in rows)
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename={_export_name('csv')}"},
    )


@blueprint.route("/access/audit.xlsx")
def audit_xlsx():
    from openpyxl import Workbook

    rows = _export_rows()
    if isinstance(rows, Response):
        return rows
    book = Workbook(write_only=True)
    sheet = book.create_sheet(tk._("Audit log"))
    sheet.append(list(EXPORT_FIELDS))
    for row in rows:
        sheet.append([_cell(row.get(f)) for f in EXPORT_FIELDS])
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename={_export_name('xlsx')}"},
    )


def _cell(value: Any) -> Any:
    """A value as a spreadsheet cell: text kept as text (a leading ``=`` would
    be a formula), times as times."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _deciders_only() -> str:
    """Why a request or grant step was refused."""
    return tk._("Only the dataset's maintainer and its organisation's admins decide")


def _request_step(action: str, data: dict[str, Any], refused: str, done: str) -> Any:
    """Run one step of a request or grant posted from a page (decide, cancel,
    revoke): refused (403), missing (404), or the errors flashed; back to
    where the form was."""
    try:
        tk.get_action(action)(_context(), data)
    except tk.NotAuthorized:
        return tk.abort(403, refused)
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(_errors_text(e.error_dict))
    else:
        tk.h.flash_success(done)
    return tk.redirect_to(_back(tk.url_for("imwg_sensitivity.pending")))
