"""The audit log, read (entries are written by ``audit.record`` where their
events happen; no action edits or deletes one)."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ..model import audit_table
from . import records, schema


@tk.side_effect_free
@validate(schema.audit_list)
def access_audit_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The audit log (read-only), newest first: of one dataset, of an
    organisation's datasets (its admins), or all of it (sysadmins).

    :param package_id: the dataset
    :type package_id: string
    :param organization_id: the organisation
    :type organization_id: string
    :param limit: at most this many entries (default 100)
    :type limit: int
    :param offset: skip this many
    :type offset: int
    """
    tk.check_access("access_audit_list", context, data_dict)
    c = audit_table.c
    query = sa.select(audit_table).order_by(c.at.desc(), c.id.desc())
    if data_dict.get("package_id"):
        query = query.where(c.package_id == records.package(data_dict["package_id"]).id)
    elif data_dict.get("organization_id"):
        org = model.Group.get(data_dict["organization_id"])
        ids = [p.id for p in model.Session.query(model.Package.id).filter_by(owner_org=org.id)] if org else []
        query = query.where(c.package_id.in_(ids))
    query = query.limit(data_dict.get("limit", 100)).offset(data_dict.get("offset", 0))
    return [records.answer(dict(r._mapping)) for r in model.Session.execute(query)]
