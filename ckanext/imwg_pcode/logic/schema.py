"""Validation schemas of the P-code actions."""

from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator

from ckanext.imwg.logic.validators import place_codes


@validator_args
def pcode_show(
    not_empty: Validator, unicode_safe: Validator, boolean_validator: Validator, default: Validator
) -> Schema:
    return {"id": [not_empty, unicode_safe], "include_geometry": [default(False), boolean_validator]}


@validator_args
def pcode_search(
    not_empty: Validator,
    unicode_safe: Validator,
    ignore_missing: Validator,
    int_validator: Validator,
    default: Validator,
    boolean_validator: Validator,
    limit_to_configured_maximum: Validator,
) -> Schema:
    return {
        "q": [not_empty, unicode_safe],
        "country": [ignore_missing, unicode_safe],
        "level": [ignore_missing, int_validator],
        "limit": [default(20), int_validator, limit_to_configured_maximum("ckan.search.rows_max", 1000)],
        "include_retired": [default(False), boolean_validator],
    }


@validator_args
def pcode_list(
    ignore_missing: Validator, unicode_safe: Validator, boolean_validator: Validator, default: Validator
) -> Schema:
    return {"id": [ignore_missing, unicode_safe], "include_retired": [default(False), boolean_validator]}


@validator_args
def pcode_lookup(not_missing: Validator) -> Schema:
    return {"ids": [not_missing, place_codes]}
