"""Who may see a dataset's metadata, for many recipients at once.

The same rule as ``package_search``: CKAN's permission labels (the
``IPermissionLabels`` plugin in charge, imwg_sensitivity's when it is
loaded). The labels are read once per :class:`Audience` (asked of the
plugin for two users of each group with the same memberships, see
:meth:`Audience.add`), and the recipients are grouped by label set, so
checking N datasets against 10,000 recipients costs one query, a few label
reads and one set test per group and dataset. Sysadmins see every dataset, as in ``package_search``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ckan.model as model
import sqlalchemy as sa
from ckan.lib.plugins import get_permission_labels

#: the label set of a sysadmin: every dataset
EVERYTHING: frozenset[str] = frozenset({"*"})


#: active users' organisation memberships (with capacity) and whether they
#: collaborate on datasets (CKAN's per-dataset labels)
_MEMBERSHIPS = sa.text(
    """
    SELECT u.id, u.sysadmin,
           ARRAY(SELECT m.group_id || ':' || m.capacity FROM member m
                 JOIN "group" g ON g.id = m.group_id AND g.state = 'active' AND g.is_organization
                 WHERE m.table_id = u.id AND m.table_name = 'user' AND m.state = 'active'
                 ORDER BY 1) AS memberships,
           EXISTS (SELECT 1 FROM package_member pm WHERE pm.user_id = u.id) AS collaborates
    FROM "user" u
    WHERE u.id = ANY(:ids) AND u.state = 'active'
    """
)


def _swap(labels: frozenset[str], old: str, new: str) -> frozenset[str]:
    return frozenset(label.replace(old, new) for label in labels)


class Audience:
    """Recipients grouped by label set (a cache for one run: memberships may change after it)."""

    def __init__(self) -> None:
        self._labels: dict[str, frozenset[str]] = {}
        self._groups: dict[frozenset[str], set[str]] = {}

    def add(self, user_ids: Iterable[str]) -> None:
        """Read the labels of the users not met yet (inactive or unknown users see nothing).

        Users with the same memberships (organisations and capacities, no
        dataset collaborations) get the same labels but for the ones that
        name the user (CKAN's ``creator-<id>``): the labels are asked of the
        labels plugin for two users of each such group, and when the second
        equals the first with its own id put in, the others' are derived the
        same way; otherwise every user of the group is asked."""
        wanted = [u for u in dict.fromkeys(user_ids) if u not in self._labels]
        if not wanted:
            return
        for missing in wanted:
            self._labels[missing] = frozenset()
        labels = get_permission_labels()
        alike: dict[tuple[Any, ...], list[str]] = {}
        for row in model.Session.execute(_MEMBERSHIPS, {"ids": wanted}):
            if row.sysadmin:
                self._put(row.id, EVERYTHING)
            elif row.collaborates:
                alike[("alone", row.id)] = [row.id]
            else:
                alike.setdefault((tuple(row.memberships or ()),), []).append(row.id)
        for members in alike.values():
            users = {u.id: u for u in model.Session.query(model.User).filter(model.User.id.in_(members[:2]))}
            first = users[members[0]]
            first_labels = frozenset(labels.get_user_dataset_labels(first))
            self._put(first.id, first_labels)
            if len(members) == 1:
                continue
            second = users[members[1]]
            second_labels = frozenset(labels.get_user_dataset_labels(second))
            self._put(second.id, second_labels)
            if _swap(first_labels, first.id, second.id) == second_labels:
                for user_id in members[2:]:
                    self._put(user_id, _swap(first_labels, first.id, user_id))
            else:  # labels that depend on more than memberships: each user's own
                for user in model.Session.query(model.User).filter(model.User.id.in_(members[2:])):
                    self._put(user.id, frozenset(labels.get_user_dataset_labels(user)))

    def _put(self, user_id: str, key: frozenset[str]) -> None:
        self._labels[user_id] = key
        self._groups.setdefault(key, set()).add(user_id)

    def who_sees(self, dataset: Any, user_ids: Iterable[str]) -> set[str]:
        """Those of ``user_ids`` who see ``dataset`` (a ``model.Package``)."""
        users = set(user_ids)
        self.add(users)
        dataset_labels = set(get_permission_labels().get_dataset_labels(dataset))
        seen: set[str] = set()
        for key, members in self._groups.items():
            if key is EVERYTHING or key == EVERYTHING or key & dataset_labels:
                seen |= members & users
        return seen

    def labels_of(self, user_id: str) -> frozenset[str]:
        """The label set of a user already added (:data:`EVERYTHING` for a sysadmin)."""
        return self._labels.get(user_id, frozenset())

    def sees(self, key: frozenset[str], dataset_labels: frozenset[str]) -> bool:
        """Whether the holders of label set ``key`` see a dataset with ``dataset_labels``."""
        return key == EVERYTHING or bool(key & dataset_labels)

    @property
    def groups(self) -> int:
        """How many distinct label sets the recipients met so far have."""
        return len(self._groups)


def who_sees(dataset: Any, user_ids: Iterable[str]) -> set[str]:
    """Those of ``user_ids`` who see ``dataset`` now (one run's :class:`Audience`)."""
    return Audience().who_sees(dataset, user_ids)
