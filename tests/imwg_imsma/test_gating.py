"""The raw export is refused to those the protocol does not give it (its file,
its address in the dataset), while the public aggregates are theirs."""

from __future__ import annotations

import ckan.logic as logic
import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, authority, do_import, public_aggregates

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    # the aggregates public: the protocol gives those of confidential data to everyone
    *public_aggregates(),
]


@pytest.fixture
def imported(tmp_path):
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))
    Worker(["default"]).work(burst=True)  # the personal-data screen of the new files
    dataset = call_action("package_show", id="mine-action-col")
    return {r["imsma_role"]: r for r in dataset["resources"]}


def shown(user):
    context = {"user": user, "ignore_auth": False} if user else {"user": "", "ignore_auth": False}
    dataset = call_action("package_show", context=context, id="mine-action-col")
    return {r["imsma_role"]: r for r in dataset["resources"]}


def download(app, res, user):
    headers = {"Authorization": call_action("api_token_create", user=user, name="t")["token"]} if user else {}
    return app.get(f"/dataset/mine-action-col/resource/{res['id']}/download/{res['url'].rsplit('/', 1)[-1]}",
                   headers=headers)  # fmt: skip


def test_the_raw_export_is_the_owners_and_the_aggregates_everyones(app, imported):
    """Anonymous, another organisation's editor: no address, download refused;
    the aggregates' files are theirs (and hold no record). Confidential: the
    owner organisation's editor and member download the raw file (the
    protocol's ``data:owner``); the report is the editors' alone."""
    for user in (None, "other"):
        raw = shown(user)["raw"]
        assert raw["url"] == "", user
        assert raw.get("access_controlled") is True, user
        assert download(app, imported["raw"], user).status_code == 403, user
        for role in ("aggregate_national", "aggregate_adm1", "aggregate_adm3"):
            assert shown(user)[role]["url"].endswith(".csv"), (user, role)
            answer = download(app, imported[role], user)
            assert answer.status_code == 200, (user, role)
            assert "A1" not in answer.get_data(as_text=True)
        assert "#adm3+code" in download(app, imported["aggregate_adm3"], user).get_data(as_text=True)
    assert download(app, imported["raw"], "nma-editor").status_code == 200
    assert download(app, imported["raw"], "nma-member").status_code == 200
    assert call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")["status"] == "done"
    for user in ("other", "nma-member", ""):
        with pytest.raises(logic.NotAuthorized):
            call_action("imsma_import_show", context={"user": user, "ignore_auth": False}, id="mine-action-col")
