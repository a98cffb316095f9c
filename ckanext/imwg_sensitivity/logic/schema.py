"""Schemas of this plugin's actions.

Text goes through ``no_nul`` (PostgreSQL refuses NUL characters in any
string), flags through the suite's strict ``boolean`` (CKAN's own fails on a
list or a number), counts and days through ``whole_number`` with bounds (a
number beyond what a date or the database holds was a 500), and
``resource_ids`` given as anything but a list of strings is an error on that
field: validation would otherwise drop a list of objects, and no
``resource_ids`` means every resource.
"""

from __future__ import annotations

import datetime as dt

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid
from ckan.logic.schema import validator_args
from ckan.types import Context, Schema, Validator, ValidatorFactory

from ckanext.imwg.guard import MAX_INT, boolean, list_of_text, nested_fields_are_errors, no_nul, whole_number

from .. import config
from ..access import Access

PURPOSES = ["humanitarian_response", "research", "advocacy", "other"]
DECISIONS = ["approve", "reject", "more_info"]
STATUSES = ["pending", "approved", "rejected", "more_info", "cancelled"]
#: most audit entries one call returns (what the CSV export asks for)
MAX_AUDIT_ROWS = 100000


def visible_dataset(value: str, context: Context) -> str:
    """A dataset the caller may see (id or name), answered for a missing or
    hidden one with CKAN's own words for a missing one
    (``package_id_or_name_exists``): a different answer would tell that a
    hidden dataset exists."""
    pkg = model.Package.get(value)
    if pkg is None or (not context.get("ignore_auth") and not Access.of(context).sees_metadata(pkg)):
        raise Invalid("%s: %s" % (tk._("Not found"), tk._("Dataset")))  # noqa: UP031 - CKAN's own message
    return value


def a_date(value: object) -> dt.date:
    """A calendar date (``YYYY-MM-DD``, or the date of an ISO 8601 time)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        raise Invalid(tk._("Not a date (YYYY-MM-DD): {value}").format(value=str(value)[:40])) from None


def known_user(value: str, context: Context) -> str:
    """An active user (id or name), answered with its id."""
    user = model.User.get(value)
    if user is None or user.state != "active":
        raise Invalid(tk._("No such user: {id}").format(id=value[:100]))
    return user.id


def _days() -> Validator:
    """Days of access: from 1 to ``ckanext.imwg_sensitivity.max_request_days``."""
    return whole_number(1, config.max_request_days())


@validator_args
def access_request_create(
    not_empty: Validator,
    default: ValidatorFactory,
    unicode_safe: Validator,
    one_of: ValidatorFactory,
    ignore_missing: Validator,
) -> Schema:
    return {
        "package_id": [not_empty, unicode_safe, no_nul, visible_dataset],
        "resource_ids": [ignore_missing, list_of_text],
        "purpose": [not_empty, one_of(PURPOSES)],
        "intended_use": [not_empty, unicode_safe, no_nul],
        "organization": [not_empty, unicode_safe, no_nul],
        "days": [not_empty, _days()],
        "accept_terms": [default(False), boolean],
        "__junk": [nested_fields_are_errors],
    }


@validator_args
def access_request_decide(
    not_empty: Validator,
    unicode_safe: Validator,
    one_of: ValidatorFactory,
    ignore_missing: Validator,
) -> Schema:
    return {
        "id": [not_empty, unicode_safe, no_nul],
        "decision": [not_empty, one_of(DECISIONS)],
        "reason": [ignore_missing, unicode_safe, no_nul],
        "resource_ids": [ignore_missing, list_of_text],
        "days": [ignore_missing, _days()],
        "expires": [ignore_missing, a_date],
        "to_organization": [ignore_missing, boolean],
        "organization_id": [ignore_missing, unicode_safe, no_nul],
        "__junk": [nested_fields_are_errors],
    }


@validator_args
def access_grant_create(
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
) -> Schema:
    return {
        "package_id": [not_empty, unicode_safe, no_nul, visible_dataset],
        "user_id": [ignore_missing, unicode_safe, no_nul],
        "organization_id": [ignore_missing, unicode_safe, no_nul],
        "resource_ids": [ignore_missing, list_of_text],
        "days": [ignore_missing, _days()],
        "expires": [ignore_missing, a_date],
        "__junk": [nested_fields_are_errors],
    }


@validator_args
def access_grant_revoke(not_empty: Validator, unicode_safe: Validator, ignore_missing: Validator) -> Schema:
    return {
        "id": [not_empty, unicode_safe, no_nul],
        "reason": [ignore_missing, unicode_safe, no_nul],
        "__junk": [nested_fields_are_errors],
    }


@validator_args
def by_id(not_empty: Validator, unicode_safe: Validator) -> Schema:
    return {"id": [not_empty, unicode_safe, no_nul]}


@validator_args
def by_resource_id(not_empty: Validator, unicode_safe: Validator) -> Schema:
    """The personal-data screen's actions (``resource_id``)."""
    return {"resource_id": [not_empty, unicode_safe, no_nul]}


@validator_args
def listing(
    ignore_missing: Validator,
    unicode_safe: Validator,
    one_of: ValidatorFactory,
) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe, no_nul, visible_dataset],
        "status": [ignore_missing, one_of(STATUSES)],
    }


@validator_args
def audit_list(
    ignore_missing: Validator,
    unicode_safe: Validator,
) -> Schema:
    return {
        "package_id": [ignore_missing, unicode_safe, no_nul, visible_dataset],
        "organization_id": [ignore_missing, unicode_safe, no_nul],
        "user": [ignore_missing, unicode_safe, no_nul, known_user],
        "event": [ignore_missing, unicode_safe, no_nul],
        "date_from": [ignore_missing, a_date],
        "date_to": [ignore_missing, a_date],
        "limit": [ignore_missing, whole_number(0, MAX_AUDIT_ROWS)],
        "offset": [ignore_missing, whole_number(0, MAX_INT)],
        "__junk": [nested_fields_are_errors],
    }


@validator_args
def audit_record(not_empty: Validator, ignore_missing: Validator, unicode_safe: Validator) -> Schema:
    """An entry written by another feature of the portal (``detail`` is checked apart)."""
    return {
        "event": [not_empty, unicode_safe, no_nul],
        "actor": [ignore_missing, unicode_safe, no_nul, known_user],
        "package_id": [ignore_missing, unicode_safe, no_nul],
        "resource_id": [ignore_missing, unicode_safe, no_nul],
        "__junk": [nested_fields_are_errors],
    }
