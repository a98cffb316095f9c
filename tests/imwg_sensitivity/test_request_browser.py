"""In a real browser: an analyst asks for confidential data, the owner's admin
sees the count, approves for 14 days; the analyst gets the mail, follows its
link, sees until when and downloads the file; the admin revokes, the download
is refused and a mail says so. The portal, a jobs worker and an SMTP server
run as they do in production: each in its own process or thread."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.imwg_notify.conftest import Inbox, text_of
from tests.support import free_port, live_server, log_in, screenshot

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_notify imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
PASSWORD = "Portal-pass-2026"
CONTENT = b"Township P-code,Casualties\n#adm2+code,#affected+killed\nMMR001002,3\n"
#: how long a mail may take: the worker picks the job at once, the rest is rendering and SMTP
MAIL_WAIT = 30


@contextmanager
def smtp_server() -> Iterator[tuple[str, Inbox]]:
    """A real SMTP server (aiosmtpd) on a free loopback port: its address and what it received."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield f"127.0.0.1:{port}", inbox
    finally:
        controller.stop()


@contextmanager
def jobs_worker(ini: Path, log: Path) -> Iterator[subprocess.Popen]:
    """``ckan jobs worker`` with the portal's configuration, in its own process."""
    from ckan.lib import jobs

    for queue in jobs.get_all_queues():  # nothing left by an earlier test
        queue.empty()
    ckan = str(Path(sys.executable).parent / "ckan")
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [ckan, "-c", str(ini), "jobs", "worker"], stdout=out, stderr=subprocess.STDOUT, env=dict(os.environ)
        )
        try:
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


def mail_to(inbox: Inbox, address: str, subject: str, worker_log: Path):
    """The message to ``address`` whose subject contains ``subject``, once it arrived."""
    deadline = time.time() + MAIL_WAIT
    while time.time() < deadline:
        with inbox.lock:
            found = [m for m in inbox.to(address) if subject in str(m["Subject"])]
        if found:
            return found[-1]
        time.sleep(0.2)
    got = [(str(m["To"]), str(m["Subject"])) for m in inbox.messages]
    raise AssertionError(f"no mail to {address} about {subject!r}; received: {got}\n" + worker_log.read_text()[-3000:])


def portal_link(message, url: str) -> str:
    """The first link to the portal in a message's text."""
    links = re.findall(re.escape(url) + r"/[^\s<>\"]*", text_of(message))
    assert links, text_of(message)
    return links[0]


@pytest.fixture
def portal(tmp_path, create_with_upload):
    factories.User(name="analyst", fullname="Ana Analyst", password=PASSWORD, email="analyst@partner.example.org")
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
    with smtp_server() as (smtp, inbox):
        options = {"ckan.plugins": PLUGINS, "ckan.storage_path": storage, "smtp.server": smtp}
        with live_server(tmp_path, **options) as url:
            yield {"url": url, "pkg": pkg, "res": res, "inbox": inbox, "ini": tmp_path / "server.ini"}


@pytest.fixture
def worker(portal, tmp_path):
    """A jobs worker beside the portal, with its configuration (the same site
    address, database, Redis and SMTP server); its log."""
    log = tmp_path / "worker.log"
    with jobs_worker(portal["ini"], log):
        yield log


def test_analyst_requests_admin_approves_analyst_downloads(portal, worker, page):
    """The whole journey, through the pages and the mail the worker sends."""
    url, pkg, res = portal["url"], portal["pkg"], portal["res"]
    inbox, worker_log = portal["inbox"], worker
    resource_page = f"{url}/dataset/{pkg['name']}/resource/{res['id']}"

    log_in(page, url, "analyst", PASSWORD)
    # the dashboard links to the analyst's notification preferences
    assert page.get_attribute("a[href='/user/analyst/notifications']", "href") == "/user/analyst/notifications"
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

    # the owner's admin is told by mail, written by the worker as them: they see the dataset's title
    asked = mail_to(inbox, "admin@authority.example.org", "asks for access to Casualty records", worker_log)
    assert "Ana Analyst asks for access to Casualty records." in text_of(asked)
    assert f"{url}/access/requests" in text_of(asked)

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

    # the analyst reads the decision in their mail and follows its link to the dataset
    approved = mail_to(inbox, "analyst@partner.example.org", "is approved", worker_log)
    assert approved["Subject"] == "Your request for access to Casualty records is approved"
    expires = (dt.datetime.utcnow() + dt.timedelta(days=14)).date()
    assert f"Your access expires on {expires:%d %B %Y}." in text_of(approved)
    link = portal_link(approved, url)
    assert urllib.parse.urlsplit(link).path == f"/dataset/{pkg['name']}"
    assert f'href="{link}"' in approved.get_body(preferencelist=("html",)).get_content()  # its HTML part too
    page.goto(link)
    assert f"Access until {until}" in page.inner_text("body")

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
    revoked = mail_to(inbox, "analyst@partner.example.org", "was revoked", worker_log)
    assert revoked["Subject"] == "Access to Casualty records was revoked"
    assert "Your access to Casualty records was revoked." in text_of(revoked)
    assert "Reason: The partnership ended" in text_of(revoked)
    # one mail per event, none to anyone else
    assert sorted((m["To"].addresses[0].addr_spec, str(m["Subject"])) for m in inbox.messages) == sorted(
        [
            ("admin@authority.example.org", "Ana Analyst asks for access to Casualty records"),
            ("analyst@partner.example.org", "Your request for access to Casualty records is approved"),
            ("analyst@partner.example.org", "Access to Casualty records was revoked"),
        ]
    )


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
