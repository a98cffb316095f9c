"""Finding data, in a real browser, in English, French and Arabic, at desktop
and phone (390 x 844) sizes, against the portal as ``make portal`` serves it
(scripts/portal-config.sh, scripts/portal.sh: gunicorn, the jobs worker) with
the demo content: a box drawn on the search page's map (ckanext-spatial's
widget, over the gazetteer's outlines: the browser has no internet, so no
map tiles) filters the results; each result shows its sensitivity badge,
places and period; the active place filter reads "Location: Waingmaw"; long
organisation names are whole; the dataset page shows its extent on a map."""

from __future__ import annotations

import re
import urllib.parse
from pathlib import Path

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.cli.cli import ckan
from ckan.tests.helpers import call_action

from ckanext.imwg import demo
from ckanext.imwg_pcode import loader
from tests.support import chromium, new_page, portal_sh, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")
DEMO_UNITS = Path(loader.__file__).parent / "demo_data" / "mmr_demo_units.geojson"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 1000}
#: what the pages say, by language
WORDS = {
    "en": {"location": "Location", "badge": "Confidential", "extent": "Dataset extent"},
    "fr": {"location": "Lieu", "badge": "Confidentiel", "extent": "Étendue du jeu de données"},
    "ar": {"location": "الموقع", "badge": "سري", "extent": "النطاق الجغرافي لمجموعة البيانات"},
}
#: a demo dataset tagged with Kachin's townships, and one with none of Kachin's places
IN_KACHIN = "confirmed-hazardous-areas"
OUTSIDE_KACHIN = "water-points-assessment"


@pytest.fixture(scope="module")
def browser():
    with chromium() as browser:
        yield browser


@pytest.fixture
def portal(tmp_path, cli):
    """The demo (gazetteer and content, as ``make portal`` loads them) served by
    scripts/portal.sh with the configuration scripts/portal-config.sh writes."""
    result = cli.invoke(ckan, ["pcode", "load", "--if-empty", str(DEMO_UNITS)])
    assert result.exit_code == 0, result.output
    demo.load(echo=lambda _: None)
    model.Session.remove()
    options = {
        "ckan.site_id": tk.config["ckan.site_id"],  # the demo was indexed under the tests' site
        "ckan.storage_path": tk.config["ckan.storage_path"],
    }
    with portal_sh(tmp_path, **options) as running:
        yield running.url


def names_listed(page) -> set[str]:
    hrefs = page.locator(".dataset-list .dataset-heading a").evaluate_all("as => as.map(a => a.getAttribute('href'))")
    return {h.rstrip("/").split("/")[-1] for h in hrefs}


def wait_for_outlines(page, scope: str) -> None:
    """The gazetteer's outlines are drawn in the map inside ``scope``."""
    page.wait_for_function(
        "s => document.querySelectorAll(s + ' .leaflet-imwgOutlines-pane path').length > 0", arg=scope
    )


def draw_box(page, shot) -> str:
    """Draw a box inside Kachin's outline with the widget, apply it; the ext_bbox sent."""
    page.locator("#dataset-map .leaflet-control-custom-button").click()
    page.locator("#draw-map-container").wait_for(state="visible")
    wait_for_outlines(page, "#draw-map-container")
    page.wait_for_selector(".leaflet-draw-toolbar a.leaflet-draw-draw-rectangle")
    kachin = page.locator("#draw-map-container path.imwg-outline-MMR001").bounding_box()
    x0, y0 = kachin["x"] + kachin["width"] * 0.4, kachin["y"] + kachin["height"] * 0.4
    x1, y1 = kachin["x"] + kachin["width"] * 0.6, kachin["y"] + kachin["height"] * 0.6
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    shot("2-drawing")
    apply = page.locator(".modal .btn-primary.apply")
    page.wait_for_function("() => !document.querySelector('.modal .btn-primary.apply').classList.contains('disabled')")
    with page.expect_navigation():
        apply.click()
    query = urllib.parse.parse_qs(urllib.parse.urlparse(page.url).query)
    return query["ext_bbox"][0]


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_find_by_map_badges_places_and_extent(portal, browser, lang):
    """Draw a box (or send the widget's ext_bbox), read the badges, the named place
    filter, the whole organisation name and the dataset's extent map, at both sizes."""
    prefix = "" if lang == "en" else f"/{lang}"
    words = WORDS[lang]
    everything = {d["name"] for d in call_action("package_search", rows=100)["results"]}
    for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, viewport, locale=lang)
        shot = lambda name: screenshot(page, f"find-{lang}-{size}-{name}")  # noqa: B023, E731

        # the search page: a map framed on Myanmar, drawn over the gazetteer's outlines
        page.goto(f"{portal}{prefix}/dataset/")
        wait_for_outlines(page, "#dataset-map")
        assert page.locator("#dataset-map .leaflet-control-no-provider").is_hidden()
        if lang == "ar":
            assert page.locator("html").get_attribute("dir") == "rtl"
        shot("1-search")

        # a box drawn in the widget (on the desktop; the phone sends what the widget sends)
        if size == "desktop":
            bbox = draw_box(page, shot)
        else:
            bbox = "96.0,25.0,97.5,27.0"
            page.goto(f"{portal}{prefix}/dataset/?ext_bbox={bbox}")
        west, south, east, north = (float(v) for v in bbox.split(","))
        assert 94 < west < east < 100 and 22 < south < north < 29, bbox
        expected = {d["name"] for d in call_action("package_search", rows=100, extras={"ext_bbox": bbox})["results"]}
        listed = names_listed(page)
        assert IN_KACHIN in listed
        assert OUTSIDE_KACHIN not in listed
        assert listed == expected
        assert listed < everything
        wait_for_outlines(page, "#dataset-map")
        # the box is drawn back on the map
        assert page.locator("#dataset-map .leaflet-overlay-pane path").count() >= 1
        shot("3-box")

        # each result: its sensitivity badge, its places by name, its period
        link = page.locator(f".dataset-heading a[href$='/{IN_KACHIN}']")
        item = page.locator(".dataset-item", has=link)
        assert item.locator(".imwg-sensitivity-badge").inner_text().strip() == words["badge"]
        places = item.locator(".imwg-item-places bdi").all_inner_texts()
        assert places and not any(re.fullmatch(r"MMR\d+", p) for p in places), places
        assert item.locator(".imwg-item-facts bdi").count() >= 1
        assert page.locator(".imwg-sensitivity-badge").count() == len(listed)
        dataset_page = urllib.parse.urljoin(page.url, link.get_attribute("href"))

        # the place filter, named; the organisation's name whole
        page.goto(f"{portal}{prefix}/dataset/?pcodes=MMR001002")
        pill = page.locator(".filter-list").inner_text()
        assert re.search(rf"{words['location']}\s?:\s*Waingmaw", pill), pill
        assert "None" not in pill
        if size == "desktop":
            facets = page.locator(".filters .item-label").all_inner_texts()
            assert "National Mine Action Authority" in facets, facets
        shot("4-place-filter")

        # the dataset page: its extent over the outlines
        page.goto(dataset_page)
        extent = page.locator(".imwg-dataset-extent")
        assert words["extent"] in extent.locator(".module-heading").inner_text()
        wait_for_outlines(page, ".imwg-dataset-extent")
        assert extent.locator(".leaflet-overlay-pane path").count() >= 1
        extent.scroll_into_view_if_needed()
        shot("5-dataset-extent")
        page.context.close()
