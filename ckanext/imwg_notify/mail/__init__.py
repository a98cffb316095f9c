"""The outbox's mail: sending (``sender``), writing (``render``), digests,
the periodic tick, users' preferences and languages, the access receivers
and the sysadmin pages (delivery status, caught mail)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .views import blueprint


def actions() -> dict[str, Callable[..., Any]]:
    from . import action

    return {name: getattr(action, name) for name in action.__all__}


def auth_functions() -> dict[str, Callable[..., Any]]:
    """An auth function of the same name for each action (the one list: ``action.__all__``)."""
    from . import action, auth

    return {name: getattr(auth, name) for name in action.__all__}


def helpers() -> dict[str, Callable[..., Any]]:
    return {}


def connect() -> None:
    from . import receivers

    receivers.connect()


__all__ = ["actions", "auth_functions", "blueprint", "connect", "helpers"]
