"""Who may do what with needs. Needs are read by logged-in users (by
everyone when ``ckanext.imwg_exchange.needs_public`` is on); a need is
posted, edited, closed and reopened on behalf of its organisation, by its
members (any capacity) and sysadmins; any logged-in user answers and follows."""

from __future__ import annotations

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.types import AuthResult, Context, DataDict

from . import config
from .model import need_table


def _user(context: Context) -> str:
    return context.get("user") or ""


def _signed_in(context: Context) -> bool:
    user = _user(context)
    return bool(user) and model.User.get(user) is not None


def may_read(context: Context) -> bool:
    """Whether the caller sees the register."""
    return config.needs_public() or _signed_in(context)


def is_member(user: str, org: str | None) -> bool:
    """Whether ``user`` belongs to organisation ``org`` (id or name; any capacity) or is a sysadmin."""
    if not user:
        return False
    if authz.is_sysadmin(user):
        return True
    group = model.Group.get(org) if org else None
    if group is None or not group.is_organization:
        return False
    return authz.users_role_for_group_or_org(group.id, user) is not None


def _need_org(data_dict: DataDict) -> str | None:
    need_id = data_dict.get("id")
    if not isinstance(need_id, str):
        return None
    return model.Session.execute(sa.select(need_table.c.owner_org).where(need_table.c.id == need_id)).scalar()


def _result(ok: bool, msg: str) -> AuthResult:
    return {"success": True} if ok else {"success": False, "msg": msg}


@tk.auth_allow_anonymous_access
def _reader(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(may_read(context), tk._("Log in to see the data needs"))


need_show = need_search = need_matches = _reader


def _signed_in_only(context: Context, data_dict: DataDict) -> AuthResult:
    return _result(_signed_in(context), tk._("Log in first"))


need_answer = need_follow = need_unfollow = need_notice_list = _signed_in_only


def need_create(context: Context, data_dict: DataDict) -> AuthResult:
    """Members of the organisation the need is posted for (sysadmins for any)."""
    if not _signed_in(context):
        return {"success": False, "msg": tk._("Log in first")}
    org = data_dict.get("owner_org")
    if isinstance(org, str) and org and model.Group.get(org) is not None:
        return _result(is_member(_user(context), org), tk._("Only members of the organisation post its needs"))
    # no organisation (or an unknown one): the schema reports it on the field
    return {"success": True}


def _org_member(context: Context, data_dict: DataDict) -> AuthResult:
    ok = _signed_in(context) and is_member(_user(context), _need_org(data_dict))
    return _result(ok, tk._("Only members of the need's organisation change it"))


need_update = need_close = _org_member
