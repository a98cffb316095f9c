"""In a real browser: upload an HXL file through the form; once the worker
has profiled it, its resource page shows the table (hashtag row apart,
columns switchable), a chart and the map; the page fits a phone."""

from __future__ import annotations

import pytest
from ckan.lib.jobs import Worker

from tests.imwg_hxl.tables_support import TAGGED
from tests.imwg_pcode import places
from tests.support import EDITOR_PASSWORD, editor_portal, log_in, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
CSV = TAGGED


@pytest.fixture
def portal(tmp_path):
    places.load(tmp_path)
    with editor_portal(tmp_path, name="mine-action", title="Mine Action AoR", org_type="un_agency") as url:
        yield url


def test_the_view_of_an_uploaded_hxl_file(portal, page, tmp_path):
    log_in(page, portal, "editor", EDITOR_PASSWORD)
    page.goto(portal + "/dataset/new")
    page.fill("#field-title", "Casualties 2024")
    page.select_option("#field-organizations", label="Mine Action AoR", force=True)
    page.fill("#field-source", "Field teams")
    page.select_option("#field-sectors", ["protection"], force=True)
    with page.expect_navigation(url="**/resource/new"):
        page.click("button[name=save]")
    data = tmp_path / "casualties.csv"
    data.write_text(CSV)
    page.set_input_files("#field-resource-upload", str(data))
    page.fill("#field-name", "Casualties (HXL)")
    with page.expect_navigation(url="**/dataset/casualties-2024"):
        page.click("button[name=save][value=go-metadata]")

    Worker(["default"]).work(burst=True)  # the profile job, as a portal's worker runs it

    page.click("text=Casualties (HXL)")
    page.wait_for_url("**/resource/**")
    table = page.locator(".imwg-hxl-table")
    table.wait_for()
    assert table.locator(".imwg-hxl-hashtag-row").inner_text().split() == [
        "#adm1+code",
        "#adm3+code",
        "#date",
        "#affected+killed",
        "#affected+injured",
    ]
    assert table.locator("tbody tr").count() == 24
    assert page.locator(".imwg-hxl-bars").first.is_visible()
    assert page.locator(".imwg-hxl-figure").count() == 2
    kachin = page.locator(".imwg-hxl-map path[data-pcode='MMR001']")
    assert kachin.is_visible()
    assert "Kachin" in kachin.locator("title").text_content()
    screenshot(page, "hxl-preview-1-view")

    # a column switched off with the keyboard disappears from the table
    toggle = page.locator(".imwg-hxl-toggles input[data-column='2']")
    toggle.focus()
    page.keyboard.press("Space")
    assert not table.locator("td[data-column='2']").first.is_visible()
    assert table.locator("td[data-column='3']").first.is_visible()

    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    page.locator(".imwg-hxl-table").wait_for()
    screenshot(page, "hxl-preview-2-phone")
    # the preview fits the screen: only the wide table scrolls, inside its own box
    fits = page.evaluate(
        """() => { const box = document.querySelector('.imwg-hxl'); const r = box.getBoundingClientRect();
        return r.right <= document.documentElement.clientWidth + 1 && box.scrollWidth <= box.clientWidth + 1; }"""
    )
    assert fits
