"""The resource page says why a link has no preview; an aggregate-only
preview that hides every group says so and offers to request access; a
workbook's sheets are switched through the page and the API (bad sheet
numbers are field-level errors); pages in French and Arabic (real CKAN,
PostgreSQL, Redis jobs)."""

from __future__ import annotations

import ckan.logic as logic
import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from tests.imwg_hxl.matrix import PLUGINS, gated, headers, portal
from tests.imwg_hxl.tables_support import UNTAGGED, workbook

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
NO_VIEWS = "There are no views created for this resource yet."


def work():
    Worker(["default"]).work(burst=True)


def page(app, ds, res, role, query="", lang=""):
    prefix = f"/{lang}" if lang else ""
    return app.get(f"{prefix}/dataset/{ds['name']}/resource/{res['id']}{query}", headers=headers(role)).body


def link(ds, url):
    res = call_action(
        "resource_create", context={"user": "owner-member"}, package_id=ds["id"], url=url, format="CSV", name="Link"
    )
    work()
    return res


class TestRefusedLinks:
    def test_the_page_says_why_instead_of_no_views(self, app):
        ds = gated("confidential")
        res = link(ds, "http://10.0.0.5/casualties.csv")
        # those who get the data read the full reason (to fix the link)
        owner = page(app, ds, res, "owner_member")
        assert NO_VIEWS not in owner
        assert "imwg-hxl-no-view" in owner and "10.0.0.5 is a private address" in owner
        # others read why in words that name neither host nor address
        other = page(app, ds, res, "other_member")
        assert NO_VIEWS not in other
        assert "the address is on a private network" in other
        assert "10.0.0.5" not in other

    def test_an_unknown_host_and_a_french_page(self, app):
        ds = gated("confidential")
        res = link(ds, "http://records.gated.invalid/casualties.csv")
        other = page(app, ds, res, "other_member")
        assert "the host name of the address is not known" in other
        assert "gated.invalid" not in other
        french = page(app, ds, res, "other_member", lang="fr")
        assert "n’a pas été récupéré" in french or "n'a pas été récupéré" in french


class TestAllHidden:
    def test_an_aggregate_only_preview_hiding_every_group_says_so(self, app, create_with_upload):
        ds = gated("confidential")
        text = "District,Killed\n#adm2+code,#affected+killed\n" + "".join(
            f"MMR001D00{i},{i}\n" for i in range(1, 9)
        )  # eight districts of one record each: every group is hidden
        res = create_with_upload(
            text, "few.csv", url="few.csv", format="CSV", package_id=ds["id"], context={"user": "owner-member"}
        )
        work()
        body = page(app, ds, res, "other_member")
        assert "imwg-hxl-all-hidden" in body
        assert "every group holds fewer than 5 records" in body
        assert f"/dataset/{ds['name']}/request-access" in body
        assert "MMR001D00" not in body
        assert "imwg-hxl-all-hidden" not in page(app, ds, res, "owner_member")


class TestSheets:
    @pytest.fixture
    def book(self, create_with_upload, tmp_path):
        ds = gated("public")
        data = workbook(tmp_path / "book.xlsx").read_bytes()
        res = create_with_upload(
            data,
            "book.xlsx",
            url="book.xlsx",
            format="XLSX",
            package_id=ds["id"],
            context={"user": "owner-member"},
        )
        work()
        return ds, res

    def test_the_api_shows_the_hxl_sheet_then_any_other(self, book):
        _, res = book
        shown = call_action("hxl_preview_show", id=res["id"])
        assert shown["sheet"] == 1 and [s["name"] for s in shown["sheets"]] == ["Read me", "Data", "Sites"]
        assert shown["hxl"] and shown["profile"]["rows"] == 12
        assert "other_sheets" not in shown["profile"]
        sites = call_action("hxl_preview_show", id=res["id"], sheet="2")
        assert sites["sheet"] == 2 and sites["profile"]["columns"][1]["header"] == "Households"

    @pytest.mark.parametrize("bad", ["x", "-1", "9", "1000", "\u00b2", "\u0661", True, [1], 1.0])
    def test_a_bad_sheet_is_a_field_error(self, book, bad):
        _, res = book
        with pytest.raises(logic.ValidationError) as error:
            call_action("hxl_preview_show", id=res["id"], sheet=bad)
        assert "sheet" in error.value.error_dict

    def test_a_sheet_in_digits_int_cannot_read_is_refused_never_a_500(self, app, book):
        """``²`` is a digit for ``str.isdigit`` but no number for ``int``: the
        API answers a field-level error, the page shows the default sheet (to its editor: the file is still
        screened for personal data, hidden from anyone else)."""
        ds, res = book
        answer = app.get(f"/api/3/action/hxl_preview_show?id={res['id']}&sheet=%C2%B2")  # anonymous
        assert answer.status_code == 409
        assert "sheet" in answer.json["error"]
        view = next(v for v in call_action("resource_view_list", id=res["id"]) if v["view_type"] == "hxl_preview")
        shown = app.get(
            f"/dataset/{ds['name']}/resource/{res['id']}?view_id={view['id']}&sheet=%C2%B2",
            headers=headers("owner_member"),
        )
        assert shown.status_code == 200
        assert "#affected+killed</code>" in shown.body and "Site 3" not in shown.body

    def test_the_view_switches_sheets(self, app, book):
        ds, res = book
        view = next(v for v in call_action("resource_view_list", id=res["id"]) if v["view_type"] == "hxl_preview")
        body = page(app, ds, res, "owner_member", f"?view_id={view['id']}")
        assert "imwg-hxl-sheets" in body and 'data-sheet="2"' in body
        assert "Killed by" in body or "People killed" in body
        sites = page(app, ds, res, "owner_member", f"?view_id={view['id']}&sheet=2")
        assert "Site 3" in sites
        default = page(app, ds, res, "owner_member", f"?view_id={view['id']}&sheet=zz")  # not a sheet: the default
        assert "#affected+killed</code>" in default and "Site 3" not in default


def test_an_aggregate_only_page_ignores_a_sheet_int_cannot_read(app, create_with_upload):
    """The aggregate-only preview of the resource page reads ``sheet`` too: ``²`` is ignored, never a 500."""
    ds, res = portal(create_with_upload, "restricted")
    shown = app.get(f"/dataset/{ds['name']}/resource/{res['id']}?sheet=%C2%B2", headers=headers("no_org"))
    assert shown.status_code == 200
    assert "imwg-hxl-aggregate-only" in shown.body


class TestLanguages:
    def test_untagged_roles_are_said_inferred_and_translated(self, app, create_with_upload):
        ds = gated("public")
        res = create_with_upload(
            UNTAGGED, "t.csv", url="t.csv", format="CSV", package_id=ds["id"], context={"user": "owner-member"}
        )
        work()
        call_action(
            "resource_view_create",
            context={"user": "owner-member"},
            resource_id=res["id"],
            view_type="hxl_preview",
            title="HXL",
        )
        body = page(app, ds, res, "anonymous")
        assert "imwg-hxl-inferred" in body
        assert "Households by state" in body and "Jan 2024" in body
        french = page(app, ds, res, "anonymous", lang="fr")
        assert "Households par state" in french or "Households par" in french
        assert "janv. 2024" in french
        arabic = page(app, ds, res, "anonymous", lang="ar")
        assert '<code class="imwg-hxl-tag" dir="ltr">#adm1+name</code>' in arabic
