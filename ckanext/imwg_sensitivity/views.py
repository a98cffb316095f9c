"""Pages: request access, the requests to decide (and one's own), the audit log as CSV."""

from __future__ import annotations

import csv
import io

import ckan.plugins.toolkit as tk
from flask import Blueprint, Response, request

from ckanext.imwg.csrf import protected

from . import config
from .logic.schema import PURPOSES

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
    return tk.render("imwg_sensitivity/requests.html", {"mine": mine, "to_decide": to_decide})


@blueprint.route("/access/requests/<id>/decide", methods=["POST"])
@protected
def decide(id: str):
    form = request.form
    data = {"id": id, "decision": form.get("decision", ""), "reason": form.get("reason") or None}
    if form.get("days"):
        data["days"] = form["days"]
    try:
        tk.get_action("access_request_decide")(_context(), {k: v for k, v in data.items() if v is not None})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the dataset's maintainer and its organisation's admins decide"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Not found"))
    except tk.ValidationError as e:
        tk.h.flash_error("; ".join(f"{k}: {' '.join(v)}" for k, v in e.error_dict.items()))
    else:
        tk.h.flash_success(tk._("Decision recorded"))
    return tk.redirect_to("imwg_sensitivity.pending")


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


@blueprint.route("/access/audit.csv")
def audit_csv():
    params = {k: request.args[k] for k in ("package_id", "organization_id") if request.args.get(k)}
    params["limit"] = 100000
    try:
        rows = tk.get_action("access_audit_list")(_context(), params)
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins and the organisation's admins read the audit log"))
    except tk.ValidationError as e:
        return tk.abort(400, str(e.error_dict))
    out = io.StringIO()
    fields = ["at", "event", "actor", "package_id", "resource_id", "request_id", "grant_id", "path", "detail"]
    writer = csv.DictWriter(out, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return Response(
        out.getvalue(), mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=access-audit.csv"}
    )
