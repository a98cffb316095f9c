"""The holdings page (/holdings, its CSV and XLSX exports) and the
completeness grid (/completeness, /completeness/<pcode>). Each view reads the
request, calls the action as the visitor and renders what it answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, make_response

from . import export, vocab

holdings = Blueprint("imwg_exchange_holdings", __name__)

#: request parameters of the matrix; the lists repeat (?sectors=a&sectors=b)
SINGLE = ("rows", "columns", "place", "data_type", "sensitivity", "freshness", "q")
MULTIPLE = ("sectors", "themes")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _context() -> dict[str, Any]:
    return {"user": tk.current_user.name if tk.current_user.is_authenticated else ""}


def _params() -> dict[str, Any]:
    args = tk.request.args
    params: dict[str, Any] = {name: args.get(name) for name in SINGLE if args.get(name)}
    for name in MULTIPLE:
        values = [v for v in args.getlist(name) if v]
        if values:
            params[name] = values
    return params


def _form() -> dict[str, Any]:
    """The choices of the filters form."""
    return {name: vocab.labelled(name) for name in ("sectors", "themes", "data_type", "sensitivity", "freshness")}


def index():
    """The holdings matrix with its filters (a 400 with the form's errors on bad input)."""
    params = _params()
    try:
        result = tk.get_action("holdings_matrix")(_context(), dict(params))
    except tk.ValidationError as error:
        page = tk.render(
            "imwg_exchange/holdings/matrix.html",
            {"result": None, "params": params, "errors": error.error_dict, "choices": _form()},
        )
        return page, 400
    return tk.render(
        "imwg_exchange/holdings/matrix.html",
        {
            "result": result,
            "params": params,
            "errors": {},
            "choices": _form(),
            "query": tk.request.query_string.decode(),
        },
    )


def download(fmt: str):
    """The matrix the page shows, for the same visitor and filters, as CSV or XLSX."""
    if fmt not in FORMATS:
        return tk.abort(404, tk._("No export in this format"))
    try:
        result = tk.get_action("holdings_matrix")(_context(), _params())
    except tk.ValidationError as error:
        reasons = "; ".join(f"{k}: {' '.join(map(str, v))}" for k, v in error.error_dict.items())
        return tk.abort(400, tk._("The filters are not valid: {reasons}").format(reasons=reasons))
    corner = tk._("Organisation") if result["rows_by"] == "organization" else tk._("Organisation type")
    rows = export.table(result, corner, tk._("Total"))
    name = f"holdings-{result['rows_by']}-{result['columns_by']}-{dt.date.today().isoformat()}.{fmt}"
    body = export.as_csv(rows) if fmt == "csv" else export.as_xlsx(rows, tk._("Holdings"))
    response = make_response(body)
    response.headers["Content-Type"] = FORMATS[fmt]
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    # the counts are the visitor's: no shared cache may keep them for another
    response.headers["Cache-Control"] = "private, no-store"
    return response


def completeness(pcode: str | None = None):
    """The completeness grid of the admin-1 units, or of the sub-units of ``pcode``."""
    data_dict = {"place": pcode} if pcode else {}
    try:
        grid = tk.get_action("completeness_grid")(_context(), data_dict)
    except tk.ValidationError as error:
        if "place" in error.error_dict:
            return tk.abort(404, " ".join(map(str, error.error_dict["place"])))
        page = tk.render(
            "imwg_exchange/holdings/completeness.html",
            {"grid": None, "errors": error.error_dict},
        )
        # the site's categories file is wrong: the page says what and where,
        # with the status the API gives the same error (never a server error)
        return page, 409
    return tk.render("imwg_exchange/holdings/completeness.html", {"grid": grid, "errors": {}})


holdings.add_url_rule("/holdings", view_func=index)
holdings.add_url_rule("/holdings/export.<fmt>", view_func=download)
holdings.add_url_rule("/completeness", view_func=completeness)
holdings.add_url_rule("/completeness/<pcode>", view_func=completeness)
