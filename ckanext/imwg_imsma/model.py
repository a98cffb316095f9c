"""The imports' table (created by migration ``imwg_imsma_0001``, ``updated``
added by ``imwg_imsma_0002``) and the queries on it."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB

RUNNING, DONE, FAILED = "running", "done", "failed"

import_table = sa.Table(
    "imwg_imsma_import",
    tk.BaseModel.metadata,
    sa.Column("id", sa.UnicodeText, primary_key=True),
    sa.Column("package_id", sa.UnicodeText, nullable=False),
    sa.Column("user_id", sa.UnicodeText),
    sa.Column("filename", sa.UnicodeText, nullable=False),
    sa.Column("status", sa.UnicodeText, nullable=False),
    sa.Column("report", JSONB, nullable=False),
    sa.Column("created", sa.DateTime, nullable=False),
    sa.Column("finished", sa.DateTime),
    #: the last sign of life: queued, started, progress, end
    sa.Column("updated", sa.DateTime, nullable=False),
)


class Expired(Exception):
    """The import was marked failed (``expire``) while its job ran or
    waited: the job must write nothing, its status stays failed."""

    def __init__(self, import_id: str):
        super().__init__(f"import {import_id} is no longer running")
        self.import_id = import_id


def record(
    package_id: str,
    user_id: str | None,
    filename: str,
    status: str,
    report: dict[str, Any],
    import_id: str | None = None,
) -> str:
    """Store one import (in the session's transaction): a new row, or the
    row ``import_id`` (a background import's) updated while it is still
    running; ``Expired`` when that row was marked failed meanwhile (its
    status is not overwritten); its id."""
    now = dt.datetime.utcnow()
    values = {"status": status, "report": report, "finished": None if status == RUNNING else now, "updated": now}
    if import_id:
        running = import_table.c.id == import_id, import_table.c.status == RUNNING
        if model.Session.execute(import_table.update().where(*running).values(**values)).rowcount:
            return import_id
        if model.Session.execute(sa.select(import_table.c.id).where(import_table.c.id == import_id)).first():
            raise Expired(import_id)
    import_id = import_id or str(uuid.uuid4())
    model.Session.execute(
        import_table.insert().values(
            id=import_id, package_id=package_id, user_id=user_id, filename=filename, created=now, **values
        )
    )
    return import_id


def start(import_id: str) -> bool:
    """A queued import's job begins: whether its import is still running
    (not marked failed meanwhile, ``expire``), dated now if so (its own
    transaction)."""
    with model.meta.engine.begin() as connection:
        return bool(
            connection.execute(
                import_table.update()
                .where(import_table.c.id == import_id, import_table.c.status == RUNNING)
                .values(updated=dt.datetime.utcnow())
            ).rowcount
        )


def progress(import_id: str, step: str, done: int, total: int) -> None:
    """Record a running import's progress at once (its own transaction: the
    import's is not committed before its end)."""
    with model.meta.engine.begin() as connection:
        connection.execute(
            import_table.update()
            .where(import_table.c.id == import_id, import_table.c.status == RUNNING)
            .values(
                report=sa.func.jsonb_build_object(
                    "progress", sa.func.jsonb_build_object("step", step, "done", done, "total", total)
                ),
                updated=dt.datetime.utcnow(),
            )
        )


def last(package_id: str, timeout: int = 0) -> dict[str, Any] | None:
    """The dataset's last import as a dictionary, or None; an import running
    for more than ``timeout`` seconds is first marked failed (``expire``)."""
    if timeout:
        expire(timeout, package_id)
    row = model.Session.execute(
        sa.select(import_table)
        .where(import_table.c.package_id == package_id)
        .order_by(import_table.c.created.desc(), import_table.c.finished.desc())
        .limit(1)
    ).first()
    if row is None:
        return None
    data = dict(row._mapping)
    for key in ("created", "finished", "updated"):
        data[key] = data[key].isoformat() if data[key] else None
    return data


def expire(timeout: int, package_id: str | None = None) -> int:
    """Mark failed the imports still said to be running with no sign of
    life (queued, started, progress) for ``timeout`` seconds (their worker
    was stopped or killed: nothing of theirs was committed), so that they
    read as failed and can be run again; their jobs, should they still
    run, then write nothing (``start``, ``record``); how many (their own
    transaction)."""
    if not timeout or timeout <= 0:
        return 0
    now = dt.datetime.utcnow()
    report = {
        "status": FAILED,
        "errors": {"import": [tk._("The import did not finish (its worker stopped); nothing was changed")]},
    }
    where = [import_table.c.status == RUNNING, import_table.c.updated < now - dt.timedelta(seconds=timeout)]
    if package_id:
        where.append(import_table.c.package_id == package_id)
    with model.meta.engine.begin() as connection:
        return connection.execute(
            import_table.update().where(*where).values(status=FAILED, report=report, finished=now, updated=now)
        ).rowcount


def running_ids() -> set[str]:
    """The ids of the imports queued or running."""
    return {r.id for r in model.Session.execute(sa.select(import_table.c.id).where(import_table.c.status == RUNNING))}
