"""The sharing protocol at the holdings matrix, its exports and the
completeness grid: for every role, a dataset whose metadata the role may not
see is counted nowhere (the matrix of tests/imwg_sensitivity).

The roles differ only in the user (or token) asking, so each exit is checked
for every role on one portal: a test per exit, an assert per role naming it."""

from __future__ import annotations

import csv
import io

import pytest
from ckan.tests.helpers import call_action
from openpyxl import load_workbook

from tests.imwg_pcode import places
from tests.imwg_sensitivity.matrix import METADATA, ROLES, build_portal, context, headers

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def portal(tmp_path):
    """The gating portal, each dataset a 3W of Waingmaw (Kachin)."""
    places.load(tmp_path)
    built = build_portal()
    for ds in built["datasets"].values():
        call_action(
            "package_patch", context={"user": "the-sysadmin"}, id=ds["id"], pcodes=["MMR001014"], data_type="3w"
        )
    return built


def visible(role: str) -> int:
    """How many of the portal's datasets the role may know of."""
    return sum(role in roles for roles in METADATA.values())


def _cell(result, row, column):
    rows = [r["value"] for r in result["rows"]]
    columns = [c["value"] for c in result["columns"]]
    return result["cells"][rows.index(row)][columns.index(column)]["count"] if row in rows else 0


def test_matrix_counts_what_the_role_may_see(portal):
    """Organisations by sectors: the owner's cell counts only the datasets the role may see."""
    for role in ROLES:
        result = call_action("holdings_matrix", context=context(role))
        assert _cell(result, "imsma-authority", "protection") == visible(role), role


def test_matrix_by_places_counts_what_the_role_may_see(portal):
    """Organisation types by admin-1 units: the same."""
    for role in ROLES:
        result = call_action("holdings_matrix", context=context(role), rows="org_type", columns="places")
        assert _cell(result, "government", "MMR001") == visible(role), role


def test_matrix_total_counts_what_the_role_may_see(portal):
    """The total of a strictly confidential filter is 0 for those who may not see it."""
    for role in ROLES:
        result = call_action("holdings_matrix", context=context(role), sensitivity="strictly_confidential")
        assert result["total"] == int(role in METADATA["strictly_confidential"]), role


def test_csv_export_counts_what_the_role_may_see(app, portal):
    """The CSV export holds the role's counts."""
    for role in ROLES:
        body = app.get("/holdings/export.csv", headers=headers(role)).get_data(as_text=True)
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
        column = rows[0].index("Protection")
        owner = next(r for r in rows if r[0] == portal["owner"]["title"])
        assert int(owner[column]) == visible(role), role


def test_xlsx_export_counts_what_the_role_may_see(app, portal):
    """The XLSX export holds the role's counts: its grand total."""
    for role in ROLES:
        body = app.get("/holdings/export.xlsx", headers=headers(role)).data
        rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
        assert rows[-1][-1] == visible(role), role


def test_page_counts_what_the_role_may_see(app, portal):
    """The page's total is the role's."""
    for role in ROLES:
        body = app.get("/holdings", headers=headers(role)).get_data(as_text=True)
        assert f"{visible(role)} datasets you can see" in body, role


def test_grid_counts_what_the_role_may_see(portal):
    """The grid's Kachin 3W cell counts only the datasets the role may see."""
    for role in ROLES:
        result = call_action("completeness_grid", context=context(role))
        row = [u["pcode"] for u in result["units"]].index("MMR001")
        column = [c["name"] for c in result["categories"]].index("3w")
        assert result["cells"][row][column]["count"] == visible(role), role


def test_grid_drill_down_counts_what_the_role_may_see(app, portal):
    """The drill-down page's Myitkyina 3W cell shows the role's count."""
    for role in ROLES:
        body = app.get("/completeness/MMR001", headers=headers(role)).get_data(as_text=True)
        assert f"({visible(role)})" in body, role
