"""The holdings matrix: counts on a small portal, its filters, its page and
its CSV and XLSX exports."""

from __future__ import annotations

import csv
import io
import re
from urllib.parse import parse_qsl, urlsplit

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests.helpers import call_action
from openpyxl import load_workbook

from tests.imwg_exchange import holdings_portal as portal

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def site(tmp_path):
    return portal.build(tmp_path)


def matrix(user: str = "admin", **params):
    return call_action("holdings_matrix", context=portal.as_user(user), **params)


def test_matrix_counts_labels_and_totals(site):
    """One portal, the matrix's shapes and sums:

    - organisations by sectors: each cell counts the datasets of that organisation and sector;
    - place columns are the admin-1 units, counting datasets tagged inside them (roll-up),
      and carry the units' names;
    - rows may be the organisation types of the organisation schema;
    - organisation rows show the organisations' titles, sorted by them;
    - a row's total counts a dataset of two sectors once;
    - a column's total counts its datasets over every organisation;
    - the total is the number of datasets matching the filters;
    - one search for the totals, then one per non-empty value of the smaller side.
    """
    by_sectors = matrix()
    by_places = matrix(columns="places")
    assert portal.cells(by_sectors) == {
        ("gov", "protection"): 1,
        ("ngo-a", "health"): 2,
        ("ngo-a", "protection"): 2,
        ("ngo-b", "cccm"): 1,
        ("ngo-b", "mine_action"): 1,
    }, "organisations by sectors"
    assert portal.cells(by_places) == {
        ("gov", "HT01"): 1,
        ("ngo-a", "MMR001"): 2,
        ("ngo-a", "MMR015"): 1,
        ("ngo-b", "MMR001"): 1,
        ("ngo-b", "MMR015"): 1,
    }, "organisations by admin-1 units"
    columns = {c["value"]: c["label"] for c in by_places["columns"]}
    assert columns == {"HT01": "Ouest", "MMR001": "Kachin", "MMR015": "Shan (North)"}, "place column labels"
    assert portal.cells(matrix(rows="org_type")) == {
        ("government", "protection"): 1,
        ("ingo", "health"): 2,
        ("ingo", "protection"): 2,
        ("nngo", "cccm"): 1,
        ("nngo", "mine_action"): 1,
    }, "organisation types by sectors"
    assert [r["label"] for r in by_sectors["rows"]] == ["Ministry", "NGO Alpha", "NGO Beta"], "row titles"
    rows = {r["value"]: r["total"] for r in by_sectors["rows"]}
    assert rows == {"gov": 1, "ngo-a": 3, "ngo-b": 2}, "row totals"
    columns = {c["value"]: c["total"] for c in by_sectors["columns"] if c["total"]}
    assert columns == {"protection": 3, "health": 2, "cccm": 1, "mine_action": 1}, "column totals"
    assert by_sectors["total"] == 6, "grand total"
    assert by_sectors["searches"] == 1, "one search per matrix"


def test_filters(site):
    """One portal, each filter of the matrix:

    - a place keeps the datasets tagged with it or with a place inside it (roll-up);
    - with a place, place columns are its sub-units;
    - sectors keep the datasets of all of them;
    - a sensitivity level, a data type, a mine-action theme keep the datasets of that value;
    - a freshness status keeps the datasets the index gives that status; a status no
      dataset has gives an empty matrix;
    - free text narrows the datasets as the search page does.
    """
    assert portal.cells(matrix(place="MMR001")) == {
        ("ngo-a", "health"): 2,
        ("ngo-a", "protection"): 1,
        ("ngo-b", "cccm"): 1,
    }, "place"
    assert portal.cells(matrix(place="MMR001", columns="places")) == {
        ("ngo-a", "MMR001D001"): 1,
        ("ngo-b", "MMR001D002"): 1,
    }, "place columns drill down"
    assert portal.cells(matrix(sectors=["protection", "health"])) == {
        ("ngo-a", "health"): 1,
        ("ngo-a", "protection"): 1,
    }, "sectors"
    assert portal.cells(matrix(sensitivity="public")) == {
        ("ngo-a", "health"): 1,
        ("ngo-a", "protection"): 2,
        ("ngo-b", "cccm"): 1,
    }, "sensitivity"
    assert portal.cells(matrix(data_type="3w")) == {
        ("gov", "protection"): 1,
        ("ngo-a", "protection"): 1,
    }, "data type"
    assert portal.cells(matrix(themes="contamination")) == {("ngo-b", "mine_action"): 1}, "theme"
    statuses = call_action("package_search", context=portal.as_user("admin"), **{"facet.field": ["freshness"]})
    never = statuses["facets"]["freshness"].get("never", 0)
    assert matrix(freshness="never")["total"] == never, "freshness"
    assert matrix(freshness="delinquent")["rows"] == [], "freshness of another status"
    assert matrix(q="Haiti")["total"] == 1, "text"


BAD_INPUT = [
    ({"sectors": ["nonsense"]}, "sectors"),
    ({"themes": ["nonsense"]}, "themes"),
    ({"data_type": "nonsense"}, "data_type"),
    ({"sensitivity": "secret"}, "sensitivity"),
    ({"freshness": "stale"}, "freshness"),
    ({"place": "XYZ999"}, "place"),
    ({"rows": "users"}, "rows"),
    ({"columns": "years"}, "columns"),
    ({"data_type": ["3w", "geodata"]}, "data_type"),
    ({"q": "x" * 600}, "q"),
]


def test_bad_input_is_a_field_error(site):
    """Unknown values are refused on their field (each bad input on one portal)."""
    for params, field in BAD_INPUT:
        with pytest.raises(tk.ValidationError) as error:
            matrix(**params)
        assert field in error.value.error_dict, params


def test_cell_links(app, site):
    """A cell's link carries the row, the column and every filter, and opens the search
    page listing the cell's datasets."""
    result = matrix(place="MMR001", sensitivity="public")
    url = result["cells"][0][0]["url"]
    params = dict(parse_qsl(urlsplit(url).query))
    assert params == {
        "pcodes": "MMR001",
        "sensitivity": "public",
        "organization": result["rows"][0]["value"],
        "vocab_sectors": result["columns"][0]["value"],
    }, "the link names the filters"
    result = matrix(place="MMR001")
    row = [r["value"] for r in result["rows"]].index("ngo-a")
    column = [c["value"] for c in result["columns"]].index("health")
    url = result["cells"][row][column]["url"]
    body = app.get(url, extra_environ={"REMOTE_USER": "admin"}).get_data(as_text=True)
    assert re.search(r"2 datasets found", body), "the link finds the cell"


def test_page(app, site):
    """/holdings shows a table with a linked cell per count; the page hides navigation and
    filters on paper; a bad filter gives a 400 with the form's error, and a query the search
    cannot read a 400, not a 500."""
    body = app.get("/holdings", headers=_admin()).get_data(as_text=True)
    assert 'id="holdings-matrix"' in body, "the table"
    assert "NGO Alpha" in body, "a row"
    body = app.get("/holdings").get_data(as_text=True)
    assert "@media print" in body, "the print stylesheet"
    resp = app.get("/holdings?sectors=nonsense&place=XYZ")
    assert resp.status_code == 400, "a bad filter"
    assert "Unknown value: nonsense" in resp.get_data(as_text=True), "the form's error"
    resp = app.get("/holdings?q=" + "(" * 300)
    assert resp.status_code == 400, "a bad query"


def _admin():
    from ckan.tests import factories

    return {"Authorization": factories.APIToken(user="admin")["token"]}


def _page_numbers(result):
    return [
        [r["label"], *[c["count"] for c in cells], r["total"]]
        for r, cells in zip(result["rows"], result["cells"], strict=False)
    ]


def test_exports(app, site):
    """The exports are the matrix:

    - the CSV holds the matrix's labels and numbers, names the columns as the page does,
      and its last row holds the column totals and the total;
    - the XLSX holds the same numbers;
    - an export with a bad filter gives a 400;
    - an export is the visitor's: no shared cache keeps it.
    """
    body = app.get("/holdings/export.csv?columns=places", headers=_admin()).get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    result = matrix(columns="places")
    assert [[r[0], *map(int, r[1:])] for r in rows[1:-1]] == _page_numbers(result), "CSV numbers"
    assert rows[0] == ["Organisation", "Ouest", "Kachin", "Shan (North)", "Total"], "CSV header"
    body = app.get("/holdings/export.csv", headers=_admin()).get_data(as_text=True)
    last = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))[-1]
    result = matrix()
    assert [int(v) for v in last[1:]] == [c["total"] for c in result["columns"]] + [result["total"]], "CSV totals"
    body = app.get("/holdings/export.xlsx?rows=org_type&sensitivity=public", headers=_admin()).data
    sheet = load_workbook(io.BytesIO(body)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    result = matrix(rows="org_type", sensitivity="public")
    assert rows[1:-1] == _page_numbers(result), "XLSX numbers"
    assert app.get("/holdings/export.csv?freshness=stale").status_code == 400, "a bad filter"
    resp = app.get("/holdings/export.csv")
    assert "no-store" in resp.headers["Cache-Control"], "not cached"
