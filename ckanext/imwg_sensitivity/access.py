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
import os
from typing import Any

import ckan.authz as authz
import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.imwg import txcache
from ckanext.imwg.interfaces import ChunkCache

from . import agreements, config, screen
from .model import grant_table, screen_table

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
        # the one extra asked for, without loading them all (every access check),
        # or as read for the chunk of datasets being indexed
        value = _chunk_levels.get(package.id, _read_level)
    return value if value in config.LEVELS else UNKNOWN


_LEVEL_QUERY = sa.text(
    "SELECT value FROM package_extra WHERE package_id = :id AND key = 'sensitivity' AND state = 'active'"
)
_CHUNK_LEVELS = sa.text(
    "SELECT package_id, value FROM package_extra"
    " WHERE package_id = ANY(:ids) AND key = 'sensitivity' AND state = 'active'"
)
#: the stored levels of the datasets of the chunk being indexed (``IIndexBatch``; None: none)
_chunk_levels: ChunkCache[str | None] = ChunkCache("imwg_sensitivity_chunk_levels")


def _read_level(package_id: str) -> str | None:
    return model.Session.execute(_LEVEL_QUERY, {"id": package_id}).scalar()


def before_index_chunk(package_ids: list[str]) -> None:
    """Read the levels of a chunk of datasets at once (``IIndexBatch``: the
    permission labels of their index entries)."""
    levels: dict[str, str | None] = dict.fromkeys(package_ids)
    levels.update(model.Session.execute(_CHUNK_LEVELS, {"ids": list(package_ids)}).all())
    _chunk_levels.fill(levels)


def after_index_chunk() -> None:
    _chunk_levels.clear()


def resource_level(package_level: str, resource: dict[str, Any] | Any) -> str:
    """The stricter of the dataset's level and the resource's own."""
    own = resource.get(FIELD) if isinstance(resource, dict) else (resource.extras or {}).get(FIELD)
    if own in config.LEVELS and config.LEVELS.index(own) > config.LEVELS.index(package_level):
        return own
    return package_level


def stricter(a: str, b: str) -> str:
    """The stricter of two levels (an unknown one counts as confidential)."""
    a, b = (x if x in config.LEVELS else UNKNOWN for x in (a, b))
    return max(a, b, key=config.LEVELS.index)


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


#: a user's memberships are kept for the transaction that read them, under
#: ``(MEMBERSHIPS, user id)`` (``ckanext.imwg.txcache``)
MEMBERSHIPS = "imwg_sensitivity_orgs"


def organization_ids(user: model.User | None) -> set[str]:
    """The organisations the user is an active member of (any capacity); read
    once per transaction (every access check of a request asks)."""
    if user is None:
        return set()
    return set(txcache.value((MEMBERSHIPS, user.id), lambda: frozenset(_organization_ids(user))))


def remember_organizations(user: model.User, orgs: set[str]) -> None:
    """Memberships read elsewhere (CKAN's permission labels) for this transaction."""
    txcache.put((MEMBERSHIPS, user.id), frozenset(orgs))


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


def truthy(value: Any) -> bool:
    """CKAN's booleans as they come: True, "True", "true"."""
    return value in (True, "True", "true")


def dataset_labels(package: Any) -> list[str]:
    """The permission labels of a dataset (a Package, a dataset dict or a row
    with ``id``, ``state``, ``private``, ``owner_org``, ``creator_user_id`` and
    ``sensitivity``): CKAN's own labels for drafts, deleted and private
    datasets, the protocol's audience for the rest. The one rule behind search
    filters, listings and every other visibility check."""
    owner_org = _get(package, "owner_org")
    owner = f"member-{owner_org}" if owner_org else f"creator-{_get(package, 'creator_user_id')}"
    if (_get(package, "state") or "active") != "active" or truthy(_get(package, "private")):
        labels = (
            [f"collaborator-{_get(package, 'id')}"]
            if authz.check_config_permission("allow_dataset_collaborators")
            else []
        )
        return [*labels, owner]
    audience = config.protocol()[level_of(package)].metadata
    return {
        "everyone": ["public"],
        "logged_in": [LOGGED_IN_LABEL, owner],
        "members": [MEMBERS_LABEL, owner],
        "owner": [owner],
    }[audience]


#: datasets that not everyone sees: drafts, deleted, private, or not public
_NOT_FOR_EVERYONE = sa.text(
    "SELECT p.id, p.name, p.state, p.private, p.owner_org, p.creator_user_id, e.value AS sensitivity "
    "FROM package p LEFT JOIN package_extra e "
    "ON e.package_id = p.id AND e.key = 'sensitivity' AND e.state = 'active' "
    "WHERE p.state <> 'active' OR p.private OR e.value IS DISTINCT FROM 'public'"
)


class Access:
    """One user's view of the portal (memoised for a request)."""

    def __init__(self, user: Any):
        self.user = user_object(user)
        self._orgs: set[str] | None = None
        self._labels: set[str] | None = None
        self._hidden: dict[str, str] | None = None
        self._grants: dict[str, list[list[str] | None]] | None = None
        self._agreements: agreements.Coverage | None = None
        self._screens: dict[str, dict[str, Any]] = {}
        self._updates: dict[str, bool] = {}
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

    @property
    def labels(self) -> set[str]:
        """The user's permission labels (CKAN's, as the portal's label plugin gives them)."""
        if self._labels is None:
            from ckan.lib.plugins import get_permission_labels

            self._labels = set(get_permission_labels().get_user_dataset_labels(self.user))
        return self._labels

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

    def may_update(self, package_id: str | None) -> bool:
        """Whether CKAN lets this user update the dataset (``package_update``'s
        auth, as this user: sysadmins, the owning organisation's editors and
        admins, collaborators where enabled). Unknown datasets: no."""
        if self.sysadmin:
            return True
        if self.user is None or not package_id:
            return False
        if package_id not in self._updates:
            context = {"user": self.user.name, "auth_user_obj": self.user, "model": model, "session": model.Session}
            try:
                tk.check_access("package_update", context, {"id": package_id})
                self._updates[package_id] = True
            except (tk.NotAuthorized, tk.ObjectNotFound):
                self._updates[package_id] = False
        return self._updates[package_id]

    def can_decide(self, package: Any) -> bool:
        """Who decides access requests: roles, never free text. Sysadmins, the
        owning organisation's admins, and the site's focal points
        (``ckanext.imwg_sensitivity.focal_points``). The dataset's maintainer
        fields are contact details anyone can type, so they decide nothing."""
        if self.sysadmin:
            return True
        if self.user is None or self.user.state != "active":
            return False
        if self.user.name in config.focal_points():
            return True
        owner_org = _get(package, "owner_org")
        return bool(owner_org and authz.users_role_for_group_or_org(owner_org, self.user.name) == "admin")

    def sees_metadata(self, package: Any) -> bool:
        """Whether the dataset exists for this user (its permission labels)."""
        return self.sysadmin or bool(self.labels.intersection(dataset_labels(package)))

    def hidden_packages(self) -> dict[str, str]:
        """Every dataset this user may not see, by id (its name as value): what
        listings that the permission labels do not reach leave out. One query,
        over the datasets that not everyone sees."""
        if self._hidden is None:
            self._hidden = {}
            if not self.sysadmin:
                for row in model.Session.execute(_NOT_FOR_EVERYONE):
                    if not self.sees_metadata(dict(row._mapping)):
                        self._hidden[row.id] = row.name
        return self._hidden

    def data_level(self, package: Any, resource: Any | None) -> str:
        level = level_of(package)
        return resource_level(level, resource) if resource is not None else level

    def gets_data(self, package: Any, resource: Any | None = None) -> bool:
        """Whether the user may have the data of ``resource`` (or of every
        resource of the dataset at its own level when ``resource`` is None)."""
        if self.sysadmin:
            return True
        owner_org = _get(package, "owner_org")
        if truthy(_get(package, "private")) or (_get(package, "state") or "active") != "active":
            return self.is_owner(owner_org)
        level = self.data_level(package, resource)
        if level == "public" and resource is not None and not self.screened(resource):
            # deny by default: a new file is public once screened for personal data
            return self.is_owner(owner_org)
        rule = self._rules[level]
        if in_audience(rule.data, self.user, owner_org, self.orgs):
            return True
        if not rule.requests:
            return False
        if self.has_grant(_get(package, "id"), _get(resource, "id") if resource is not None else None):
            return True
        return self.agreement_for(package, level) is not None

    def screened(self, resource: Any) -> bool:
        """Whether an uploaded file may be public as far as the personal-data
        screen goes: its stored file (size and time on disk, which no client
        can write back) is the one screened, and the screen found it clean
        or an editor confirmed it. Documents, pictures and links are not
        held back."""
        if not screen.needs_screen(_get(resource, "url_type"), _get(resource, "format"), _get(resource, "url")):
            return True
        rid = _get(resource, "id")
        pid = _get(resource, "package_id")
        if rid not in self._screens:
            # the screens of the resource's whole dataset in one query (a page
            # or a search result judges all of its files)
            c = screen_table.c
            where = c.package_id == pid if pid else c.resource_id == rid
            query = sa.select(c.resource_id, c.package_id, c.file_key, c.status, c.confirmed).where(where)
            for row in model.Session.execute(query):
                self._screens[row.resource_id] = dict(row._mapping)
            self._screens.setdefault(rid, {})
        row = self._screens[rid]
        if not row or (pid and row["package_id"] != pid) or row["file_key"] != file_key(rid):
            return False
        return row["status"] == "clean" or row["confirmed"] is not None

    def data_access(self, package: Any, resource: Any | None) -> str:
        """``"data"``, ``"aggregates"`` (the protocol's aggregate-only
        previews) or ``"none"``: what this user may see of the data."""
        if self.gets_data(package, resource):
            return "data"
        if not self.sees_metadata(package) or truthy(_get(package, "private")):
            return "none"
        level = self.data_level(package, resource)
        if level == "public" and resource is not None and not self.screened(resource):
            return "none"
        rule = self._rules[level]
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

    def agreement_for(self, package: Any, level: str) -> str | None:
        """The id of a data-sharing agreement in force that gives the user's
        organisations the dataset's data at ``level`` (``agreements.py``).
        The agreements are read once per Access (one query)."""
        if self.user is None or not self.orgs:
            return None
        if self._agreements is None:
            self._agreements = agreements.Coverage(self.orgs)
        return self._agreements.covering(package, level)

    def agreement_used(self, package: Any, resource: Any | None = None) -> str | None:
        """The agreement through which the user gets this data, when nothing
        else (the protocol's audience, a grant) gives it: what the audit
        entry of a use names."""
        if self.sysadmin or not self.gets_data(package, resource):
            return None
        owner_org = _get(package, "owner_org")
        if truthy(_get(package, "private")) or (_get(package, "state") or "active") != "active":
            return None
        level = self.data_level(package, resource)
        rule = self._rules[level]
        if not rule.requests or in_audience(rule.data, self.user, owner_org, self.orgs):
            return None
        if self.has_grant(_get(package, "id"), _get(resource, "id") if resource is not None else None):
            return None
        return self.agreement_for(package, level)

    def allows_requests(self, package: Any, resource: Any | None = None) -> bool:
        """Whether the protocol lets anyone ask for (and be granted) this data."""
        return self._rules[self.data_level(package, resource)].requests

    def may_request(self, package: Any, resource: Any | None = None) -> bool:
        """Whether the protocol lets this user ask for access (and they lack it)."""
        if self.user is None or self.gets_data(package, resource):
            return False
        return self.allows_requests(package, resource)


#: the key of a file that is not on disk
MISSING = "missing"


def file_key(resource_id: str) -> str:
    """What identifies an uploaded resource's stored file: its size and
    modification time on disk (never a field a client can write back)."""
    from ckan.lib import uploader

    try:
        path = uploader.get_resource_uploader({"id": resource_id, "url_type": "upload", "url": ""}).get_path(
            resource_id
        )
        stat = os.stat(path)
    except (OSError, AttributeError, TypeError):
        return MISSING
    return f"{stat.st_size}:{stat.st_mtime_ns}"


def _get(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
