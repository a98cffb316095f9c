"""Pages of data-sharing agreements: an organisation's agreements, a new
one, one agreement, changing it, its signed document, terminating it (after
a confirmation). Every page calls the agreement actions as the visitor;
anyone who is not a member of either party gets the answer a missing page
gets, a member who may not manage it a refusal."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from flask import Blueprint, request, send_file

from ckanext.imwg.csrf import protected

from . import agreements, config
from .model import agreement_table

blueprint = Blueprint("imwg_agreements", __name__)

#: the scope's fields written as comma-separated lists in the forms
LISTS = ("package_ids", "sectors", "places")


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


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _managed(id: str) -> dict:
    """The agreement, to its provider's admins (and sysadmins); 404 to
    those who may not see it, 403 to the other members of the parties."""
    try:
        agreement = tk.get_action("access_agreement_show")(_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Agreement not found"))
    if not agreement.get("can_manage"):
        return tk.abort(403, tk._("Only the providing organisation's admins manage its agreements"))
    return agreement


def _form_of(agreement: dict) -> dict:
    """An agreement's values as the form shows them (its datasets by name)."""
    names = []
    for package_id in agreement.get("package_ids") or []:
        pkg = tk.h.imwg_sensitivity_package(package_id)
        names.append(pkg["name"] if pkg else package_id)
    return {
        "title": agreement.get("title") or "",
        "purpose": agreement.get("purpose") or "",
        "package_ids": ", ".join(names),
        "by_rule": bool(agreement.get("by_rule")),
        "sectors": ", ".join(agreement.get("sectors") or []),
        "places": ", ".join(agreement.get("places") or []),
        "max_level": agreement.get("max_level") or "",
        "starts": (agreement.get("starts") or "")[:10],
        "ends": (agreement.get("ends") or "")[:10],
    }


def _changes(form: dict, stored: dict) -> tuple[dict, dict]:
    """What the edit form changes of the stored values (the action keeps the
    fields left out), and the errors the action cannot see: a field emptied
    that the action would silently keep."""
    changes: dict = {}
    errors: dict = {}
    for key in ("title", "purpose", "starts", "ends", "max_level"):
        if form[key].strip() != stored[key]:
            changes[key] = form[key].strip()
    for key in LISTS:
        if _listed(form[key]) != _listed(stored[key]):
            changes[key] = form[key]
    # as on the new agreement's form: the rule is on when ticked or when any of its parts is filled in
    by_rule = form["by_rule"] == "true" or any(form[k].strip() for k in ("sectors", "places", "max_level"))
    if by_rule != stored["by_rule"]:
        changes["by_rule"] = by_rule
    if not form["ends"].strip():
        errors["ends"] = [tk._("Missing value")]
    if not form["starts"].strip() and stored["starts"]:
        errors["starts"] = [tk._("Missing value")]
    if "max_level" in changes and not changes["max_level"]:
        if by_rule:
            errors["max_level"] = [
                tk._("An agreement's level cannot be widened to any level: choose one, or record a new agreement")
            ]
        del changes["max_level"]
    if "title" in changes and not changes["title"]:
        errors["title"] = [tk._("Missing value")]
    return changes, errors


@blueprint.route("/agreement/<id>/edit", methods=["GET", "POST"])
@protected
def edit(id: str):
    """Change an agreement's title, purpose, scope, dates or document (the
    parties do not change); a form with errors is shown again as sent."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    agreement = _managed(id)
    if agreement.get("terminated"):
        tk.h.flash_error(tk._("This agreement was terminated"))
        return tk.redirect_to("imwg_agreements.read", id=agreement["id"])
    stored = _form_of(agreement)
    data = dict(stored)
    errors: dict = {}
    if request.method == "POST":
        data = {key: request.form.get(key, "") for key in stored if key != "by_rule"}
        data["by_rule"] = request.form.get("by_rule", "")
        payload, errors = _changes(data, stored)
        if request.files.get("document") and request.files["document"].filename:
            payload["document"] = request.files["document"]
        elif request.form.get("clear_document"):
            payload["clear_document"] = True
        data["by_rule"] = data["by_rule"] == "true"
        if not errors and not payload:  # nothing changed: nothing to record (nor to audit)
            return tk.redirect_to("imwg_agreements.read", id=agreement["id"])
        if not errors:
            try:
                tk.get_action("access_agreement_update")(_context(), {"id": agreement["id"], **payload})
            except tk.ValidationError as e:
                errors = e.error_dict
            except tk.NotAuthorized:
                return tk.abort(403, tk._("Only the providing organisation's admins manage its agreements"))
            else:
                tk.h.flash_success(tk._("The agreement was changed."))
                return tk.redirect_to("imwg_agreements.read", id=agreement["id"])
    return tk.render(
        "imwg_sensitivity/agreement_form.html",
        {
            "group_dict": _organization(agreement["provider_id"]),
            "group_type": "organization",
            "agreement": agreement,
            "data": data,
            "errors": errors,
            "organizations": [],
            "levels": config.LEVELS,
        },
    )


@blueprint.route("/agreement/<id>/terminate", methods=["GET", "POST"])
@protected
def terminate(id: str):
    """GET: the confirmation (with an optional reason); POST: terminate now."""
    if request.method == "GET":
        if not tk.current_user.is_authenticated:
            return tk.redirect_to("user.login", came_from=request.path)
        agreement = _managed(id)
        if agreement.get("terminated"):
            return tk.redirect_to("imwg_agreements.read", id=agreement["id"])
        return tk.render("imwg_sensitivity/agreement_terminate.html", {"agreement": agreement})
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
