"""Data-sharing agreements: which agreements in force cover a dataset for a user.

An agreement between two organisations (the provider, which owns the data,
and the receiver) gives the receiver's members the data of every dataset of
the provider it covers, present and future, while it is in force (started,
not ended, not terminated). It covers named datasets of the provider, a
rule (sectors, places with their roll-up, up to a level), or both. It never
goes beyond the sharing protocol: ``access.Access`` asks it only at the
levels where the protocol allows grants, and only for datasets the provider
owns.

The agreements in force for a user's organisations are read once per
``Access`` (one query) and judged in memory for every dataset it is asked
about.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from typing import Any

import ckan.model as model
import sqlalchemy as sa
from ckan.lib.uploader import get_storage_path

from ckanext.imwg import interfaces

from . import config
from .model import agreement_table


def today() -> dt.date:
    return dt.datetime.utcnow().date()


def status(row: dict[str, Any], on: dt.date | None = None) -> str:
    """``terminated``, ``scheduled`` (not started), ``expired`` or ``in_force``."""
    on = on or today()
    if row.get("terminated") is not None:
        return "terminated"
    if row["starts"] > on:
        return "scheduled"
    if row["ends"] < on:
        return "expired"
    return "in_force"


@dataclasses.dataclass(frozen=True)
class Agreement:
    """An agreement in force, as the gate judges it."""

    id: str
    provider_id: str
    package_ids: frozenset[str]
    by_rule: bool
    sectors: frozenset[str]
    places: frozenset[str]
    max_level: str | None

    def covers(self, owner_org: str | None, package_id: str | None, level: str, scope: Scope) -> bool:
        """Whether the agreement covers a dataset of ``owner_org`` whose data is at ``level``."""
        if owner_org is None or owner_org != self.provider_id:
            return False
        if package_id is not None and package_id in self.package_ids:
            return True
        if not self.by_rule:
            return False
        if self.max_level is not None and (
            level not in config.LEVELS
            or self.max_level not in config.LEVELS
            or config.LEVELS.index(level) > config.LEVELS.index(self.max_level)
        ):
            return False
        if self.sectors and not self.sectors.intersection(scope.sectors):
            return False
        return not self.places or bool(self.places.intersection(scope.places()))


def in_force(organization_ids: set[str], on: dt.date | None = None) -> list[Agreement]:
    """The agreements in force whose receiver is one of the organisations (one query)."""
    if not organization_ids:
        return []
    on = on or today()
    a = agreement_table.c
    query = sa.select(a.id, a.provider_id, a.package_ids, a.by_rule, a.sectors, a.places, a.max_level).where(
        a.receiver_id.in_(sorted(organization_ids)),
        a.terminated.is_(None),
        a.starts <= on,
        a.ends >= on,
    )
    return [
        Agreement(
            id=r.id,
            provider_id=r.provider_id,
            package_ids=frozenset(r.package_ids or ()),
            by_rule=bool(r.by_rule),
            sectors=frozenset(r.sectors or ()),
            places=frozenset(r.places or ()),
            max_level=r.max_level,
        )
        for r in model.Session.execute(query.order_by(a.created))
    ]


class Scope:
    """What a rule asks of one dataset: its sectors and its places with their
    ancestors (the roll-up, looked up only when a rule names places)."""

    def __init__(self, sectors: list[str], codes: list[str], rollups: dict[frozenset[str], frozenset[str]]):
        self.sectors = frozenset(sectors)
        self.codes = frozenset(codes)
        self._rollups = rollups

    def places(self) -> frozenset[str]:
        if self.codes not in self._rollups:
            found = interfaces.places_with_ancestors(sorted(self.codes)) if self.codes else {}
            self._rollups[self.codes] = self.codes | frozenset(found)
        return self._rollups[self.codes]


class Coverage:
    """The agreements in force for one user's organisations (read once), asked
    about many datasets."""

    def __init__(self, organization_ids: set[str]):
        self.agreements = in_force(organization_ids)
        self._rollups: dict[frozenset[str], frozenset[str]] = {}
        self._scopes: dict[str, Scope] = {}

    def covering(self, package: Any, level: str) -> str | None:
        """The id of an agreement in force that covers the dataset's data at
        ``level`` (None: none does)."""
        if not self.agreements:
            return None
        owner_org = _get(package, "owner_org")
        package_id = _get(package, "id")
        candidates = [x for x in self.agreements if x.provider_id == owner_org]
        if not candidates:
            return None
        for agreement in candidates:
            if package_id is not None and package_id in agreement.package_ids:
                return agreement.id
        if not any(x.by_rule for x in candidates):
            return None
        scope = self._scope(package)
        for agreement in candidates:
            if agreement.covers(owner_org, package_id, level, scope):
                return agreement.id
        return None

    def _scope(self, package: Any) -> Scope:
        key = _get(package, "id") or str(id(package))
        if key not in self._scopes:
            sectors, codes = _fields(package)
            self._scopes[key] = Scope(sectors, codes, self._rollups)
        return self._scopes[key]


#: the dataset fields a rule reads (scheming keeps them as JSON lists in extras)
SECTORS = "sectors"
PLACES = "pcodes"


def _fields(package: Any) -> tuple[list[str], list[str]]:
    if isinstance(package, dict) and (SECTORS in package or PLACES in package):
        return text_list(package.get(SECTORS)), text_list(package.get(PLACES))
    if isinstance(package, model.Package):
        extras = package.extras
        return text_list(extras.get(SECTORS)), text_list(extras.get(PLACES))
    package_id = _get(package, "id")
    if not package_id:
        return [], []
    rows = model.Session.execute(_EXTRAS_QUERY, {"id": package_id})
    values = {r.key: r.value for r in rows}
    return text_list(values.get(SECTORS)), text_list(values.get(PLACES))


_EXTRAS_QUERY = sa.text(
    "SELECT key, value FROM package_extra WHERE package_id = :id AND key IN ('sectors', 'pcodes') AND state = 'active'"
)


def text_list(value: Any) -> list[str]:
    """A list of text from a list, a JSON list or comma-separated text."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value).strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return text_list(parsed)
    return [part.strip() for part in text.split(",") if part.strip()]


# -- the signed documents ------------------------------------------------------------------


def private_dir() -> str | None:
    """Where documents are kept: under the storage path but outside the
    folder CKAN serves as static files (``<storage>/storage``)."""
    path = get_storage_path()
    return os.path.join(path, "imwg_sensitivity", "agreements") if path else None


def document_path(row: dict[str, Any]) -> str | None:
    """The stored document's path (None: no document, or a name that would leave the folder)."""
    target = private_dir()
    if not row.get("document") or target is None:
        return None
    root = os.path.realpath(target)
    path = os.path.realpath(os.path.join(root, row["document"]))
    if os.path.dirname(path) != root or not os.path.isfile(path):
        return None
    return path


# -- notices before the end -----------------------------------------------------------------


def admins(*organization_ids: str) -> list[str]:
    """Ids of the active admins of the organisations."""
    rows = (
        model.Session.query(model.Member.table_id)
        .join(model.User, model.User.id == model.Member.table_id)
        .filter(
            model.Member.group_id.in_(list(organization_ids)),
            model.Member.table_name == "user",
            model.Member.capacity == "admin",
            model.Member.state == "active",
            model.User.state == "active",
        )
        .distinct()
    )
    return sorted(r[0] for r in rows)


def on_tick(sender: Any, **kwargs: Any) -> None:
    """``interfaces.TICK``: tell both parties' admins once that an agreement
    ends within ``ckanext.imwg_sensitivity.agreement_notice_days``, and once
    that it has ended (``interfaces.AGREEMENT_EXPIRING``). The signal goes
    out before the commit that marks it sent."""
    now = sender if isinstance(sender, dt.datetime) else dt.datetime.utcnow()
    on = now.date()
    a = agreement_table.c
    soon = sa.select(agreement_table).where(
        a.terminated.is_(None),
        a.notice_sent.is_(None),
        a.ends >= on,
        a.ends <= on + dt.timedelta(days=config.agreement_notice_days()),
    )
    ended = sa.select(agreement_table).where(a.terminated.is_(None), a.end_notice_sent.is_(None), a.ends < on)
    signal = interfaces.signal(interfaces.AGREEMENT_EXPIRING)
    sent = False
    for expired, query, column in ((False, soon, "notice_sent"), (True, ended, "end_notice_sent")):
        for row in list(model.Session.execute(query)):
            signal.send(
                row.id,
                provider_id=row.provider_id,
                receiver_id=row.receiver_id,
                admins=admins(row.provider_id, row.receiver_id),
                ends=row.ends,
                expired=expired,
            )
            values = {column: now}
            if expired and row.notice_sent is None:
                values["notice_sent"] = now
            model.Session.execute(agreement_table.update().where(a.id == row.id).values(**values))
            sent = True
    if sent:
        model.Session.commit()


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
