"""Validation schemas of the freshness actions (text through ``no_nul``,
numbers through the suite's ``whole_number``: CKAN's own chains crash on a
list or blank text)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.imwg.guard import no_nul, whole_number


@validator_args
def by_id(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe, no_nul]}


@validator_args
def for_user(default: ValidatorFactory) -> Schema:
    return {"limit": [default(100), whole_number(1, tk.config["ckan.search.rows_max"], cap=True)]}
