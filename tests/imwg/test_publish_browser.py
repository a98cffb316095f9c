"""A data owner publishes a mine-action dataset through the web form, in a real browser."""

from __future__ import annotations

import pytest

from tests.support import EDITOR_PASSWORD, editor_portal, log_in, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def portal(tmp_path):
    with editor_portal(tmp_path, name="nmaa", title="National Mine Action Authority", org_type="nmaa") as url:
        yield url


def shot(page, name):
    screenshot(page, f"publish-{name}")


def test_editor_publishes_mine_action_dataset(portal, page, tmp_path):
    """Log in, fill the form, see the date error, fix it, upload a CSV, find it by sector."""
    log_in(page, portal, "editor", EDITOR_PASSWORD)
    shot(page, "1-logged-in")

    page.goto(portal + "/mine-action/new")
    page.fill("#field-title", "Hazardous areas in Waingmaw")
    page.fill("#field-notes", "Confirmed hazardous areas recorded in IMSMA.")
    page.select_option("#field-organizations", label="National Mine Action Authority", force=True)
    page.fill("#field-source", "National Mine Action Authority")
    page.select_option("#field-sectors", ["mine_action", "protection"], force=True)
    page.select_option("#field-themes", ["contamination"], force=True)
    page.select_option("#field-ordnance_types", ["ap_mines"], force=True)
    page.fill("#field-data_owner_authority", "National Mine Action Authority")
    page.fill("#field-reference_period_start", "2024-06-30")
    page.fill("#field-reference_period_end", "2024-01-01")
    shot(page, "2-form")
    with page.expect_navigation():
        page.click("button[name=save]")
    error = page.locator(".error-explanation, .error-block").first
    assert "before its start" in page.inner_text("body")
    error.scroll_into_view_if_needed()
    shot(page, "3-date-error")

    page.fill("#field-reference_period_end", "2024-12-31")
    with page.expect_navigation(url="**/resource/new"):
        page.click("button[name=save]")
    csv = tmp_path / "hazardous_areas.csv"
    csv.write_text("Hazard ID,Township P-code,Area (m2)\n#loc+id,#adm2+code,#area+sqm\nHA-1,MMR001002,12500\n")
    page.set_input_files("#field-resource-upload", str(csv))
    page.fill("#field-name", "Hazardous areas (CSV)")
    shot(page, "4-resource")
    with page.expect_navigation(url="**/mine-action/hazardous-areas-in-waingmaw"):
        page.click("button[name=save][value=go-metadata]")
    body = page.inner_text("body")
    assert "Hazardous areas (CSV)" in body
    assert "01 January 2024" not in body
    assert "30 June 2024 – 31 December 2024" in body
    shot(page, "5-dataset")

    page.goto(portal + "/dataset/")
    page.click("nav[aria-label='Sectors'] >> text=Mine Action")
    page.wait_for_url("**vocab_sectors=mine_action*")
    assert "Hazardous areas in Waingmaw" in page.inner_text("body")
    shot(page, "6-found-by-sector")
