"""Who may do what: one's own preferences (sysadmins: anyone's); the
unsubscribe link is its own proof; delivery status, retries and caught mail
are for sysadmins (CKAN lets them through every auth function)."""

from __future__ import annotations

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import AuthResult, Context, DataDict


def _own(context: Context, data_dict: DataDict) -> AuthResult:
    user = model.User.get(context.get("user") or "")
    if user is not None and user.id == data_dict.get("user_id"):
        return {"success": True}
    return {"success": False, "msg": tk._("Only the user and sysadmins manage these notifications")}


def _sysadmins(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": False, "msg": tk._("Only sysadmins see the notifications' delivery")}


@tk.auth_allow_anonymous_access
def notify_unsubscribe(context: Context, data_dict: DataDict) -> AuthResult:
    return {"success": True}


notify_preferences_show = notify_preferences_update = _own
notify_status_show = notify_message_retry = notify_caught_mail_list = _sysadmins
