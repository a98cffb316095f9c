"""The imports' exits for every role and every level of the gating matrix
(``tests/imwg_sensitivity/matrix.py``): the last import's report
(``imsma_import_show`` and the status page), the raw export's file, the
aggregates' files and the import page. One mine-action dataset per level,
each with an import; the roles differ only in the user (or token) asking,
so each exit is checked for every role on one portal.

Deny by default: what each role gets is written out from the protocol
(the matrix's ``DATA`` and ``METADATA``), and every other answer must be a
refusal."""

from __future__ import annotations

import datetime as dt

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from ckanext.imwg.levels import LEVELS
from ckanext.imwg_sensitivity.model import grant_table
from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, upload
from tests.imwg_sensitivity.matrix import DATA, METADATA, ROLES, build_portal, context, headers

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

#: who may import and read the reports: the owner organisation's editors and admins, sysadmins
EDITORS = {"owner_editor", "owner_admin", "sysadmin"}
#: the level of the raw export (confidential by default, never looser than its dataset)
RAW = {"public": "confidential", "restricted": "confidential", "confidential": "confidential",
       "strictly_confidential": "strictly_confidential"}  # fmt: skip
#: the aggregates' level under the default protocol: confidential's ``aggregates:members``
#: gives the level whose data and aggregate-only previews go to members at most (confidential:
#: restricted's previews go to all signed-in users), never looser than the dataset
AGGREGATES = {"public": "confidential", "restricted": "confidential", "confidential": "confidential",
              "strictly_confidential": "strictly_confidential"}  # fmt: skip


def slug(level):
    return f"mine-action-{level.replace('_', '-')}"


@pytest.fixture(scope="module")
def exports_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("exports")


@pytest.fixture
def portal(exports_dir):
    """The matrix's roles and grants, one mine-action dataset per level of
    ``imsma-authority`` with an import each, the grants on them too."""
    built = build_portal()
    path = exports.csv_with_coordinates(exports_dir / "victims.csv")
    datasets = {}
    for level in LEVELS:
        datasets[level] = call_action(
            "package_create",
            context={"user": "owner-editor"},
            type="mine-action",
            name=slug(level),
            title=f"Mine action {level}",
            owner_org=built["owner"]["id"],
            source="National mine action authority",
            sectors=["mine_action"],
            themes=["contamination"],
            data_owner_authority="National mine action authority",
            pcodes=["COL"],
            sensitivity=level,
        )
        call_action("imsma_import", context={"user": "owner-editor"}, id=slug(level), upload=upload(path))
    now = dt.datetime.utcnow()
    users = built["users"]
    for level, ds in datasets.items():
        for role, expires, revoked in (
            ("grant", now + dt.timedelta(days=30), None),
            ("expired_grant", now - dt.timedelta(days=1), None),
            ("revoked_grant", now + dt.timedelta(days=30), now),
        ):
            model.Session.execute(
                grant_table.insert().values(
                    id=f"{role}-imsma-{level}",
                    package_id=ds["id"],
                    user_id=users[role]["id"],
                    granted_by=users["sysadmin"]["id"],
                    created=now,
                    expires=expires,
                    revoked=revoked,
                )  # fmt: skip
            )
    model.Session.commit()
    Worker(["default"]).work(burst=True)  # the analyses of the new files
    resources = {}
    for level in LEVELS:
        shown = call_action("package_show", id=slug(level))
        resources[level] = {r["imsma_role"]: r for r in shown["resources"]}
    return {"datasets": datasets, "resources": resources, "tokens": {r: headers(r) for r in ROLES}}


def download(app, portal, level, role, res):
    filename = res["url"].rsplit("/", 1)[-1]
    return app.get(f"/dataset/{slug(level)}/resource/{res['id']}/download/{filename}", headers=portal["tokens"][role])


def test_the_levels_are_those_the_protocol_gives(portal):
    for level in LEVELS:
        for role, res in portal["resources"][level].items():
            expected = RAW[level] if role == "raw" else AGGREGATES[level]
            assert (res.get("sensitivity") or level) == expected, (level, role)


def test_imsma_import_show_for_every_role_and_level(portal):
    """The report: the editors who get the raw export; others refused, or told the dataset does not exist."""
    for level in LEVELS:
        for role in ROLES:
            allowed = role in EDITORS and role in DATA[RAW[level]]
            try:
                shown = call_action("imsma_import_show", context=context(role), id=slug(level))
            except logic.NotAuthorized:
                assert not allowed, (level, role, "refused")
                assert role in METADATA[level], (level, role, "a refusal tells the dataset exists")
                continue
            except logic.NotFound:
                assert not allowed and role not in METADATA[level], (level, role, "not found")
                continue
            assert allowed, (level, role, "shown")
            assert shown["status"] == "done"


def test_the_status_page_for_every_role_and_level(app, portal):
    for level in LEVELS:
        for role in ROLES:
            answer = app.get(f"/dataset/{slug(level)}/imsma/status", headers=portal["tokens"][role],
                             follow_redirects=False)  # fmt: skip
            allowed = role in EDITORS and role in DATA[RAW[level]]
            if allowed:
                assert answer.status_code == 200, (level, role)
                assert "victims.csv" in answer.get_data(as_text=True), (level, role)
            elif role == "anonymous":
                assert answer.status_code == 302 and "/user/login" in answer.headers["Location"], (level, role)
            else:
                assert answer.status_code == (403 if role in METADATA[level] else 404), (level, role)
                assert "victims.csv" not in answer.get_data(as_text=True), (level, role)


def test_the_import_page_for_every_role_and_level(app, portal):
    """The upload form: the dataset's editors; the others redirected to log in, refused or not found."""
    for level in LEVELS:
        for role in ROLES:
            answer = app.get(f"/dataset/{slug(level)}/imsma", headers=portal["tokens"][role], follow_redirects=False)
            if role in EDITORS:
                assert answer.status_code == 200, (level, role)
                assert 'id="imsma-upload"' in answer.get_data(as_text=True), (level, role)
            elif role == "anonymous":
                assert answer.status_code == 302, (level, role)
            else:
                assert answer.status_code == (403 if role in METADATA[level] else 404), (level, role)


def test_the_raw_export_for_every_role_and_level(app, portal):
    """The raw file: those the protocol gives the raw export's level's data; no one else."""
    for level in LEVELS:
        raw = portal["resources"][level]["raw"]
        for role in ROLES:
            status = download(app, portal, level, role, raw).status_code
            if role in DATA[RAW[level]] and role in METADATA[level]:
                assert status == 200, (level, role)
            else:
                assert status in (403, 404), (level, role, status)


def test_the_aggregates_for_every_role_and_level(app, portal):
    """The aggregates' files (national and admin 3): those the protocol gives their level's data; no one else."""
    for level in LEVELS:
        for kind in ("aggregate_national", "aggregate_adm3"):
            res = portal["resources"][level][kind]
            for role in ROLES:
                answer = download(app, portal, level, role, res)
                if role in DATA[AGGREGATES[level]] and role in METADATA[level]:
                    assert answer.status_code == 200, (level, kind, role)
                    assert "A1" not in answer.get_data(as_text=True), (level, kind, role)
                else:
                    assert answer.status_code in (403, 404), (level, kind, role, answer.status_code)
