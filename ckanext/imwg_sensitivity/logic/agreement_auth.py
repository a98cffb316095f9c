"""Who may call the agreement actions (each public function here is the auth
function of the action of its name). The actions answer anyone who is not
a member of either party as if the agreement did not exist."""

from __future__ import annotations

import ckan.authz as authz
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ..access import Access


def _provider_admin(context: Context, provider_id: str | None) -> AuthResult:
    access = Access.of(context)
    if access.sysadmin:
        return {"success": True}
    if (
        access.user is not None
        and provider_id
        and authz.users_role_for_group_or_org(provider_id, access.user.name) == "admin"
    ):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the providing organisation's admins manage its agreements")}


def _party(context: Context, data_dict: DataDict) -> AuthResult:
    access = Access.of(context)
    if access.sysadmin or {data_dict.get("provider_id"), data_dict.get("receiver_id")} & access.orgs:
        return {"success": True}
    return {"success": False, "msg": tk._("Only the members of the agreement's organisations see it")}


def access_agreement_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _provider_admin(context, data_dict.get("provider_id"))


def access_agreement_update(context: Context, data_dict: DataDict) -> AuthResult:
    return _provider_admin(context, data_dict.get("provider_id"))


def access_agreement_terminate(context: Context, data_dict: DataDict) -> AuthResult:
    return _provider_admin(context, data_dict.get("provider_id"))


@tk.auth_allow_anonymous_access
def access_agreement_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _party(context, data_dict)


@tk.auth_allow_anonymous_access
def access_agreement_list(context: Context, data_dict: DataDict) -> AuthResult:
    """An organisation's agreements: its members and sysadmins; one's own: the logged-in."""
    access = Access.of(context)
    if access.user is None:
        return {"success": False, "msg": tk._("You must be logged in")}
    org_id = data_dict.get("organization_id")
    if org_id is None or access.sysadmin or org_id in access.orgs:
        return {"success": True}
    return {"success": False, "msg": tk._("Only the organisation's members see its agreements")}
