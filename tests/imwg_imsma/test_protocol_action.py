"""The imports learn the sharing protocol through the sensitivity plugin's
action ``imwg_sensitivity_protocol_show`` (never its configuration keys),
and fail closed when it is not there or cannot read the protocol."""

from __future__ import annotations

import ckan.logic as logic
import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.tests.helpers import call_action, call_auth

from ckanext.imwg_imsma import config
from tests.imwg_imsma.portal_support import PLUGINS

ACTION = "imwg_sensitivity_protocol_show"


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestWithTheSensitivityPlugin:
    def test_the_action_answers_the_parsed_protocol(self):
        answer = call_action(ACTION)
        assert answer["levels"] == ["public", "restricted", "confidential", "strictly_confidential"]
        assert set(answer["rules"]) == set(answer["levels"])
        for rule in answer["rules"].values():
            assert set(rule) == {"metadata", "data", "aggregates", "requests"}
        assert answer["rules"]["public"]["data"] == "everyone"
        assert answer["rules"]["confidential"]["aggregates"] == "members"

    @pytest.mark.ckan_config(
        "ckanext.imwg_sensitivity.protocol.restricted", "metadata:everyone data:members aggregates:members requests"
    )
    def test_the_imports_read_the_protocol_through_it(self):
        assert config.protocol_rules()["restricted"]["aggregates"] == "members"
        assert config.protocol_level("confidential") == "restricted"

    def test_anyone_may_read_the_protocol(self, app):
        """It is the portal's published policy: anonymous visitors too (API and auth)."""
        assert call_auth(ACTION, {"user": "", "model": model})
        answer = app.get(f"/api/3/action/{ACTION}", status=200).json
        assert answer["success"] and answer["result"]["rules"]["strictly_confidential"]["data"] == "owner"

    def test_an_unreadable_protocol_is_a_field_error_and_the_imports_fail_closed(self, monkeypatch):
        monkeypatch.setitem(tk.config, "ckanext.imwg_sensitivity.protocol.confidential", "data:nobody")
        with pytest.raises(logic.ValidationError) as raised:
            call_action(ACTION)
        assert "protocol" in raised.value.error_dict
        assert config.protocol_rules() is None
        assert config.aggregates_allowed("confidential", "public") == "confidential"


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS.replace(" imwg_sensitivity", ""))
class TestWithoutTheSensitivityPlugin:
    def test_without_the_action_the_aggregates_stay_at_the_raw_level(self):
        """Fail closed: no protocol, so never looser than the raw export, whatever is asked."""
        with pytest.raises(KeyError):
            tk.get_action(ACTION)
        assert config.protocol_rules() is None
        assert config.protocol_level("confidential") is None
        assert config.aggregates_allowed("confidential", "public") == "confidential"
        assert config.aggregates_allowed("restricted") == "restricted"
