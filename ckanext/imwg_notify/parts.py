"""The notifications' parts, each a package of its own: the outbox's mail
(``mail``: sending, retries, digests, preferences, the access receivers) and
following datasets, organisations and places (``follows``).

Each part's ``__init__`` may define ``actions()``, ``auth_functions()``,
``helpers()`` (name -> function), ``blueprint`` (a Flask blueprint) and
``commands()`` (click commands, added to ``ckan notify``); the plugin
registers their union, and a name two parts give is refused at start-up
rather than one silently replacing the other.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from typing import Any

PARTS = ("mail", "follows")


def modules() -> list[Any]:
    return [
        importlib.import_module(f"ckanext.imwg_notify.{part}")
        for part in PARTS
        if importlib.util.find_spec(f"ckanext.imwg_notify.{part}") is not None
    ]


def merged(kind: str) -> dict[str, Callable[..., Any]]:
    """The union of every part's ``kind()`` (``actions``, ``auth_functions``...)."""
    union: dict[str, Callable[..., Any]] = {}
    for module in modules():
        for name, fn in (getattr(module, kind, dict)() or {}).items():
            if name in union:
                raise RuntimeError(f"imwg_notify: {kind} {name} is given by two parts")
            union[name] = fn
    return union


def listed(kind: str) -> list[Any]:
    """Every part's ``kind()`` (``commands``) one after the other."""
    return [item for module in modules() for item in (getattr(module, kind, list)() or [])]


def blueprints() -> list[Any]:
    """Every part's ``blueprint``."""
    return [module.blueprint for module in modules() if getattr(module, "blueprint", None) is not None]
