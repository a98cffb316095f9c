"""CSRF protection for the suite's own forms.

CKAN checks its CSRF token on every state-changing request except those to
extensions' blueprints while ``ckan.csrf_protection.ignore_extensions`` is
true (its default). The suite's views do not rely on that setting: each view
that changes state is wrapped by ``protected``, which runs the same check as
CKAN's own ``before_request`` (Flask-WTF's ``protect``), with the same
exemption for API calls authenticated by a token header.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import current_app, g, request


def protected(view: Callable[..., Any]) -> Callable[..., Any]:
    """A view that refuses a state-changing request without a valid CSRF token (400)."""

    @functools.wraps(view)
    def check(*args: Any, **kwargs: Any) -> Any:
        config = current_app.config
        if (
            request.method in config.get("WTF_CSRF_METHODS", ("POST", "PUT", "PATCH", "DELETE"))
            and config.get("WTF_CSRF_ENABLED", True)
            and not getattr(g, "_csrf_exempt_view", False)
        ):
            current_app.extensions["csrf"].protect()
        return view(*args, **kwargs)

    return check
