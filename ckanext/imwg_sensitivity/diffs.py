"""CKAN's ``activity_diff`` for a caller from whom the two versions it diffs
withhold something: CKAN's own diff, of the versions as the caller may see
them.

CKAN's action (``ckanext/activity/logic/action.py``) reads both versions
through the session and diffs them inline; CKAN has no function that diffs
two given versions. So the action is asked once and, when the versions it
answered carry something withheld from the caller, asked again with the
session holding those versions as the caller may see them: set as loaded
values, which nothing writes back, and put back as they were right after.
"""

from __future__ import annotations

import copy
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.types import Action, Context, DataDict
from sqlalchemy.orm.attributes import set_committed_value

from . import gate
from .access import Access


def activity_diff(access: Access, up: Action, context: Context, data_dict: DataDict) -> dict[str, Any]:
    """CKAN's ``activity_diff`` (``up``), of the versions as ``access`` may see them."""
    from ckanext.activity.model import Activity  # only with the activity plugin, which registers the action

    result = up(context, data_dict)
    diffed = [a["id"] for a in result.get("activities", [])]
    seen: dict[str, Any] = {}
    for shown in result.get("activities", []):
        # a copy: CKAN's answer holds the session's own dicts
        judged = gate.activity(access, copy.deepcopy(shown))
        if judged != shown:
            seen[shown["id"]] = judged["data"]
    if not seen:
        return result
    versions = {id_: model.Session.get(Activity, id_) for id_ in seen}
    stored = {id_: version.data for id_, version in versions.items()}
    try:
        for id_, version in versions.items():
            set_committed_value(version, "data", seen[id_])
        result = up(context, data_dict)
    finally:
        for id_, version in versions.items():
            set_committed_value(version, "data", stored[id_])
    activities = result.get("activities", [])
    if [a["id"] for a in activities] != diffed or any(
        a["id"] in seen and a["data"] != seen[a["id"]] for a in activities
    ):
        # CKAN read other versions than those set: no diff rather than one of withheld data
        raise tk.NotAuthorized(tk._("Unauthorized to view activity data"))
    return result
