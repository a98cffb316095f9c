"""Validation schemas of the P-code actions.

Text goes through ``no_nul`` (PostgreSQL refuses NUL characters in any
string), flags through the suite's strict ``boolean`` and numbers through
``whole_number``: CKAN's own ``boolean_validator`` and ``int_validator``
chains crash on a list, an object or blank text.
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.imwg.guard import boolean, no_nul, whole_number
from ckanext.imwg.logic.validators import place_codes

#: the deepest admin level of the gazetteer (0: countries)
DEEPEST_LEVEL = 5


@validator_args
def pcode_show(not_empty: Validator, unicode_safe: Validator, default: ValidatorFactory) -> Schema:
    return {"id": [not_empty, unicode_safe, no_nul], "include_geometry": [default(False), boolean]}


@validator_args
def pcode_search(
    not_empty: Validator,
    unicode_safe: Validator,
    ignore_missing: Validator,
    ignore_empty: Validator,
    default: ValidatorFactory,
) -> Schema:
    return {
        "q": [not_empty, unicode_safe, no_nul],
        "country": [ignore_missing, unicode_safe, no_nul],
        "level": [ignore_empty, whole_number(0, DEEPEST_LEVEL)],
        "limit": [default(20), whole_number(1, tk.config["ckan.search.rows_max"], cap=True)],
        "include_retired": [default(False), boolean],
    }


@validator_args
def pcode_list(ignore_missing: Validator, unicode_safe: Validator, default: ValidatorFactory) -> Schema:
    return {"id": [ignore_missing, unicode_safe, no_nul], "include_retired": [default(False), boolean]}


@validator_args
def pcode_lookup(not_missing: Validator) -> Schema:
    return {"ids": [not_missing, no_nul, place_codes]}
