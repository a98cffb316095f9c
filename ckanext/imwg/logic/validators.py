"""Validators of the suite's schemas (registered with IValidators)."""

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

from .. import interfaces
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


# -- places (P-codes) ----------------------------------------------------------------
#
# The ``pcodes`` field holds P-codes. The gazetteer belongs to the imwg_pcode
# plugin; these validators meet it through ``ckanext.imwg.interfaces.IPlaces``, so the
# field still works (codes normalised, nothing checked or derived) without it.

PCODES = "pcodes"
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


def _places(codes: list[str], context: Context) -> dict[str, dict[str, Any]] | None:
    """The gazetteer's units for ``codes`` (None without a gazetteer), cached
    in the context: the derived fields look the same codes up. Asked through
    ``IPlaces`` (in process, no action to validate its arguments again)."""
    if not codes:
        return {}
    cache = context.setdefault("imwg_places", {})  # type: ignore[typeddict-unknown-key]
    key = tuple(codes)
    if key not in cache:
        cache[key] = interfaces.places(codes)
    return cache[key]


def imwg_pcodes(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """Normalise P-codes and store them as a list; an unknown or retired code
    is an error that names it."""
    codes = place_codes(data.get(key))
    if not codes:
        data.pop(key, None)
        raise StopOnError
    places = _places(codes, context)
    if places is not None:
        unknown = [c for c in codes if c not in places]
        retired = [c for c in codes if c in places and places[c]["retired"]]
        if unknown:
            errors[key].append(tk._("Unknown P-code: {codes}").format(codes=", ".join(unknown)))
        for code in retired:
            errors[key].append(
                tk._("Retired P-code: {code} ({name}) is no longer in use").format(code=code, name=places[code]["name"])
            )
    data[key] = json.dumps(codes)


def imwg_pcode_countries(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """Derived: the countries (ISO3) of the dataset's P-codes; never typed."""
    codes = place_codes(data.get(_sibling(key, PCODES)))
    places = _places(codes, context) or {}
    countries = sorted({places[c]["country"] for c in codes if c in places})
    if not countries:
        data.pop(key, None)
        raise StopOnError
    data[key] = json.dumps(countries)


def imwg_pcode_subnational(key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context) -> None:
    """Derived: "yes" when a P-code is below country level, "no" otherwise."""
    codes = place_codes(data.get(_sibling(key, PCODES)))
    places = _places(codes, context) or {}
    known = [places[c] for c in codes if c in places]
    if not known:
        data.pop(key, None)
        raise StopOnError
    data[key] = "yes" if any(p["level"] > 0 for p in known) else "no"


# Sensitivity levels, least to most sensitive (the sharing protocol that says
# what each allows belongs to the imwg_sensitivity plugin).
LEVELS = ("public", "restricted", "confidential", "strictly_confidential")


def imwg_resource_sensitivity(
    key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context
) -> None:
    """A resource's own level: empty means as its dataset; stricter is allowed,
    looser is an error."""
    value = data.get(key)
    if value in (None, "", tk.missing):
        data.pop(key, None)
        raise StopOnError
    dataset_level = data.get(("sensitivity",))
    if value in LEVELS and dataset_level in LEVELS and LEVELS.index(value) < LEVELS.index(dataset_level):
        errors[key].append(
            tk._("A resource may be stricter than its dataset, never looser (the dataset is {level})").format(
                level=dataset_level
            )
        )


# -- the classification assistant ------------------------------------------------------
#
# Five questions from the IASC guidance on data responsibility; the answers
# suggest a level, the publisher chooses it, and both are kept.

ASSESSMENT = "sensitivity_assessment"
#: the level each "yes" calls for
ANSWER_LEVELS = {
    "personal_data": "confidential",
    "victims_survivors": "confidential",
    "precise_locations": "restricted",
    "hazard_locations": "confidential",
    "harmful_combined": "restricted",
}
#: personal data about victims or survivors: severe
SEVERE = {"personal_data", "victims_survivors"}


def suggested_level(answers: Any) -> str:
    """The level the assistant's answers (a list or its JSON text) suggest."""
    chosen = set(as_list(answers))
    if SEVERE <= chosen:
        return "strictly_confidential"
    return max((ANSWER_LEVELS[a] for a in chosen if a in ANSWER_LEVELS), key=LEVELS.index, default="public")


def imwg_sensitivity_suggested(
    key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context
) -> None:
    """The suggested level, always computed from the answers (never typed)."""
    answers = data.get(_sibling(key, ASSESSMENT))
    data[key] = suggested_level(None if answers is tk.missing else answers)


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
