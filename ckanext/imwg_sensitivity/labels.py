"""Permission labels: who sees a dataset's metadata, by its level.

CKAN asks only the first plugin implementing IPermissionLabels; this one
keeps CKAN's own labels (private datasets, drafts, collaborators) and adds
the protocol's audiences for the rest.
"""

from __future__ import annotations

from typing import Any

from ckan.lib.plugins import DefaultPermissionLabels

from . import access, config


class SensitivityLabels(DefaultPermissionLabels):
    def get_dataset_labels(self, dataset_obj: Any) -> list[str]:
        if dataset_obj.state != "active" or dataset_obj.private:
            return super().get_dataset_labels(dataset_obj)
        audience = config.protocol()[access.level_of(dataset_obj)].metadata
        owner = f"member-{dataset_obj.owner_org}" if dataset_obj.owner_org else f"creator-{dataset_obj.creator_user_id}"
        return {
            "everyone": ["public"],
            "logged_in": [access.LOGGED_IN_LABEL, owner],
            "members": [access.MEMBERS_LABEL, owner],
            "owner": [owner],
        }[audience]

    def get_user_dataset_labels(self, user_obj: Any) -> list[str]:
        labels = super().get_user_dataset_labels(user_obj)
        user = access.user_object(user_obj)
        if user is not None:
            labels.append(access.LOGGED_IN_LABEL)
            # CKAN's labels name the organisations the user is a member of
            # (any capacity): kept for the access checks of this transaction
            orgs = {label.removeprefix("member-") for label in labels if label.startswith("member-")}
            if not user.sysadmin:
                access.remember_organizations(user, orgs)
            if orgs:
                labels.append(access.MEMBERS_LABEL)
        return labels


def relabel_activities(pkg: Any) -> None:
    """A dataset's past activities follow its current labels (a level raised
    to strictly confidential, a move to another organisation or a dataset
    made private hides its history too). CKAN's activity table keeps the
    labels each activity was written with, and no action changes them: this
    is the one place the suite writes to a CKAN table (``activity.object_id``,
    ``activity.permission_labels``; see the README's list of the places the
    suite touches CKAN's internals)."""
    import ckan.model as model
    import ckan.plugins as p
    from ckan.lib.plugins import get_permission_labels

    if not p.plugin_loaded("activity"):
        return
    from ckanext.activity.model import Activity

    labels = get_permission_labels().get_dataset_labels(pkg)
    model.Session.query(Activity).filter(Activity.object_id == pkg.id).update(
        {"permission_labels": labels}, synchronize_session=False
    )
