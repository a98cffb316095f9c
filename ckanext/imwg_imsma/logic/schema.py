"""The actions' schemas."""

from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator


@validator_args
def imsma_import(
    not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator, boolean_validator: Validator
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "upload": [not_empty],
        "mapping": [ignore_missing, unicode_safe],
        "country": [ignore_missing, unicode_safe],
        "layer": [ignore_missing, unicode_safe],
        "raw_level": [ignore_missing, unicode_safe],
        "aggregate_level": [ignore_missing, unicode_safe],
        "source_system": [ignore_missing, unicode_safe],
        "export_date": [ignore_missing, unicode_safe],
        "background": [ignore_missing, boolean_validator],
    }


@validator_args
def imsma_import_show(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe]}
