"""The personal-data screen of uploaded files, shown to the dataset's
editors and confirmed by them (the screen itself is ``screening.py``'s)."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Context, DataDict

from .. import screening
from ..access import Access
from . import records, schema


def _screened_resource(context: Context, data_dict: DataDict, auth: str) -> model.Resource:
    res = model.Resource.get(data_dict.get("resource_id") or "")
    if res is None or res.state != "active":
        raise tk.ObjectNotFound(tk._("Resource not found"))
    access = Access.of(context)
    pkg = model.Package.get(res.package_id)
    if not context.get("ignore_auth") and (pkg is None or not access.sees_metadata(pkg)):
        # the same answer as for a missing resource: a 403 would confirm that it exists
        raise tk.ObjectNotFound(tk._("Resource not found"))
    tk.check_access(auth, context, {"package_id": res.package_id, "resource_id": res.id})
    return res


@tk.side_effect_free
@validate(schema.by_resource_id)
def personal_data_screen_show(context: Context, data_dict: DataDict) -> dict[str, Any] | None:
    """The personal-data screen of an uploaded file (to those who edit the dataset).

    :param resource_id: the resource
    :type resource_id: string

    :returns: ``status`` (``clean``, ``findings``, ``error``), ``findings``
        (column, kind, reason, matches), ``suggested`` level, ``message``,
        ``confirmed`` and ``confirmed_by``; null when not screened (yet)
    """
    res = _screened_resource(context, data_dict, "personal_data_screen_show")
    row = screening.show(res.id)
    return records.answer(row) if row else None


@validate(schema.by_resource_id)
def personal_data_confirm(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Confirm that a file with findings may be published as public (recorded
    in the audit log). A new file needs a new confirmation.

    :param resource_id: the resource
    :type resource_id: string
    """
    res = _screened_resource(context, data_dict, "personal_data_confirm")
    return records.answer(screening.confirm(res.id, Access.of(context).user.id))
