"""The register's actions. Datasets named in a need (answers, fulfilment,
matches, notices) are always read with ``package_show`` / ``package_search``
as the caller, so a need never shows a dataset the sharing protocol hides
from its reader: a hidden dataset is left out as a missing one would be."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.types import Context, DataDict

from ckanext.imwg.indexing import as_list

from . import auth, matching, reference, schema
from .model import answer_table, follower_table, history_table, need_table, notice_table

__all__ = [
    "need_create",
    "need_show",
    "need_update",
    "need_search",
    "need_answer",
    "need_close",
    "need_matches",
    "need_follow",
    "need_unfollow",
    "need_notice_list",
]

#: the fields a need shares with the dataset schema, plus its own
FIELDS = (
    "title",
    "notes",
    "sectors",
    "pcodes",
    "data_type",
    "reference_period_start",
    "reference_period_end",
    "sensitivity",
    "owner_org",
    "purpose",
    "deadline",
)
#: candidate datasets read for a need's matches (newest first)
CANDIDATES = 1000


# -- reading ------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.utcnow()


def _user_id(context: Context) -> str:
    user = model.User.get(context.get("user") or "")
    if user is None:
        raise tk.NotAuthorized(tk._("Log in first"))
    return user.id


def _row(need_id: str) -> Any:
    row = model.Session.execute(sa.select(need_table).where(need_table.c.id == need_id)).first()
    if row is None:
        raise tk.ObjectNotFound(tk._("Data need not found"))
    return row


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _user_names(ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = model.Session.query(model.User.id, model.User.name, model.User.fullname).filter(model.User.id.in_(ids))
    return {r.id: r.fullname or r.name for r in rows}


def _org(org_id: str) -> dict[str, Any]:
    group = model.Group.get(org_id)
    if group is None:
        return {"id": org_id, "name": org_id, "title": org_id}
    return {"id": group.id, "name": group.name, "title": group.title or group.name}


def visible_datasets(user: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """The datasets among ``ids`` that ``user`` may see (``package_show`` as that user), by id and name."""
    seen: dict[str, dict[str, Any]] = {}
    for package_id in dict.fromkeys(ids):
        try:
            pkg = tk.get_action("package_show")({"user": user, "ignore_auth": False}, {"id": package_id})
        except (tk.ObjectNotFound, tk.NotAuthorized, tk.ValidationError):
            continue
        summary = dataset_summary(pkg)
        seen[package_id] = seen[pkg["id"]] = summary
    return seen


def dataset_summary(pkg: dict[str, Any]) -> dict[str, Any]:
    """What the register shows of a dataset."""
    org = pkg.get("organization") or {}
    return {
        "id": pkg["id"],
        "name": pkg["name"],
        "title": pkg.get("title") or pkg["name"],
        "type": pkg.get("type") or "dataset",
        "organization": org.get("title") or org.get("name"),
        "sectors": as_list(pkg.get("sectors")),
        "pcodes": as_list(pkg.get("pcodes")),
        "data_type": pkg.get("data_type"),
        "reference_period_start": pkg.get("reference_period_start"),
        "reference_period_end": pkg.get("reference_period_end"),
        "metadata_modified": pkg.get("metadata_modified"),
    }


def dictize(row: Any) -> dict[str, Any]:
    """A need's own fields (no dataset in them but ids to be checked by the caller)."""
    return {
        "id": row.id,
        "title": row.title,
        "notes": row.notes,
        "sectors": list(row.sectors),
        "pcodes": list(row.pcodes),
        "data_type": row.data_type,
        "reference_period_start": _iso(row.reference_period_start),
        "reference_period_end": _iso(row.reference_period_end),
        "sensitivity": row.sensitivity,
        "owner_org": row.owner_org,
        "organization": _org(row.owner_org),
        "purpose": row.purpose,
        "deadline": _iso(row.deadline),
        "status": row.status,
        "outcome": row.outcome,
        "creator_user_id": row.creator_user_id,
        "created": _iso(row.created),
        "modified": _iso(row.modified),
    }


# -- writing ------------------------------------------------------------------------


def _history(need_id: str, user_id: str, event: str, before: str | None, after: str | None, **detail: Any) -> None:
    model.Session.execute(
        history_table.insert().values(
            need_id=need_id, at=_now(), user_id=user_id, event=event, status_from=before, status_to=after, detail=detail
        )
    )


def _scope(codes: list[str]) -> list[str]:
    found = reference.ancestors(codes)
    return list(dict.fromkeys(codes + [a for c in codes for a in found.get(c, [])]))


def _commit(context: Context) -> None:
    if not context.get("defer_commit"):
        model.repo.commit()


def _stored(value: Any) -> Any:
    return value if value is not None else None


@validate(schema.need_create)
def need_create(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Post a data need on behalf of an organisation (its members; sysadmins for any).

    The creator follows the need. Fields are named as the dataset schema names them.

    :param title: what is needed
    :type title: string
    :param notes: a description (optional)
    :type notes: string
    :param sectors: sectors of the dataset schema (at least one)
    :type sectors: list of strings
    :param pcodes: the places (P-codes of the gazetteer, not retired; optional)
    :type pcodes: list of strings
    :param data_type: a data type of the dataset schema (optional)
    :type data_type: string
    :param reference_period_start: the period the data should cover (YYYY-MM-DD, optional)
    :type reference_period_start: string
    :param reference_period_end: its end, not before its start (optional)
    :type reference_period_end: string
    :param sensitivity: the lowest sensitivity level the requester can handle (optional)
    :type sensitivity: string
    :param owner_org: the requesting organisation (id or name)
    :type owner_org: string
    :param purpose: what the data is for (optional)
    :type purpose: string
    :param deadline: when the data is needed by (YYYY-MM-DD, not in the past; optional)
    :type deadline: string

    :returns: the need (as ``need_show`` gives it)
    """
    tk.check_access("need_create", context, data_dict)
    user_id = _user_id(context)
    now = _now()
    need_id = str(uuid.uuid4())
    codes = data_dict.get("pcodes") or []
    model.Session.execute(
        need_table.insert().values(
            id=need_id,
            title=data_dict["title"],
            notes=data_dict.get("notes") or "",
            sectors=data_dict["sectors"],
            pcodes=codes,
            place_scope=_scope(codes),
            data_type=data_dict.get("data_type"),
            reference_period_start=data_dict.get("reference_period_start"),
            reference_period_end=data_dict.get("reference_period_end"),
            sensitivity=data_dict.get("sensitivity"),
            owner_org=data_dict["owner_org"],
            purpose=data_dict.get("purpose") or "",
            deadline=data_dict.get("deadline"),
            status="open",
            outcome=None,
            fulfilled_by=[],
            creator_user_id=user_id,
            created=now,
            modified=now,
        )
    )
    _history(need_id, user_id, "created", None, "open")
    model.Session.execute(follower_table.insert().values(need_id=need_id, user_id=user_id, created=now))
    _commit(context)
    return tk.get_action("need_show")({"user": context.get("user")}, {"id": need_id})


@tk.side_effect_free
@validate(schema.need_id)
def need_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Show a data need with its answers, history and followers.

    Datasets named by answers, history and fulfilment are those the caller
    may see (others are left out, as a missing dataset would be).

    :param id: the need's id
    :type id: string

    :returns: the need's fields, ``status``, ``outcome``, ``fulfilled_by``
        (dataset summaries), ``answers``, ``history``, ``followers`` (count),
        ``following`` and ``can_edit`` (for the caller), ``creator``
    """
    tk.check_access("need_show", context, data_dict)
    row = _row(data_dict["id"])
    user = context.get("user") or ""
    need = dictize(row)
    answers = model.Session.execute(
        sa.select(answer_table).where(answer_table.c.need_id == row.id).order_by(answer_table.c.created)
    ).all()
    history = model.Session.execute(
        sa.select(history_table).where(history_table.c.need_id == row.id).order_by(history_table.c.id)
    ).all()
    ids = list(row.fulfilled_by) + [a.package_id for a in answers if a.package_id]
    ids += [p for h in history for p in h.detail.get("package_ids", [])]
    seen = visible_datasets(user, ids)
    names = _user_names([row.creator_user_id] + [a.user_id for a in answers] + [h.user_id for h in history])
    need["creator"] = names.get(row.creator_user_id, "")
    need["fulfilled_by"] = [seen[p] for p in row.fulfilled_by if p in seen]
    need["answers"] = [
        {
            "id": a.id,
            "kind": a.kind,
            "text": a.text,
            "user": names.get(a.user_id, ""),
            "created": _iso(a.created),
            "package": seen.get(a.package_id) if a.package_id else None,
        }
        for a in answers
        if not a.package_id or a.package_id in seen
    ]
    need["history"] = [
        {
            "at": _iso(h.at),
            "user": names.get(h.user_id, ""),
            "event": h.event,
            "status_from": h.status_from,
            "status_to": h.status_to,
            "fields": h.detail.get("fields", []),
            "outcome": h.detail.get("outcome"),
            "text": h.detail.get("text"),
            "datasets": [seen[p] for p in h.detail.get("package_ids", []) if p in seen],
        }
        for h in history
    ]
    need["followers"] = model.Session.execute(
        sa.select(sa.func.count()).where(follower_table.c.need_id == row.id)
    ).scalar()
    me = model.User.get(user) if user else None
    need["following"] = bool(
        me
        and model.Session.execute(
            sa.select(follower_table.c.user_id).where(
                follower_table.c.need_id == row.id, follower_table.c.user_id == me.id
            )
        ).first()
    )
    need["can_edit"] = auth.is_member(user, row.owner_org)
    return need


@validate(schema.need_update)
def need_update(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Change a need (members of its organisation; sysadmins). Fields not given keep their value.

    :param id: the need's id
    :type id: string
    :param status: ``in_discussion`` (from open), or ``open`` / ``in_discussion``
        to reopen a fulfilled or closed need (optional)
    :type status: string

    The need's other fields as in ``need_create``.

    :returns: the need (as ``need_show`` gives it)
    """
    row = _row(data_dict["id"])
    tk.check_access("need_update", context, {"id": row.id})
    user_id = _user_id(context)
    if "owner_org" in data_dict and data_dict["owner_org"] != row.owner_org:
        if not auth.is_member(context.get("user") or "", data_dict["owner_org"]):
            raise tk.ValidationError({"owner_org": [tk._("Only members of the organisation post its needs")]})
    changes = {f: data_dict[f] for f in FIELDS if f in data_dict and data_dict[f] != getattr(row, f)}
    if "sectors" in changes and not changes["sectors"]:
        raise tk.ValidationError({"sectors": [tk._("Missing value")]})
    start = changes.get("reference_period_start", row.reference_period_start)
    end = changes.get("reference_period_end", row.reference_period_end)
    if start and end and end < start:
        raise tk.ValidationError(
            {"reference_period_end": [tk._("The end of the reference period is before its start")]}
        )
    values: dict[str, Any] = dict(changes)
    for text in ("notes", "purpose"):
        if text in values and values[text] is None:
            values[text] = ""
    if "pcodes" in values:
        values["pcodes"] = values["pcodes"] or []
        values["place_scope"] = _scope(values["pcodes"])
    status = data_dict.get("status")
    if status and status != row.status:
        values["status"] = status
        if row.status in ("fulfilled", "closed"):
            values.update(outcome=None, fulfilled_by=[])
            _history(row.id, user_id, "reopened", row.status, status)
        else:
            _history(row.id, user_id, "status", row.status, status)
    if changes:
        _history(row.id, user_id, "updated", None, None, fields=sorted(changes))
    if values:
        values["modified"] = _now()
        model.Session.execute(need_table.update().where(need_table.c.id == row.id).values(**values))
        _commit(context)
    return tk.get_action("need_show")({"user": context.get("user")}, {"id": row.id})


def _readable_need(context: Context, need_id: str, action: str) -> Any:
    tk.check_access(action, context, {"id": need_id})
    if not auth.may_read(context):
        raise tk.NotAuthorized(tk._("Log in to see the data needs"))
    return _row(need_id)


@validate(schema.need_answer)
def need_answer(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Answer a need: with a dataset of the portal ("we have this"), a plan
    ("we will collect it in Q3") or a comment. Any logged-in user. The first
    answer puts an open need in discussion.

    :param id: the need's id
    :type id: string
    :param kind: ``dataset``, ``plan`` or ``comment``
    :type kind: string
    :param package_id: the dataset (id or name; for ``dataset``, one the caller may see)
    :type package_id: string
    :param text: what to say (required for ``plan`` and ``comment``)
    :type text: string

    :returns: the answer
    """
    row = _readable_need(context, data_dict["id"], "need_answer")
    user_id = _user_id(context)
    if row.status not in schema.ACTIVE:
        raise tk.ValidationError({"id": [tk._("This need is no longer open; it takes no answers")]})
    kind = data_dict["kind"]
    package_id = None
    if kind == "dataset":
        wanted = data_dict.get("package_id")
        seen = visible_datasets(context.get("user") or "", [wanted]) if wanted else {}
        if not wanted:
            raise tk.ValidationError({"package_id": [tk._("Missing value")]})
        if wanted not in seen:
            # a dataset the caller may not see is answered as a missing one
            raise tk.ValidationError({"package_id": [tk._("Dataset not found")]})
        package_id = seen[wanted]["id"]
    elif not data_dict.get("text"):
        raise tk.ValidationError({"text": [tk._("Missing value")]})
    answer = {
        "id": str(uuid.uuid4()),
        "need_id": row.id,
        "kind": kind,
        "package_id": package_id,
        "text": data_dict.get("text") or "",
        "user_id": user_id,
        "created": _now(),
    }
    model.Session.execute(answer_table.insert().values(**answer))
    _history(row.id, user_id, "answered", None, None, kind=kind, package_ids=[package_id] if package_id else [])
    values: dict[str, Any] = {"modified": _now()}
    if row.status == "open":
        values["status"] = "in_discussion"
        _history(row.id, user_id, "status", "open", "in_discussion")
    model.Session.execute(need_table.update().where(need_table.c.id == row.id).values(**values))
    _commit(context)
    return {**answer, "created": _iso(answer["created"])}


@validate(schema.need_close)
def need_close(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Close a need (members of its organisation; sysadmins): ``fulfilled``
    by one or more datasets, or ``closed`` with an outcome.

    :param id: the need's id
    :type id: string
    :param status: ``fulfilled`` or ``closed``
    :type status: string
    :param package_ids: for ``fulfilled``: the datasets that met the need (ones the caller may see)
    :type package_ids: list of strings
    :param outcome: for ``closed``: ``not_available``, ``will_be_collected``, ``withdrawn``, ``duplicate`` or ``other``
    :type outcome: string
    :param text: a note kept in the history (optional)
    :type text: string

    :returns: the need (as ``need_show`` gives it)
    """
    row = _row(data_dict["id"])
    tk.check_access("need_close", context, {"id": row.id})
    user_id = _user_id(context)
    if row.status not in schema.ACTIVE:
        raise tk.ValidationError(
            {"status": [tk._("This need is already {status}; reopen it first").format(status=row.status)]}
        )
    values: dict[str, Any] = {"status": data_dict["status"], "modified": _now()}
    detail: dict[str, Any] = {"text": data_dict.get("text") or None}
    if data_dict["status"] == "fulfilled":
        wanted = data_dict.get("package_ids") or []
        if not wanted:
            raise tk.ValidationError({"package_ids": [tk._("Name the dataset(s) that met the need")]})
        seen = visible_datasets(context.get("user") or "", wanted)
        missing = [p for p in wanted if p not in seen]
        if missing:
            raise tk.ValidationError({"package_ids": [tk._("Dataset not found: {ids}").format(ids=", ".join(missing))]})
        ids = list(dict.fromkeys(seen[p]["id"] for p in wanted))
        values.update(fulfilled_by=ids, outcome=None)
        detail["package_ids"] = ids
    else:
        if not data_dict.get("outcome"):
            raise tk.ValidationError({"outcome": [tk._("Missing value")]})
        values.update(outcome=data_dict["outcome"], fulfilled_by=[])
        detail["outcome"] = data_dict["outcome"]
    model.Session.execute(need_table.update().where(need_table.c.id == row.id).values(**values))
    _history(row.id, user_id, data_dict["status"], row.status, data_dict["status"], **detail)
    _commit(context)
    return tk.get_action("need_show")({"user": context.get("user")}, {"id": row.id})


# -- matches ------------------------------------------------------------------------


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def match_filter(need: dict[str, Any], ancestors: dict[str, list[str]]) -> str:
    """The search filter that finds a need's candidate datasets (the period is checked after)."""
    clauses = ["(" + " OR ".join(f"vocab_sectors:{_quoted(s)}" for s in need["sectors"]) + ")"]
    if need["pcodes"]:
        places = [f"pcodes:{_quoted(c)}" for c in need["pcodes"]]  # the place and its sub-units (roll-up)
        places += [f"vocab_pcodes:{_quoted(c)}" for c in need["pcodes"]]
        around = dict.fromkeys(a for c in need["pcodes"] for a in ancestors.get(c, []))
        places += [f"vocab_pcodes:{_quoted(a)}" for a in around]  # datasets about a place around it
        clauses.append("(" + " OR ".join(places) + ")")
    if need["data_type"]:
        clauses.append(f"data_type:{_quoted(need['data_type'])}")
    return " AND ".join(clauses)


@tk.side_effect_free
@validate(schema.need_matches)
def need_matches(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The datasets that match a need, best first, among those the caller may
    see (searched as the caller). See ``matching`` for the rule and the ranking.

    :param id: the need's id
    :type id: string
    :param limit: how many (default 20, at most 100)
    :type limit: int

    :returns: ``count`` and ``results`` (dataset summaries, each with ``match``:
        ``criteria`` met and how the ``place`` fits)
    """
    tk.check_access("need_matches", context, data_dict)
    need = dictize(_row(data_dict["id"]))
    ancestors = reference.ancestors(need["pcodes"])
    result = tk.get_action("package_search")(
        {"user": context.get("user") or "", "ignore_auth": False},
        {
            "fq": match_filter(need, ancestors),
            "rows": CANDIDATES,
            "sort": "metadata_modified desc",
            "include_private": True,
        },
    )
    datasets = result["results"]
    codes = [c for d in datasets for c in as_list(d.get("pcodes"))]
    ancestors.update(reference.ancestors([c for c in dict.fromkeys(codes) if c not in ancestors]))
    found = matching.ranked(need, datasets, ancestors)
    return {
        "count": len(found),
        "results": [
            {**dataset_summary(dict(d)), "match": {"criteria": list(m.criteria), "place": m.place}}
            for d, m in found[: data_dict["limit"]]
        ],
    }


# -- search -------------------------------------------------------------------------


def _where(data_dict: DataDict) -> list[Any]:
    where: list[Any] = []
    if data_dict.get("q"):
        like = "%" + data_dict["q"].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            sa.or_(need_table.c.title.ilike(like), need_table.c.notes.ilike(like), need_table.c.purpose.ilike(like))
        )
    if data_dict.get("sectors"):
        where.append(need_table.c.sectors.overlap(data_dict["sectors"]))
    if data_dict.get("pcodes"):
        # the place and its sub-units: their needs hold the place in their scope
        where.append(need_table.c.place_scope.overlap(data_dict["pcodes"]))
    if data_dict.get("status"):
        where.append(need_table.c.status.in_(data_dict["status"]))
    if data_dict.get("owner_org"):
        orgs = [g.id for g in (model.Group.get(o) for o in data_dict["owner_org"]) if g is not None]
        where.append(need_table.c.owner_org.in_(orgs))
    return where


def _facet(column: Any, where: list[Any], array: bool) -> dict[str, int]:
    value = sa.func.unnest(column).label("v") if array else column.label("v")
    inner = sa.select(value).where(*where).subquery()
    rows = model.Session.execute(
        sa.select(inner.c.v, sa.func.count()).group_by(inner.c.v).order_by(sa.func.count().desc(), inner.c.v)
    ).all()
    return {v: n for v, n in rows}


@tk.side_effect_free
@validate(schema.need_search)
def need_search(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Search the data needs, newest first, with facets.

    :param q: words in the title, description or purpose (optional)
    :type q: string
    :param sectors: any of these sectors (optional)
    :type sectors: list of strings
    :param pcodes: these places or places inside them (roll-up; optional)
    :type pcodes: list of strings
    :param status: any of these statuses (optional)
    :type status: list of strings
    :param owner_org: any of these organisations (ids or names; optional)
    :type owner_org: list of strings
    :param rows: how many (default 20, at most 1000)
    :type rows: int
    :param start: how many to skip (default 0)
    :type start: int

    :returns: ``count``, ``results`` (needs' own fields) and ``facets``
        (``sectors``, ``pcodes``, ``status``, ``owner_org``: value -> count)
    """
    tk.check_access("need_search", context, data_dict)
    where = _where(data_dict)
    count = model.Session.execute(sa.select(sa.func.count()).select_from(need_table).where(*where)).scalar()
    rows = model.Session.execute(
        sa.select(need_table)
        .where(*where)
        .order_by(need_table.c.created.desc(), need_table.c.id)
        .limit(data_dict["rows"])
        .offset(data_dict["start"])
    ).all()
    facets = {
        "sectors": _facet(need_table.c.sectors, where, True),
        "pcodes": _facet(need_table.c.pcodes, where, True),
        "status": _facet(need_table.c.status, where, False),
        "owner_org": _facet(need_table.c.owner_org, where, False),
    }
    return {"count": count, "results": [dictize(r) for r in rows], "facets": facets}


# -- following and notices --------------------------------------------------------------


@validate(schema.need_id)
def need_follow(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Follow a need: be told of datasets that match it (any logged-in user).

    :param id: the need's id
    :type id: string
    """
    row = _readable_need(context, data_dict["id"], "need_follow")
    user_id = _user_id(context)
    model.Session.execute(
        sa.dialects.postgresql.insert(follower_table)
        .values(need_id=row.id, user_id=user_id, created=_now())
        .on_conflict_do_nothing()
    )
    _commit(context)
    return {"id": row.id, "following": True}


@validate(schema.need_id)
def need_unfollow(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Stop following a need.

    :param id: the need's id
    :type id: string
    """
    row = _readable_need(context, data_dict["id"], "need_unfollow")
    user_id = _user_id(context)
    model.Session.execute(
        follower_table.delete().where(follower_table.c.need_id == row.id, follower_table.c.user_id == user_id)
    )
    _commit(context)
    return {"id": row.id, "following": False}


@tk.side_effect_free
@validate(schema.need_notice_list)
def need_notice_list(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The caller's notices: datasets announced as matching a need they
    follow, newest first; only datasets the caller may see now.

    :param limit: how many (default 20, at most 100)
    :type limit: int

    :returns: a list of ``need`` (``id``, ``title``, ``status``), ``package``
        (a dataset summary), ``created`` and ``seen``
    """
    tk.check_access("need_notice_list", context, data_dict)
    user = context.get("user") or ""
    user_id = _user_id(context)
    rows = model.Session.execute(
        sa.select(notice_table, need_table.c.title, need_table.c.status)
        .join(need_table, need_table.c.id == notice_table.c.need_id)
        .where(notice_table.c.user_id == user_id)
        .order_by(notice_table.c.created.desc(), notice_table.c.id.desc())
        .limit(data_dict["limit"] * 3)
    ).all()
    seen = visible_datasets(user, [r.package_id for r in rows])
    return [
        {
            "need": {"id": r.need_id, "title": r.title, "status": r.status},
            "package": seen[r.package_id],
            "created": _iso(r.created),
            "seen": _iso(r.seen),
        }
        for r in rows
        if r.package_id in seen
    ][: data_dict["limit"]]
