"""In a real browser: an analyst asks for confidential data, the owner's admin
sees the count, approves for 14 days, the analyst sees until when and
downloads the file; the admin revokes and the download is refused."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.support import live_server, log_in, screenshot

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
PASSWORD = "Portal-pass-2026"
CONTENT = b"Township P-code,Casualties\n#adm2+code,#affected+killed\nMMR001002,3\n"


@pytest.fixture
def portal(tmp_path, create_with_upload):
    factories.User(name="analyst", password=PASSWORD, email="analyst@partner.example.org")
    factories.User(name="owner-admin", password=PASSWORD, email="admin@authority.example.org")
    owner = factories.Organization(
        name="authority",
        title="Mine Action Authority",
        org_type="government",
        users=[{"name": "owner-admin", "capacity": "admin"}],
    )
    factories.Organization(name="partner", org_type="ingo", users=[{"name": "analyst", "capacity": "member"}])
    pkg = call_action(
        "package_create",
        context={"user": "owner-admin"},
        type="dataset",
        name="casualty-records",
        title="Casualty records",
        owner_org=owner["id"],
        source="Mine Action Authority",
        sectors=["protection"],
        sensitivity="confidential",
    )
    res = create_with_upload(
        CONTENT,
        "casualties.csv",
        url="casualties.csv",
        package_id=pkg["id"],
        name="Casualty records (CSV)",
        context={"user": "owner-admin"},
    )
    # the upload went where the fixture set the storage; the server reads it there
    storage = tk.config["ckan.storage_path"]
    with live_server(tmp_path, **{"ckan.plugins": PLUGINS, "ckan.storage_path": storage}) as url:
        yield {"url": url, "pkg": pkg, "res": res}


def test_analyst_requests_admin_approves_analyst_downloads(portal, page):
    url, pkg, res = portal["url"], portal["pkg"], portal["res"]
    resource_page = f"{url}/dataset/{pkg['name']}/resource/{res['id']}"

    log_in(page, url, "analyst", PASSWORD)
    page.goto(resource_page)
    assert "Access controlled" in page.inner_text("body")
    assert page.locator("a.resource-url-analytics").count() == 0
    screenshot(page, "access-1-controlled")
    download = page.request.get(f"{url}/dataset/{pkg['id']}/resource/{res['id']}/download/casualties.csv")
    assert download.status == 403
    assert CONTENT not in download.body()

    page.click("text=Request access")
    page.wait_for_url("**/request-access")
    page.select_option("#purpose", "humanitarian_response")
    page.fill("#intended_use", "Plan safe routes for mobile clinics")
    page.fill("#organization", "Partner NGO")
    page.fill("#days", "30")
    page.check("#accept_terms")
    screenshot(page, "access-2-request")
    with page.expect_navigation(url=f"**/dataset/{pkg['name']}"):
        page.click("text=Send the request")
    assert "Your request was sent" in page.inner_text("body")
    # the dataset page tells the request waits, and offers to cancel it
    assert "Request pending since" in page.inner_text("body")
    assert page.locator("text=Request access").count() == 0

    admin = page.context.browser.new_context().new_page()
    log_in(admin, url, "owner-admin", PASSWORD)
    admin.goto(f"{url}/dataset/")
    assert admin.inner_text("#header-pending-count") == "1"
    admin.click("#header-pending-requests")
    admin.wait_for_url("**/access/requests")
    assert admin.inner_text("#pending-count") == "1"
    request = admin.locator(".access-request").first
    assert "Plan safe routes for mobile clinics" in request.inner_text()
    screenshot(admin, "access-3-pending")
    request.locator("input[name=days]").fill("14")
    with admin.expect_navigation():
        request.locator("button[value=approve]").click()
    assert "Decision recorded" in admin.inner_text("body")
    assert admin.inner_text("#pending-count") == "0"
    assert admin.locator("#header-pending-count").count() == 0
    until = (dt.datetime.utcnow() + dt.timedelta(days=14)).strftime("%B %-d, %Y")
    assert f"access until {until}" in admin.inner_text(".access-request")

    page.goto(f"{url}/dashboard/datasets")
    page.click("text=Access requests")
    assert "approved" in page.inner_text(".my-request")
    assert f"access until {until}" in page.inner_text(".my-request")
    page.goto(resource_page)
    assert "Access controlled" not in page.inner_text("body")
    assert f"Access until {until}" in page.inner_text("body")
    screenshot(page, "access-4-granted")
    # the page's download button, fetched with the browser's own session
    # (the dataset was indexed by the test process, whose site address differs)
    href = page.get_attribute("a.resource-url-analytics", "href")
    path = urllib.parse.urlsplit(href).path
    assert path == f"/dataset/{pkg['id']}/resource/{res['id']}/download/casualties.csv"
    got = page.request.get(url + path)
    assert got.status == 200
    assert got.body() == CONTENT

    # the admin revokes it, with a reason, from the requests page: refused at once
    admin.goto(f"{url}/access/requests")
    admin.fill(".revoke-form input[name=reason]", "The partnership ended")
    with admin.expect_navigation():
        admin.click(".revoke-form button[type=submit]")
    assert "Access revoked" in admin.inner_text("body")
    screenshot(admin, "access-4b-revoked")
    refused = page.request.get(url + path)
    assert refused.status == 403
    assert CONTENT not in refused.body()
    page.goto(f"{url}/access/requests")
    assert "The partnership ended" in page.inner_text(".my-request")


def test_assistant_suggests_as_the_publisher_ticks(portal, page):
    """The classification assistant on the dataset form updates its suggestion live."""
    log_in(page, portal["url"], "owner-admin", PASSWORD)
    page.goto(portal["url"] + "/dataset/new")
    suggested = page.locator("#imwg-suggested-level")
    assert suggested.get_attribute("data-level") == "public"
    page.check("#field-sensitivity_assessment-precise_locations")
    assert suggested.get_attribute("data-level") == "restricted"
    page.check("#field-sensitivity_assessment-personal_data")
    assert suggested.get_attribute("data-level") == "confidential"
    page.check("#field-sensitivity_assessment-victims_survivors")
    assert suggested.get_attribute("data-level") == "strictly_confidential"
    assert "Strictly confidential" in suggested.inner_text()
    screenshot(page, "access-5-assistant")
