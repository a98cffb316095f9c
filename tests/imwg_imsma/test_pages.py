"""The import's pages: upload, the detected mapping, confirmation, the
background job's progress and report; only for the dataset's editors."""

from __future__ import annotations

import re

import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, authority

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def token(user):
    return {"Authorization": call_action("api_token_create", user=user, name="t")["token"]}


def test_upload_preview_confirm_and_follow_the_job(app, tmp_path):
    """The editor uploads, sees the roles detected, confirms; the job writes the aggregates and the report."""
    authority()
    editor = token("nma-editor")
    page = app.get("/dataset/mine-action-col", headers=editor)
    assert 'id="imsma-import-link"' in page.get_data(as_text=True)
    path = exports.csv_with_names(tmp_path / "nombres.csv", [("Antioquia", "San Pedro")] * 5)
    with open(path, "rb") as f:
        preview = app.post(
            "/dataset/mine-action-col/imsma",
            data={"upload": (f, "nombres.csv"), "raw_level": "confidential"},
            headers=editor,
            content_type="multipart/form-data",
        )
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "<td>adm2_name</td><td>Municipio</td>" in text
    form_token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    mapping = re.search(r'<textarea id="field-mapping" name="mapping"[^>]*>([^<]*)</textarea>', text).group(1)
    done = app.post(
        "/dataset/mine-action-col/imsma/confirm",
        data={"token": form_token, "mapping": mapping.replace("&#39;", "'"), "raw_level": "confidential"},
        headers=editor,
        follow_redirects=False,
    )
    assert done.status_code == 302
    running = app.get("/dataset/mine-action-col/imsma/status", headers=editor).get_data(as_text=True)
    assert 'id="imsma-progress"' in running
    Worker(["default"]).work(burst=True)
    report = app.get("/dataset/mine-action-col/imsma/status", headers=editor).get_data(as_text=True)
    assert 'id="imsma-report"' in report
    shown = call_action("imsma_import_show", id="mine-action-col")
    assert shown["status"] == "done"
    assert shown["report"]["placed_by"]["name"] == 5


def test_a_mapping_naming_a_missing_column_is_shown_back(app, tmp_path):
    authority()
    editor = token("nma-editor")
    path = exports.csv_with_coordinates(tmp_path / "victims.csv")
    with open(path, "rb") as f:
        text = app.post("/dataset/mine-action-col/imsma", data={"upload": (f, "victims.csv")}, headers=editor).get_data(
            as_text=True
        )
    form_token = re.search(r'name="token" value="([^"]+)"', text).group(1)
    again = app.post(
        "/dataset/mine-action-col/imsma/confirm",
        data={"token": form_token, "mapping": "columns:\n  killed: Dead\n"},
        headers=editor,
    ).get_data(as_text=True)
    assert 'id="imsma-mapping-error"' in again
    assert "no column &#39;Dead&#39; in the file" in again


def test_the_pages_are_the_editors_alone(app):
    """Anonymous: to the login page; another organisation's editor and a member: refused; no link for them."""
    authority()
    assert app.get("/dataset/mine-action-col/imsma", follow_redirects=False).status_code == 302
    for user in ("other", "nma-member"):
        headers = token(user)
        assert app.get("/dataset/mine-action-col/imsma", headers=headers).status_code == 403
        assert app.get("/dataset/mine-action-col/imsma/status", headers=headers).status_code == 403
        assert 'id="imsma-import-link"' not in app.get("/dataset/mine-action-col", headers=headers).get_data(
            as_text=True
        )
