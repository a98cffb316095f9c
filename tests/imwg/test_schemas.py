"""The suite's schemas: fields, validation, facets with labels, pages, languages."""

from __future__ import annotations

import ckan.logic as logic
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")

MINE_ACTION = {
    "type": "mine-action",
    "name": "hazards-kachin",
    "title": "Hazardous areas, Kachin",
    "notes": "Confirmed hazardous areas by township.",
    "source": "National Mine Action Authority",
    "sectors": ["protection", "mine_action"],
    "themes": ["contamination", "clearance"],
    "ordnance_types": ["ap_mines", "uxo"],
    "data_owner_authority": "National Mine Action Authority",
    "source_system": "imsma_core",
    "source_export_date": "2024-06-01",
    "aggregation_level": "adm2",
    "units": ["sqm"],
    "sadd": "no",
    "data_type": "geodata",
    "update_frequency": "monthly",
    "reference_period_start": "2024-01-01",
    "reference_period_end": "2024-06-30",
    "license_id": "cc-by-igo",
}


@pytest.fixture
def editor():
    user = factories.User(name="editor")
    org = factories.Organization(name="nmaa", org_type="nmaa", users=[{"name": "editor", "capacity": "editor"}])
    return {"user": user, "org": org}


def create(editor, **changes):
    data = {**MINE_ACTION, "owner_org": editor["org"]["id"], **changes}
    data = {k: v for k, v in data.items() if v is not None}
    return call_action("package_create", context={"user": "editor"}, **data)


def errors_of(editor, **changes):
    with pytest.raises(logic.ValidationError) as e:
        create(editor, **changes)
    assert call_action("package_search", include_private=True, include_drafts=True)["count"] == 0
    return e.value.error_dict


class TestFields:
    def test_mine_action_round_trip(self, editor):
        """Every mine-action field is stored and shown back as given."""
        pkg = create(editor)
        shown = call_action("package_show", id=pkg["id"])
        for key, value in MINE_ACTION.items():
            assert shown[key] == value, key

    def test_humanitarian_dataset_fields(self, editor):
        """The humanitarian type has HDX's fields and no mine-action ones."""
        pkg = call_action(
            "package_create",
            context={"user": "editor"},
            type="dataset",
            name="idp-sites",
            owner_org=editor["org"]["id"],
            source="CCCM Cluster",
            sectors=["cccm"],
            population_groups=["idps", "host_community"],
            data_languages=["en", "my"],
            methodology="other",
            methodology_other="Key informants",
            caveats="Sites under 20 households are missing.",
            reference_period_start="2024-01-01",
            reference_period_ongoing="yes",
        )
        assert pkg["population_groups"] == ["idps", "host_community"]
        assert pkg["reference_period_ongoing"] == "yes"
        assert "themes" not in pkg

    def test_organisation_fields(self):
        """Organisations carry type, acronym, clusters, website and contact email."""
        org = factories.Organization(
            name="dag",
            org_type="ingo",
            acronym="DAG",
            clusters=["education", "mine_action"],
            website="https://dag.example.org",
            contact_email="im@dag.example.org",
        )
        shown = call_action("organization_show", id=org["id"])
        assert (shown["org_type"], shown["acronym"], shown["clusters"]) == ("ingo", "DAG", ["education", "mine_action"])

    def test_resource_date_of_data(self, editor):
        """Resources have a format, a description and a date of the data."""
        pkg = create(editor)
        res = call_action(
            "resource_create",
            context={"user": "editor"},
            package_id=pkg["id"],
            url="http://example.org/a.csv",
            format="CSV",
            description="Areas",
            date_of_data="2024-05-31",
        )
        assert res["date_of_data"] == "2024-05-31"


class TestBadInput:
    @pytest.mark.parametrize(
        "changes, field",
        [
            ({"sectors": ["mine_action", "astrology"]}, "sectors"),
            ({"themes": ["gardening"]}, "themes"),
            ({"update_frequency": "hourly"}, "update_frequency"),
            ({"license_id": "all-rights-reserved"}, "license_id"),
            ({"reference_period_start": "2024-13-45"}, "reference_period_start"),
            ({"source_export_date": "last week"}, "source_export_date"),
            ({"reference_period_end": "2023-12-31"}, "reference_period_end"),
            ({"reference_period_ongoing": "yes"}, "reference_period_ongoing"),
            ({"source": None}, "source"),
            ({"sectors": None}, "sectors"),
            ({"themes": None}, "themes"),
            ({"data_owner_authority": None}, "data_owner_authority"),
        ],
    )
    def test_field_error_and_nothing_saved(self, editor, changes, field):
        """Each kind of bad input is a ValidationError naming the field; nothing is saved."""
        assert field in errors_of(editor, **changes)

    def test_several_errors_at_once(self, editor):
        """All bad fields are reported together."""
        errors = errors_of(editor, source=None, reference_period_end="2020-01-01", units=["acres"])
        assert {"source", "reference_period_end", "units"} <= set(errors)

    def test_end_before_start_message(self, editor):
        """The period error says what is wrong."""
        errors = errors_of(editor, reference_period_end="2023-12-31")
        assert "before its start" in errors["reference_period_end"][0]

    def test_bad_organisation_email(self):
        """An organisation's contact email is checked."""
        with pytest.raises(logic.ValidationError) as e:
            factories.Organization(org_type="ingo", contact_email="not an email")
        assert "contact_email" in e.value.error_dict

    @pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)
    def test_form_shows_field_errors(self, app, editor):
        """In the web form a bad period is shown as a form error and nothing is saved."""
        token = factories.APIToken(user="editor")["token"]
        form = {
            **MINE_ACTION,
            "owner_org": editor["org"]["id"],
            "save": "continue",
            "reference_period_end": "2023-12-31",
        }
        resp = app.post("/mine-action/new", data=form, headers={"Authorization": token})
        assert resp.status_code == 200
        assert "The end of the reference period is before its start" in resp.body
        assert call_action("package_search", include_drafts=True, include_private=True)["count"] == 0


class TestSearchAndDisplay:
    def test_facets_with_labels(self, editor):
        """Sectors, themes, data type, ordnance, frequency and organisation type facet with labels."""
        create(editor)
        result = call_action(
            "package_search",
            **{
                "facet.field": (
                    '["vocab_sectors", "vocab_themes", "data_type", "vocab_ordnance_types", '
                    '"update_frequency", "organization_type"]'
                )
            },
        )
        labels = {f: {i["name"]: i["display_name"] for i in v["items"]} for f, v in result["search_facets"].items()}
        assert labels["vocab_sectors"]["mine_action"] == "Mine Action"
        assert labels["vocab_themes"]["clearance"] == "Land release: clearance"
        assert labels["data_type"]["geodata"] == "Geodata"
        assert labels["vocab_ordnance_types"]["ap_mines"] == "Anti-personnel mines"
        assert labels["update_frequency"]["monthly"] == "Every month"
        assert labels["organization_type"]["nmaa"] == "National mine action authority"

    def test_dataset_search_page_facets_in_french(self, app, editor):
        """/fr/dataset shows the facet titles and labels in French."""
        create(editor)
        body = app.get("/fr/dataset/").body
        assert "Secteurs" in body
        assert "Action contre les mines" in body
        assert "Type d&#39;organisation" in body or "Type d'organisation" in body

    def test_arabic_is_right_to_left(self, app, editor):
        """Arabic pages render right-to-left with Arabic labels."""
        create(editor)
        body = app.get("/ar/dataset/").body
        assert 'dir="rtl"' in body
        assert "القطاعات" in body

    def test_dataset_page_groups_and_period(self, app, editor):
        """The dataset page shows the fields in sections and the period as a period."""
        create(editor)
        body = app.get("/mine-action/hazards-kachin").body
        assert "About the data" in body
        assert "Mine action" in body
        assert "01 January 2024 – 30 June 2024" in body
        assert "Land release: clearance" in body
        assert "Licence and contact" in body  # a licence is set
        assert "Reference period start" not in body  # shown as one period

    def test_empty_sections_are_not_shown(self, app, editor):
        """A section without filled fields is left out of the page."""
        create(editor, license_id=None)
        assert "Licence and contact" not in app.get("/mine-action/hazards-kachin").body

    def test_organisation_type_change_reindexes(self, editor):
        """Changing an organisation's type re-indexes its datasets (background job)."""
        from ckan.lib.jobs import Worker

        create(editor)
        call_action(
            "organization_patch", context={"user": factories.Sysadmin()["name"]}, id="nmaa", org_type="government"
        )
        Worker(["default"]).work(burst=True)
        result = call_action("package_search", **{"facet.field": '["organization_type"]'})
        assert result["facets"]["organization_type"] == {"government": 1}
