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


def test_a_new_form_starts_on_the_default_level(app, org):
    """Deny by default: the new form's level is the API's default
    (restricted), never the first choice (public); the assistant follows the
    suggestion both ways there, and only upwards on an edit form."""
    import re

    token = factories.APIToken(user="editor")["token"]
    body = app.get("/dataset/new", headers={"Authorization": token}).get_data(as_text=True)
    select = re.search(r'<select[^>]*id="field-sensitivity".*?</select>', body, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"\s+selected', select) == ["restricted"]
    assert 'data-module-raise-only="false"' in body
    assert 'data-module-chosen="false"' in body
    create(org, "edited", sensitivity_assessment=["personal_data"], sensitivity="confidential")
    body = app.get("/dataset/edit/edited", headers={"Authorization": token}).get_data(as_text=True)
    select = re.search(r'<select[^>]*id="field-sensitivity".*?</select>', body, re.S).group(0)
    assert re.findall(r'<option value="([^"]*)"\s+selected', select) == ["confidential"]
    assert 'data-module-raise-only="true"' in body


#: the script's rule, run by node: the level field's next value
RULE = """
const vm = require("vm");
const fs = require("fs");
let module;
vm.runInNewContext(fs.readFileSync(process.argv[1], "utf8"),
                   {ckan: {module: (name, factory) => { module = factory({}); }}});
const [order, cases] = JSON.parse(process.argv[2]);
console.log(JSON.stringify(cases.map(([raiseOnly, current, suggested]) =>
  module.level.call({order: order, raiseOnly: raiseOnly}, current, suggested))));
"""


def test_the_script_never_lowers_an_existing_datasets_level():
    """Unticking an answer on an edit form leaves the level (confidential
    stays confidential when the suggestion drops to public); a stricter
    suggestion raises it; a new form follows the suggestion both ways."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    from ckanext.imwg.levels import LEVELS

    node = shutil.which("node") or shutil.which("nodejs")
    if node is None:
        pytest.skip("node is not installed")
    script = Path(__file__).resolve().parents[2] / "ckanext/imwg_sensitivity/assets/assistant.js"
    cases = [
        (True, "confidential", "public"),  # edit form, answer unticked: stays
        (True, "confidential", "restricted"),
        (True, "restricted", "confidential"),  # edit form, stricter suggestion: raised
        (True, "public", "strictly_confidential"),
        (False, "confidential", "public"),  # new form: follows
        (False, "restricted", "confidential"),
    ]
    out = subprocess.run(
        [node, "-e", RULE, str(script), json.dumps([list(LEVELS), cases])],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    assert json.loads(out) == [
        "confidential",
        "confidential",
        "confidential",
        "strictly_confidential",
        "public",
        "confidential",
    ]
