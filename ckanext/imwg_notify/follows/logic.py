"""Following places: actions, their schemas and auth functions.

CKAN's follow model covers datasets, groups and users; a place (a P-code of
the gazetteer, asked through ``IPlaces``) is followed here. Following a
state covers its districts and townships (see ``fanout``).
"""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import AuthResult, Context, DataDict, Schema, Validator

from ckanext.imwg import interfaces
from ckanext.imwg.guard import no_nul

from . import model as follow_model

#: longest P-code accepted (the gazetteer's are far shorter)
PCODE_MAX = 40


def _known_pcode(value: Any) -> str:
    """A P-code the gazetteer knows (normalised to upper case)."""
    if not isinstance(value, str):
        raise Invalid(tk._("Not a P-code"))
    code = value.strip().upper()
    if not code or len(code) > PCODE_MAX:
        raise Invalid(tk._("Not a P-code"))
    known = interfaces.places([code])
    if known is None:
        raise Invalid(tk._("No gazetteer is loaded: places cannot be followed"))
    if code not in known:
        raise Invalid(tk._("Unknown P-code: {code}").format(code=code))
    return code


@validator_args
def place_schema(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"pcode": [no_nul, not_empty, unicode_safe, _known_pcode]}


def followee_list_schema() -> Schema:
    return {}


def _user(context: Context) -> model.User:
    user = model.User.get(context.get("user") or "")
    if user is None:
        raise tk.NotAuthorized(tk._("You must be logged in to follow places"))
    return user


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.repo.commit()


# -- actions -------------------------------------------------------------------------------


@validate(place_schema)
def notify_place_follow(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Follow a place: be told of datasets placed in it or in any place inside it.

    :param pcode: the place's P-code (a unit of the gazetteer)
    :type pcode: string

    :returns: ``pcode`` and ``following`` (True)
    """
    tk.check_access("notify_place_follow", context, data_dict)
    user = _user(context)
    if not follow_model.follow(user.id, data_dict["pcode"]):
        raise tk.ValidationError({"pcode": [tk._("You are already following this place")]})
    _commit(context)
    return {"pcode": data_dict["pcode"], "following": True}


@validate(place_schema)
def notify_place_unfollow(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Stop following a place.

    :param pcode: the place's P-code
    :type pcode: string

    :returns: ``pcode`` and ``following`` (False)
    """
    tk.check_access("notify_place_unfollow", context, data_dict)
    user = _user(context)
    if not follow_model.unfollow(user.id, data_dict["pcode"]):
        raise tk.ValidationError({"pcode": [tk._("You are not following this place")]})
    _commit(context)
    return {"pcode": data_dict["pcode"], "following": False}


@tk.side_effect_free
@validate(followee_list_schema)
def notify_place_followee_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The places the caller follows, newest first.

    :returns: a list of ``pcode``, ``name``, ``level``, ``country`` (from the
        gazetteer; None for a code it no longer knows) and ``created``
    """
    tk.check_access("notify_place_followee_list", context, data_dict)
    user = _user(context)
    rows = follow_model.followed_places(user.id)
    known = interfaces.places([code for code, _ in rows]) or {}
    out = []
    for code, created in rows:
        unit = known.get(code) or {}
        out.append(
            {
                "pcode": code,
                "name": unit.get("name"),
                "level": unit.get("level"),
                "country": unit.get("country"),
                "created": created.isoformat(),
            }
        )
    return out


@tk.side_effect_free
@validate(place_schema)
def notify_place_follower_count(context: Context, data_dict: DataDict) -> int:
    """How many users follow a place (the number only, as CKAN's follower counts).

    :param pcode: the place's P-code
    :type pcode: string

    :rtype: int
    """
    tk.check_access("notify_place_follower_count", context, data_dict)
    return follow_model.follower_count(data_dict["pcode"])


def actions() -> dict[str, Any]:
    return {
        "notify_place_follow": notify_place_follow,
        "notify_place_unfollow": notify_place_unfollow,
        "notify_place_followee_list": notify_place_followee_list,
        "notify_place_follower_count": notify_place_follower_count,
    }


# -- auth ----------------------------------------------------------------------------------


def _signed_in(context: Context, data_dict: DataDict | None) -> AuthResult:
    user = context.get("user") or ""
    if user and model.User.get(user) is not None:
        return {"success": True}
    return {"success": False, "msg": tk._("You must be logged in to follow places")}


@tk.auth_allow_anonymous_access
def _anyone(context: Context, data_dict: DataDict | None) -> AuthResult:
    return {"success": True}


def auth_functions() -> dict[str, Any]:
    return {
        "notify_place_follow": _signed_in,
        "notify_place_unfollow": _signed_in,
        "notify_place_followee_list": _signed_in,
        "notify_place_follower_count": _anyone,
    }
