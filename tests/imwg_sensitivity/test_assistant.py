"""The classification assistant: the answers suggest a level, the publisher
chooses, both are kept; the form shows the questions and the suggestion."""

from __future__ import annotations

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]


@pytest.fixture
def org():
    factories.User(name="editor")
    return factories.Organization(name="ngo", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])


def create(org, name, **fields):
    return call_action(
        "package_create",
        context={"user": "editor"},
        type="dataset",
        name=name,
        title=name,
        owner_org=org["id"],
        source="Field teams",
        sectors=["protection"],
        **fields,
    )


@pytest.mark.parametrize(
    "answers, suggested",
    [
        ([], "public"),
        (["harmful_combined"], "restricted"),
        (["precise_locations"], "restricted"),
        (["precise_locations", "harmful_combined"], "restricted"),
        (["hazard_locations"], "confidential"),
        (["personal_data"], "confidential"),
        (["victims_survivors", "precise_locations"], "confidential"),
        (["personal_data", "victims_survivors"], "strictly_confidential"),
    ],
)
def test_answers_suggest_a_level_and_the_publisher_chooses(org, answers, suggested):
    pkg = create(
        org,
        f"ds-{len(answers)}-{suggested.replace('_', '-')}",
        sensitivity_assessment=answers,
        sensitivity="restricted",
        sensitivity_suggested="public",
    )
    assert pkg["sensitivity_suggested"] == suggested  # computed, never taken from the input
    assert pkg["sensitivity"] == "restricted"  # the publisher's choice stands
    assert sorted(pkg.get("sensitivity_assessment") or []) == sorted(answers)


def test_an_unknown_answer_is_a_field_error(org):
    import ckan.logic as logic

    with pytest.raises(logic.ValidationError) as err:
        create(org, "bad-answer", sensitivity_assessment=["looks_risky"], sensitivity="public")
    assert "sensitivity_assessment" in err.value.error_dict


def test_the_form_shows_the_questions_and_the_suggestion(app, org):
    token = factories.APIToken(user="editor")["token"]
    body = app.get("/dataset/new", headers={"Authorization": token}).get_data(as_text=True)
    assert 'data-module="imwg-sensitivity-assistant"' in body
    assert 'value="victims_survivors" data-level="confidential"' in body
    assert "imwg-suggested-level" in body
    pkg = create(org, "shown", sensitivity_assessment=["personal_data"], sensitivity="confidential")
    page = app.get(f"/dataset/{pkg['name']}", headers={"Authorization": token}).get_data(as_text=True)
    assert "Suggested sensitivity" in page
    assert "Confidential (high sensitivity)" in page
