"""Imports run as background jobs (CKAN jobs): the upload is kept under the
storage path until the job has read it; the job's progress is written to its
import's row as it goes (``imsma_import_show`` shows it)."""

from __future__ import annotations

import logging
import shutil
import uuid
from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import importer
from . import model as imsma_model

log = logging.getLogger(__name__)


def pending_dir() -> Path:
    """Where uploads wait for their job (under ``ckan.storage_path``)."""
    path = Path(tk.config["ckan.storage_path"]) / "imwg_imsma" / "pending"
    path.mkdir(parents=True, exist_ok=True)
    return path


def sweep(max_age: int = 86400) -> None:
    """Remove uploads left unconfirmed for more than ``max_age`` seconds,
    never the upload of an import queued or running (its file is named by
    the import's id) however long it waits; stale imports are first marked
    failed (``ckanext.imwg_imsma.running_timeout``), their files then go."""
    import time

    from . import config

    imsma_model.expire(config.running_timeout())
    busy = imsma_model.running_ids()
    limit = time.time() - max_age
    for path in pending_dir().iterdir():
        if path.name.split(".", 1)[0] in busy:
            continue
        try:
            if path.stat().st_mtime < limit:
                path.unlink(missing_ok=True)
        except FileNotFoundError:  # removed meanwhile (its job ended)
            continue


def enqueue(user: str, package_id: str, path: Path, filename: str, fields: dict[str, Any]) -> str:
    """Keep the upload and queue its import; the import's id."""
    import_id = str(uuid.uuid4())
    kept = pending_dir() / f"{import_id}{Path(filename).suffix}"
    account = model.User.get(user)
    imsma_model.record(
        package_id,
        account.id if account else None,
        filename,
        imsma_model.RUNNING,
        {"progress": {"step": "queued", "done": 0, "total": 1}},
        import_id,
    )
    model.Session.commit()
    # moved once its import is known to be queued (the sweep spares it), then dated now
    shutil.move(str(path), kept)
    kept.touch()
    tk.enqueue_job(
        run,
        [user, package_id, str(kept), filename, fields, import_id],
        title=f"Import of {filename} into dataset {package_id}",
        rq_kwargs={"timeout": 3600},
    )
    return import_id


def run(user: str, package_id: str, path: str, filename: str, fields: dict[str, Any], import_id: str) -> str:
    """The job: the import as ``user``; its status. An import marked failed
    before its job began (its worker was thought dead, ``expire``) is not
    run, nor is its status changed; one marked failed while it ran writes
    nothing (``model.Expired``)."""
    if not imsma_model.start(import_id):
        log.warning("import %s is no longer running: not run", import_id)
        Path(path).unlink(missing_ok=True)
        return imsma_model.FAILED
    account = model.User.get(user)
    options = importer.Options(
        dataset=package_id,
        path=Path(path),
        filename=filename,
        import_id=import_id,
        progress=lambda step, done, total: imsma_model.progress(import_id, step, done, total),
        **fields,
    )
    try:
        importer.run({"user": user, "auth_user_obj": account}, options)
        return imsma_model.DONE
    except (tk.ValidationError, tk.NotAuthorized, tk.ObjectNotFound) as error:
        log.info("import %s refused: %s", import_id, error)
        return imsma_model.FAILED
    except imsma_model.Expired:
        log.warning("import %s was marked failed while it ran: nothing written", import_id)
        return imsma_model.FAILED
    finally:
        Path(path).unlink(missing_ok=True)
