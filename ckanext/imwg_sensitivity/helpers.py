"""Template helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from markupsafe import Markup, escape

from ckanext.imwg import levels

from . import config
from .access import Access, current_user, level_of
from .model import grant_table, request_table

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


def imwg_sensitivity_user_link(user_id: str | None) -> Markup:
    """A user's display name linked to their page (``-`` for none)."""
    if not user_id:
        return Markup("&ndash;")
    user = model.User.get(user_id)
    if user is None:
        return escape(user_id)
    return Markup('<a href="{url}">{name}</a>').format(
        url=tk.url_for("user.read", id=user.name), name=user.display_name
    )


def imwg_sensitivity_org(org_id: str | None) -> str:
    """An organisation's title (its id when it is gone)."""
    org = model.Group.get(org_id) if org_id else None
    return (org.title or org.name) if org else (org_id or "")


def imwg_sensitivity_event(event: str) -> str:
    """An audit event as a reader reads it."""
    names = {
        "request_created": tk._("Access requested"),
        "request_approved": tk._("Request approved"),
        "request_rejected": tk._("Request rejected"),
        "request_more_info": tk._("More information asked for"),
        "request_cancelled": tk._("Request cancelled"),
        "grant_created": tk._("Access granted"),
        "grant_revoked": tk._("Access revoked"),
        "download": tk._("Download"),
        "preview": tk._("Preview"),
        "level_changed": tk._("Sensitivity level changed"),
        "notification_sent": tk._("Notification sent"),
        "personal_data_screened": tk._("Screened for personal data"),
        "personal_data_confirmed": tk._("Personal-data screen confirmed"),
        "level_raised_by_screen": tk._("Level raised by the personal-data screen"),
    }
    return names.get(event, event.replace("_", " ").capitalize())


def imwg_sensitivity_purpose(purpose: str | None) -> str:
    """The purpose of an access request as a reader reads it."""
    names = {
        "humanitarian_response": tk._("Humanitarian response"),
        "research": tk._("Research"),
        "advocacy": tk._("Advocacy"),
        "other": tk._("Other"),
    }
    return names.get(purpose or "", (purpose or "").replace("_", " ").capitalize())


def imwg_sensitivity_level_of(package: dict[str, Any]) -> str:
    """The level the gate applies to a dataset: its own, or confidential when it
    has none (a dataset made before the field, or by a type without it)."""
    return level_of(package)


def imwg_sensitivity_level_label(level: str | None) -> str:
    """A sensitivity level's label in the reader's language."""
    return levels.label(level or "", tk.h.lang()) if level else ""


def imwg_sensitivity_detail(key: str, value: Any) -> tuple[str, str]:
    """One detail of an audit entry: its label and its value, as words."""
    labels = {
        "reason": tk._("Reason"),
        "level_from": tk._("From level"),
        "level_to": tk._("To level"),
        "status": tk._("Status"),
        "findings": tk._("Findings"),
        "fields": tk._("Fields"),
        "deciders": tk._("Deciders"),
        "contacts": tk._("Contacts"),
        "agreement_id": tk._("Agreement"),
        "provider_id": tk._("Provider"),
        "receiver_id": tk._("Receiver"),
        "user_id": tk._("User"),
        "kind": tk._("Kind"),
    }
    words = {
        "preview_rows": tk._("rows previewed"),
        "preview_aggregates": tk._("aggregates previewed"),
        "clean": tk._("nothing found"),
        "findings": tk._("personal data found"),
        "error": tk._("the file could not be read"),
    }
    label = labels.get(key, key.replace("_", " ").capitalize())
    if key in ("kind", "status") and isinstance(value, str):
        return label, words.get(value, value.replace("_", " "))
    if key in ("level_from", "level_to") and isinstance(value, str):
        return label, imwg_sensitivity_level_label(value)
    if isinstance(value, (list, tuple)):
        return label, ", ".join(str(v) for v in value)
    return label, "" if value is None else str(value)


def imwg_sensitivity_field(name: str) -> str:
    """The label of a field of the access pages' forms (in their error messages)."""
    labels = {
        "purpose": tk._("Purpose"),
        "intended_use": tk._("Intended use"),
        "organization": tk._("Your organisation"),
        "resource_ids": tk._("Resources"),
        "days": tk._("For how many days"),
        "accept_terms": tk._("Data-sharing terms"),
        "reason": tk._("Reason"),
        "status": tk._("Status"),
        "date_from": tk._("From"),
        "date_to": tk._("To"),
        "user": tk._("User"),
        "package_id": tk._("Dataset"),
        "event": tk._("Action"),
    }
    return labels.get(name, name.replace("_", " ").capitalize())


def imwg_sensitivity_resource_name(resource_id: str) -> str:
    """A resource's name (shown with its dataset, to those who may see the dataset)."""
    res = model.Resource.get(resource_id)
    return (res.name or res.id) if res else resource_id


def imwg_sensitivity_pending_count() -> int:
    """How many requests wait for a decision that the current user may take
    (none of their own). A number only: no dataset is named."""
    access = Access(current_user())
    if access.user is None or access.user.state != "active":
        return 0
    c = request_table.c
    query = (
        sa.select(sa.func.count())
        .select_from(request_table.join(model.package_table, model.package_table.c.id == c.package_id))
        .where(c.status == "pending", c.user_id != access.user.id, model.package_table.c.state == "active")
    )
    if not access.sysadmin and access.user.name not in config.focal_points():
        # an organisation's admins decide its datasets' requests (``Access.can_decide``):
        # most users administer none, and pay one small query per page
        admin_of = model.Session.execute(
            sa.select(model.Member.group_id).where(
                model.Member.table_name == "user",
                model.Member.table_id == access.user.id,
                model.Member.capacity == "admin",
                model.Member.state == "active",
            )
        ).scalars()
        orgs = [org for org in admin_of if org in access.orgs]
        if not orgs:
            return 0
        query = query.where(model.package_table.c.owner_org.in_(orgs))
    return model.Session.execute(query).scalar() or 0


def imwg_sensitivity_my_access(package: dict[str, Any], resource: dict[str, Any] | None = None) -> dict[str, Any]:
    """The current user's own access to a dataset (or one of its resources):
    their request waiting for a decision (``pending``: id, created) and the
    end of their grants in force that cover it (``until``: the latest, None
    when open-ended; ``granted``: whether any)."""
    user = current_user()
    if user is None or not package.get("id"):
        return {}
    c = request_table.c
    pending = model.Session.execute(
        sa.select(c.id, c.created, c.status)
        .where(c.package_id == package["id"], c.user_id == user.id, c.status.in_(["pending", "more_info"]))
        .order_by(c.created.desc())
    ).first()
    g = grant_table.c
    now = dt.datetime.utcnow()
    access = Access(user)
    grants = model.Session.execute(
        sa.select(g.expires).where(
            g.package_id == package["id"],
            g.revoked.is_(None),
            sa.or_(g.expires.is_(None), g.expires > now),
            sa.or_(g.user_id == user.id, g.organization_id.in_(list(access.orgs) or [""])),
            *(
                [sa.or_(g.resource_ids.is_(None), g.resource_ids.any(resource["id"]))]
                if resource and resource.get("id")
                else []
            ),
        )
    ).all()
    ends = [r.expires for r in grants]
    return {
        "pending": dict(pending._mapping) if pending else None,
        "granted": bool(grants),
        "until": None if not ends or None in ends else max(ends),
    }


def imwg_sensitivity_decides(package: dict[str, Any]) -> bool:
    """Whether the current user decides this dataset's requests."""
    pkg = model.Package.get(package.get("id")) if package else None
    return pkg is not None and Access(current_user()).can_decide(pkg)


def imwg_sensitivity_reads_audit() -> bool:
    """Whether the current user reads (some of) the audit log: sysadmins and
    organisation admins."""
    access = Access(current_user())
    if access.user is None:
        return False
    if access.sysadmin:
        return True
    return any(authz.users_role_for_group_or_org(o, access.user.name) == "admin" for o in access.orgs)


def imwg_sensitivity_max_days() -> int:
    """The longest access that may be asked for or given, in days."""
    from . import config

    return config.max_request_days()


def _moment(value: Any) -> Any:
    """A datetime from an ISO 8601 text (other values as they are)."""
    if isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    return value


def imwg_sensitivity_datetime(value: Any) -> str:
    """A moment as the audit log shows it: day, month in words, year, hour (UTC)."""
    from flask_babel import format_datetime

    value = _moment(value)
    if not value or isinstance(value, str):
        return value or ""
    return format_datetime(value, "d MMMM y, HH:mm")


def imwg_sensitivity_date(value: Any) -> str:
    """A day as the lists show it (an ISO 8601 text or a datetime)."""
    value = _moment(value)
    if not value or isinstance(value, str):
        return value or ""
    return tk.h.render_datetime(value)


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
