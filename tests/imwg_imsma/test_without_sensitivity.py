"""Without the sensitivity plugin nothing would keep the raw export at its
level: the import is refused."""

from __future__ import annotations

import ckan.logic as logic
import pytest
from ckan.tests import factories

from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, do_import

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS.replace(" imwg_sensitivity", "")),
]


def test_no_import_without_the_sensitivity_plugin(tmp_path):
    """Nothing would keep the raw export at its level: refused, with a reason."""
    factories.User(name="nma-editor")
    org = factories.Organization(
        name="nma", org_type="government", users=[{"name": "nma-editor", "capacity": "editor"}]
    )
    factories.Dataset(
        name="mine-action-col", type="mine-action", owner_org=org["id"], pcodes=["COL"], source="NMA",
        sectors=["mine_action"], themes=["contamination"], data_owner_authority="NMA",
    )  # fmt: skip
    with pytest.raises(logic.ValidationError) as raised:
        do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))
    assert "sensitivity" in raised.value.error_dict["import"][0]
