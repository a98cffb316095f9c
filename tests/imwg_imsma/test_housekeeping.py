"""Imports whose worker died are marked failed after a timeout (and can be
run again); the sweep of unconfirmed uploads spares the uploads of imports
queued or running, however old."""

from __future__ import annotations

import datetime as dt
import os
import time

import ckan.model as model
import pytest
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from ckanext.imwg_imsma import jobs
from ckanext.imwg_imsma import model as imsma_model
from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, authority, upload

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def queue(tmp_path, name="victims.csv"):
    path = exports.csv_with_coordinates(tmp_path / name)
    answer = call_action(
        "imsma_import", context={"user": "nma-editor"}, id="mine-action-col", upload=upload(path), background=True
    )
    return answer["job"]


def age(import_id, seconds, silent=None):
    """The import queued ``seconds`` ago, its last sign of life ``silent``
    seconds ago (default: when it was queued)."""
    now = dt.datetime.utcnow()
    model.Session.execute(
        imsma_model.import_table.update()
        .where(imsma_model.import_table.c.id == import_id)
        .values(
            created=now - dt.timedelta(seconds=seconds),
            updated=now - dt.timedelta(seconds=seconds if silent is None else silent),
        )
    )
    model.Session.commit()


@pytest.mark.ckan_config("ckanext.imwg_imsma.running_timeout", "600")
def test_an_import_whose_worker_died_is_failed_after_the_timeout_and_can_run_again(tmp_path):
    """Queued, never run (its worker killed): still running before the timeout; failed after it, with a
    reason; a new import then runs to its end."""
    authority()
    stuck = queue(tmp_path)
    age(stuck, 300)
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (stuck, "running")
    age(stuck, 700)
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (stuck, "failed")
    assert "did not finish" in shown["report"]["errors"]["import"][0]
    assert shown["finished"]
    # the killed job's queue entry is gone with its worker; the import is run again
    from ckan.lib import jobs as ckan_jobs

    ckan_jobs.get_queue().empty()
    again = queue(tmp_path, "again.csv")
    Worker(["default"]).work(burst=True)
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (again, "done")


def test_the_sweep_spares_the_upload_of_a_queued_import(tmp_path):
    """An old upload left unconfirmed goes; the (older still) upload of a queued import stays until its job."""
    authority()
    import_id = queue(tmp_path)
    kept = next(p for p in jobs.pending_dir().iterdir() if p.name.startswith(import_id))
    forgotten = jobs.pending_dir() / "5d0c1f4e-0000-4000-8000-000000000000.csv"
    forgotten.write_text("x")
    old = time.time() - 3 * 86400
    for path in (kept, forgotten):
        os.utime(path, (old, old))
    jobs.sweep()
    assert kept.exists()
    assert not forgotten.exists()
    Worker(["default"]).work(burst=True)
    assert not kept.exists()
    assert call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")["status"] == "done"


@pytest.mark.ckan_config("ckanext.imwg_imsma.running_timeout", "600")
def test_an_import_is_failed_by_how_long_it_was_silent_not_by_when_it_was_queued(tmp_path):
    """Queued 700 s ago, its job's last progress 100 s ago: still running; a progress refreshes it; silent
    for 700 s: failed."""
    authority()
    busy = queue(tmp_path)
    age(busy, 700, silent=100)
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (busy, "running")
    age(busy, 700)
    imsma_model.progress(busy, "place", 5, 10)  # its job is alive
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (busy, "running")
    age(busy, 1400, silent=700)
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (busy, "failed")


@pytest.mark.ckan_config("ckanext.imwg_imsma.running_timeout", "600")
def test_a_job_whose_import_was_failed_does_not_run(tmp_path):
    """Failed while it waited (its worker thought dead): the job, should it run after all, writes
    nothing and leaves the failed status and its reason; its upload goes."""
    authority()
    stuck = queue(tmp_path)
    kept = next(p for p in jobs.pending_dir().iterdir() if p.name.startswith(stuck))
    age(stuck, 700)
    assert imsma_model.expire(600) == 1
    Worker(["default"]).work(burst=True)
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (stuck, "failed")
    assert "did not finish" in shown["report"]["errors"]["import"][0]
    assert call_action("package_show", id="mine-action-col")["resources"] == []
    assert not kept.exists()


def test_an_import_failed_while_its_job_ran_writes_nothing(tmp_path, monkeypatch):
    """Marked failed as the job writes (between its last progress and its end): the job's writes are
    rolled back, the failed status and its reason stay."""
    from ckan.lib import jobs as ckan_jobs

    authority()
    stuck = queue(tmp_path)
    args = ckan_jobs.get_queue().jobs[0].args
    progress = imsma_model.progress

    def and_expired(import_id, step, done, total):
        progress(import_id, step, done, total)
        if step == "write":  # the worker is thought dead as the import writes
            with model.meta.engine.begin() as connection:
                connection.execute(
                    imsma_model.import_table.update()
                    .where(imsma_model.import_table.c.id == import_id)
                    .values(updated=dt.datetime.utcnow() - dt.timedelta(seconds=700))
                )
            assert imsma_model.expire(600) == 1

    monkeypatch.setattr(imsma_model, "progress", and_expired)
    assert jobs.run(*args) == imsma_model.FAILED
    model.Session.remove()
    shown = call_action("imsma_import_show", context={"user": "nma-editor"}, id="mine-action-col")
    assert (shown["id"], shown["status"]) == (stuck, "failed")
    assert "did not finish" in shown["report"]["errors"]["import"][0]
    assert call_action("package_show", id="mine-action-col")["resources"] == []
