"""A person searching the portal in a real browser (Debian's chromium)."""

from __future__ import annotations

import pytest

from ckanext.imwg import demo
from tests.support import live_server, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def portal(tmp_path):
    demo.load(echo=lambda _: None)
    with live_server(tmp_path) as url:
        yield url


def shot(page, name):
    screenshot(page, f"search-{name}")


def test_search_facet_and_open_dataset(portal, page):
    """Search from the home page, narrow by a tag facet, open the dataset."""
    page.goto(portal + "/")
    shot(page, "1-home")
    page.goto(portal + "/dataset/")
    page.fill("input#field-giant-search", "casualties")
    page.press("input#field-giant-search", "Enter")
    page.wait_for_url("**/dataset/?q=casualties*")
    assert "2 datasets found" in page.inner_text("body")
    shot(page, "2-results")
    page.click("nav[aria-label='Tags'] >> text=landmines")
    page.wait_for_url("**tags=landmines*")
    body = page.inner_text("body")
    assert "1 dataset found" in body
    assert "Explosive ordnance casualties" in body
    shot(page, "3-facet")
    page.click("text=Explosive ordnance casualties")
    page.wait_for_url("**/explosive-ordnance-casualties")
    assert "Monthly casualties" in page.inner_text("body")
    shot(page, "4-dataset")
