"""Pages: a user's notification preferences, the unsubscribe link, and for
sysadmins the delivery status (with retry) and the mail the local catcher
received. Each parses the request, calls the actions as the signed-in user
and renders; every state change from a form is a CSRF-checked POST."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, request

from ckanext.imwg import interfaces
from ckanext.imwg.csrf import protected

from ..outbox import KINDS
from . import languages

blueprint = Blueprint("imwg_notify", __name__)
blueprint.after_app_request(languages.after_request)


def _context() -> dict[str, Any]:
    return interfaces.web_context()


def _signed_in_or_login() -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.full_path)
    return None


def preferences(id: str):
    """Choose how often each kind of notification comes."""
    login = _signed_in_or_login()
    if login is not None:
        return login
    errors: dict[str, Any] = {}
    try:
        if request.method == "POST":
            chosen = {kind: request.form.get(kind, "") for kind in KINDS}
            try:
                tk.get_action("notify_preferences_update")(_context(), {"user_id": id, **chosen})
            except tk.ValidationError as e:
                errors = e.error_dict
            else:
                tk.h.flash_success(tk._("Your notification preferences are saved."))
                return tk.redirect_to("imwg_notify.preferences", id=id)
        shown = tk.get_action("notify_preferences_show")(_context(), {"user_id": id})
        user = tk.get_action("user_show")(_context(), {"id": id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the user and sysadmins manage these notifications"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("User not found"))
    return tk.render(
        "imwg_notify/preferences.html",
        {"preferences": shown, "user_dict": user, "errors": errors, "kinds": KINDS},
    )


def unsubscribe(token: str):
    """Turn off the kind of notification a signed link names."""
    try:
        found = tk.get_action("notify_unsubscribe")(_context(), {"token": token})
    except tk.ValidationError:
        return tk.render("imwg_notify/unsubscribe_invalid.html", {}), 400
    return tk.render("imwg_notify/unsubscribed.html", {"kind": found["kind"]})


def status():
    """The delivery status: counts by status, the last failures."""
    login = _signed_in_or_login()
    if login is not None:
        return login
    try:
        summary = tk.get_action("notify_status_show")(_context(), {"limit": 50})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins see the notifications' delivery"))
    return tk.render("imwg_notify/status.html", {"summary": summary})


def retry(id: str):
    """Try a failed message again."""
    login = _signed_in_or_login()
    if login is not None:
        return login
    try:
        tk.get_action("notify_message_retry")(_context(), {"id": id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins see the notifications' delivery"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Message not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(" ".join(str(m) for v in e.error_dict.values() for m in v))
    else:
        tk.h.flash_success(tk._("The message is queued again."))
    return tk.redirect_to("imwg_notify.status")


def mail():
    """The messages the local mail catcher received."""
    login = _signed_in_or_login()
    if login is not None:
        return login
    try:
        messages = tk.get_action("notify_caught_mail_list")(_context(), {})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only sysadmins see the notifications' delivery"))
    return tk.render("imwg_notify/mail_list.html", {"messages": messages})


blueprint.add_url_rule("/user/<id>/notifications", view_func=protected(preferences), methods=["GET", "POST"])
blueprint.add_url_rule("/notify/unsubscribe/<token>", view_func=unsubscribe)
blueprint.add_url_rule("/ckan-admin/notifications", view_func=status)
blueprint.add_url_rule("/ckan-admin/notifications/<id>/retry", view_func=protected(retry), methods=["POST"])
blueprint.add_url_rule("/ckan-admin/mail", view_func=mail)
