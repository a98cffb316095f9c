"""The import through its action: what it writes in the dataset, the report,
the aggregates' totals, and nothing written when it fails."""

from __future__ import annotations

import csv
import io

import ckan.model as model
import pytest
from ckan.lib import uploader
from ckan.tests.helpers import call_action

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, authority, do_import, public_aggregates

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    # the aggregates public: the protocol gives those of confidential data to everyone
    *public_aggregates(),
]


def file_of(res):
    path = uploader.get_resource_uploader(res).get_path(res["id"])
    with open(path, encoding="utf-8") as f:
        return f.read()


def table(text):
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1], rows[2:]


def resources(dataset):
    return {r.get("imsma_role"): r for r in dataset["resources"]}


def test_an_import_writes_the_raw_file_and_one_aggregate_per_level(tmp_path):
    """The raw export is a confidential resource; each level gets an HXL CSV; the fields are filled."""
    authority()
    done = do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"), export_date="2024-04-01")
    assert done["status"] == "done"
    ds = call_action("package_show", id="mine-action-col")
    res = resources(ds)
    assert set(res) == {"raw", "aggregate_national", "aggregate_adm1", "aggregate_adm2", "aggregate_adm3"}
    assert res["raw"]["sensitivity"] == "confidential"
    assert "sensitivity" not in res["aggregate_adm3"] or res["aggregate_adm3"]["sensitivity"] in ("", None)
    assert ds["source_export_date"] == "2024-04-01"
    assert ds["aggregation_level"] == "adm3"
    assert set(ds["units"]) == {"sqm", "items", "people"}
    header, hashtags, rows = table(file_of(res["aggregate_adm3"]))
    assert hashtags[:4] == ["#adm3+code", "#adm3+name", "#adm2+code", "#date+month"]
    assert "#affected+killed" in hashtags


def test_the_report_counts_every_record(tmp_path):
    """imsma_import_show: records read and placed, totals in the file and the aggregates."""
    authority()
    do_import(exports.xlsx_with_codes(tmp_path / "codes.xlsx"))
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    report = shown["report"]
    assert report["records"] == 10
    assert report["placed_by"] == {"code": 10, "coordinates": 0, "name": 0}
    for level in ("0", "1", "2", "3"):
        assert report["totals"]["aggregates"][level] == pytest.approx(exports.TOTALS)
    assert report["totals"]["file"] == pytest.approx(exports.TOTALS)


def test_a_second_import_replaces_the_aggregates_with_new_resources(tmp_path):
    """New resources (new files); the previous ones leave the dataset."""
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "one.csv"))
    first = resources(call_action("package_show", id="mine-action-col"))
    do_import(exports.csv_with_coordinates(tmp_path / "two.csv", records=exports.RECORDS[:5]))
    second = resources(call_action("package_show", id="mine-action-col"))
    assert set(first) == set(second)
    assert not {v["id"] for v in first.values()} & {v["id"] for v in second.values()}
    header, _, _ = table(file_of(second["aggregate_adm1"]))
    assert not any(h.startswith("Hazardous") for h in header)


def test_a_failing_import_leaves_the_dataset_as_it_was(tmp_path):
    """A mapping naming a missing column: a field error, the dataset unchanged, a failed report."""
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "one.csv"))
    before = call_action("package_show", id="mine-action-col")
    with pytest.raises(Exception) as raised:
        do_import(exports.csv_with_coordinates(tmp_path / "two.csv"), mapping="columns:\n  killed: Dead\n")
    assert "mapping" in raised.value.error_dict
    model.Session.remove()
    after = call_action("package_show", id="mine-action-col")
    assert after == before
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert shown["status"] == "failed"
    assert "Dead" in shown["report"]["errors"]["mapping"][0]
