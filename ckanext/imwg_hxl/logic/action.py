"""The preview as JSON, for other tools."""

from __future__ import annotations

from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from .. import preview

__all__ = ["hxl_preview_show"]


@tk.side_effect_free
def hxl_preview_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The HXL preview of a resource: its profile (every column's hashtag,
    type, counts, top values, minimum, maximum, sum), the validation issues
    and the chart specs (key figures, bars, time series, map), as the
    caller may see them: whole for those who get the data, aggregate-only
    (no row, small groups suppressed) for those the sharing protocol gives
    aggregates, refused for anyone else.

    :param id: the resource's id
    :type id: string
    :param sheet: for a workbook, the position of the sheet (0 for the
        first; default: the first sheet that carries hashtags)
    :type sheet: int
    """
    rid = tk.get_or_bust(data_dict, "id")
    if not isinstance(rid, str) or "\x00" in rid:
        raise tk.ValidationError({"id": [tk._("Not a resource id")]})
    asked = data_dict.get("sheet")
    sheet = preview.sheet_asked(asked)
    if sheet is None and asked not in (None, ""):
        raise tk.ValidationError({"sheet": [tk._("Not a sheet number (0 for the first sheet)")]})
    res = model.Resource.get(rid)
    if res is None or res.state != "active":
        raise tk.ObjectNotFound(tk._("Resource not found"))
    if not context.get("ignore_auth"):
        # a resource the caller may not see answers as a missing one (a 403
        # would confirm that it exists); resource_show knows who sees what
        try:
            tk.get_action("resource_show")(
                {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}, {"id": res.id}
            )
        except (tk.NotAuthorized, tk.ObjectNotFound):
            raise tk.ObjectNotFound(tk._("Resource not found")) from None
    tk.check_access("hxl_preview_show", context, {"id": res.id})
    if sheet is not None and sheet not in preview.sheet_numbers(res.id):
        raise tk.ValidationError({"sheet": [tk._("The workbook has no such sheet")]})
    return preview.for_caller(context, res, sheet=sheet)
