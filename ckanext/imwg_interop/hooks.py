"""What the plugin's hooks do (the plugin class only declares them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import actions as dcat_actions
from . import guard, settings, sitemap
from .hdx import auth as hdx_auth
from .hdx import cli as hdx_cli


def actions() -> dict[str, Callable[..., Any]]:
    return dcat_actions.actions()


def auth_functions() -> dict[str, Callable[..., Any]]:
    return hdx_auth.auth_functions()


def cli() -> list[Any]:
    return [hdx_cli.hdx]


def blueprints() -> list[Any]:
    return [guard.blueprint, sitemap.blueprint]


def profiles_config(config: Any) -> None:
    settings.profiles_config(config)
