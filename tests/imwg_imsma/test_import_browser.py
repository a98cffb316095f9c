"""In a real browser: a national authority's editor uploads an export,
confirms the mapping and follows the import; an anonymous visitor then sees
the public aggregate's map while the raw export stays refused."""

from __future__ import annotations

import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import AGGREGATES_TO_EVERYONE, authority, public_aggregates
from tests.support import EDITOR_PASSWORD, live_server, log_in, screenshot

# the portal runs with the ini's plugins: so does the test; both with a protocol
# that gives the aggregates of confidential data to everyone (the job runs here)
pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"), *public_aggregates()]


def test_an_editor_imports_and_a_visitor_sees_the_aggregate(page, tmp_path):
    authority()
    with live_server(tmp_path, **AGGREGATES_TO_EVERYONE) as portal:
        log_in(page, portal, "nma-editor", EDITOR_PASSWORD)
        page.goto(portal + "/dataset/mine-action-col")
        page.click("#imsma-import-link")
        page.set_input_files("#field-upload", str(exports.xlsx_with_codes(tmp_path / "export.xlsx")))
        page.click("#imsma-upload-button")
        mapping = page.locator("#imsma-mapping")
        mapping.wait_for()
        assert "ADM3_PCODE" in mapping.inner_text()
        screenshot(page, "imsma-1-mapping")
        with page.expect_navigation(url="**/imsma/status"):
            page.click("#imsma-confirm-button")
        assert page.locator("#imsma-progress").is_visible()

        Worker(["default"]).work(burst=True)  # the import, then the analyses of its files

        page.reload()
        page.locator("#imsma-report").wait_for()
        screenshot(page, "imsma-2-report")
        resources = {r["imsma_role"]: r for r in call_action("package_show", id="mine-action-col")["resources"]}

        visitor = page.context.browser.new_context().new_page()
        visitor.goto(f"{portal}/dataset/mine-action-col/resource/{resources['aggregate_adm3']['id']}")
        unit = visitor.locator(".imwg-hxl-map path[data-pcode='COL01001001']")
        unit.wait_for()
        assert unit.is_visible()
        screenshot(visitor, "imsma-3-aggregate-map")
        raw = resources["raw"]
        answer = visitor.request.get(
            f"{portal}/dataset/mine-action-col/resource/{raw['id']}/download/export.xlsx", max_redirects=0
        )
        assert answer.status == 403
        visitor.goto(f"{portal}/dataset/mine-action-col/resource/{raw['id']}")
        assert f"/resource/{raw['id']}/download/" not in visitor.content()
