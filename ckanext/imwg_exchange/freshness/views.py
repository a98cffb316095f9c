"""The "still current" button's target (a form POST with CSRF)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from flask import Blueprint, request

from ckanext.imwg.csrf import protected

blueprint = Blueprint("imwg_exchange_freshness", __name__)


def _context():
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else "", "auth_user_obj": tk.current_user}


def _back(pkg_name: str):
    came_from = request.form.get("came_from") or ""
    # only a path of this site (never an address elsewhere)
    if came_from.startswith("/") and not came_from.startswith("//"):
        return tk.redirect_to(came_from)
    return tk.redirect_to("dataset.read", id=pkg_name)


@blueprint.route("/dataset/<id>/still-current", methods=["POST"])
@protected
def still_current(id: str):
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.url_for("dataset.read", id=id))
    try:
        answer = tk.get_action("dataset_still_current")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Dataset not found"))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only those who may edit the dataset confirm that it is still current"))
    except tk.ValidationError as e:
        return tk.abort(400, " ".join(" ".join(v) for v in e.error_dict.values()))
    tk.h.flash_success(tk._("Thank you: the dataset is marked as still current."))
    return _back(answer["name"])
