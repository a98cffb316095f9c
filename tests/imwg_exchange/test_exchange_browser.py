"""In a real browser: a visitor opens the country overview, sees the map and
clicks a state onto its location page; a member of one organisation posts a
data need for that state; an editor of another organisation publishes a
dataset about a township of it through the web form; the member finds the
dataset listed under the need (and on their dashboard) and marks the need
fulfilled."""

from __future__ import annotations

import datetime as dt

import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.imwg_pcode import places
from tests.support import live_server, log_in, screenshot

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")
PASSWORD = "Exchange-pass-2026"
NEED = "Health facility locations in Kachin"
DATASET = "Health facilities in Waingmaw"


@pytest.fixture
def portal(tmp_path):
    places.load(tmp_path)
    model.Session.commit()
    factories.User(name="cluster-member", password=PASSWORD, email="member@cluster.example.org")
    factories.User(name="ngo-editor", password=PASSWORD, email="editor@ngo.example.org")
    factories.Organization(
        name="health-cluster",
        title="Health Cluster",
        org_type="un_agency",
        users=[{"name": "cluster-member", "capacity": "member"}],
    )
    ngo = factories.Organization(
        name="field-ngo", title="Field NGO", org_type="ingo", users=[{"name": "ngo-editor", "capacity": "editor"}]
    )
    # something on the map before the need: a public dataset about Myitkyina (Kachin)
    call_action(
        "package_create",
        context={"user": "ngo-editor"},
        type="dataset",
        name="idp-sites-myitkyina",
        title="IDP sites in Myitkyina",
        owner_org=ngo["id"],
        source="Field NGO",
        sectors=["cccm"],
        pcodes=["MMR001001"],
        sensitivity="public",
    )
    with live_server(tmp_path) as url:
        yield url


def shot(page, name):
    screenshot(page, f"exchange-{name}")


def pick_place(page, text, pcode):
    page.fill("#field-pcodes-search", text)
    option = page.locator(f".imwg-pcode-menu li[data-pcode='{pcode}']")
    option.wait_for()
    option.click()


def test_overview_to_need_to_matching_dataset_to_fulfilled(portal, page, tmp_path):
    url = portal

    # a visitor: the overview's map, a click on Kachin, its location page
    page.goto(url + "/")
    kachin = page.locator("svg a[data-pcode='MMR001']")
    kachin.wait_for()
    assert "Kachin" in kachin.locator("title").text_content()
    assert "Welcome to CKAN" not in page.inner_text("body")
    shot(page, "1-overview")
    with page.expect_navigation(url="**/location/MMR001"):
        kachin.click()
    assert "Kachin" in page.inner_text("h1")
    assert page.locator("svg a[data-pcode]").count() >= 1
    shot(page, "2-location")

    # a member of the health cluster posts a need for Kachin
    member = page.context.browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(member, url, "cluster-member", PASSWORD)
    member.goto(url + "/needs/new")
    member.fill("#field-title", NEED)
    member.fill("#field-notes", "Where the health facilities of Kachin are, to plan safe routes for mobile clinics.")
    member.select_option("#field-owner_org", label="Health Cluster")
    member.select_option("#field-sectors", ["health"])
    pick_place(member, "kach", "MMR001")
    member.fill("#field-purpose", "Plan safe routes for mobile clinics")
    member.fill("#field-deadline", (dt.date.today() + dt.timedelta(days=60)).isoformat())
    shot(member, "3-need-form")
    with member.expect_navigation(url="**/needs/*"):
        member.click("#need-form button[type=submit]")
    need_page = member.url
    assert NEED in member.inner_text("h1")
    assert "No dataset you can see matches this need yet." in member.inner_text("#matches")
    shot(member, "4-need-posted")

    # an editor of another organisation publishes a dataset about Waingmaw (a township of Kachin)
    editor = page.context.browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    log_in(editor, url, "ngo-editor", PASSWORD)
    editor.goto(url + "/dataset/new")
    editor.wait_for_selector(".slug-preview")  # CKAN's script that makes the URL from the title is ready
    editor.fill("#field-title", DATASET)
    editor.select_option("#field-organizations", label="Field NGO", force=True)
    editor.fill("#field-source", "Field NGO")
    editor.select_option("#field-sectors", ["health"], force=True)
    pick_place(editor, "wain", "MMR001014")
    editor.select_option("#field-private", "False")
    editor.wait_for_function("() => document.querySelector('#field-name').value !== ''")  # the title's slug
    with editor.expect_navigation():
        editor.click("button[name=save]")
    assert editor.url.endswith("/resource/new"), editor.inner_text(".error-explanation, .flash-messages, main")
    csv = tmp_path / "facilities.csv"
    csv.write_text("Facility,Township P-code\nRural health centre,MMR001014\n")
    editor.set_input_files("#field-resource-upload", str(csv))
    editor.fill("#field-name", "Facilities (CSV)")
    with editor.expect_navigation(url="**/dataset/health-facilities-in-waingmaw"):
        editor.click("button[name=save][value=go-metadata]")
    shot(editor, "5-published")

    # the member finds it under the need, and on the dashboard, and marks the need fulfilled
    member.goto(need_page)
    match = member.locator("#matches .imwg-need-match").filter(has_text=DATASET)
    assert match.count() == 1
    shot(member, "6-match")
    member.goto(url + "/dashboard/")
    assert DATASET in member.inner_text("body")
    member.goto(need_page)
    with member.expect_navigation():
        member.locator("#matches .imwg-need-match").filter(has_text=DATASET).locator("button[type=submit]").click()
    assert "Fulfilled" in member.inner_text(".imwg-need-status")
    assert DATASET in member.inner_text(".imwg-need-fields")
    shot(member, "7-fulfilled")
