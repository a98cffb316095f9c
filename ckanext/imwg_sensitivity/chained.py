"""The CKAN actions that the permission labels do not fully filter (those
``exits.ACTIONS`` classifies ``gated``), chained: each passes its answer
through ``gate`` for the caller."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict

from . import diffs, exits, gate, screening
from .access import Access
from .labels import relabel_activities


def _caller(context: Context) -> Access | None:
    """The caller's access; None for the portal's own internal calls."""
    if context.get("ignore_auth"):
        return None
    return Access.of(context)


def _hidden_dataset(access: Access, ref: Any) -> bool:
    """Whether ``ref`` (a dataset's id or name, or a list of them) names a
    dataset the caller may not see."""
    for one in ref if isinstance(ref, list) else [ref]:
        pkg = model.Package.get(one) if isinstance(one, str) and one else None
        if pkg is not None and not access.sees_metadata(pkg):
            return True
    return False


#: an id no dataset or resource has: asking for it gives the missing answer
_MISSING = "00000000-0000-0000-0000-000000000000"


def _as_missing(up: Action, context: Context, data_dict: DataDict, key: str) -> Any:
    """Whatever CKAN answers for a missing dataset (NotFound, or a field
    error in the actions that validate ids): the same answer, word for word,
    since it is CKAN's own."""
    up(context, {**data_dict, key: _MISSING})
    raise tk.ObjectNotFound(tk._("Dataset not found"))


def _hiding(
    body: Callable[[Action, Context, DataDict], Any],
    ref: Callable[[DataDict], Any],
    key: str = "id",
    eager: bool = False,
) -> Any:
    """``body``, answering for a dataset the caller may not see exactly as for
    a missing one (a 403 would confirm that it exists). Actions whose own
    check refuses hidden datasets are asked first (the check costs nothing
    when they answer); ``eager`` ones, which answer for any dataset, are
    checked before."""

    def run(up: Action, context: Context, data_dict: DataDict) -> Any:
        access = _caller(context)
        if access is None or access.sysadmin:
            return body(up, context, data_dict)
        whole: Action = lambda c, d: body(up, c, d)  # noqa: E731 - the same path a missing id takes
        # the missing id is asked with the context as it came: CKAN's auth
        # functions leave the object they looked up in it (``package``)
        pristine = dict(context)
        if eager and _hidden_dataset(access, ref(data_dict)):
            return _as_missing(whole, pristine, data_dict, key)
        try:
            return whole(context, data_dict)
        except tk.NotAuthorized:
            if _hidden_dataset(access, ref(data_dict)):
                return _as_missing(whole, pristine, data_dict, key)
            raise

    return run


def _plain(up: Action, context: Context, data_dict: DataDict) -> Any:
    return up(context, data_dict)


def _publication(up: Action, context: Context, data_dict: DataDict) -> Any:
    """No file with unconfirmed personal-data findings becomes public."""
    if not context.get(screening.FLAG):
        screening.check_publication(data_dict)
    return up(context, data_dict)


def _signed_in(up: Action, context: Context, data_dict: DataDict) -> Any:
    """For signed-in users only (CKAN's own check fails on an anonymous caller)."""
    access = _caller(context)
    if access is not None and access.user is None:
        raise tk.NotAuthorized(tk._("You must be logged in"))
    return up(context, data_dict)


def _activity_package(data_dict: DataDict) -> str | None:
    """The dataset an activity is about (None: another kind, or no such activity)."""
    from ckanext.activity.model import Activity

    activity = model.Session.get(Activity, str(data_dict.get("id") or ""))
    if activity is None or not activity.activity_type.endswith("package"):
        return None
    return activity.object_id


def _resource_package(data_dict: DataDict) -> str | None:
    res = model.Resource.get(str(data_dict.get("id") or ""))
    return res.package_id if res else None


def _filtered(
    up: Action,
    context: Context,
    data_dict: DataDict,
    apply: Callable[[Access, Any, Context, DataDict], Any],
    before: Callable[[Access, DataDict], DataDict] | None = None,
) -> Any:
    access = _caller(context)
    if access is None or access.sysadmin:
        return up(context, data_dict)
    if before is not None:
        data_dict = before(access, data_dict)
    return apply(access, up(context, data_dict), context, data_dict)


def _whole_listing(access: Access, data_dict: DataDict) -> DataDict:
    """Listings with paging are filtered whole, then paged: counts and pages
    must not show where hidden entries were."""
    return {k: v for k, v in data_dict.items() if k not in ("limit", "offset")}


def _page(items: list[Any], data_dict: DataDict) -> list[Any]:
    try:
        offset = max(0, int(data_dict.get("offset") or 0))
        limit = data_dict.get("limit")
        limit = None if limit in (None, "") else max(0, int(limit))
    except (TypeError, ValueError):
        raise tk.ValidationError({"limit": [tk._("Must be a whole number")]}) from None
    return items[offset:] if limit is None else items[offset : offset + limit]


def _search_addresses(data_dict: DataDict) -> bool:
    query = data_dict.get("query") or data_dict.get("q") or ""
    text = " ".join(query) if isinstance(query, list) else str(query)
    order = str(data_dict.get("order_by") or "")
    return "url" in (text + order).lower() or any(k == "url" for k in data_dict.get("fields") or {})


def _resource_search(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    kept = gate.resources(access, result.get("results", []), _search_addresses(data_dict))
    return {**result, "count": len(kept), "results": _page(kept, data_dict)}


def _tag_search(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    kept = gate.tags(access, result.get("results", []))
    return {**result, "count": len(kept), "results": _page(kept, data_dict)}


def _tag_show(up: Action, context: Context, data_dict: DataDict) -> Any:
    """A tag that only hidden datasets carry answers as a missing tag does."""
    access = _caller(context)
    result = up(context, data_dict)
    if access is None or access.sysadmin:
        return result
    if not gate.tags(access, [result]):
        return _as_missing(up, context, data_dict, "id")
    if isinstance(result.get("packages"), list):
        result["packages"] = gate.packages(access, result["packages"])
    return result


def _relationships(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    hidden = set(access.hidden_packages().values()) | set(access.hidden_packages())
    return [r for r in result if r.get("subject") not in hidden and r.get("object") not in hidden]


def _views(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    for view in result if isinstance(result, list) else [result]:
        res = model.Resource.get(view.get("resource_id"))
        if res is not None and not access.gets_data(res.package, res):
            for key in ("image_url", "page_url"):
                if view.get(key):
                    view[key] = ""
    return result


def _activities(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    # a copy: CKAN's answer holds the session's own activity dicts, which the
    # redaction must never change (a later flush or reader would see it)
    result = copy.deepcopy(result)
    if isinstance(result, list):
        return [gate.activity(access, a) if isinstance(a, dict) else a for a in result]
    if isinstance(result, dict):
        return gate.activity(access, result)
    return result


def _activity_data(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    result = copy.deepcopy(result)  # the session's own dicts (see _activities)
    if isinstance(result, dict) and isinstance(result.get("package"), dict):
        gate.recorded(access, result["package"])
    elif isinstance(result, dict) and "resources" in result:
        gate.recorded(access, result)
    return result


def _activity_diff(up: Action, context: Context, data_dict: DataDict) -> Any:
    """CKAN's diff, of the versions as the caller may see them (``diffs``)."""
    access = _caller(context)
    if access is None or access.sysadmin:
        return up(context, data_dict)
    return diffs.activity_diff(access, up, context, data_dict)


def _package_search(up: Action, context: Context, data_dict: DataDict) -> Any:
    access = _caller(context)
    if access is None:
        return up(context, data_dict)
    result = up(context, gate.search_params(access, data_dict))
    result["results"] = [gate.search_result(access, r) for r in result.get("results", [])]
    return result


def _hide(names: Any) -> Callable[[Access, Any, Context, DataDict], Any]:
    def apply(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
        hidden = access.hidden_packages()
        shown = set(hidden.values()) | set(hidden)
        return [x for x in result if names(x) not in shown]

    return apply


def _packages(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    return gate.packages(access, result)


def _chain(name: str, body: Callable[[Action, Context, DataDict], Any]) -> Action:
    def chained(up: Action, context: Context, data_dict: DataDict) -> Any:
        return body(up, context, data_dict)

    chained.__name__ = name
    chained.__doc__ = f"CKAN's ``{name}``, its answer passed through the sharing protocol's gate."
    chained.imwg_gate = True  # type: ignore[attr-defined] - lets the exit tests find the gate
    fn = tk.chained_action(chained)
    # the reads are callable with GET, as CKAN's own are
    return fn if name in WRITES else tk.side_effect_free(fn)


_DATASET_WRITES = (
    "package_update",
    "package_patch",
    "package_delete",
    "package_collaborator_create",
    "package_collaborator_delete",
    "dataset_purge",
)
_RESOURCE_WRITES = ("resource_update", "resource_patch", "resource_delete")
#: the gated actions that change state (the others are reads)
WRITES = frozenset(
    (
        "follow_dataset",
        "unfollow_dataset",
        "member_create",
        "package_relationship_create",
        "package_owner_org_update",
        "bulk_update_private",
        "bulk_update_public",
        "bulk_update_delete",
        "resource_create",
        "resource_view_create",
        "package_collaborator_list",
        *_DATASET_WRITES,
        *_RESOURCE_WRITES,
    )
)


def _with(apply: Callable[..., Any], before: Callable[[Access, DataDict], DataDict] | None = None) -> Any:
    return lambda up, context, data_dict: _filtered(up, context, data_dict, apply, before)


def _gate(apply: Callable[..., Any]) -> Any:
    def fn(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
        return apply(access, result)

    return fn


def _group_counts(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    """Counts of what the caller sees; a listing sorted by them is sorted
    again (CKAN sorted on counts of every dataset), then paged."""
    result = gate.group_counts(access, context, result)
    sort = str(data_dict.get("sort") or "")
    if sort.startswith("package_count") and all(isinstance(g, dict) for g in result):
        result = sorted(result, key=lambda g: (g.get("package_count", 0), g.get("name", "")), reverse="asc" not in sort)
        return _page(result, data_dict)
    return result


def _counted_listing(access: Access, data_dict: DataDict) -> DataDict:
    """A listing sorted by dataset counts is fetched whole, to be sorted on the caller's counts."""
    if str(data_dict.get("sort") or "").startswith("package_count"):
        return _whole_listing(access, data_dict)
    return data_dict


def _user_counts(access: Access, result: Any, context: Context, data_dict: DataDict) -> Any:
    users = result if isinstance(result, list) else [result]
    gate.user_counts(access, context, users)
    if isinstance(result, list) and str(data_dict.get("order_by") or "") == "number_created_packages":
        result.sort(key=lambda u: -u.get("number_created_packages", 0) if isinstance(u, dict) else 0)
    return result


#: the package columns the permission labels follow (``access.dataset_labels``)
LABEL_COLUMNS = ["id", "state", "private", "owner_org", "creator_user_id"]


def _relabel(up: Action, context: Context, data_dict: DataDict) -> Any:
    """A change of owner or of the private flag outside ``package_update``:
    the datasets' past activities follow their labels now."""
    result = up(context, data_dict)
    refs = data_dict.get("datasets") or [data_dict.get("id")]
    for ref in refs if isinstance(refs, list) else []:
        pkg = model.Package.get(str(ref)) if ref else None
        if pkg is not None:
            # bulk updates change the table under the session: write what the
            # session holds (package_update calls this midway), then read back
            # the columns the labels follow. Only those: package_update stores
            # each uploaded file under ``pkg.resources[index]`` right after
            # this call, and a reloaded resource list comes back in whatever
            # order the database gives (the relationship has no order), which
            # would store a file under another resource's id.
            model.Session.flush()
            model.Session.refresh(pkg, attribute_names=LABEL_COLUMNS)
            relabel_activities(pkg)
    if not context.get("defer_commit"):
        model.Session.commit()
    return result


def actions() -> dict[str, Action]:
    """The chained CKAN actions (the ``gated`` ones), by name."""
    bodies: dict[str, Callable[[Action, Context, DataDict], Any]] = {
        "package_search": _package_search,
        "package_show": _hiding(_plain, lambda d: d.get("id") or d.get("name_or_id")),
        "resource_show": _hiding(_plain, _resource_package),
        "am_following_dataset": _hiding(_plain, lambda d: d.get("id"), eager=True),
        "dataset_follower_count": _hiding(_plain, lambda d: d.get("id"), eager=True),
        "follow_dataset": _hiding(_plain, lambda d: d.get("id"), eager=True),
        "resource_view_list": _hiding(_with(_views), _resource_package),
        "package_list": _with(_hide(lambda name: name)),
        "current_package_list_with_resources": _with(_packages),
        "package_autocomplete": _with(_hide(lambda p: p.get("name"))),
        "resource_search": _with(_resource_search, _whole_listing),
        "resource_view_show": _with(_views),
        "package_relationships_list": _hiding(_with(_relationships), lambda d: [d.get("id"), d.get("id2")]),
        "tag_show": _tag_show,
        "tag_list": _with(_gate(gate.tags)),
        "tag_autocomplete": _with(_gate(gate.tags)),
        "tag_search": _with(_tag_search, _whole_listing),
        "format_autocomplete": _with(_gate(gate.formats)),
        "member_list": _with(_gate(gate.members)),
        "dataset_followee_list": _with(_packages),
        "followee_list": _with(_gate(gate.followees)),
        "group_list": _with(_group_counts, _counted_listing),
        "organization_list": _with(_group_counts, _counted_listing),
        "organization_list_for_user": _with(_group_counts),
        "group_list_authz": _with(_group_counts),
        "user_show": _with(_user_counts),
        "user_list": _with(_user_counts),
        "unfollow_dataset": _hiding(_plain, lambda d: d.get("id"), eager=True),
        "member_create": _hiding(
            _plain, lambda d: d.get("object") if d.get("object_type") == "package" else None, "object", eager=True
        ),
        "package_relationship_create": _hiding(_plain, lambda d: [d.get("subject"), d.get("object")], "subject", True),
        "package_owner_org_update": _relabel,
        "bulk_update_private": _relabel,
        "bulk_update_public": _relabel,
        "bulk_update_delete": _relabel,
        # writes that name a dataset: refused as for a missing one when hidden
        **{name: _hiding(_plain, lambda d: d.get("id")) for name in _DATASET_WRITES},
        "package_update": _hiding(_publication, lambda d: d.get("id") or d.get("name")),
        "package_collaborator_list": _hiding(_signed_in, lambda d: d.get("id"), eager=True),
        "resource_create": _hiding(_plain, lambda d: d.get("package_id"), "package_id"),
        **{name: _hiding(_plain, _resource_package) for name in _RESOURCE_WRITES},
        "resource_view_create": _hiding(
            _plain, lambda d: _resource_package({"id": d.get("resource_id")}), "resource_id"
        ),
    }
    if p.plugin_loaded("activity"):
        for name in exits.ACTIVITY_STREAMS:
            bodies[name] = _with(_activities)
        bodies["package_activity_list"] = _hiding(_with(_activities), lambda d: d.get("id"))
        # an activity of a hidden dataset answers as a missing activity
        bodies["activity_show"] = _hiding(_with(_activities), _activity_package)
        bodies["activity_data_show"] = _hiding(_with(_activity_data), _activity_package)
        bodies["activity_diff"] = _hiding(_activity_diff, _activity_package)
    actions = {}
    for name, body in bodies.items():
        assert exits.ACTIONS.get(name) == exits.GATED, name
        actions[name] = _chain(name, body)
    return actions
