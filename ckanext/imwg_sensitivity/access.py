"""Who may see what: the sharing protocol applied to one user and one dataset.

Metadata goes through CKAN's permission labels (this plugin is the portal's
IPermissionLabels), so search, ``package_show``, activity streams and every
listing built on them agree. Data (resource addresses, files, previews,
datastore rows) is decided here, for each resource: its level is the stricter
of its own and its dataset's; a dataset without a level counts as
confidential (deny by default); CKAN's private flag keeps its meaning.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from . import config
from .model import grant_table

FIELD = "sensitivity"
UNKNOWN = "confidential"

LOGGED_IN_LABEL = "imwg-logged-in"
MEMBERS_LABEL = "imwg-org-member"


def level_of(package: Any) -> str:
    """A dataset's level (a Package or a dataset dict); unknown counts as confidential."""
    if isinstance(package, dict):
        value = package.get(FIELD)
    elif "_extras" not in sa.inspect(package).unloaded:
        value = package.extras.get(FIELD)
    else:
        # the one extra asked for, without loading them all (every access check)
        value = model.Session.execute(_LEVEL_QUERY, {"id": package.id}).scalar()
    return value if value in config.LEVELS else UNKNOWN


_LEVEL_QUERY = sa.text(
    "SELECT value FROM package_extra WHERE package_id = :id AND key = 'sensitivity' AND state = 'active'"
)


def resource_level(package_level: str, resource: dict[str, Any] | Any) -> str:
    """The stricter of the dataset's level and the resource's own."""
    own = resource.get(FIELD) if isinstance(resource, dict) else (resource.extras or {}).get(FIELD)
    if own in config.LEVELS and config.LEVELS.index(own) > config.LEVELS.index(package_level):
        return own
    return package_level


def user_object(user: Any) -> model.User | None:
    """A ``User`` from a user object, name or id (None for anonymous)."""
    if user is None or user == "":
        return None
    if isinstance(user, model.User):
        return user
    if getattr(user, "is_anonymous", False):
        return None
    if hasattr(user, "name"):
        user = user.name
    return model.User.get(str(user))


def current_user() -> model.User | None:
    """The user of the current web request (browser session or API token), or None."""
    return tk.current_user if tk.current_user.is_authenticated else None


#: where memberships read in this transaction are kept (dropped at its end)
_ORGS_CACHE = "imwg_sensitivity_orgs"


@sa.event.listens_for(model.Session, "after_transaction_end")
def _forget_memberships(session: Any, transaction: Any) -> None:
    # the outermost transaction only: a search's savepoint ends inside a request
    if transaction.parent is None:
        session.info.pop(_ORGS_CACHE, None)


def organization_ids(user: model.User | None) -> set[str]:
    """The organisations the user is an active member of (any capacity); read
    once per transaction (every access check of a request asks)."""
    if user is None:
        return set()
    cache = model.Session().info.setdefault(_ORGS_CACHE, {})
    if user.id not in cache:
        cache[user.id] = frozenset(_organization_ids(user))
    return set(cache[user.id])


def remember_organizations(user: model.User, orgs: set[str]) -> None:
    """Memberships read elsewhere (CKAN's permission labels) for this transaction."""
    model.Session().info.setdefault(_ORGS_CACHE, {})[user.id] = frozenset(orgs)


def _organization_ids(user: model.User) -> set[str]:
    rows = (
        model.Session.query(model.Member.group_id)
        .join(model.Group, model.Group.id == model.Member.group_id)
        .filter(
            model.Member.table_name == "user",
            model.Member.table_id == user.id,
            model.Member.state == "active",
            model.Group.is_organization.is_(True),
            model.Group.state == "active",
        )
    )
    return {r[0] for r in rows}


def in_audience(audience: str, user: model.User | None, owner_org: str | None, orgs: set[str]) -> bool:
    """Whether the user belongs to a protocol audience for a dataset of ``owner_org``."""
    if user is not None and user.sysadmin:
        return True
    if audience == "everyone":
        return True
    if user is None:
        return False
    if audience == "logged_in":
        return True
    if audience == "members":
        return bool(orgs)
    return owner_org is not None and owner_org in orgs


def active_grants(user: model.User | None, orgs: set[str]) -> dict[str, list[list[str] | None]]:
    """The user's grants (and their organisations') in force now, by dataset:
    each the resources it covers (None: all of them). Not revoked, not
    expired: checked here at every access, no scheduled job needed."""
    if user is None:
        return {}
    now = dt.datetime.utcnow()
    g = grant_table.c
    query = sa.select(g.package_id, g.resource_ids).where(
        g.revoked.is_(None),
        sa.or_(g.expires.is_(None), g.expires > now),
        sa.or_(g.user_id == user.id, g.organization_id.in_(list(orgs)) if orgs else sa.false()),
    )
    grants: dict[str, list[list[str] | None]] = {}
    for package_id, resource_ids in model.Session.execute(query):
        grants.setdefault(package_id, []).append(resource_ids)
    return grants


class Access:
    """One user's view of the portal (memoised for a request)."""

    def __init__(self, user: Any):
        self.user = user_object(user)
        self._orgs: set[str] | None = None
        self._grants: dict[str, list[list[str] | None]] | None = None
        self._rules = config.protocol()

    @classmethod
    def of(cls, context: dict[str, Any]) -> Access:
        """The access of an action's caller."""
        return cls(context.get("auth_user_obj") or context.get("user"))

    @property
    def sysadmin(self) -> bool:
        return bool(self.user and self.user.sysadmin)

    @property
    def orgs(self) -> set[str]:
        if self._orgs is None:
            self._orgs = organization_ids(self.user)
        return self._orgs

    def is_owner(self, owner_org: str | None) -> bool:
        return self.sysadmin or (owner_org is not None and owner_org in self.orgs)

    def can_edit(self, package: Any) -> bool:
        """Editors and admins of the owning organisation (and sysadmins)."""
        if self.sysadmin:
            return True
        owner_org = _get(package, "owner_org")
        return bool(
            self.user
            and owner_org
            and authz.has_user_permission_for_group_or_org(owner_org, self.user.name, "update_dataset")
        )

    def can_decide(self, package: Any) -> bool:
        """Who decides access requests: the owning organisation's admins, the
        dataset's maintainer (a user of that name or e-mail) and sysadmins."""
        if self.sysadmin:
            return True
        if self.user is None:
            return False
        owner_org = _get(package, "owner_org")
        if owner_org and authz.users_role_for_group_or_org(owner_org, self.user.name) == "admin":
            return True
        maintainer = (_get(package, "maintainer") or "").strip().lower()
        email = (_get(package, "maintainer_email") or "").strip().lower()
        mine = {self.user.name.lower(), (self.user.email or "").lower()} - {""}
        return bool(mine & {maintainer, email})

    def sees_metadata(self, package: Any) -> bool:
        rule = self._rules[level_of(package)]
        return in_audience(rule.metadata, self.user, _get(package, "owner_org"), self.orgs)

    def data_level(self, package: Any, resource: Any | None) -> str:
        level = level_of(package)
        return resource_level(level, resource) if resource is not None else level

    def gets_data(self, package: Any, resource: Any | None = None) -> bool:
        """Whether the user may have the data of ``resource`` (or of every
        resource of the dataset at its own level when ``resource`` is None)."""
        if self.sysadmin:
            return True
        if _get(package, "private") in (True, "True", "true"):
            return self.is_owner(_get(package, "owner_org"))
        rule = self._rules[self.data_level(package, resource)]
        if in_audience(rule.data, self.user, _get(package, "owner_org"), self.orgs):
            return True
        if not rule.requests:
            return False
        return self.has_grant(_get(package, "id"), _get(resource, "id") if resource is not None else None)

    def data_access(self, package: Any, resource: Any | None) -> str:
        """``"data"``, ``"aggregates"`` (the protocol's aggregate-only
        previews) or ``"none"``: what this user may see of the data."""
        if self.gets_data(package, resource):
            return "data"
        if not self.sees_metadata(package) or _get(package, "private") in (True, "True", "true"):
            return "none"
        rule = self._rules[self.data_level(package, resource)]
        if in_audience(rule.aggregates, self.user, _get(package, "owner_org"), self.orgs):
            return "aggregates"
        return "none"

    def has_grant(self, package_id: str | None, resource_id: str | None) -> bool:
        """Whether a grant in force covers the resource (or the whole dataset).
        The user's grants are read once per Access (one query)."""
        if self.user is None or package_id is None:
            return False
        if self._grants is None:
            self._grants = active_grants(self.user, self.orgs)
        return any(
            covered is None or (resource_id is not None and resource_id in covered)
            for covered in self._grants.get(package_id, [])
        )

    def allows_requests(self, package: Any, resource: Any | None = None) -> bool:
        """Whether the protocol lets anyone ask for (and be granted) this data."""
        return self._rules[self.data_level(package, resource)].requests

    def may_request(self, package: Any, resource: Any | None = None) -> bool:
        """Whether the protocol lets this user ask for access (and they lack it)."""
        if self.user is None or self.gets_data(package, resource):
            return False
        return self.allows_requests(package, resource)


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
