"""The aggregates' level follows the sharing protocol's ``aggregates:`` rule
for the raw export's level: the loosest level whose data and whose own
aggregate-only previews both stay within it (then the importer's choice,
never looser); without a readable protocol, the raw export's level."""

from __future__ import annotations

import pytest
from ckan.tests.helpers import call_action

from ckanext.imwg_imsma import config
from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, authority, do_import

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


def test_the_default_protocol_keeps_confidential_aggregates_confidential():
    """confidential: ``aggregates:members``; restricted gives its data to members but its aggregate-only
    previews to every signed-in user (``aggregates:logged_in``): too wide, so confidential (data to the
    owner, previews to members). restricted stays restricted, public public, strictly confidential
    its own level (none written)."""
    assert config.protocol_level("confidential") == "confidential"
    assert config.protocol_level("restricted") == "restricted"
    assert config.protocol_level("public") == "public"
    assert config.protocol_level("strictly_confidential") == "strictly_confidential"
    assert config.aggregates_allowed("confidential") == "confidential"
    assert config.aggregates_allowed("confidential", "strictly_confidential") == "strictly_confidential"


@pytest.mark.ckan_config(
    "ckanext.imwg_sensitivity.protocol.restricted", "metadata:everyone data:members aggregates:members requests"
)
def test_a_level_qualifies_by_its_data_and_its_own_aggregates():
    """restricted's data and previews both go to members alone: confidential's aggregates may be restricted."""
    assert config.protocol_level("confidential") == "restricted"
    assert config.aggregates_allowed("confidential") == "restricted"


@pytest.mark.ckan_config("ckanext.imwg_sensitivity.protocol.confidential", "metadata:everyone data:owner requests")
@pytest.mark.ckan_config("ckanext.imwg_sensitivity.protocol.restricted", "metadata:everyone data:members requests")
def test_a_protocol_without_aggregates_keeps_them_at_the_raw_level(tmp_path):
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))
    dataset = call_action("package_show", id="mine-action-col")
    levels = {r["imsma_role"]: r.get("sensitivity") for r in dataset["resources"]}
    assert levels.pop("raw") == "confidential"
    assert set(levels.values()) == {"confidential"}
    assert call_action("imsma_import_show", id="mine-action-col")["report"]["aggregate_level"] == "confidential"


def test_without_a_readable_protocol_the_configuration_decides(monkeypatch):
    import ckan.plugins.toolkit as tk

    monkeypatch.setitem(tk.config, "ckanext.imwg_sensitivity.protocol.confidential", "")
    assert config.protocol_level("confidential") is None
    # fail closed: never looser than the raw export, whatever is asked or configured
    assert config.aggregates_allowed("confidential") == "confidential"
    assert config.aggregates_allowed("confidential", "restricted") == "confidential"
    assert config.aggregates_allowed("restricted", "public") == "restricted"
    assert config.aggregates_allowed("confidential", "strictly_confidential") == "strictly_confidential"


def test_the_default_protocol_s_aggregates_are_confidential(tmp_path):
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))
    dataset = call_action("package_show", id="mine-action-col")
    levels = {r["imsma_role"]: r.get("sensitivity") for r in dataset["resources"]}
    assert levels.pop("raw") == "confidential"
    assert set(levels.values()) == {"confidential"}
