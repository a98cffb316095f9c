"""``ckan imsma import``: exit codes, the records' errors with their lines, the mapping written out."""

from __future__ import annotations

import pytest
import yaml
from ckan.cli.cli import ckan
from ckan.tests.helpers import call_action

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import authority

# the command builds its app from the ini: the test runs with the ini's plugins
pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia")]


def test_import_lists_unplaced_records_and_writes_the_mapping(cli, ckan_config, tmp_path):
    """Exit 0; each unplaced record as file:line with its reason; the mapping file written."""
    authority()
    path = exports.csv_with_coordinates(tmp_path / "victims.csv", swap={"A2"})
    written = tmp_path / "mapping.yaml"
    result = cli.invoke(
        ckan,
        [
            "-c",
            ckan_config["__file__"],
            "imsma",
            "import",
            str(path),
            "--dataset",
            "mine-action-col",
            "--user",
            "nma-editor",
            "--write-mapping",
            str(written),
        ],  # fmt: skip
    )
    assert result.exit_code == 0, result.output
    assert "victims.csv:3: lat_lon_swapped" in result.output
    # a progress bar per step (its label where the output is not a terminal), one summary line at the end
    assert "place" in result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith(
        "victims.csv: imported into mine-action-col: 10 records, 9 placed "
        "(by code 0, by coordinates 9, by name 0), 1 unplaced, "
    ), last
    assert last.endswith(" cells suppressed"), last
    assert yaml.safe_load(written.read_text())["columns"]["latitude"] == "Latitude"
    assert call_action("imsma_import_show", id="mine-action-col")["report"]["unplaced"] == 1


def test_a_refused_import_exits_non_zero_and_changes_nothing(cli, ckan_config, tmp_path):
    """A shapefile without its .dbf: exit 1, the reason, no resource."""
    authority()
    folder = tmp_path / "shp"
    folder.mkdir()
    exports.write_geo(folder / "points.shp", "ESRI Shapefile")
    path = exports.zipped(tmp_path / "points.zip", folder, leave_out=(".dbf",))
    result = cli.invoke(
        ckan, ["-c", ckan_config["__file__"], "imsma", "import", str(path), "--dataset", "mine-action-col"]
    )
    assert result.exit_code == 1
    assert "error: upload: The shapefile's .dbf file is missing from the zip" in result.output
    assert call_action("package_show", id="mine-action-col")["resources"] == []


def test_a_mapping_file_sets_the_roles(cli, ckan_config, tmp_path):
    """A mapping naming a missing column: exit 1 naming it; a good one is used."""
    authority()
    path = exports.csv_with_coordinates(tmp_path / "victims.csv")
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns:\n  killed: Dead\n")
    args = ["-c", ckan_config["__file__"], "imsma", "import", str(path), "--dataset", "mine-action-col"]
    result = cli.invoke(ckan, [*args, "--mapping", str(bad)])
    assert result.exit_code == 1
    assert "columns.killed: no column 'Dead' in the file" in result.output
    dry = cli.invoke(ckan, [*args, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert '"placed": 10' in dry.output
    assert call_action("package_show", id="mine-action-col")["resources"] == []
    good = tmp_path / "good.yaml"
    good.write_text("columns:\n  injured: null\n")
    result = cli.invoke(ckan, [*args, "--mapping", str(good)])
    assert result.exit_code == 0, result.output
    assert "injured" not in call_action("imsma_import_show", id="mine-action-col")["report"]["totals"]["file"]
