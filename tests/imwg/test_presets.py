"""The feature fields of the shared schemas: each feature brings its presets
when it is enabled; without it the schemas still work (places normalised, not
checked; sensitivity left out)."""

from __future__ import annotations

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import presets

ALONE = "activity imwg scheming_datasets scheming_organizations imwg_search"
SHARED = "ckanext.scheming:presets.json ckanext.imwg.schemas:presets.yaml"


@pytest.fixture
def editor():
    factories.User(name="editor")
    return factories.Organization(name="ngo", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])


def create(org, **fields):
    return call_action(
        "package_create",
        context={"user": "editor"},
        type="dataset",
        name="idp-sites",
        owner_org=org["id"],
        source="Field teams",
        sectors=["cccm"],
        **fields,
    )


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", ALONE)
class TestWithoutTheFeatures:
    def test_places_are_normalised_not_checked(self, editor):
        """Without imwg_pcode any code is kept, normalised; nothing is derived from it."""
        pkg = create(editor, pcodes=" zz001, ZZ001 ,yy9", countries=["AFG"], subnational="no")
        assert pkg["pcodes"] == ["ZZ001", "YY9"]
        assert "countries" not in pkg
        assert "subnational" not in pkg

    def test_sensitivity_fields_are_left_out(self, editor):
        """Without imwg_sensitivity the levels, the answers and the suggestion are not kept."""
        pkg = create(editor, sensitivity="public", sensitivity_assessment=["personal_data"])
        assert not {"sensitivity", "sensitivity_assessment", "sensitivity_suggested"} & set(pkg)

    def test_the_form_asks_for_codes_without_picker_or_assistant(self, app, editor):
        """The form has a text input of codes, and no picker, no assistant, no level."""
        token = factories.APIToken(user="editor")["token"]
        pkg = create(editor, pcodes=["ZZ001", "YY9"])
        body = app.get(f"/dataset/edit/{pkg['name']}", headers={"Authorization": token}).get_data(as_text=True)
        assert 'id="field-pcodes"' in body
        assert 'value="ZZ001, YY9"' in body
        assert "imwg-pcode-picker" not in body
        assert "imwg-sensitivity-assistant" not in body
        assert 'id="field-sensitivity"' not in body


class TestOrder:
    @pytest.fixture(autouse=True)
    def nothing_added_yet(self, monkeypatch):
        monkeypatch.setattr(presets, "_added", {})

    def test_a_feature_brings_its_presets_first_and_imwg_takes_them_out(self):
        """Added ahead of the shared presets, once; gone again after scheming read them."""
        config = {"ckan.plugins": "imwg scheming_datasets imwg_pcode", presets.OPTION: SHARED}
        presets.add(config, "imwg_pcode")
        presets.add(config, "imwg_pcode")
        assert config[presets.OPTION] == "ckanext.imwg_pcode:presets.yaml " + SHARED
        presets.restore(config)
        assert config[presets.OPTION] == SHARED

    def test_presets_named_in_the_configuration_stay(self):
        """A feature's presets file the configuration lists is not taken out."""
        listed = "ckanext.imwg_pcode:presets.yaml " + SHARED
        config = {"ckan.plugins": "imwg scheming_datasets imwg_pcode", presets.OPTION: listed}
        presets.add(config, "imwg_pcode")
        presets.restore(config)
        assert config[presets.OPTION] == listed

    def test_a_feature_listed_before_scheming_is_refused(self):
        """Scheming would have read the presets already: a clear error, not a silent fallback."""
        config = {"ckan.plugins": "imwg imwg_pcode scheming_datasets", presets.OPTION: SHARED}
        with pytest.raises(RuntimeError, match="imwg_pcode: list it after scheming_datasets"):
            presets.add(config, "imwg_pcode")
