"""The gate: what of a dataset, a resource, an activity, a listing or a file
leaves the portal for one user.

Every exit passes through these functions: the chained CKAN actions of
``chained.py`` (search results, listings, activities, tags, members, followees,
group counts), ``after_dataset_show`` (``package_show``, ``resource_show``
and every page built on them), templates that render recorded versions
(``imwg_sensitivity_resource``), the index document (free text must not
find a dataset by a gated file's address), and ``check_request`` in front of
every address that serves data (downloads, views, the resource proxy,
datatables). The decisions themselves are ``access.Access``'s.
"""

from __future__ import annotations

import json
import re
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from flask import after_this_request, before_render_template, current_app, g, request

from . import audit, exits
from .access import FIELD, Access, current_user, level_of, stricter, truthy

#: marks a resource whose address and data are withheld from this user
MARK = "access_controlled"
#: marks a withheld file that is waiting for the personal-data screen
PENDING = "screening_pending"
#: search-result fields that carry resource addresses or whole stored dicts
ADDRESS_FIELDS = ("res_url", "urls", "download_url", "data_dict", "validated_data_dict")
#: the classification assistant's answers and the level they suggest, for
#: those who may update the dataset only (the schemas mark them
#: ``display_editors_only``): the answers tell that a dataset holds personal
#: data about victims, the suggestion that its publisher chose a looser level
#: than suggested. Kept out of the index's fields (its stored dicts keep them,
#: for the editors' results).
EDITORS_ONLY = ("sensitivity_assessment", "sensitivity_suggested")
#: index fields that carry them (CKAN's copy of extras, the suite's lists)
EDITORS_ONLY_INDEX = tuple(f"{prefix}{name}" for name in EDITORS_ONLY for prefix in ("", "extras_", "vocab_"))


# -- datasets and resources ----------------------------------------------------------------


def resource(access: Access, package: Any, res: dict[str, Any]) -> dict[str, Any]:
    """The resource as this user may see it (its address and data removed
    when they may not have them; ``package`` decides the level)."""
    if res.get("id") and not access.gets_data(package, res):
        _withhold(access, package, res)
    return res


def _withhold(access: Access, package: Any, res: dict[str, Any]) -> None:
    res["url"] = ""
    res[MARK] = True
    if waits_for_screen(access, package, res):
        res[PENDING] = True
    for key in ("original_url", "datastore_active"):
        res.pop(key, None)
    # any other address the resource carries (extras such as access_url,
    # download_url or uri, from a schema or a harvest): the file is reached
    # through them as well as through ``url``
    for key in [k for k, v in res.items() if k != "url" and _is_address(k, v)]:
        res.pop(key)


#: resource fields that are text about the file, never its address
_DESCRIPTIVE = frozenset(("name", "description", "id", "package_id", "format", "mimetype"))
_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _is_address(key: str, value: Any) -> bool:
    """Whether a resource field may carry the data's address: by its name
    (``...url``, ``...uri``, ``...urls``, ``...link``) or, for fields that are
    not descriptive text, by a value that is a URL."""
    if key in _DESCRIPTIVE:
        return False
    if key.lower().endswith(("url", "uri", "urls", "link", "links")):
        return True
    return isinstance(value, str) and bool(_SCHEME.match(value))


def waits_for_screen(access: Access, package: Any, res: Any) -> bool:
    """Whether the screen is what holds the file back: public data not yet screened."""
    return access.data_level(package, res) == "public" and not access.screened(res)


def dataset(access: Access, pkg: dict[str, Any]) -> dict[str, Any]:
    """The dataset as this user may see it (addresses of gated resources
    removed, the fields for editors only unless they may update it). A dict
    without the level (CKAN's plain dictization, as the follow lists give
    it) is judged by the dataset in the database."""
    editors_only(access, pkg)
    judge: Any = pkg
    if FIELD not in pkg:
        judge = model.Package.get(pkg.get("id") or "") or pkg
    for res in pkg.get("resources") or []:
        if isinstance(res, dict):
            resource(access, judge, res)
    return pkg


def recorded(access: Access, pkg: dict[str, Any], extra: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A recorded version of a dataset (activity, history page), judged by the
    stricter of its levels then and now: a dataset raised from public to
    confidential no longer shows the addresses its old versions had.
    ``extra`` resources (of the same version) are judged with it. The fields
    for editors only go to those who may update the dataset now."""
    editors_only(access, pkg)
    current = model.Package.get(pkg.get("id") or "")
    judge = dict(pkg)
    now_resources: dict[str, Any] = {}
    if current is not None:
        judge.update(
            owner_org=current.owner_org,
            private=truthy(pkg.get("private")) or current.private,
            state=current.state if current.state != "active" else pkg.get("state", "active"),
            **{FIELD: stricter(level_of(pkg), level_of(current))},
        )
        now_resources = {r.id: r for r in current.resources_all if r.state == "active"}
    for res in [*(pkg.get("resources") or []), *(extra or [])]:
        if not isinstance(res, dict):
            continue
        judged = dict(res)
        now = now_resources.get(res.get("id"))
        if now is not None:
            judged[FIELD] = stricter(res.get(FIELD) or "public", (now.extras or {}).get(FIELD) or "public")
        if res.get("id") and not access.gets_data(judge, judged):
            _withhold(access, judge, res)
    return pkg


def activity(access: Access, act: dict[str, Any]) -> dict[str, Any]:
    """An activity entry: the dataset it carries, as this user may see it now."""
    data = act.get("data")
    if isinstance(data, dict) and isinstance(data.get("package"), dict):
        recorded(access, data["package"])
    elif isinstance(data, dict) and "resources" in data:
        recorded(access, data)
    return act


def on_render(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
    """Flask's ``before_render_template``: a page that renders a dataset
    version it read itself (CKAN's resource history page reads the activity
    table directly) shows it as the visitor may see it now."""
    res = context.get("resource")
    pkg = context.get("pkg_dict") or context.get("package")
    if isinstance(res, dict) and isinstance(pkg, dict) and res.get("url") and not res.get(MARK):
        recorded(Access(current_user()), pkg, [res])


def editors_only(access: Access, pkg: dict[str, Any]) -> dict[str, Any]:
    """The dataset dict without the fields for editors only (``EDITORS_ONLY``:
    top-level, in a plain dictization's ``extras``, in the stored dicts a
    search result may carry), unless this user may update the dataset.
    Judged by the dataset's id, from the dict or its stored dict: a dict
    that names no dataset keeps nothing of them."""
    if not _carries_editors_only(pkg):
        return pkg
    stored = [_loads(pkg.get(k)) or {} for k in _STORED if k in pkg]
    ref = pkg.get("id") or next((v["id"] for v in stored if v.get("id")), None)
    if not access.may_update(ref):
        _drop_editors_only(pkg)
    return pkg


#: the stored dicts a search result may carry (``data_dict`` holds the other one)
_STORED = ("validated_data_dict", "data_dict")


def _carries_editors_only(pkg: dict[str, Any]) -> bool:
    """Whether the dict carries a field for editors only, or a stored dict
    that does or that cannot be read (nothing of which may then leave)."""
    extras = pkg.get("extras")
    if any(f in pkg for f in EDITORS_ONLY) or (
        isinstance(extras, list) and any(isinstance(e, dict) and e.get("key") in EDITORS_ONLY for e in extras)
    ):
        return True
    return any((stored := _loads(pkg[k])) is None or _carries_editors_only(stored) for k in _STORED if k in pkg)


def _drop_editors_only(pkg: dict[str, Any]) -> None:
    for name in EDITORS_ONLY:
        pkg.pop(name, None)
    if isinstance(pkg.get("extras"), list):
        pkg["extras"] = [e for e in pkg["extras"] if not (isinstance(e, dict) and e.get("key") in EDITORS_ONLY)]
    for key in [k for k in _STORED if k in pkg]:
        stored = _loads(pkg[key])
        if stored is None:
            pkg.pop(key)  # unreadable: nothing of it leaves
        elif _carries_editors_only(stored):
            _drop_editors_only(stored)
            pkg[key] = stored if isinstance(pkg[key], dict) else json.dumps(stored)


# -- search ---------------------------------------------------------------------------------


def search_params(access: Access, data_dict: dict[str, Any]) -> dict[str, Any]:
    """Search parameters that cannot list what the permission labels hide:
    a facet with ``facet.mincount`` 0 would list the values of every index
    entry, and facets on stored dicts or addresses would read them."""
    if access.sysadmin:
        return data_dict
    mincount = data_dict.get("facet.mincount")
    if mincount is not None:
        try:
            data_dict["facet.mincount"] = max(1, int(mincount))
        except (TypeError, ValueError):
            data_dict.pop("facet.mincount")
    fields = data_dict.get("facet.field")
    if isinstance(fields, list):
        data_dict["facet.field"] = [f for f in fields if not _address_field(f)]
    elif isinstance(fields, str) and fields:
        try:
            parsed = json.loads(fields)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            data_dict["facet.field"] = json.dumps([f for f in parsed if not _address_field(f)])
    return data_dict


def _address_field(name: Any) -> bool:
    name = str(name)
    return name in ADDRESS_FIELDS or (name.startswith("res_extras_") and _is_address(name, None))


def search_result(access: Access, result: dict[str, Any]) -> dict[str, Any]:
    """A package_search result, whatever ``fl`` asked for: judged on the whole
    dataset (its stored dict, else the database), never on the fields the
    caller chose to ask for."""
    if any(f in result for f in ADDRESS_FIELDS) and not _all_data(access, _whole(result)):
        for f in ADDRESS_FIELDS:
            result.pop(f, None)
    return dataset(access, result)


def _whole(result: dict[str, Any]) -> Any:
    for key in ("validated_data_dict", "data_dict"):
        stored = _loads(result.get(key))
        if stored and isinstance(stored.get("resources"), list):
            return stored
    if isinstance(result.get("resources"), list) and FIELD in result and "owner_org" in result:
        return result
    return model.Package.get(result.get("id") or result.get("name") or "")


def _all_data(access: Access, pkg: Any) -> bool:
    if pkg is None or not access.gets_data(pkg):
        return False
    resources = pkg.get("resources") if isinstance(pkg, dict) else pkg.resources
    return all(access.gets_data(pkg, r) for r in resources or [] if r is not None)


def _loads(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text) if isinstance(text, str) and text else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def index_document(pkg_dict: dict[str, Any], open_data: list[bool]) -> dict[str, Any]:
    """An index document without the addresses of gated resources (so free
    text cannot find a dataset by a gated file's address) and without the
    fields for editors only (no query, filter or facet can read them; the
    stored dicts keep them for the results, which ``editors_only`` judges)."""
    for key in EDITORS_ONLY_INDEX:
        pkg_dict.pop(key, None)
    if all(open_data):
        return pkg_dict
    urls = pkg_dict.get("res_url") or []
    if isinstance(urls, list) and len(urls) == len(open_data):
        pkg_dict["res_url"] = [u for u, ok in zip(urls, open_data, strict=True) if ok]
    else:
        pkg_dict.pop("res_url", None)
    for key in ("urls", "download_url"):
        pkg_dict.pop(key, None)
    for key in list(pkg_dict):
        if key.startswith("res_extras_") and key.endswith("url"):
            pkg_dict.pop(key)
    return pkg_dict


# -- listings the permission labels do not reach --------------------------------------------


def visible_tag_ids(access: Access) -> set[str] | None:
    """Ids of the tags on at least one dataset this user sees (None: all)."""
    hidden = list(access.hidden_packages())
    if not hidden:
        return None
    query = sa.text(
        "SELECT DISTINCT pt.tag_id FROM package_tag pt WHERE pt.state = 'active' AND NOT (pt.package_id = ANY(:hidden))"
    )
    return {r[0] for r in model.Session.execute(query, {"hidden": hidden})}


def tags(access: Access, items: list[Any]) -> list[Any]:
    """Tag names or tag dicts, without those only hidden datasets carry."""
    visible = visible_tag_ids(access)
    if visible is None:
        return items
    names = (
        {t.name for t in model.Session.query(model.Tag.name).filter(model.Tag.id.in_(visible))} if visible else set()
    )
    kept = []
    for item in items:
        if isinstance(item, dict):
            if item.get("id") in visible:
                kept.append(item)
        elif item in names:
            kept.append(item)
    return kept


def formats(access: Access, items: list[str]) -> list[str]:
    """Resource formats (as ``format_autocomplete`` lowers them), without
    those only hidden datasets' resources have."""
    hidden = list(access.hidden_packages())
    if not hidden or not items:
        return items
    query = sa.text(
        "SELECT DISTINCT lower(r.format) FROM resource r WHERE r.state = 'active' "
        "AND NOT (r.package_id = ANY(:hidden)) AND lower(r.format) = ANY(:formats)"
    )
    shown = {r[0] for r in model.Session.execute(query, {"hidden": hidden, "formats": list(items)})}
    return [i for i in items if i in shown]


def members(access: Access, items: list[Any]) -> list[Any]:
    """``member_list`` rows (id, type, capacity) without hidden datasets."""
    hidden = access.hidden_packages()
    return [m for m in items if not (m[1] == "package" and m[0] in hidden)]


def packages(access: Access, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Dataset dicts without hidden datasets, the rest redacted."""
    hidden = access.hidden_packages()
    return [search_result(access, p) for p in items if p.get("id") not in hidden]


def followees(access: Access, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``followee_list`` entries without hidden datasets, the rest redacted."""
    hidden = access.hidden_packages()
    kept = []
    for item in items:
        obj = item.get("dict") if isinstance(item.get("dict"), dict) else {}
        if item.get("type") == "dataset":
            if obj.get("id") in hidden:
                continue
            search_result(access, obj)
        kept.append(item)
    return kept


def resources(access: Access, items: list[dict[str, Any]], searched_addresses: bool) -> list[dict[str, Any]]:
    """``resource_search`` results: none of a hidden dataset, gated ones
    redacted, and none whose gated address the query searched (an oracle)."""
    hidden = access.hidden_packages()
    kept = []
    for res in items:
        pkg = model.Package.get(res.get("package_id") or "")
        if pkg is None or pkg.id in hidden:
            continue
        if not access.gets_data(pkg, res):
            if searched_addresses:
                continue
            resource(access, pkg, res)
        kept.append(res)
    return kept


def group_counts(access: Access, context: dict[str, Any], groups: list[Any]) -> list[Any]:
    """Group and organisation dicts whose ``package_count`` counts only the
    datasets this user sees (CKAN counts every dataset of the index)."""
    if access.sysadmin or not any(isinstance(g, dict) and "package_count" in g for g in groups):
        return groups
    result = tk.get_action("package_search")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")},
        {"rows": 0, "facet.field": ["groups", "owner_org"], "facet.limit": -1, "include_private": True},
    )
    facets = result.get("facets") or {}
    for group in groups:
        if isinstance(group, dict) and "package_count" in group:
            if group.get("is_organization") or group.get("type") == "organization":
                group["package_count"] = (facets.get("owner_org") or {}).get(group.get("id"), 0)
            else:
                group["package_count"] = (facets.get("groups") or {}).get(group.get("name"), 0)
    return groups


def user_counts(access: Access, context: dict[str, Any], users: list[Any]) -> None:
    """User dicts whose ``number_created_packages`` counts only the datasets
    this user sees (CKAN counts the rows of the dataset table)."""
    wanted = [u for u in users if isinstance(u, dict) and "number_created_packages" in u]
    if access.sysadmin or not wanted:
        return
    result = tk.get_action("package_search")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")},
        {"rows": 0, "facet.field": ["creator_user_id"], "facet.limit": -1, "include_private": True},
    )
    counts = (result.get("facets") or {}).get("creator_user_id") or {}
    for user in wanted:
        user["number_created_packages"] = counts.get(user.get("id"), 0)


# -- addresses that serve data --------------------------------------------------------------


def _resource_from(args: dict[str, Any]) -> model.Resource | None:
    rid = args.get("resource_id")
    if rid is None and args.get("resource_view_id"):
        view = model.ResourceView.get(args["resource_view_id"])
        rid = view.resource_id if view else None
    return model.Resource.get(rid) if rid else None


def install(app: Any) -> Any:
    """Put the gate in front of a Flask app's routes (:func:`check_request`)
    and its templates (:func:`on_render`). Both hold for that app only: a
    test's next app, without the plugin, has neither."""
    if hasattr(app, "before_request"):
        app.before_request(check_request)
        before_render_template.connect(on_render, app)
    return app


def check_request() -> Any:
    """Flask ``before_request``: a hidden dataset's pages answer 404; every
    route ``exits.ROUTES`` classifies as data refuses it to those the protocol does not give it to, and records
    each use of data that is not public (downloads and previews)."""
    view = current_app.view_functions.get(request.endpoint or "")
    route = exits.route_of(view) if view is not None else None
    if route in exits.DATASET_ROUTES:
        # a hidden dataset and a missing one get the same page (CKAN's own
        # answers to a missing one differ from route to route, some a 500)
        pkg = model.Package.get(str((request.view_args or {}).get("id") or ""))
        if pkg is None or not Access(current_user()).sees_metadata(pkg):
            return tk.abort(404, tk._("Dataset not found"))
    if exits.ROUTES.get(route) != exits.DATA:
        return None
    res = _resource_from(request.view_args or {})
    if res is None:
        return None  # the route's own view answers 404
    pkg = res.package
    access = Access(current_user())
    if not access.sees_metadata(pkg):
        return tk.abort(404, tk._("Resource not found"))
    if not access.gets_data(pkg, res):
        if waits_for_screen(access, pkg, res):
            return tk.abort(403, tk._("This file is being checked for personal data; it is available once checked."))
        return tk.abort(403, tk._("Access to this data is controlled. Request access from the dataset page."))
    if access.data_level(pkg, res) != "public" or not access.screened(res):
        use = {
            "actor": access.user.id if access.user else None,
            "package_id": pkg.id,
            "resource_id": res.id,
            "path": request.path,
        }
        agreement = access.agreement_used(pkg, res)
        if agreement is not None:
            use["agreement_id"] = agreement  # in the entry's detail
        if route == exits.VIEW_PAGE:
            # the view may record what it shows itself (IDataAccess.data_served):
            # one entry per page, the view's when it gives one
            g.imwg_view_use = use
            after_this_request(_record_view_use)
        else:
            audit.record("download" if route in exits.DOWNLOADS else "preview", **use)
            model.Session.commit()
    return None


def _record_view_use(response: Any) -> Any:
    if not g.get(audit.SERVED):
        audit.record("preview", **g.imwg_view_use)
        model.Session.commit()
    return response
