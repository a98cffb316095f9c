"""Template helpers."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from ckanext.imwg import levels

from .access import Access, current_user

#: a resource's choice for "no level of its own"
AS_THE_DATASET = {
    "en": "As the dataset",
    "fr": "Comme le jeu de données",
    "es": "Como el conjunto de datos",
    "ar": "مثل مجموعة البيانات",
}


def imwg_sensitivity_levels(field: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The levels as scheming choices, least to most sensitive (the
    ``choices_helper`` of this plugin's presets)."""
    return [{"value": level, "label": levels.LABELS[level]} for level in levels.LEVELS]


def imwg_sensitivity_resource_levels(field: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """A resource's choices: as its dataset, or a level of its own stricter than public."""
    return [{"value": "", "label": AS_THE_DATASET}, *imwg_sensitivity_levels()[1:]]


def imwg_sensitivity_may_request(package: dict[str, Any], resource: dict[str, Any] | None = None) -> bool:
    """Whether the current user may ask for access to this data."""
    user = current_user()
    pkg = model.Package.get(package.get("id"))
    res = model.Resource.get(resource.get("id")) if resource else None
    if pkg is None:
        return False
    if user is None:
        # offered where the protocol allows requests: the request page asks them to log in
        return Access(None).allows_requests(pkg, res)
    return Access(user).may_request(pkg, res)


def imwg_sensitivity_package(package_id: str) -> dict[str, Any] | None:
    """The name and title of a dataset the current user may see (None otherwise:
    a request's dataset may have been hidden since it was made)."""
    pkg = model.Package.get(package_id)
    if pkg is None or not Access(current_user()).sees_metadata(pkg):
        return None
    return {"name": pkg.name, "title": pkg.title or pkg.name}


def imwg_sensitivity_user(user_id: str) -> str:
    user = model.User.get(user_id)
    return user.display_name if user else user_id


def imwg_sensitivity_screen(package: dict[str, Any], resource: dict[str, Any]) -> dict[str, Any] | None:
    """The personal-data screen of a resource, for those who edit the dataset."""
    from . import screening

    pkg = model.Package.get(package.get("id"))
    if pkg is None or not Access(current_user()).can_edit(pkg):
        return None
    row = screening.show(resource.get("id"))
    if row is None:
        return None
    return {**row, "suggested_label": levels.label(row["suggested"], tk.h.lang())}


def _as_visitor(action: str, featured: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Featured groups and organisations with their datasets as the visitor may
    see them: CKAN fetches them ignoring auth, which would list every dataset
    of the group on the home page."""
    user = current_user()
    shown = []
    for group in featured:
        context = {"user": user.name if user else "", "limits": {"packages": 2}, "for_view": True}
        try:
            shown.append(tk.get_action(action)(context, {"id": group["id"], "include_datasets": True}))
        except (tk.ObjectNotFound, tk.NotAuthorized):
            continue
    return shown


@tk.chained_helper
def get_featured_groups(next_helper: Any, count: int = 1) -> list[dict[str, Any]]:
    return _as_visitor("group_show", next_helper(count))


@tk.chained_helper
def get_featured_organizations(next_helper: Any, count: int = 1) -> list[dict[str, Any]]:
    return _as_visitor("organization_show", next_helper(count))
