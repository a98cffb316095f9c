"""Pages of data-sharing agreements: an organisation's agreements, a new
one, one agreement, its signed document, terminating it. Every page calls
the agreement actions as the visitor; anyone who is not a member of either
party gets the answer a missing page gets."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from flask import Blueprint, request, send_file

from ckanext.imwg.csrf import protected

from . import agreements, config
from .model import agreement_table

blueprint = Blueprint("imwg_agreements", __name__)


def _context():
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else "", "auth_user_obj": tk.current_user}


def _organization(id: str) -> dict:
    try:
        return tk.get_action("organization_show")(_context(), {"id": id, "include_datasets": False})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Organization not found"))


@blueprint.route("/organization/<id>/agreements")
def organization_agreements(id: str):
    org = _organization(id)
    try:
        rows = tk.get_action("access_agreement_list")(_context(), {"organization_id": org["id"]})
    except (tk.NotAuthorized, tk.ObjectNotFound):
        return tk.abort(404, tk._("Not found"))
    can_create = tk.h.check_access("access_agreement_create", {"provider_id": org["id"]})
    return tk.render(
        "imwg_sensitivity/agreements.html",
        {
            "group_dict": org,
            "group_type": org.get("type") or "organization",
            "agreements": rows,
            "can_create": can_create,
        },
    )


@blueprint.route("/organization/<id>/agreements/new", methods=["GET", "POST"])
@protected
def new(id: str):
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    org = _organization(id)
    if not tk.h.check_access("access_agreement_create", {"provider_id": org["id"]}):
        return tk.abort(403, tk._("Only the providing organisation's admins manage its agreements"))
    errors: dict = {}
    data: dict = {"by_rule": False}
    if request.method == "POST":
        form = request.form
        data = {
            "provider_id": org["id"],
            "receiver_id": form.get("receiver_id", ""),
            "title": form.get("title", ""),
            "purpose": form.get("purpose", ""),
            "package_ids": form.get("package_ids", ""),
            # unticked: the rule is on when any of its parts is filled in
            "by_rule": form.get("by_rule", ""),
            "sectors": form.get("sectors", ""),
            "places": form.get("places", ""),
            "max_level": form.get("max_level", ""),
            "starts": form.get("starts", ""),
            "ends": form.get("ends", ""),
        }
        payload = {k: v for k, v in data.items() if v != "" or k in ("receiver_id", "purpose", "ends")}
        if request.files.get("document") and request.files["document"].filename:
            payload["document"] = request.files["document"]
        try:
            created = tk.get_action("access_agreement_create")(_context(), payload)
        except tk.ValidationError as e:
            errors = e.error_dict
        except tk.NotAuthorized:
            return tk.abort(403, tk._("Only the providing organisation's admins manage its agreements"))
        else:
            tk.h.flash_success(tk._("The agreement was recorded."))
            return tk.redirect_to("imwg_agreements.read", id=created["id"])
    organizations = [
        o
        for o in tk.get_action("organization_list")(_context(), {"all_fields": True, "limit": 1000})
        if o["id"] != org["id"]
    ]
    return tk.render(
        "imwg_sensitivity/agreement_form.html",
        {
            "group_dict": org,
            "group_type": org.get("type") or "organization",
            "data": data,
            "errors": errors,
            "organizations": organizations,
            "levels": config.LEVELS,
        },
    )


@blueprint.route("/agreement/<id>")
def read(id: str):
    try:
        agreement = tk.get_action("access_agreement_show")(_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Agreement not found"))
    return tk.render("imwg_sensitivity/agreement.html", {"agreement": agreement})


@blueprint.route("/agreement/<id>/terminate", methods=["POST"])
@protected
def terminate(id: str):
    try:
        tk.get_action("access_agreement_terminate")(_context(), {"id": id, "reason": request.form.get("reason") or ""})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Agreement not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the providing organisation's admins manage its agreements"))
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(" ".join(v) for v in e.error_dict.values()))
    else:
        tk.h.flash_success(tk._("The agreement was terminated."))
    return tk.redirect_to("imwg_agreements.read", id=id)


@blueprint.route("/agreement/<id>/document")
def document(id: str):
    """The signed document, to the parties' members and sysadmins only."""
    try:
        agreement = tk.get_action("access_agreement_show")(_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Agreement not found"))
    stored = model.Session.execute(
        sa.select(agreement_table.c.document).where(agreement_table.c.id == agreement["id"])
    ).scalar()
    path = agreements.document_path({"document": stored})
    if path is None:
        return tk.abort(404, tk._("This agreement has no document"))
    response = send_file(path, as_attachment=True, download_name=agreement.get("document_name") or "agreement")
    response.headers["Cache-Control"] = "private, no-store"
    return response
