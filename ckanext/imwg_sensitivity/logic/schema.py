"""Schemas of this plugin's actions."""

from __future__ import annotations

from ckan.logic.schema import validator_args
from ckan.types import Schema, Validator, ValidatorFactory

PURPOSES = ["humanitarian_response", "research", "advocacy", "other"]
DECISIONS = ["approve", "reject", "more_info"]


@validator_args
def access_request_create(
    not_empty: Validator,
    default: ValidatorFactory,
    unicode_safe: Validator,
    one_of: ValidatorFactory,
    ignore_missing: Validator,
    natural_number_validator: Validator,
    int_validator: Validator,
    boolean_validator: Validator,
    list_of_strings: Validator,
    package_id_or_name_exists: Validator,
) -> Schema:
    return {
        "package_id": [not_empty, unicode_safe, package_id_or_name_exists],
        "resource_ids": [ignore_missing, list_of_strings],
        "purpose": [not_empty, one_of(PURPOSES)],
        "intended_use": [not_empty, unicode_safe],
        "organization": [not_empty, unicode_safe],
        "days": [not_empty, int_validator, natural_number_validator],
        "accept_terms": [default(False), boolean_validator],
    }


@validator_args
def access_request_decide(
    not_empty: Validator,
    unicode_safe: Validator,
    one_of: ValidatorFactory,
    ignore_missing: Validator,
    int_validator: Validator,
    natural_number_validator: Validator,
    list_of_strings: Validator,
    boolean_validator: Validator,
) -> Schema:
    return {
        "id": [not_empty, unicode_safe],
        "decision": [not_empty, one_of(DECISIONS)],
        "reason": [ignore_missing, unicode_safe],
        "resource_ids": [ignore_missing, list_of_strings],
        "days": [ignore_missing, int_validator, natural_number_validator],
        "to_organization": [ignore_missing, boolean_validator],
    }


@validator_args
def access_grant_create(
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
    int_validator: Validator,
    natural_number_validator: Validator,
    list_of_strings: Validator,
    package_id_or_name_exists: Validator,
) -> Schema:
    return {
        "package_id": [not_empty, unicode_safe, package_id_or_name_exists],
        "user_id": [ignore_missing, unicode_safe],
        "organization_id": [ignore_missing, unicode_safe],
        "resource_ids": [ignore_missing, list_of_strings],
        "days": [ignore_missing, int_validator, natural_number_validator],
    }


@validator_args
def by_id(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe]}


@validator_args
def listing(
    ignore_missing: Validator, unicode_safe: Validator, one_of: ValidatorFactory, package_id_or_name_exists: Validator
) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe, package_id_or_name_exists],
        "status": [ignore_missing, one_of(["pending", "approved", "rejected", "more_info"])],
    }


@validator_args
def audit_list(
    ignore_missing: Validator,
    unicode_safe: Validator,
    package_id_or_name_exists: Validator,
    int_validator: Validator,
    natural_number_validator: Validator,
) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe, package_id_or_name_exists],
        "organization_id": [ignore_missing, unicode_safe],
        "limit": [ignore_missing, int_validator, natural_number_validator],
        "offset": [ignore_missing, int_validator, natural_number_validator],
    }
