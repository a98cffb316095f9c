"""Who may call this plugin's own actions (each public function here is
the auth function of the action of its name)."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict

from ..access import Access


def _logged_in(context: Context) -> AuthResult:
    if Access.of(context).user is None:
        return {"success": False, "msg": tk._("You must be logged in")}
    return {"success": True}


def _decides(context: Context, package_id: str | None) -> AuthResult:
    access = Access.of(context)
    pkg = model.Package.get(package_id) if package_id else None
    if access.user is not None and pkg is not None and access.can_decide(pkg):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the dataset's maintainer and its organisation's admins decide")}


def access_request_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _logged_in(context)


@tk.auth_allow_anonymous_access
def access_request_list(context: Context, data_dict: DataDict) -> AuthResult:
    return _logged_in(context)


@tk.auth_allow_anonymous_access
def access_request_show(context: Context, data_dict: DataDict) -> AuthResult:
    access = Access.of(context)
    if access.user is not None and data_dict.get("user_id") == access.user.id:
        return {"success": True}
    return _decides(context, data_dict.get("package_id"))


def access_request_decide(context: Context, data_dict: DataDict) -> AuthResult:
    return _decides(context, data_dict.get("package_id"))


def access_request_cancel(context: Context, data_dict: DataDict) -> AuthResult:
    """The requester only."""
    access = Access.of(context)
    if access.user is not None and data_dict.get("user_id") == access.user.id:
        return {"success": True}
    return {"success": False, "msg": tk._("Only the requester cancels a request")}


@tk.auth_allow_anonymous_access
def access_grant_list(context: Context, data_dict: DataDict) -> AuthResult:
    if data_dict.get("package_id"):
        pkg = model.Package.get(data_dict["package_id"])
        return _decides(context, pkg.id if pkg else None)
    return _logged_in(context)


def access_grant_create(context: Context, data_dict: DataDict) -> AuthResult:
    return _decides(context, data_dict.get("package_id"))


def _edits(context: Context, package_id: str | None) -> AuthResult:
    pkg = model.Package.get(package_id) if package_id else None
    if pkg is not None and Access.of(context).can_edit(pkg):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the dataset's editors see and confirm its personal-data screen")}


def personal_data_screen_show(context: Context, data_dict: DataDict) -> AuthResult:
    return _edits(context, data_dict.get("package_id"))


def personal_data_confirm(context: Context, data_dict: DataDict) -> AuthResult:
    return _edits(context, data_dict.get("package_id"))


def access_grant_revoke(context: Context, data_dict: DataDict) -> AuthResult:
    return _decides(context, data_dict.get("package_id"))


@tk.auth_allow_anonymous_access
def access_audit_list(context: Context, data_dict: DataDict) -> AuthResult:
    """Sysadmins; the owner organisation's admins for its datasets."""
    access = Access.of(context)
    if access.sysadmin:
        return {"success": True}
    if access.user is None:
        return {"success": False, "msg": tk._("You must be logged in")}
    import ckan.authz as authz

    org_id = data_dict.get("organization_id")
    if data_dict.get("package_id"):
        pkg = model.Package.get(data_dict["package_id"])
        org_id = pkg.owner_org if pkg else None
    elif not org_id:
        # the log of every organisation the caller administers
        if any(authz.users_role_for_group_or_org(o, access.user.name) == "admin" for o in access.orgs):
            return {"success": True}
    if org_id and authz.users_role_for_group_or_org(org_id, access.user.name) == "admin":
        return {"success": True}
    return {"success": False, "msg": tk._("Only sysadmins and the organisation's admins read the audit log")}


def access_audit_record(context: Context, data_dict: DataDict) -> AuthResult:
    """The portal's own internal calls (``ignore_auth``) and sysadmins."""
    if Access.of(context).sysadmin:
        return {"success": True}
    return {"success": False, "msg": tk._("Only the portal itself writes to the audit log")}
