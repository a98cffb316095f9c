"""Validators of the sensitivity fields (registered with
``tk.blanket.validators``, named by this plugin's presets)."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import StopOnError
from ckan.types import Context, FlattenDataDict, FlattenErrorDict, FlattenKey

from ckanext.imwg.indexing import as_list
from ckanext.imwg.levels import LEVELS

__all__ = ["imwg_resource_sensitivity", "imwg_sensitivity_suggested"]


def _sibling(key: FlattenKey, name: str) -> FlattenKey:
    return key[:-1] + (name,)


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
        return LEVELS[-1]
    return max((ANSWER_LEVELS[a] for a in chosen if a in ANSWER_LEVELS), key=LEVELS.index, default=LEVELS[0])


def imwg_sensitivity_suggested(
    key: FlattenKey, data: FlattenDataDict, errors: FlattenErrorDict, context: Context
) -> None:
    """The suggested level, always computed from the answers (never typed)."""
    answers = data.get(_sibling(key, ASSESSMENT))
    data[key] = suggested_level(None if answers is tk.missing else answers)
