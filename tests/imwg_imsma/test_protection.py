"""What keeps the raw export and its report to those the protocol gives
them: the suite's levels, the dataset hidden as missing, the report for
those who get the raw file, the other files' addresses kept, the raw
resource named without its file's name; and bad files refused, not failed."""

from __future__ import annotations

import csv
import io

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.lib import uploader
from ckan.tests.helpers import call_action

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, authority, do_import, upload

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def resources(user=None):
    context = {"user": user, "ignore_auth": False} if user is not None else {}
    return {
        r.get("imsma_role"): r for r in call_action("package_show", context=context, id="mine-action-col")["resources"]
    }


def test_a_strictly_confidential_dataset_keeps_its_raw_export_strictly_confidential(tmp_path):
    """The suite's levels: an import into a strictly confidential dataset works, its raw file at that level."""
    authority(sensitivity="strictly_confidential")
    assert do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))["status"] == "done"
    assert resources()["raw"]["sensitivity"] == "strictly_confidential"


def test_raw_level_strictly_confidential_is_honoured(tmp_path):
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"), raw_level="strictly_confidential")
    assert resources()["raw"]["sensitivity"] == "strictly_confidential"
    with pytest.raises(logic.ValidationError) as raised:
        do_import(exports.csv_with_coordinates(tmp_path / "again.csv"), raw_level="logged_in")
    assert "raw_level" in raised.value.error_dict


def test_the_raw_resource_is_named_without_the_files_name(tmp_path):
    """Its name is shown to all who see the dataset: the file's name may say what it holds."""
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "victims-of-san-pedro.csv"), export_date="2024-04-01")
    for user in (None, "other", ""):
        name = resources(user)["raw"]["name"]
        assert "san-pedro" not in name and "victims" not in name, user
        assert name == "Raw export (CSV, 2024-04-01)"


def test_a_hidden_dataset_is_not_found_not_refused(tmp_path):
    """Someone who may not see the dataset is told it does not exist (a refusal would confirm it)."""
    authority(private=True)
    do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))
    for action, extra in (("imsma_import_show", {}), ("imsma_import", {"upload": upload(tmp_path / "victims.csv")})):
        with pytest.raises(logic.NotFound):
            call_action(action, context={"user": "other", "ignore_auth": False}, id="mine-action-col", **extra)
    # one who sees it and may not edit it: refused
    with pytest.raises(logic.NotAuthorized):
        call_action("imsma_import_show", context={"user": "nma-member", "ignore_auth": False}, id="mine-action-col")


@pytest.mark.ckan_config("ckan.auth.allow_dataset_collaborators", "true")
def test_a_collaborator_without_the_raw_file_gets_no_report_and_breaks_no_address(tmp_path):
    """A collaborator may edit the dataset but the protocol withholds its
    confidential files from them: they get no report (it lists raw
    records), and their import keeps the addresses of the files they do
    not see."""
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))
    ds = call_action("package_show", id="mine-action-col")
    call_action(
        "resource_create", context={"user": "nma-editor"}, package_id=ds["id"], name="Survey notes", url="https://example.org/notes.csv",
        sensitivity="confidential",
    )  # fmt: skip
    call_action("package_collaborator_create", id=ds["id"], user_id="other", capacity="editor")
    assert resources("other")[None]["url"] == ""
    with pytest.raises(logic.NotAuthorized):
        call_action("imsma_import_show", context={"user": "other", "ignore_auth": False}, id="mine-action-col")
    again = upload(exports.csv_with_coordinates(tmp_path / "again.csv"))
    answer = call_action(
        "imsma_import", context={"user": "other", "ignore_auth": False}, id="mine-action-col", upload=again
    )
    assert answer["status"] == "done"
    assert "report" not in answer and "filename" not in answer
    model.Session.remove()
    assert resources()[None]["url"] == "https://example.org/notes.csv"
    assert call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")["report"]


def test_infinite_and_missing_numbers_are_reported_not_failed(tmp_path):
    """inf and nan in number columns: the import is done, the values listed, none in the aggregates."""
    authority()
    records = [
        ("H9", "COL01001003", "", "", "", "", "2024-01-05", "Active", "inf", "", ""),
        ("S9", "COL02002004", "", "", "", "", "2024-03-09", "", "", "nan", "UXO"),
        *exports.RECORDS,
    ]
    done = do_import(exports.csv_with_coordinates(tmp_path / "x.csv", records=records))
    assert done["status"] == "done"
    assert done["report"]["warnings"]["bad_number"] == 2
    res = resources()["aggregate_national"]
    with open(uploader.get_resource_uploader(res).get_path(res["id"]), encoding="utf-8") as f:
        rows = list(csv.reader(io.StringIO(f.read())))
    assert not any(cell.lower() in ("inf", "nan") for row in rows for cell in row)


def broken_csv(path):
    path.write_text("Id,Killed,Latitude,Longitude\nA1,1," + "9" * 200_000 + ",-75\n", encoding="utf-8")
    return path


def unclosed_ring(path):
    path.write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"Killed":1},'
        '"geometry":{"type":"Polygon","coordinates":[[[-74,4],[-73,4],[-73,5]]]}}]}',
        encoding="utf-8",
    )
    return path


@pytest.mark.parametrize("write", [broken_csv, unclosed_ring], ids=["csv_field_too_long", "unclosed_ring"])
def test_an_unreadable_file_is_a_field_error(app, tmp_path, write):
    """Through the API: 409 with the upload's error; in the web preview: the error shown, no 500."""
    authority()
    path = write(tmp_path / ("x.csv" if write is broken_csv else "x.geojson"))
    with pytest.raises(logic.ValidationError) as raised:
        do_import(path)
    assert "upload" in raised.value.error_dict
    headers = {"Authorization": call_action("api_token_create", user="nma-editor", name="t")["token"]}
    with open(path, "rb") as f:
        answer = app.post("/api/3/action/imsma_import", data={"id": "mine-action-col", "upload": (f, path.name)},
                          headers=headers, content_type="multipart/form-data")  # fmt: skip
    assert answer.status_code == 409
    with open(path, "rb") as f:
        page = app.post("/dataset/mine-action-col/imsma", data={"upload": (f, path.name)}, headers=headers,
                        content_type="multipart/form-data")  # fmt: skip
    assert page.status_code == 200
    assert "cannot be read" in page.get_data(as_text=True)
