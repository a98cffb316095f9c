"""The exchange's parts, each a package of its own: the data-needs register
(``needs``), freshness (``freshness``), the holdings matrix and the
completeness grid (``holdings``) and the country overview (``overview``).

Each part's ``__init__`` may define ``actions()``, ``auth_functions()``,
``helpers()``, ``validators()`` (name -> function), ``blueprints()`` and
``commands()`` (lists); the plugin registers their union, and a name two
parts give is refused at start-up rather than one silently replacing the other.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

PARTS = ("needs", "freshness", "holdings", "overview")


def modules() -> list[Any]:
    return [importlib.import_module(f"ckanext.imwg_exchange.{part}") for part in PARTS]


def merged(kind: str) -> dict[str, Callable[..., Any]]:
    """The union of every part's ``kind()`` (``actions``, ``auth_functions``...)."""
    union: dict[str, Callable[..., Any]] = {}
    for module in modules():
        for name, fn in (getattr(module, kind, dict)() or {}).items():
            if name in union:
                raise RuntimeError(f"imwg_exchange: {kind} {name} is given by two parts")
            union[name] = fn
    return union


def listed(kind: str) -> list[Any]:
    """Every part's ``kind()`` (``blueprints``, ``commands``) one after the other."""
    return [item for module in modules() for item in (getattr(module, kind, list)() or [])]
