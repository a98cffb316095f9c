"""Validators of the suite's shared schemas (registered with ``tk.blanket.validators``);
the features' own rules are registered by their plugins."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib import uploader
from ckan.lib.navl.dictization_functions import StopOnError
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ..indexing import as_list

START = "reference_period_start"
END = "reference_period_end"
ONGOING = "reference_period_ongoing"


def _date(value: Any) -> dt.date | None:
    """A date from what a form, the API or an earlier validator left."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not value or value is tk.missing or not isinstance(value, str):
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _sibling(key: FlattenKey, name: str) -> FlattenKey:
    return key[:-1] + (name,)


def imwg_period_end(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """The reference period must not end before it starts."""
    end = _date(data.get(key))
    start = _date(data.get(_sibling(key, START)))
    if end and start and end < start:
        errors[key].append(tk._("The end of the reference period is before its start"))


def imwg_period_ongoing(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """An ongoing reference period has no end date."""
    if data.get(key) == "yes" and _date(data.get(_sibling(key, END))):
        errors[key].append(tk._("An ongoing reference period has no end date: remove the end date"))


# -- code lists ------------------------------------------------------------------------
#
# A field of codes (the places field holds P-codes) is stored as a JSON list of
# normalised codes. Checking the codes belongs to the feature that knows them
# (its presets put its own validators after this one); without it the codes
# are normalised, not checked.

_SEPARATORS = re.compile(r"[\s,;]+")


def place_codes(value: Any) -> list[str]:
    """P-codes from a list, its JSON text, or text separated by commas, spaces or
    new lines; normalised (upper case), without duplicates, in order."""
    if value is tk.missing:
        return []
    # the items joined by a separator split as each item would
    codes = dict.fromkeys(_SEPARATORS.split(",".join(as_list(value)).upper()))
    codes.pop("", None)
    return list(codes)


def imwg_code_list(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """Normalise a list of codes and store it as a JSON list; no codes, no field."""
    codes = place_codes(data.get(key))
    if not codes:
        data.pop(key, None)
        raise StopOnError
    data[key] = json.dumps(codes)


# -- resource ids ----------------------------------------------------------------------
#
# CKAN lets a client choose a new resource's id, forgets deleted rows when it
# checks one (`resource_id_does_not_exist`) and reuses purged ones, while the
# uploaded file stays on disk under the id (and the suite's analyses stay
# keyed by it). An id chosen again would serve the former resource's file and
# analyses to whoever chose it; so an id belongs to its first dataset for good.


def _stored_file(resource_id: str) -> bool:
    """Whether the resource uploader holds a file under ``resource_id``
    (False for an uploader that keeps no local files)."""
    upload = uploader.get_resource_uploader({"id": resource_id, "url_type": "upload", "url": ""})
    get_path = getattr(upload, "get_path", None)
    if get_path is None:
        return False
    try:
        return os.path.lexists(get_path(resource_id))
    except TypeError:  # no ckan.storage_path: no file was ever stored
        return False


def imwg_resource_id(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """A resource id given by the client is this dataset's own resource (in any
    state: updates, reorders, undeletes) or new everywhere: no resource of
    another dataset, live or deleted, has it, and no file is stored under it
    (left by a resource deleted or purged since). A new dataset owns no row,
    so for it every known id is refused. Sysadmins are not exempt."""
    resource_id = data.get(key)
    # an id refused already (not a UUID) may not even be a path under the storage
    if not resource_id or resource_id is tk.missing or errors[key]:
        return
    model = context["model"]
    row = context["session"].query(model.Resource.package_id).filter(model.Resource.id == resource_id).first()
    if row is not None:
        # ("id",) is the dataset's id on update, missing or refused on create
        taken = row.package_id != data.get(("id",))
    else:
        taken = _stored_file(resource_id)
    if taken:
        errors[key].append(tk._("This id belongs to another resource"))
