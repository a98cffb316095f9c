"""Template helpers of the place follows (for the signed-in user of the request)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from . import model as follow_model


def imwg_notify_following_place(pcode: str) -> bool:
    """Whether the signed-in user follows the place."""
    user = tk.current_user
    if not getattr(user, "is_authenticated", False) or not pcode:
        return False
    return follow_model.is_following(user.id, str(pcode).upper())


def imwg_notify_place_follower_count(pcode: str) -> int:
    """How many users follow the place."""
    return follow_model.follower_count(str(pcode).upper()) if pcode else 0


def helpers() -> dict[str, object]:
    return {
        "imwg_notify_following_place": imwg_notify_following_place,
        "imwg_notify_place_follower_count": imwg_notify_place_follower_count,
    }
