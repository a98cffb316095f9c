"""Validation schemas of the P-code actions.

Text goes through ``no_nul`` (PostgreSQL refuses NUL characters in any
string), flags through the suite's strict ``boolean`` and numbers through
``whole_number``: CKAN's own ``boolean_validator`` and ``int_validator``
chains crash on a list, an object or blank text.
"""

from __future__ import annotations

import math
from typing import Any

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid
from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

from ckanext.imwg.guard import boolean, no_nul, whole_number
from ckanext.imwg.logic.validators import place_codes

#: the deepest admin level of the gazetteer (0: countries)
DEEPEST_LEVEL = 5
#: the formats of ``pcode_export`` (see ``ckanext.imwg_pcode.export``)
EXPORT_FORMATS = ("geojson", "gpkg", "shp", "csv")
#: the largest simplification tolerance of an export, in degrees
MAX_SIMPLIFY = 1.0


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


def export_format(value: Any) -> Any:
    """One of ``EXPORT_FORMATS`` (any case)."""
    if not isinstance(value, str) or value.strip().lower() not in EXPORT_FORMATS:
        raise Invalid(tk._("Unknown format: use one of {formats}").format(formats=", ".join(EXPORT_FORMATS)))
    return value.strip().lower()


def tolerance(value: Any) -> Any:
    """A simplification tolerance in degrees, from 0 to ``MAX_SIMPLIFY``."""
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not 0 <= number <= MAX_SIMPLIFY:
        raise Invalid(tk._("Must be a number of degrees from 0 to {high}").format(high=MAX_SIMPLIFY))
    return number


@validator_args
def pcode_export(
    ignore_missing: Validator, ignore_empty: Validator, unicode_safe: Validator, default: ValidatorFactory
) -> Schema:
    return {
        "country": [ignore_empty, unicode_safe, no_nul],
        "pcode": [ignore_empty, unicode_safe, no_nul],
        # not ignore_empty: it drops level 0
        "level": [ignore_missing, whole_number(0, DEEPEST_LEVEL)],
        "format": [default("geojson"), export_format],
        "simplify": [ignore_empty, tolerance],
        "include_retired": [default(False), boolean],
    }
