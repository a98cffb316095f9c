"""In a real browser: tag a dataset through the P-code picker, then find it
from the location filter of the search page by picking a state above it."""

from __future__ import annotations

import pytest

from tests.support import EDITOR_PASSWORD, editor_portal, log_in, screenshot

from . import places

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def portal(tmp_path):
    places.load(tmp_path)
    with editor_portal(tmp_path, name="cccm", title="CCCM Cluster", org_type="un_agency") as url:
        yield url


def shot(page, name):
    screenshot(page, f"pcode-picker-{name}")


def pick(page, search_box, text, pcode):
    page.fill(search_box, text)
    option = page.locator(f".imwg-pcode-menu li[data-pcode='{pcode}']")
    option.wait_for()
    return option


def test_tag_through_picker_and_find_from_location_filter(portal, page, tmp_path):
    """Pick Waingmaw by name (its path shown), remove a wrong pick, save; the
    dataset page names it; picking Kachin in the location filter finds it."""
    log_in(page, portal, "editor", EDITOR_PASSWORD)

    page.goto(portal + "/dataset/new")
    page.fill("#field-title", "IDP sites in Waingmaw")
    page.select_option("#field-organizations", label="CCCM Cluster", force=True)
    page.fill("#field-source", "CCCM Cluster")
    page.select_option("#field-sectors", ["cccm"], force=True)

    option = pick(page, "#field-pcodes-search", "wain", "MMR001014")
    assert option.inner_text().startswith("Waingmaw — Myitkyina — Kachin — Myanmar")
    shot(page, "1-suggestions")
    option.click()
    pick(page, "#field-pcodes-search", "lash", "MMR015001").click()
    chips = page.locator(".imwg-pcode-chip")
    assert chips.count() == 2
    chips.filter(has_text="Lashio").locator(".imwg-pcode-remove").click()
    assert page.locator(".imwg-pcode-chip").count() == 1
    assert page.input_value("#field-pcodes") == "MMR001014"
    shot(page, "2-chosen")

    with page.expect_navigation(url="**/resource/new"):
        page.click("button[name=save]")
    csv = tmp_path / "sites.csv"
    csv.write_text("Site,Township P-code,Households\n#loc+name,#adm3+code,#household\nA,MMR001014,40\n")
    page.set_input_files("#field-resource-upload", str(csv))
    page.fill("#field-name", "Sites (CSV)")
    with page.expect_navigation(url="**/dataset/idp-sites-in-waingmaw"):
        page.click("button[name=save][value=go-metadata]")
    places_cell = page.locator(".imwg-places")
    assert "Waingmaw" in places_cell.inner_text()
    assert places_cell.locator("a").get_attribute("href").endswith("/location/MMR001014")
    shot(page, "3-dataset")

    page.goto(portal + "/dataset/")
    pick(page, "#location-filter-search", "kach", "MMR001").click()
    with page.expect_navigation(url="**pcodes=MMR001*"):
        page.click(".imwg-location-filter button[type=submit]")
    assert "IDP sites in Waingmaw" in page.inner_text(".dataset-list")
    shot(page, "4-found-by-location")

    page.goto(portal + "/dataset/")
    pick(page, "#location-filter-search", "shan", "MMR015").click()
    with page.expect_navigation(url="**pcodes=MMR015*"):
        page.click(".imwg-location-filter button[type=submit]")
    assert page.locator(".dataset-list").count() == 0 or "Waingmaw" not in page.inner_text(".dataset-list")
