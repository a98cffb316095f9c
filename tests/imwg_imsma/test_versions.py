"""Each import writes its files under new keys (new resources): the previous
files are kept, and served, until the new ones are complete and committed,
then removed; an import that fails, however late, leaves the dataset and
the files on disk exactly as they were."""

from __future__ import annotations

import os
from pathlib import Path

import ckan.logic as logic
import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.lib import uploader
from ckan.tests.helpers import call_action

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma import gazetteer_support
from tests.imwg_imsma.portal_support import PLUGINS, authority, do_import

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def on_disk() -> dict[str, bytes]:
    """Every resource file under the storage path, with its contents."""
    root = Path(tk.config["ckan.storage_path"]) / "resources"
    return {str(p): p.read_bytes() for p in root.rglob("*") if p.is_file()} if root.exists() else {}


def path_of(res) -> str:
    return uploader.get_resource_uploader(dict(res)).get_path(res["id"])


def by_role(dataset):
    return {r["imsma_role"]: r for r in dataset["resources"] if r.get("imsma_role")}


def test_a_new_import_writes_new_files_and_removes_the_superseded_after_its_commit(tmp_path):
    """New resources (new ids, new files); the previous resources leave the
    dataset and their files go; other resources stay as they were."""
    authority()
    call_action(
        "resource_create", context={"user": "nma-editor"}, package_id="mine-action-col", url="https://example.org/a"
    )
    do_import(exports.csv_with_coordinates(tmp_path / "one.csv"))
    first = by_role(call_action("package_show", id="mine-action-col"))
    old_paths = {role: path_of(res) for role, res in first.items()}
    assert all(os.path.exists(p) for p in old_paths.values())
    do_import(exports.csv_with_coordinates(tmp_path / "two.csv", records=exports.RECORDS[:5]))
    dataset = call_action("package_show", id="mine-action-col")
    second = by_role(dataset)
    assert set(second) == set(first) - {"aggregate_adm3"} or set(second) <= set(first)
    assert not {r["id"] for r in first.values()} & {r["id"] for r in second.values()}
    assert not any(os.path.exists(p) for p in old_paths.values()), "superseded files removed"
    assert all(os.path.exists(path_of(res)) for res in second.values())
    assert [r["url"] for r in dataset["resources"] if not r.get("imsma_role")] == ["https://example.org/a"]
    # the aggregates first, the raw export last
    assert dataset["resources"][-1]["imsma_role"] == "raw"


def many_item_types(path: Path, n: int = 10_000) -> Path:
    """Spot tasks of ``n`` item types in the 32 admin-3 units, one month: a
    raw file under 1 MB whose admin-3 aggregate (a column per type, a row
    per unit) is over 1 MB, while the national one is not."""
    units = [c for c, _n, lvl, *_ in gazetteer_support.squares() if lvl == 3]
    lines = ["Id,Items,Item type,Date,Latitude,Longitude"]
    for i in range(n):
        x, y = gazetteer_support.centre(units[i % len(units)])
        lines.append(f"S{i},1,T{i},2024-01-10,{y},{x}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert path.stat().st_size < 1024 * 1024
    return path


def test_an_import_failing_after_some_new_files_are_written_leaves_everything_as_it_was(tmp_path, monkeypatch):
    """CKAN's uploader refuses the admin-3 aggregate (over the portal's 1 MB)
    after the national, admin-1 and admin-2 ones were written: a validation
    error; the dataset, and every file on disk, as before the import."""
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "one.csv"))
    model.Session.remove()
    before = call_action("package_show", id="mine-action-col")
    files = on_disk()
    monkeypatch.setitem(tk.config, "ckan.max_resource_size", 1)
    with pytest.raises(logic.ValidationError) as raised:
        do_import(many_item_types(tmp_path / "types.csv"))
    assert "upload" in raised.value.error_dict
    model.Session.remove()
    assert call_action("package_show", id="mine-action-col") == before
    assert on_disk() == files
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert shown["status"] == "failed"
