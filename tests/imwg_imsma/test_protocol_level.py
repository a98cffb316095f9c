"""The aggregates' level follows the sharing protocol's ``aggregates:`` rule
for the raw export's level (then the importer's choice, never looser);
without a readable protocol, the import's configuration."""

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


def test_the_default_protocol_gives_confidential_aggregates_to_members():
    """confidential: ``aggregates:members`` -> restricted (data:members); restricted: ``aggregates:logged_in``
    -> restricted (no level gives data to logged-in users alone); public stays public; strictly
    confidential keeps its aggregates at its own level (none written)."""
    assert config.protocol_level("confidential") == "restricted"
    assert config.protocol_level("public") == "public"
    assert config.protocol_level("strictly_confidential") == "strictly_confidential"
    assert config.aggregates_allowed("confidential") == "restricted"
    assert config.aggregates_allowed("confidential", "confidential") == "confidential"


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
    assert config.aggregates_allowed("confidential") == "public"
    assert config.aggregates_allowed("confidential", "restricted") == "restricted"


def test_the_default_protocol_s_aggregates_are_restricted(tmp_path):
    authority()
    do_import(exports.csv_with_coordinates(tmp_path / "victims.csv"))
    dataset = call_action("package_show", id="mine-action-col")
    levels = {r["imsma_role"]: r.get("sensitivity") for r in dataset["resources"]}
    assert levels.pop("raw") == "confidential"
    assert set(levels.values()) == {"restricted"}
