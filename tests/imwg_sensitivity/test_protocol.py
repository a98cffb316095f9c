"""The sharing protocol in config: parsing and its checks (no database)."""

from __future__ import annotations

import pytest

from ckanext.imwg_sensitivity import config


def test_default_rules_parse():
    """The documented defaults read as the protocol table says."""
    assert config.parse_rule(
        "restricted", "metadata:everyone data:members aggregates:logged_in requests"
    ) == config.Rule("everyone", "members", True, "logged_in")
    assert config.parse_rule("confidential", "metadata:everyone data:owner aggregates:members requests") == config.Rule(
        "everyone", "owner", True, "members"
    )
    # without an aggregates word, aggregates go to those who get the data
    assert config.parse_rule("strictly_confidential", "metadata:owner data:owner") == config.Rule(
        "owner", "owner", False, "owner"
    )


@pytest.mark.parametrize(
    "text, message",
    [
        ("metadata:everyone", "'data:<who>' is missing"),
        ("metadata:everyone data:friends", "'friends' is not one of"),
        ("metadata:owner data:everyone", "more people than see the metadata"),
        ("metadata:everyone data:everyone requests", "makes no sense"),
        ("metadata:owner data:owner requests", "needs metadata that others can see"),
        ("metadata:everyone data:owner please", "'please' is not understood"),
        (
            "metadata:members data:owner aggregates:everyone",
            "aggregates cannot go to more people than see the metadata",
        ),
        ("metadata:everyone data:members aggregates:owner", "aggregates cannot go to fewer people than the data"),
        ("metadata:everyone data:owner aggregates:crowd", "'crowd' is not one of"),
    ],
)
def test_bad_rules_are_explained(text, message):
    """A bad rule names the option and what is wrong."""
    with pytest.raises(config.ProtocolError) as e:
        config.parse_rule("confidential", text)
    assert "ckanext.imwg_sensitivity.protocol.confidential" in str(e.value)
    assert message in str(e.value)


@pytest.mark.ckan_config("ckanext.imwg_sensitivity.protocol.public", "metadata:everyone data:everyone")
@pytest.mark.ckan_config("ckanext.imwg_sensitivity.protocol.restricted", "metadata:everyone data:members requests")
@pytest.mark.ckan_config("ckanext.imwg_sensitivity.protocol.confidential", "metadata:everyone data:everyone")
@pytest.mark.ckan_config("ckanext.imwg_sensitivity.protocol.strictly_confidential", "metadata:owner data:owner")
def test_stricter_level_cannot_allow_more():
    """A stricter level allowing more than a looser one is refused."""
    with pytest.raises(config.ProtocolError, match="stricter level cannot allow more than 'restricted'"):
        config.protocol()


@pytest.mark.ckan_config("ckan.auth.user_create_organizations", "true")
def test_members_needs_organisations_only_sysadmins_create():
    """Anyone who may create an organisation would be one of the 'members': refused at start-up."""
    with pytest.raises(config.ProtocolError, match="user_create_organizations"):
        config.check_organisations(config.protocol())


@pytest.mark.ckan_config("ckan.auth.user_create_organizations", "true")
def test_without_members_any_organisation_setting_goes():
    """A protocol that never names 'members' does not care who creates organisations."""
    rules = {"public": config.parse_rule("public", "metadata:everyone data:everyone")}
    config.check_organisations(rules)


@pytest.mark.ckan_config("ckan.auth.user_create_organizations", "false")
def test_the_default_protocol_with_sysadmin_made_organisations():
    """The default protocol starts when only sysadmins create organisations."""
    config.check_organisations(config.protocol())
