"""What the plugin's actions share: the dataset or row they are asked about,
the resources a request or grant names, a grant written, a row as answered."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from .. import audit
from ..model import grant_table


def package(package_id: str) -> model.Package:
    """An active dataset (id or name); ObjectNotFound otherwise."""
    pkg = model.Package.get(package_id)
    if pkg is None or pkg.state != "active":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    return pkg


def row(table: sa.Table, id_: str) -> dict[str, Any]:
    """A row of one of the plugin's tables by its id; ObjectNotFound otherwise."""
    found = model.Session.execute(sa.select(table).where(table.c.id == id_)).first()
    if found is None:
        raise tk.ObjectNotFound(tk._("Not found: {id}").format(id=id_))
    return dict(found._mapping)


def answer(values: dict[str, Any]) -> dict[str, Any]:
    """A row as the API answers it (times as ISO 8601 text)."""
    return {k: (v.isoformat() if isinstance(v, dt.datetime) else v) for k, v in values.items()}


def resource_ids(pkg: model.Package, ids: list[str] | None, key: str = "resource_ids") -> list[str] | None:
    """The resources named (None for all of them), each one of the dataset's."""
    if not ids:
        return None
    own = {r.id for r in pkg.resources}
    unknown = [i for i in ids if i not in own]
    if unknown:
        raise tk.ValidationError({key: [tk._("Not resources of this dataset: {ids}").format(ids=", ".join(unknown))]})
    return list(ids)


def wanted(pkg: model.Package, ids: list[str] | None) -> list[Any]:
    """The active resources named (all of them when None); ``[None]`` for a
    dataset without any, which the protocol then judges by the dataset."""
    chosen = [r for r in pkg.resources if r.state == "active" and (ids is None or r.id in ids)]
    return chosen or [None]


def grant(
    pkg: model.Package,
    ids: list[str] | None,
    user_id: str | None,
    organization_id: str | None,
    granted_by: str,
    expires: dt.datetime,
    request_id: str | None = None,
) -> str:
    """Write a grant and its audit entry (in the caller's transaction); its id."""
    grant_id = str(uuid.uuid4())
    model.Session.execute(
        grant_table.insert().values(
            id=grant_id,
            package_id=pkg.id,
            resource_ids=ids,
            user_id=user_id,
            organization_id=organization_id,
            request_id=request_id,
            granted_by=granted_by,
            created=dt.datetime.utcnow(),
            expires=expires,
        )
    )
    audit.record("grant_created", actor=granted_by, package_id=pkg.id, request_id=request_id, grant_id=grant_id)
    return grant_id
