"""The Follow / Unfollow buttons of a location page, and the list of one's followed places."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint

from ckanext.imwg.csrf import protected
from ckanext.imwg.interfaces import web_context

blueprint = Blueprint("imwg_notify_follows", __name__)


def _location(pcode: str) -> str:
    """The place's page (served by the gazetteer's plugin; its address when that is not loaded)."""
    try:
        return tk.h.url_for("imwg_pcode.read", pcode=pcode)
    except Exception:  # noqa: BLE001 - werkzeug's BuildError: no location pages
        return f"/location/{pcode}"


def _change(pcode: str, action: str, done: str) -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to(tk.h.url_for("user.login", came_from=_location(pcode)))
    try:
        result = tk.get_action(action)(web_context(), {"pcode": pcode})
    except tk.ValidationError as e:
        tk.h.flash_error("; ".join(m for msgs in e.error_dict.values() for m in msgs))
        return tk.redirect_to(_location(pcode))
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You must be logged in to follow places"))
    tk.h.flash_success(done)
    return tk.redirect_to(_location(result["pcode"]))


def follow(pcode: str):
    """Follow the place (POST)."""
    return _change(pcode, "notify_place_follow", tk._("You are now following this place"))


def unfollow(pcode: str):
    """Stop following the place (POST)."""
    return _change(pcode, "notify_place_unfollow", tk._("You are no longer following this place"))


def places():
    """The places the signed-in user follows."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to(tk.h.url_for("user.login", came_from=tk.h.url_for("imwg_notify_follows.places")))
    followed = tk.get_action("notify_place_followee_list")(web_context(), {})
    return tk.render("imwg_notify/follows/places.html", {"places": followed, "location": _location})


blueprint.add_url_rule("/location/<pcode>/follow", view_func=protected(follow), methods=["POST"])
blueprint.add_url_rule("/location/<pcode>/unfollow", view_func=protected(unfollow), methods=["POST"])
blueprint.add_url_rule("/dashboard/places", view_func=places)
