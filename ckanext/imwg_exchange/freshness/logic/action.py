"""The freshness actions. Each reads datasets through ``package_show`` /
``package_search`` as the caller first, so a dataset the sharing protocol
hides from the caller is refused or left out as everywhere else."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Context, DataDict

from .. import model as fm
from .. import rule, tracking
from . import schema


def _as_caller(context: Context) -> Context:
    """The caller's context for reads: never the caller's ``ignore_auth``
    (call_action sets it), so the sharing protocol applies."""
    caller: Context = {"user": context.get("user") or ""}
    if context.get("auth_user_obj") is not None:
        caller["auth_user_obj"] = context["auth_user_obj"]
    return caller


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _answer(pkg: dict[str, Any], row: Any, now: dt.datetime) -> dict[str, Any]:
    frequency, archived = tracking.schedule(pkg)
    fresh = tracking.evaluate(pkg, row, now)
    changed = row.data_changed_at if row is not None else tracking.first_known_change(pkg)
    thresholds = rule.THRESHOLDS.get(frequency or "")
    return {
        "id": pkg["id"],
        "name": pkg["name"],
        "title": pkg.get("title") or pkg["name"],
        "owner_org": pkg.get("owner_org"),
        "status": fresh.status,
        "update_frequency": frequency,
        "archived": archived,
        "data_changed_at": _iso(changed),
        "confirmed_at": _iso(row.confirmed_at if row is not None else None),
        "last_current": _iso(fresh.last_current),
        "days_since_change": max((now - changed).days, 0) if changed else None,
        "days_since_current": fresh.days_since(now),
        "next_due": _iso(fresh.next_due),
        "thresholds": dict(zip(("due", "overdue", "delinquent"), thresholds, strict=True)) if thresholds else None,
    }


@tk.side_effect_free
@validate(schema.by_id)
def freshness_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """A dataset's freshness: its status, when its data last changed and when it becomes due.

    :param id: the dataset's id or name
    :type id: string

    :returns: ``status`` (fresh, due, overdue, delinquent, archived, never),
        ``update_frequency``, ``archived``, ``data_changed_at`` (the last
        resource upload or change), ``confirmed_at`` (the last "still
        current"), ``last_current`` (the later of the two),
        ``days_since_change``, ``days_since_current``, ``next_due`` (null
        without a schedule) and the frequency's ``thresholds`` in days
    :rtype: dictionary
    """
    tk.check_access("freshness_show", context, data_dict)
    pkg = tk.get_action("package_show")(_as_caller(context), {"id": data_dict["id"]})
    return _answer(pkg, fm.record_of(pkg["id"]), tracking.utcnow())


@validate(schema.by_id)
def dataset_still_current(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Confirm that a dataset's data is still current, without uploading it
    again: its freshness counts from now. Recorded (who, when) in
    ``imwg_exchange_freshness_event``; the dataset is re-indexed.

    :param id: the dataset's id or name
    :type id: string

    :returns: the dataset's freshness, as ``freshness_show`` gives it
    :rtype: dictionary
    """
    pkg = tk.get_action("package_show")(_as_caller(context), {"id": data_dict["id"]})
    tk.check_access("dataset_still_current", context, {"id": pkg["id"]})
    user = tk.get_action("user_show")({"ignore_auth": True}, {"id": context["user"]}) if context.get("user") else None
    if user is None:
        raise tk.NotAuthorized(tk._("You must be logged in"))
    now = tracking.utcnow()
    tracking.confirm(pkg["id"], user["id"], now)
    return _answer(pkg, fm.record_of(pkg["id"]), now)


#: the most clauses in one search filter (the suite refuses long filters)
CLAUSES_PER_SEARCH = 100


def _mine_filters(context: Context) -> list[str]:
    """The search filters of the caller's datasets: those of the organisations
    where they may edit datasets, those they created, maintain (by e-mail)
    or edit as a collaborator. Empty text for a sysadmin (every dataset);
    several filters when there are many organisations and shares."""
    user = tk.get_action("user_show")({"ignore_auth": True}, {"id": context.get("user")})
    if user.get("sysadmin"):
        return [""]
    orgs = tk.get_action("organization_list_for_user")(
        _as_caller(context), {"id": user["id"], "permission": "update_dataset"}
    )
    clauses = [f'owner_org:"{o["id"]}"' for o in orgs]
    clauses.append(f'creator_user_id:"{user["id"]}"')
    if user.get("email"):
        clauses.append('maintainer_email:"{}"'.format(user["email"].replace('"', "").replace("\\", "")))
    try:
        shared = tk.get_action("package_collaborator_list_for_user")(
            {"ignore_auth": True}, {"id": user["id"], "capacity": "editor"}
        )
    except (tk.ObjectNotFound, tk.ValidationError):
        shared = []  # collaborators not enabled on this site
    clauses += [f'id:"{c["package_id"]}"' for c in shared]
    return [" OR ".join(clauses[i : i + CLAUSES_PER_SEARCH]) for i in range(0, len(clauses), CLAUSES_PER_SEARCH)]


@tk.side_effect_free
@validate(schema.for_user)
def freshness_list_for_user(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The caller's datasets that are due, overdue or delinquent (for their
    dashboard): those of the organisations where they may edit datasets,
    those they created or maintain, and those they edit as a collaborator.
    The most late first.

    :param limit: the most datasets to list (default 100)
    :type limit: int

    :returns: each dataset's freshness, as ``freshness_show`` gives it
    :rtype: list of dictionaries
    """
    tk.check_access("freshness_list_for_user", context, data_dict)
    late = "freshness:({})".format(" OR ".join(rule.LATE))
    packages: dict[str, dict[str, Any]] = {}
    for mine in _mine_filters(context):
        result = tk.get_action("package_search")(
            _as_caller(context),
            {
                "fq": f"{late} AND ({mine})" if mine else late,
                "rows": data_dict["limit"],
                "include_private": True,
                "sort": "metadata_modified asc",
            },
        )
        packages.update((p["id"], p) for p in result["results"])
    rows = fm.records_of(packages)
    now = tracking.utcnow()
    answers = [_answer(p, rows.get(p["id"]), now) for p in packages.values()]
    order = {s: i for i, s in enumerate(reversed(rule.LATE))}
    late_now = [a for a in answers if a["status"] in rule.LATE]
    return sorted(late_now, key=lambda a: (order[a["status"]], a["last_current"] or ""))[: data_dict["limit"]]
