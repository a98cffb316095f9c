"""A national authority's mine-action dataset to import into, and the users around it."""

from __future__ import annotations

from pathlib import Path

from werkzeug.datastructures import FileStorage

#: the plugins of the imports' tests
PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_imsma imwg_pcode imwg_hxl imwg_sensitivity imwg_search"
)

#: a sharing protocol that lets the aggregates of confidential data go to everyone
#: (the default gives them to members of the portal's organisations)
AGGREGATES_TO_EVERYONE = {
    "ckanext.imwg_sensitivity.protocol.restricted": "metadata:everyone data:members aggregates:everyone requests",
    "ckanext.imwg_sensitivity.protocol.confidential": "metadata:everyone data:owner aggregates:everyone requests",
}


def public_aggregates() -> list:
    """Marks setting ``AGGREGATES_TO_EVERYONE`` on a test or module."""
    import pytest

    return [pytest.mark.ckan_config(key, value) for key, value in AGGREGATES_TO_EVERYONE.items()]


def authority(**fields):
    """The editor ``nma-editor`` of the organisation ``nma``, its public
    mine-action dataset ``mine-action-col``, and a member of another
    organisation (``other``)."""
    from ckan.tests import factories
    from ckan.tests.helpers import call_action

    from tests.support import EDITOR_PASSWORD

    for name in ("nma-editor", "other", "nma-member"):
        factories.User(name=name, password=EDITOR_PASSWORD)
    org = factories.Organization(
        name="nma",
        org_type="government",
        users=[{"name": "nma-editor", "capacity": "editor"}, {"name": "nma-member", "capacity": "member"}],
    )
    factories.Organization(name="ngo", org_type="ingo", users=[{"name": "other", "capacity": "editor"}])
    values = {
        "type": "mine-action",
        "name": "mine-action-col",
        "title": "Mine action, Colombia",
        "owner_org": org["id"],
        "source": "National mine action authority",
        "sectors": ["mine_action"],
        "themes": ["contamination"],
        "data_owner_authority": "National mine action authority",
        "pcodes": ["COL"],
        "sensitivity": "public",
        **fields,
    }
    return call_action("package_create", context={"user": "nma-editor"}, **values)


def upload(path: Path) -> FileStorage:
    return FileStorage(stream=open(path, "rb"), filename=path.name)  # noqa: SIM115


def do_import(path: Path, user: str = "nma-editor", **options):
    """``imsma_import`` of the file as ``user``."""
    from ckan.tests.helpers import call_action

    return call_action("imsma_import", context={"user": user}, id="mine-action-col", upload=upload(path), **options)
