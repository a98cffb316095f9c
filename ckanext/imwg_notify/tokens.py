"""Signed unsubscribe tokens: a user and a kind, signed with CKAN's secret."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from itsdangerous import BadSignature, URLSafeSerializer

_SALT = "imwg_notify.unsubscribe"


def _serializer() -> URLSafeSerializer:
    # CKAN 2.11 names its secret SECRET_KEY (beaker.session.secret before)
    secret = tk.config.get("SECRET_KEY") or tk.config.get("beaker.session.secret")
    if not secret:
        raise RuntimeError("imwg_notify: no SECRET_KEY to sign unsubscribe links with")
    return URLSafeSerializer(secret, salt=_SALT)


def unsubscribe_token(user_id: str, kind: str) -> str:
    """The token of the link that turns ``kind`` off for ``user_id``."""
    return _serializer().dumps({"u": user_id, "k": kind})


def read_unsubscribe_token(token: str) -> dict[str, Any] | None:
    """``{"user_id", "kind"}`` of a genuine token, None for a forged or damaged one."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), str) or not isinstance(payload.get("k"), str):
        return None
    return {"user_id": payload["u"], "kind": payload["k"]}
