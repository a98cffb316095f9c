"""Datasets taken from HDX are HDX's: changed here only by the next pull (or a sysadmin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from .mapping import HARVEST_SOURCE, HARVESTED_FROM


@tk.chained_auth_function
def package_update(up: Callable[..., Any], context: Any, data_dict: Any) -> Any:
    """Refused for a dataset pulled from HDX (sysadmins never reach auth
    functions; ``package_patch``, ``package_delete`` and the resource writes
    ask this one)."""
    ref = (data_dict or {}).get("id") or (data_dict or {}).get("name") or ""
    pkg = model.Package.get(ref) if ref else None
    if pkg is not None and (pkg.extras or {}).get(HARVEST_SOURCE) == HARVESTED_FROM:
        return {"success": False, "msg": tk._("This dataset is copied from HDX: it changes there, not here.")}
    return up(context, data_dict)


def auth_functions() -> dict[str, Callable[..., Any]]:
    return {"package_update": package_update}
