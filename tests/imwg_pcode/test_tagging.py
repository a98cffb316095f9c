"""Tagging datasets with P-codes: validation, derived fields, roll-up search,
facets with names, location pages, and the API the picker calls."""

from __future__ import annotations

import html
import json
import re

import ckan.logic as logic
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from . import places

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer")


@pytest.fixture
def gazetteer(tmp_path):
    places.load(tmp_path)


@pytest.fixture
def editor():
    user = factories.User(name="editor")
    org = factories.Organization(name="cccm", org_type="un_agency", users=[{"name": "editor", "capacity": "editor"}])
    return {"user": user, "org": org}


def create(editor, name="idp-sites", **changes):
    data = {
        "type": "dataset",
        "name": name,
        "title": name.replace("-", " ").title(),
        "owner_org": editor["org"]["id"],
        "source": "CCCM Cluster",
        "sectors": ["cccm"],
        **changes,
    }
    return call_action("package_create", context={"user": "editor"}, **data)


def search(**params):
    return call_action("package_search", include_private=True, **params)


def names(result):
    return sorted(p["name"] for p in result["results"])


class TestValidation:
    def test_codes_are_normalised(self, editor):
        """Codes are upper-cased, trimmed and deduplicated; text with commas works."""
        pkg = create(editor, pcodes=" mmr001014, MMR001014 ,mmr015001")
        assert pkg["pcodes"] == ["MMR001014", "MMR015001"]

    def test_unknown_code_is_a_field_error_naming_it(self, editor):
        """An unknown code is an error on the field that names it; nothing is saved."""
        with pytest.raises(logic.ValidationError) as e:
            create(editor, pcodes=["MMR001014", "MMR999999"])
        assert "MMR999999" in " ".join(e.value.error_dict["pcodes"])
        assert "MMR001014" not in " ".join(e.value.error_dict["pcodes"])
        assert search(include_drafts=True)["count"] == 0

    def test_retired_code_is_a_field_error_naming_it(self, editor):
        """A retired code is refused with its code and name."""
        with pytest.raises(logic.ValidationError) as e:
            create(editor, pcodes=["MMR001099"])
        message = " ".join(e.value.error_dict["pcodes"])
        assert "MMR001099" in message
        assert "Old Township" in message

    def test_countries_and_subnational_are_derived(self, editor):
        """Countries and the subnational flag come from the P-codes, not from input."""
        pkg = create(editor, pcodes=["MMR001014", "HT0111"], countries=["AFG"], subnational="no")
        assert pkg["countries"] == ["HTI", "MMR"]
        assert pkg["subnational"] == "yes"
        national = create(editor, name="national", pcodes=["MMR"])
        assert national["countries"] == ["MMR"]
        assert national["subnational"] == "no"
        untagged = create(editor, name="untagged")
        assert "countries" not in untagged
        assert "subnational" not in untagged

    def test_update_recomputes_derived_fields(self, editor):
        """Changing the places changes the derived countries."""
        pkg = create(editor, pcodes=["MMR001014"])
        pkg = call_action("package_patch", context={"user": "editor"}, id=pkg["id"], pcodes=["HT0111"])
        assert pkg["countries"] == ["HTI"]

    def test_tagging_asks_the_gazetteer_once(self, editor):
        """Once the process holds the gazetteer, checking a dataset's places,
        deriving its countries and indexing its places' ancestors and names
        cost one query to the gazetteer: its token."""
        from tests.support import statements_run

        create(editor, name="first", pcodes=["MMR015001"])  # the process reads the gazetteer
        with statements_run() as statements:
            pkg = create(editor, pcodes=["MMR001014", "HT0111"])
        gazetteer = [s for s in statements if "imwg_pcode" in s]
        assert len(gazetteer) == 1
        assert "imwg_pcode_token" in gazetteer[0]
        assert pkg["countries"] == ["HTI", "MMR"]
        assert names(search(fq="pcodes:MMR001D001")) == ["idp-sites"]
        assert names(search(q="Ouest")) == ["idp-sites"]


class TestRollUp:
    def test_tag_at_level_3_is_found_at_2_1_and_0(self, editor):
        """A township's dataset is found from its district, state and country."""
        create(editor, pcodes=["MMR001014"])
        create(editor, name="lashio", pcodes=["MMR015001"])
        for code in ("MMR001014", "MMR001D001", "MMR001", "MMR"):
            found = names(search(fq=f"pcodes:{code}"))
            assert "idp-sites" in found, code
        assert names(search(fq="pcodes:MMR001")) == ["idp-sites"]
        assert names(search(fq="pcodes:MMR")) == ["idp-sites", "lashio"]
        assert names(search(fq="pcodes:MMR001D002")) == []

    def test_filter_syntaxes(self, editor):
        """Quoted, lower-case, several codes (the location filter) and exclusion."""
        create(editor, pcodes=["MMR001014"])
        create(editor, name="lashio", pcodes=["MMR015001"])
        create(editor, name="haiti", pcodes=["HT0111"])
        assert names(search(fq='pcodes:"mmr001"')) == ["idp-sites"]
        assert names(search(fq='pcodes:"MMR001, HT01"')) == ["haiti", "idp-sites"]
        assert names(search(fq="-pcodes:MMR")) == ["haiti"]
        assert names(search(fq_list=["pcodes:MMR015"])) == ["lashio"]

    def test_free_text_finds_names_of_places_and_ancestors(self, editor):
        """ "Kachin" (an ancestor) and a local-script name find the township's data."""
        create(editor, pcodes=["MMR001014"])
        assert names(search(q="Kachin")) == ["idp-sites"]
        assert names(search(q="ဝိုင်းမော်")) == ["idp-sites"]

    def test_search_page_location_filter(self, app, editor):
        """/dataset?pcodes=X (what the location filter sends) rolls up."""
        create(editor, pcodes=["MMR001014"])
        create(editor, name="lashio", pcodes=["MMR015001"])
        body = app.get("/dataset/", query_string={"pcodes": "MMR001"}).body
        assert "/dataset/idp-sites" in body
        assert "/dataset/lashio" not in body
        assert 'data-module="imwg-pcode-picker"' in body

    def test_extent_for_map_search(self, editor):
        """The tagged places' boundary box is indexed for ckanext-spatial's bbox search."""
        create(editor, pcodes=["MMR001014"])
        create(editor, name="haiti", pcodes=["HT0111"])
        inside = search(extras={"ext_bbox": "97,25,98,26"})
        assert names(inside) == ["idp-sites"]


class TestFacets:
    def test_admin_level_facets_show_names(self, app, editor):
        """Facets per admin level count datasets and carry the places' names."""
        create(editor, pcodes=["MMR001014"])
        create(editor, name="myitkyina", pcodes=["MMR001001"])
        create(editor, name="lashio", pcodes=["MMR015001"])
        result = search(**{"facet.field": '["vocab_pcode_adm1", "vocab_pcode_adm0"]'})
        items = {
            i["name"]: (i["display_name"], i["count"]) for i in result["search_facets"]["vocab_pcode_adm1"]["items"]
        }
        assert items == {"MMR001": ("Kachin", 2), "MMR015": ("Shan (North)", 1)}
        assert result["facets"]["vocab_pcode_adm0"] == {"MMR": 3}
        body = app.get("/dataset/").body
        assert "Kachin" in body
        assert "Admin level 1" in body


class TestPages:
    def test_location_page_lists_datasets_and_sub_units(self, app, editor):
        """/location/MMR001: its datasets, its sub-units with counts, a map."""
        create(editor, pcodes=["MMR001014"])
        create(editor, name="mohnyin", pcodes=["MMR001008"])
        create(editor, name="lashio", pcodes=["MMR015001"])
        body = app.get("/location/MMR001").body
        assert "2 datasets about Kachin" in body
        assert "/dataset/idp-sites" in body
        assert "/dataset/mohnyin" in body
        assert "/dataset/lashio" not in body
        assert 'data-pcode="MMR001D001"' in body
        assert 'data-pcode="MMR001D002"' in body
        # the map: Kachin's districts have no boundary, so Kachin is drawn among its siblings
        assert 'class="imwg-map' in body
        assert 'data-pcode="MMR001"' in body
        assert "ကချင်" in body  # its other names

    def test_location_page_without_boundary_has_no_geometry_map(self, app, editor):
        """A township without a boundary: its path, no map (no box either)."""
        body = app.get("/location/mmr001014", follow_redirects=True).body
        assert "Waingmaw — Myitkyina — Kachin — Myanmar" in body
        # neither it nor its neighbours have a boundary: no shape is drawn
        assert "<path" not in body

    def test_unknown_location_is_404(self, app):
        """An unknown P-code is a 404, not an error."""
        assert app.get("/location/XX9", status=404)

    def test_locations_index_counts_countries(self, app, editor):
        """/location/ lists the countries with their datasets."""
        create(editor, pcodes=["MMR001014"])
        body = app.get("/location/").body
        assert "Myanmar" in body
        assert "Haïti" in body

    def test_dataset_page_shows_places_with_links(self, app, editor):
        """The dataset page names its places and links their location pages."""
        create(editor, pcodes=["MMR001014"])
        body = app.get("/dataset/idp-sites").body
        assert "Waingmaw" in body
        assert "/location/MMR001014" in body
        assert "Myanmar" in body

    def test_form_offers_the_picker(self, app, editor):
        """The form's places input carries the picker and the chosen places' paths."""
        create(editor, pcodes=["MMR001014"])
        env = {
            "Authorization": call_action("api_token_create", context={"user": "editor"}, user="editor", name="t")[
                "token"
            ]
        }
        body = app.get("/dataset/edit/idp-sites", headers=env).body
        assert 'data-module="imwg-pcode-picker"' in body
        assert 'value="MMR001014"' in body
        places = re.search(r'data-module-places="([^"]*)"', body).group(1)
        assert json.loads(html.unescape(places))[0]["path"] == "Waingmaw — Myitkyina — Kachin — Myanmar"


class TestPickerApi:
    def test_picker_search_call(self, app):
        """The picker's request (GET pcode_search?q=&limit=) returns paths, anonymously."""
        result = app.get("/api/3/action/pcode_search", query_string={"q": "wain", "limit": 10}).json["result"]
        assert result[0]["pcode"] == "MMR001014"
        assert result[0]["path"] == "Waingmaw — Myitkyina — Kachin — Myanmar"

    def test_lookup(self):
        """pcode_lookup answers known codes only, with their paths."""
        found = call_action("pcode_lookup", ids="mmr001014, XX1")
        assert list(found) == ["MMR001014"]
        assert found["MMR001014"]["country"] == "MMR"
