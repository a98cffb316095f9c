"""The sensitivity levels are written once (ckanext/imwg/levels.py): the
schemas' choices, the protocol, the screen, the assistant's validator and its
script all take them from there."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
import yaml
from ckan.tests import factories

from ckanext.imwg import levels
from ckanext.imwg.levels import LEVELS
from tests.support import editor_dataset

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"

#: two level names next to each other in a sequence (Python, JavaScript, YAML
#: flow) or a YAML choice written out: a list of levels
_LEVEL = "(?:public|restricted|confidential|strictly_confidential)"
SEQUENCE = re.compile(rf"""["']{_LEVEL}["']\s*,\s*["']{_LEVEL}["']""")
YAML_CHOICE = re.compile(rf"^\s*-?\s*value:\s*['\"]?{_LEVEL}['\"]?\s*$", re.M)


def sources():
    for pattern in ("ckanext/**/*.py", "ckanext/**/*.js", "ckanext/**/*.html", "ckanext/**/*.yaml", "schemas/*.yaml"):
        yield from ROOT.glob(pattern)


def test_the_levels_are_listed_once_in_the_sources():
    """No module, script, template or presets file writes a list of levels but levels.py."""
    found = [
        str(path.relative_to(ROOT))
        for path in sources()
        if path != ROOT / "ckanext/imwg/levels.py"
        and (SEQUENCE.search(text := path.read_text(encoding="utf-8")) or YAML_CHOICE.search(text))
    ]
    assert found == []


def test_python_users_import_the_constant():
    """The protocol, the screen and the validators order levels by the one tuple."""
    from ckanext.imwg_sensitivity import config, screen
    from ckanext.imwg_sensitivity.logic import validators

    assert config.LEVELS is LEVELS
    assert screen.LEVELS is LEVELS
    assert validators.LEVELS is LEVELS


def test_every_level_has_a_label_in_every_language():
    """Each level is labelled in the languages the portal offers."""
    assert set(levels.LABELS) == set(LEVELS)
    assert all(set(label) == {"en", "fr", "es", "ar"} for label in levels.LABELS.values())


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestSchemas:
    @pytest.mark.parametrize("dataset_type", ["dataset", "mine-action"])
    def test_the_schema_choices_are_the_constant(self, dataset_type):
        """The dataset's level and suggestion offer the levels in order, a resource as its dataset or stricter."""
        import ckan.plugins.toolkit as tk

        schema = tk.h.scheming_get_dataset_schema(dataset_type)
        fields = {f["field_name"]: f for f in schema["dataset_fields"]}
        resource = {f["field_name"]: f for f in schema["resource_fields"]}["sensitivity"]

        def values(field):
            return [c["value"] for c in tk.h.scheming_field_choices(field)]

        assert values(fields["sensitivity"]) == list(LEVELS)
        assert values(fields["sensitivity_suggested"]) == list(LEVELS)
        assert values(resource) == ["", *LEVELS[1:]]
        labels = [c["label"] for c in tk.h.scheming_field_choices(fields["sensitivity"])]
        assert labels == [levels.LABELS[level] for level in LEVELS]


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestForm:
    def test_the_assistant_script_reads_the_levels_from_the_page(self, app):
        """The form gives the assistant the levels in order with their labels; the script lists none."""
        factories.User(name="editor")
        factories.Organization(org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])
        token = factories.APIToken(user="editor")["token"]
        body = app.get("/dataset/new", headers={"Authorization": token}).get_data(as_text=True)
        given = re.search(r'data-module-levels="([^"]*)"', body)
        assert given is not None
        shown = json.loads(html.unescape(given.group(1)))
        assert [level["value"] for level in shown] == list(LEVELS)
        assert shown[0]["label"] == levels.LABELS["public"]["en"]
        script = (ROOT / "ckanext/imwg_sensitivity/assets/assistant.js").read_text()
        assert not any(f'"{level}"' in script for level in LEVELS)

    def test_a_result_without_a_level_shows_the_level_the_gate_applies(self, app):
        """A search result of a dataset without a level (made before the field) shows Confidential, not nothing."""
        from ckan.lib.base import render_snippet

        dataset = editor_dataset(sensitivity="restricted")
        shown = {}
        for name, package in (
            ("with-level", dataset),
            ("without-level", {k: v for k, v in dataset.items() if k != "sensitivity"}),
        ):
            with app.flask_app.test_request_context():
                app.flask_app.preprocess_request()
                shown[name] = render_snippet("snippets/package_item.html", package=package)
        assert 'data-sensitivity="restricted"' in shown["with-level"]
        assert 'data-sensitivity="confidential"' in shown["without-level"]


def test_presets_name_no_level_choices():
    """The presets files give the levels' choices through a helper, never written out."""
    for path in (ROOT / "schemas/presets.yaml", ROOT / "ckanext/imwg_sensitivity/presets.yaml"):
        for preset in yaml.safe_load(path.read_text())["presets"]:
            values = [c.get("value") for c in preset["values"].get("choices") or []]
            assert not set(values) & set(LEVELS), (path.name, preset["preset_name"])
