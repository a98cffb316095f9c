"""Data-sharing agreements between two organisations: recorded, changed,
shown and listed to the parties' members, terminated. Each public function
here is an action; who may call it is in ``agreement_auth.py``.

An agreement is seen only by the members of its two organisations and by
sysadmins: anyone else is answered as if it did not exist.
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.lib import uploader
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator

from ckanext.imwg import interfaces
from ckanext.imwg.guard import boolean, has_nul, list_of_text, nested_fields_are_errors, no_nul

from .. import agreements, audit, config
from ..access import Access
from ..model import agreement_table

#: fields of the scope; writing any of the rule's turns the rule on
RULE_FIELDS = ("sectors", "places", "max_level")
#: the uploader's object type (``ckan.upload.agreements.*`` says which files)
UPLOAD_TYPE = "agreements"


@validator_args
def _schema(
    not_empty: Validator,
    ignore_missing: Validator,
    unicode_safe: Validator,
) -> Schema:
    return {
        "id": [ignore_missing, unicode_safe, no_nul],
        "provider_id": [ignore_missing, unicode_safe, no_nul],
        "receiver_id": [ignore_missing, unicode_safe, no_nul],
        "title": [ignore_missing, unicode_safe, no_nul],
        "purpose": [ignore_missing, unicode_safe, no_nul],
        "package_ids": [ignore_missing, list_of_text],
        "by_rule": [ignore_missing, boolean],
        "sectors": [ignore_missing, list_of_text],
        "places": [ignore_missing, list_of_text],
        "max_level": [ignore_missing, unicode_safe, no_nul],
        "starts": [ignore_missing, unicode_safe, no_nul],
        "ends": [ignore_missing, unicode_safe, no_nul],
        "reason": [ignore_missing, unicode_safe, no_nul],
        "clear_document": [ignore_missing, boolean],
        "__junk": [nested_fields_are_errors],
    }


def _validated(context: Context, data_dict: DataDict) -> tuple[dict[str, Any], Any]:
    """The fields checked for their types, and the uploaded document (kept
    out of validation). Type errors are raised at once."""
    data = dict(data_dict)
    document = data.pop("document", None)
    for key in ("package_ids", "sectors", "places"):
        if isinstance(data.get(key), str):
            data[key] = [part.strip() for part in data[key].replace("\n", ",").split(",") if part.strip()]
    if data.get("max_level") == "":
        data.pop("max_level")
    validated, errors = tk.navl_validate(data, _schema(), context)
    if errors:
        raise tk.ValidationError(errors)
    return validated, document


def _organization(value: str | None) -> model.Group | None:
    group = model.Group.get(value) if value else None
    if group is None or not group.is_organization or group.state != "active":
        return None
    return group


def _date(value: Any, key: str, errors: dict[str, list[str]]) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        errors[key] = [tk._("Not a date (YYYY-MM-DD): {value}").format(value=value)]
        return None


def _row(id_: str) -> dict[str, Any] | None:
    found = model.Session.execute(sa.select(agreement_table).where(agreement_table.c.id == id_)).first()
    return dict(found._mapping) if found is not None else None


def _is_party(access: Access, row: dict[str, Any]) -> bool:
    """Members of either organisation (any capacity) and sysadmins."""
    return access.sysadmin or row["provider_id"] in access.orgs or row["receiver_id"] in access.orgs


def _visible(context: Context, id_: Any) -> dict[str, Any]:
    """The agreement, to a party's member; ObjectNotFound for everyone else."""
    row = _row(str(id_)) if id_ else None
    if row is None or not _is_party(Access.of(context), row):
        raise tk.ObjectNotFound(tk._("Agreement not found"))
    return row


def _answer(row: dict[str, Any]) -> dict[str, Any]:
    """An agreement as the API answers it (the stored file's name left out)."""
    out = {
        k: (v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v)
        for k, v in row.items()
        if k not in ("document",)
    }
    out["has_document"] = bool(row.get("document"))
    out["status"] = agreements.status(row)
    out["in_force"] = out["status"] == "in_force"
    for side in ("provider", "receiver"):
        group = model.Group.get(row[f"{side}_id"])
        out[f"{side}_name"] = group.name if group else None
        out[f"{side}_title"] = group.display_name if group else None
    return out


def _scope(
    provider: model.Group | None,
    data: dict[str, Any],
    current: dict[str, Any],
    errors: dict[str, list[str]],
) -> dict[str, Any]:
    """The scope's columns from the fields given (the stored ones otherwise)."""
    values: dict[str, Any] = {}
    if "package_ids" in data:
        ids: list[str] = []
        foreign: list[str] = []
        for ref in dict.fromkeys(data["package_ids"]):
            pkg = model.Package.get(ref)
            if pkg is None or pkg.state != "active" or provider is None or pkg.owner_org != provider.id:
                foreign.append(ref)
            else:
                ids.append(pkg.id)
        if foreign:
            errors["package_ids"] = [
                tk._("Not datasets of the providing organisation: {ids}").format(ids=", ".join(foreign))
            ]
        values["package_ids"] = ids or None
    if "sectors" in data:
        values["sectors"] = list(dict.fromkeys(data["sectors"])) or None
    if "places" in data:
        codes = list(dict.fromkeys(c.strip().upper() for c in data["places"] if c.strip()))
        if codes:
            known = interfaces.places(codes)
            if known is None:
                errors["places"] = [tk._("Places cannot be checked: no gazetteer is loaded")]
            else:
                unknown = [c for c in codes if c not in known]
                if unknown:
                    errors["places"] = [tk._("Unknown P-codes: {codes}").format(codes=", ".join(unknown))]
        values["places"] = codes or None
    if "max_level" in data:
        if data["max_level"] not in config.LEVELS:
            errors["max_level"] = [tk._("Not one of the levels: {levels}").format(levels=", ".join(config.LEVELS))]
        values["max_level"] = data["max_level"]
    if "by_rule" in data:
        values["by_rule"] = data["by_rule"]
    elif any(f in data for f in RULE_FIELDS):
        values["by_rule"] = True
    merged = {**current, **values}
    if not merged.get("package_ids") and not merged.get("by_rule"):
        errors.setdefault(
            "package_ids", [tk._("Name the datasets the agreement covers, or give a rule (sectors, places, level)")]
        )
    return values


def _dates(data: dict[str, Any], current: dict[str, Any], errors: dict[str, list[str]]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key in ("starts", "ends"):
        if data.get(key):
            parsed = _date(data[key], key, errors)
            if parsed is not None:
                values[key] = parsed
    if "ends" not in values and "ends" not in errors and not current.get("ends"):
        errors["ends"] = [tk._("Missing value")]
    if "starts" not in current and "starts" not in values and "starts" not in errors:
        values["starts"] = agreements.today()
    starts = values.get("starts", current.get("starts"))
    ends = values.get("ends", current.get("ends"))
    if "ends" in values and ends < agreements.today():
        errors["ends"] = [tk._("The end date is in the past")]
    elif starts and ends and ends < starts and "ends" not in errors:
        errors["ends"] = [tk._("The end date is before the start date")]
    return values


def _uploader(document: Any, old: str | None) -> Any:
    """CKAN's uploader for a new document (None when none was given); its
    files kept out of the static folder."""
    up = uploader.get_uploader(UPLOAD_TYPE, old)
    target = agreements.private_dir()
    if target is None or not hasattr(up, "storage_path"):
        raise tk.ValidationError({"document": [tk._("File uploads are not enabled on this site")]})
    os.makedirs(target, exist_ok=True)
    up.storage_path = target
    if old:
        up.old_filepath = os.path.join(target, old)
    holder: dict[str, Any] = {"document": old or "", "document_upload": document}
    try:
        up.update_data_dict(holder, "document", "document_upload", "clear_document")
    except tk.ValidationError as e:
        raise tk.ValidationError({"document": _messages(e)}) from None
    if not getattr(up, "filename", None):
        raise tk.ValidationError({"document": [tk._("Not a file upload")]})
    return up


def _messages(error: tk.ValidationError) -> list[str]:
    return [str(m) for messages in (error.error_dict or {}).values() for m in messages] or [str(error)]


def _save_document(up: Any) -> None:
    try:
        up.upload(config.agreement_max_document_mb())
    except tk.ValidationError:
        raise tk.ValidationError(
            {"document": [tk._("The document is larger than {n} MB").format(n=config.agreement_max_document_mb())]}
        ) from None


def access_agreement_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Record a data-sharing agreement (the providing organisation's admins).

    :param provider_id: the providing organisation (id or name): the caller's
    :param receiver_id: the receiving organisation (id or name)
    :param title: a short name (default: the two parties)
    :param purpose: what the data is shared for
    :param package_ids: datasets of the provider it covers (ids or names)
    :param by_rule: cover the provider's datasets by a rule (set when any rule field is given)
    :param sectors: rule: datasets of any of these sectors (empty: any)
    :param places: rule: datasets about any of these P-codes or places within them (empty: any)
    :param max_level: rule: datasets up to this sensitivity level (empty: any the protocol allows grants for)
    :param starts: first day (YYYY-MM-DD, default today)
    :param ends: last day (YYYY-MM-DD)
    :param document: the signed agreement (a file upload)

    :returns: the agreement
    """
    data, document = _validated(context, data_dict)
    provider = _organization(data.get("provider_id"))
    tk.check_access("access_agreement_create", context, {"provider_id": provider.id if provider else None})
    errors: dict[str, list[str]] = {}
    if provider is None:
        errors["provider_id"] = [tk._("No such organisation: {id}").format(id=data.get("provider_id", ""))]
    receiver = _organization(data.get("receiver_id"))
    if not data.get("receiver_id"):
        errors["receiver_id"] = [tk._("Missing value")]
    elif receiver is None:
        errors["receiver_id"] = [tk._("No such organisation: {id}").format(id=data["receiver_id"])]
    elif provider is not None and receiver.id == provider.id:
        errors["receiver_id"] = [tk._("The receiving organisation must be another organisation")]
    if not data.get("purpose"):
        errors["purpose"] = [tk._("Missing value")]
    scope = _scope(provider, data, {}, errors)
    dates = _dates(data, {}, errors)
    up = None
    if document is not None and document != "":
        try:
            up = _uploader(document, None)
        except tk.ValidationError as e:
            errors.update(e.error_dict)
    if errors:
        raise tk.ValidationError(errors)
    assert provider is not None and receiver is not None
    access = Access.of(context)
    agreement_id = str(uuid.uuid4())
    values = {
        "id": agreement_id,
        "provider_id": provider.id,
        "receiver_id": receiver.id,
        "title": data.get("title") or f"{provider.display_name} — {receiver.display_name}",
        "purpose": data["purpose"],
        "package_ids": None,
        "by_rule": False,
        "sectors": None,
        "places": None,
        "max_level": None,
        **scope,
        **dates,
        "document": up.filename if up else None,
        "document_name": getattr(document, "filename", None) if up else None,
        "created": dt.datetime.utcnow(),
        "created_by": access.user.id,
    }
    try:
        model.Session.execute(agreement_table.insert().values(**values))
        audit.record(
            "agreement_created",
            actor=access.user.id,
            agreement_id=agreement_id,
            provider_id=provider.id,
            receiver_id=receiver.id,
        )
        if up is not None:
            _save_document(up)
    except Exception:
        model.Session.rollback()
        raise
    model.Session.commit()
    return _answer(_row(agreement_id) or values)


def access_agreement_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Change an agreement's title, purpose, scope, dates or document (the
    provider's admins). The parties do not change; a terminated agreement
    does not change either. Fields left out keep their value.

    :param id: the agreement
    (other parameters as ``access_agreement_create``; ``clear_document`` removes it)

    :returns: the agreement
    """
    data, document = _validated(context, data_dict)
    row = _visible(context, data.get("id"))
    tk.check_access("access_agreement_update", context, row)
    errors: dict[str, list[str]] = {}
    if row["terminated"] is not None:
        raise tk.ValidationError({"id": [tk._("This agreement was terminated")]})
    for key in ("provider_id", "receiver_id"):
        if key in data and _organization(data[key]) is not None and _organization(data[key]).id != row[key]:
            errors[key] = [tk._("The parties of an agreement do not change: record a new agreement")]
    if "purpose" in data and not data["purpose"]:
        errors["purpose"] = [tk._("Missing value")]
    provider = _organization(row["provider_id"])
    scope = _scope(provider, data, row, errors)
    dates = _dates(data, row, errors)
    up = None
    if document is not None and document != "":
        try:
            up = _uploader(document, row["document"])
        except tk.ValidationError as e:
            errors.update(e.error_dict)
    if errors:
        raise tk.ValidationError(errors)
    access = Access.of(context)
    values: dict[str, Any] = {**scope, **dates, "updated": dt.datetime.utcnow(), "updated_by": access.user.id}
    for key in ("title", "purpose"):
        if data.get(key):
            values[key] = data[key]
    if up is not None:
        values.update(document=up.filename, document_name=getattr(document, "filename", None))
    elif data.get("clear_document"):
        values.update(document=None, document_name=None)
    if "ends" in dates and dates["ends"] != row["ends"]:
        values.update(notice_sent=None, end_notice_sent=None)
    try:
        model.Session.execute(agreement_table.update().where(agreement_table.c.id == row["id"]).values(**values))
        audit.record(
            "agreement_updated",
            actor=access.user.id,
            agreement_id=row["id"],
            fields=sorted(k for k in values if k not in ("updated", "updated_by")),
        )
        if up is not None:
            _save_document(up)
    except Exception:
        model.Session.rollback()
        raise
    model.Session.commit()
    if values.get("document") is None and data.get("clear_document") and row["document"]:
        path = agreements.document_path(row)
        if path:
            os.remove(path)
    return _answer(_row(row["id"]) or row)


def access_agreement_terminate(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """End an agreement now (the provider's admins): the next access through it is refused.

    :param id: the agreement
    :param reason: why (optional)
    """
    data, _ = _validated(context, data_dict)
    row = _visible(context, data.get("id"))
    tk.check_access("access_agreement_terminate", context, row)
    if row["terminated"] is not None:
        raise tk.ValidationError({"id": [tk._("This agreement was already terminated")]})
    access = Access.of(context)
    now = dt.datetime.utcnow()
    values = {"terminated": now, "terminated_by": access.user.id, "terminated_reason": data.get("reason")}
    model.Session.execute(agreement_table.update().where(agreement_table.c.id == row["id"]).values(**values))
    audit.record("agreement_terminated", actor=access.user.id, agreement_id=row["id"], reason=data.get("reason"))
    model.Session.commit()
    return _answer({**row, **values})


@tk.side_effect_free
def access_agreement_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """An agreement (to the members of both parties and sysadmins).

    :param id: the agreement
    """
    data, _ = _validated(context, data_dict)
    row = _visible(context, data.get("id"))
    tk.check_access("access_agreement_show", context, row)
    out = _answer(row)
    access = Access.of(context)
    out["can_manage"] = bool(
        access.sysadmin
        or (access.user and authz.users_role_for_group_or_org(row["provider_id"], access.user.name) == "admin")
    )
    return out


@tk.side_effect_free
def access_agreement_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """Agreements of an organisation (as provider or receiver) to its members
    and sysadmins; without one, those of the caller's organisations.

    :param organization_id: the organisation (id or name)
    :param status: only ``in_force``, ``scheduled``, ``expired`` or ``terminated`` ones

    :returns: agreements, newest first
    """
    data = dict(data_dict)
    status = data.pop("status", None)
    org_ref = data.pop("organization_id", None)
    if status is not None and status not in ("in_force", "scheduled", "expired", "terminated"):
        raise tk.ValidationError({"status": [tk._("Not one of in_force, scheduled, expired, terminated")]})
    if org_ref is not None and not isinstance(org_ref, str):
        raise tk.ValidationError({"organization_id": [tk._("Not a string")]})
    if org_ref and has_nul(org_ref):
        raise tk.ValidationError({"organization_id": [tk._("Text may not contain a NUL character")]})
    org = _organization(org_ref) if org_ref else None
    if org_ref and org is None:
        raise tk.ObjectNotFound(tk._("Organization not found"))
    tk.check_access("access_agreement_list", context, {"organization_id": org.id if org else None})
    access = Access.of(context)
    a = agreement_table.c
    if org is not None:
        orgs = [org.id]
    elif access.sysadmin:
        orgs = None
    else:
        orgs = sorted(access.orgs)
    query = sa.select(agreement_table).order_by(a.created.desc())
    if orgs is not None:
        query = query.where(sa.or_(a.provider_id.in_(orgs or [""]), a.receiver_id.in_(orgs or [""])))
    rows = [_answer(dict(r._mapping)) for r in model.Session.execute(query)]
    return [r for r in rows if status is None or r["status"] == status]
