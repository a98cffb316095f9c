"""Pages of the register: search, post, read (with matches, answers,
follow, close), edit. Each parses the request, calls the actions as the
signed-in user and renders; every state change is a CSRF-checked POST."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.helpers import Page
from flask import Blueprint, request

from ckanext.imwg import interfaces
from ckanext.imwg.csrf import protected
from ckanext.imwg.guard import MAX_INT

from . import schema
from .action import FIELDS

blueprint = Blueprint("imwg_exchange_needs", __name__)

ROWS = 20
#: fields of the form read as one value (the lists, sectors and places, with getlist)
TEXT_FIELDS = tuple(f for f in FIELDS if f not in ("sectors", "pcodes"))
PREFILL = ("title", "notes", "sectors", "pcodes", "data_type")


def _context() -> dict[str, Any]:
    return interfaces.web_context()


def _login_or_403(message: str) -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.full_path)
    return tk.abort(403, message)


def _form() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {f: form.get(f, "") for f in TEXT_FIELDS}
    data["sectors"] = form.getlist("sectors")
    data["pcodes"] = form.get("pcodes", "")
    return data


def _show(id: str) -> dict[str, Any]:
    try:
        return tk.get_action("need_show")(_context(), {"id": id})
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data need not found"))
    except tk.ValidationError:
        return tk.abort(404, tk._("Data need not found"))


def _args_with(page: int | None) -> dict[str, Any]:
    args: dict[str, Any] = {k: request.args.getlist(k) for k in request.args if k != "page"}
    return {**args, "page": page}


def index():
    """Search the needs with facets."""
    args = request.args
    params: dict[str, Any] = {"q": args.get("q", "")}
    for facet in ("sectors", "pcodes", "status", "owner_org"):
        if args.getlist(facet):
            params[facet] = args.getlist(facet)
    page = tk.h.get_page_number(args)
    if (page - 1) * ROWS > MAX_INT:
        return tk.abort(400, tk._("There is no page {page}").format(page=page))
    try:
        result = tk.get_action("need_search")(_context(), {**params, "rows": ROWS, "start": (page - 1) * ROWS})
    except tk.NotAuthorized:
        return _login_or_403(tk._("Log in to see the data needs"))
    except tk.ValidationError as e:
        result = {"count": 0, "results": [], "facets": {}}
        tk.h.flash_error(_errors_text(e.error_dict))
    pager = Page(
        collection=result["results"],
        page=page,
        url=lambda q=None, page=None: tk.h.url_for("imwg_exchange_needs.index", **_args_with(page)),
        item_count=result["count"],
        items_per_page=ROWS,
    )
    pager.items = result["results"]
    return tk.render(
        "imwg_exchange/needs/index.html",
        {"result": result, "params": params, "page": pager, "statuses": schema.STATUSES},
    )


def new():
    """Post a need (prefilled from the query string: title, notes, sectors, pcodes, data_type)."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.full_path)
    errors: dict[str, Any] = {}
    if request.method == "POST":
        data = _form()
        try:
            need = tk.get_action("need_create")(_context(), dict(data))
        except tk.NotAuthorized:
            errors = {"owner_org": [tk._("Only members of the organisation post its needs")]}
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(tk._("Your data need was posted."))
            return tk.redirect_to("imwg_exchange_needs.read", id=need["id"])
    else:
        args = request.args
        data = {f: args.get(f, "") for f in PREFILL}
        data["sectors"] = [s for v in args.getlist("sectors") for s in v.split(",") if s]
    return tk.render("imwg_exchange/needs/form.html", {"data": data, "errors": errors, "need": None})


def read(id: str):
    """A need: details, status and history, matching datasets, answers, follow, close."""
    try:
        need = tk.get_action("need_show")(_context(), {"id": id})
    except tk.NotAuthorized:
        return _login_or_403(tk._("Log in to see the data needs"))
    except (tk.ObjectNotFound, tk.ValidationError):
        return tk.abort(404, tk._("Data need not found"))
    matches = tk.get_action("need_matches")(_context(), {"id": need["id"], "limit": 20})
    return tk.render(
        "imwg_exchange/needs/read.html",
        {"need": need, "matches": matches, "outcomes": schema.OUTCOMES, "errors": {}},
    )


def edit(id: str):
    """Change a need (members of its organisation)."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.full_path)
    need = _show(id)
    if not need["can_edit"]:
        return tk.abort(403, tk._("Only members of the need's organisation change it"))
    errors: dict[str, Any] = {}
    data: dict[str, Any] = need
    if request.method == "POST":
        data = _form()
        try:
            tk.get_action("need_update")(_context(), {**data, "id": need["id"]})
        except tk.NotAuthorized:
            return tk.abort(403, tk._("Only members of the need's organisation change it"))
        except tk.ValidationError as e:
            errors = e.error_dict
        else:
            tk.h.flash_success(tk._("The data need was saved."))
            return tk.redirect_to("imwg_exchange_needs.read", id=need["id"])
    return tk.render("imwg_exchange/needs/form.html", {"data": data, "errors": errors, "need": need})


def _errors_text(errors: dict[str, Any]) -> str:
    """A refusal as the page says it: the (translated) messages, without the
    fields' names, which are not words of the reader's language."""
    return "; ".join(" ".join(str(m) for m in (v if isinstance(v, list) else [v])) for v in errors.values())


def _post(id: str, action: str, data: dict[str, Any], done: str) -> Any:
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=tk.h.url_for("imwg_exchange_needs.read", id=id))
    try:
        tk.get_action(action)(_context(), {**data, "id": id})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("You may not do this"))
    except tk.ObjectNotFound:
        return tk.abort(404, tk._("Data need not found"))
    except tk.ValidationError as e:
        tk.h.flash_error(_errors_text(e.error_dict))
    else:
        tk.h.flash_success(done)
    return tk.redirect_to("imwg_exchange_needs.read", id=id)


def answer(id: str):
    """Answer a need with a dataset, a plan or a comment."""
    form = request.form
    data = {"kind": form.get("kind", ""), "text": form.get("text", "")}
    if form.get("package_id"):
        data["package_id"] = form["package_id"].strip()
    return _post(id, "need_answer", data, tk._("Your answer was added."))


def close(id: str):
    """Mark a need fulfilled (with datasets) or closed (with an outcome)."""
    form = request.form
    data: dict[str, Any] = {"status": form.get("status", ""), "text": form.get("text", "")}
    if form.getlist("package_ids"):
        data["package_ids"] = [p for v in form.getlist("package_ids") for p in v.replace(",", " ").split() if p]
    if form.get("outcome"):
        data["outcome"] = form["outcome"]
    return _post(id, "need_close", data, tk._("The data need was closed."))


def status(id: str):
    """Put a need in discussion, or reopen it."""
    return _post(id, "need_update", {"status": request.form.get("status", "")}, tk._("The status was changed."))


def follow(id: str):
    return _post(id, "need_follow", {}, tk._("You follow this data need."))


def unfollow(id: str):
    return _post(id, "need_unfollow", {}, tk._("You no longer follow this data need."))


blueprint.add_url_rule("/needs", view_func=index)
blueprint.add_url_rule("/needs/new", view_func=protected(new), methods=["GET", "POST"])
blueprint.add_url_rule("/needs/<id>", view_func=read)
blueprint.add_url_rule("/needs/<id>/edit", view_func=protected(edit), methods=["GET", "POST"])
blueprint.add_url_rule("/needs/<id>/answer", view_func=protected(answer), methods=["POST"])
blueprint.add_url_rule("/needs/<id>/close", view_func=protected(close), methods=["POST"])
blueprint.add_url_rule("/needs/<id>/status", view_func=protected(status), methods=["POST"])
blueprint.add_url_rule("/needs/<id>/follow", view_func=protected(follow), methods=["POST"])
blueprint.add_url_rule("/needs/<id>/unfollow", view_func=protected(unfollow), methods=["POST"])
