"""Template helpers."""

from __future__ import annotations

from typing import Any

import ckan.model as model

from .access import Access, current_user


def imwg_sensitivity_may_request(package: dict[str, Any], resource: dict[str, Any] | None = None) -> bool:
    """Whether the current user may ask for access to this data."""
    user = current_user()
    if user is None:
        return True  # the request page asks them to log in first
    pkg = model.Package.get(package.get("id"))
    res = model.Resource.get(resource.get("id")) if resource else None
    return pkg is not None and Access(user).may_request(pkg, res)


def imwg_sensitivity_package(package_id: str) -> dict[str, Any] | None:
    pkg = model.Package.get(package_id)
    return {"name": pkg.name, "title": pkg.title or pkg.name} if pkg else None


def imwg_sensitivity_user(user_id: str) -> str:
    user = model.User.get(user_id)
    return user.display_name if user else user_id
