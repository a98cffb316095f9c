"""The previews in a real browser, against the portal as ``make portal``
serves it (``scripts/portal-config.sh`` then ``scripts/portal.sh``:
gunicorn and a supervised jobs worker), in English, French and Arabic, on
a desktop and a 390 × 844 phone: charts titled in words with every period
labelled, hashtags left to right inside Arabic, an untagged table with
its inferred roles, a workbook's sheets switched, an aggregate-only
preview that hides every group, and a refused link that says why.
Screenshots: tests/artifacts/hxl-*.png."""

from __future__ import annotations

from pathlib import Path

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from tests.imwg_hxl.matrix import PLUGINS, gated
from tests.imwg_hxl.tables_support import TAGGED, UNTAGGED, workbook
from tests.imwg_pcode import places
from tests.support import log_in, portal_sh, screenshot

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS + " imwg_pcode"),
]
PASSWORD = "Preview-pass-2026"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
SMALL = "District,Killed\n#adm2+code,#affected+killed\n" + "".join(f"MMR001D00{i},{i}\n" for i in range(1, 9))


def _password(name: str) -> None:
    user = model.User.by_name(name)
    user.password = PASSWORD
    model.Session.commit()


def _data(create_with_upload, tmp_path: Path) -> dict[str, str]:
    """The resources the journey visits, profiled before the portal starts
    (the profiles are in the database; the portal's worker has nothing to do)."""
    places.load(tmp_path)
    confidential = gated("confidential")
    for name in ("owner-member", "other-member"):
        _password(name)
    public = call_action(
        "package_create",
        context={"user": "owner-member"},
        type="dataset",
        name="casualties-2024",
        title="Casualties 2024",
        owner_org=confidential["owner_org"],
        source="Field teams",
        sectors=["protection"],
        sensitivity="public",
    )

    def upload(ds, content, name, fmt):
        return create_with_upload(
            content, name, url=name, format=fmt, package_id=ds["id"], context={"user": "owner-member"}
        )["id"]

    ids = {
        "tagged": upload(public, TAGGED, "casualties.csv", "CSV"),
        "untagged": upload(public, UNTAGGED, "households.csv", "CSV"),
        "workbook": upload(public, workbook(tmp_path / "book.xlsx").read_bytes(), "book.xlsx", "XLSX"),
        "small": upload(confidential, SMALL, "few.csv", "CSV"),
    }
    ids["refused"] = call_action(
        "resource_create",
        context={"user": "owner-member"},
        package_id=confidential["id"],
        url="http://10.0.0.5/casualties.csv",
        format="CSV",
        name="Link",
    )["id"]
    Worker(["default"]).work(burst=True)
    for key in ("untagged", "workbook"):  # the view comes by itself only for HXL files
        if not any(v["view_type"] == "hxl_preview" for v in call_action("resource_view_list", id=ids[key])):
            call_action(
                "resource_view_create",
                context={"user": "owner-member"},
                resource_id=ids[key],
                view_type="hxl_preview",
                title="HXL",
            )
    ids["public"], ids["confidential"] = public["name"], confidential["name"]
    return ids


@pytest.fixture
def portal(create_with_upload, tmp_path):
    ids = _data(create_with_upload, tmp_path)
    options = {
        "ckan.storage_path": tk.config["ckan.storage_path"],
        "ckan.plugins": " ".join(tk.config["ckan.plugins"]),
    }
    with portal_sh(tmp_path, **options) as running:
        yield running.url, ids


def resource(url: str, lang: str, dataset: str, rid: str, query: str = "") -> str:
    prefix = "" if lang == "en" else f"/{lang}"
    return f"{url}{prefix}/dataset/{dataset}/resource/{rid}{query}"


def fits(page) -> bool:
    """Nothing wider than the screen: wide tables scroll inside their own box."""
    return page.evaluate(
        """() => [...document.querySelectorAll('.imwg-hxl')].every(box => {
             const r = box.getBoundingClientRect();
             return r.right <= document.documentElement.clientWidth + 1 && box.scrollWidth <= box.clientWidth + 1; })"""
    )


TITLES = {"en": "Killed by month", "fr": "Killed par mois", "ar": "حسب الشهر"}
MONTHS = {"en": "Jan 2024", "fr": "janv. 2024", "ar": "يناير 2024"}


def test_previews_in_three_languages_and_two_sizes(portal, page):
    """One portal (it takes minutes to start on a busy machine), every language and size."""
    url, ids = portal
    log_in(page, url, "owner-member", PASSWORD)
    for lang in ("en", "fr", "ar"):
        for size in SIZES:
            page.set_viewport_size(dict(zip(("width", "height"), SIZES[size], strict=True)))
            journey(page, url, ids, lang, size)


def journey(page, url, ids, lang, size):
    shot = f"hxl-{lang}-{size}"

    # an HXL file: titles in words, the hashtag as a hint, every month labelled, hashtags left to right
    page.goto(resource(url, lang, ids["public"], ids["tagged"]))
    page.locator(".imwg-hxl-table").wait_for()
    assert TITLES[lang] in page.locator(".imwg-hxl-timeline figcaption").inner_text()
    periods = page.locator(".imwg-hxl-period")
    assert periods.count() == 4
    assert MONTHS[lang] in periods.first.text_content()
    assert page.locator(".imwg-hxl-x-axis .imwg-hxl-axis-title").count() == 1
    tag = page.locator(".imwg-hxl-hashtag-row code").first
    assert tag.text_content() == "#adm1+code"
    assert tag.evaluate("e => getComputedStyle(e).direction") == "ltr"
    if lang == "ar":
        assert page.evaluate("document.documentElement.dir") == "rtl"
        # the hashtag is drawn with its # on the left, where it is written
        box = tag.bounding_box()
        assert box and box["width"] > 0
    assert fits(page)
    screenshot(page, f"{shot}-1-tagged")

    # an untagged table: roles inferred from the headers, said so; the same charts
    page.goto(resource(url, lang, ids["public"], ids["untagged"]))
    page.locator(".imwg-hxl-inferred").wait_for()
    assert page.locator(".imwg-hxl-bars").count() >= 1
    assert page.locator(".imwg-hxl-timeline").count() == 1
    if lang == "en":
        assert "Households by state" in page.locator(".imwg-hxl-bars figcaption").first.inner_text()
    assert fits(page)
    screenshot(page, f"{shot}-2-untagged")

    # a workbook: its HXL sheet first; the reader switches to another sheet
    page.goto(resource(url, lang, ids["public"], ids["workbook"]))
    page.locator(".imwg-hxl-sheets").wait_for()
    assert page.locator(".imwg-hxl-sheets [aria-current=page]").get_attribute("data-sheet") == "1"
    with page.expect_navigation():
        page.click(".imwg-hxl-sheets a[data-sheet='2']")
    assert "sheet=2" in page.url
    page.locator(".imwg-hxl-table").wait_for()
    assert "Site 3" in page.locator(".imwg-hxl-table").inner_text()
    screenshot(page, f"{shot}-3-sheets")

    # phone: every table scrolls inside its box (a table wider than the phone stays in it)
    if size == "phone":
        page.goto(resource(url, lang, ids["public"], ids["tagged"]))
        page.locator(".imwg-hxl-table").wait_for()
        overflows = page.evaluate(
            """() => [...document.querySelectorAll('.imwg-hxl-scroll')].map(e => getComputedStyle(e).overflowX)"""
        )
        assert overflows
        assert all(overflow == "auto" for overflow in overflows)
        assert fits(page)

    # a refused link says why (the publisher's side reads the address too)
    page.goto(resource(url, lang, ids["confidential"], ids["refused"]))
    why = page.locator(".imwg-hxl-no-view")
    why.wait_for()
    assert "10.0.0.5" in why.inner_text()
    assert "There are no views created" not in page.inner_text("body")
    screenshot(page, f"{shot}-4-refused")


def test_aggregate_only_previews_that_hide_everything_and_refused_links(portal, page):
    url, ids = portal
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, url, "other-member", PASSWORD)
    for lang in ("en", "fr", "ar"):
        gated_journey(page, url, ids, lang)


def gated_journey(page, url, ids, lang):
    page.goto(resource(url, lang, ids["confidential"], ids["small"]))
    hidden = page.locator(".imwg-hxl-all-hidden")
    hidden.wait_for()
    assert hidden.locator(f"a[href$='/dataset/{ids['confidential']}/request-access']").count() == 1
    assert "MMR001D00" not in page.inner_text("body")
    assert fits(page)
    screenshot(page, f"hxl-{lang}-phone-5-all-hidden")

    page.goto(resource(url, lang, ids["confidential"], ids["refused"]))
    why = page.locator(".imwg-hxl-no-view")
    why.wait_for()
    assert "10.0.0.5" not in page.content()
    if lang == "en":
        assert "the address is on a private network" in why.inner_text()
    else:
        assert why.inner_text() != "The file was not fetched: the address is on a private network."
    screenshot(page, f"hxl-{lang}-phone-6-refused")
