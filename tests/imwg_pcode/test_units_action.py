"""pcode_units: a branch of the gazetteer (a whole country) in one answer."""

from __future__ import annotations

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests.helpers import call_action

from ckanext.imwg_pcode import loader

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_pcode"),
]

FILE = """adm0_pcode,adm0_name,adm1_pcode,adm1_name,adm1_name1,adm2_pcode,adm2_name,adm2_name1
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D001,Myitkyina,မြစ်ကြီးနား
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D002,Mohnyin,မိုးညှင်း
MMR,Myanmar,MMR015,Shan (North),ရှမ်း,MMR015D001,Lashio,လားရှိုး
HTI,Haïti,HT01,Ouest,,HT0111,Port-au-Prince,
"""


@pytest.fixture
def gazetteer(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(FILE)
    loader.load(path, model.Session)


def test_a_country_comes_whole_parents_first():
    """Every unit under the country, each after its parent, nothing of another country."""
    units = call_action("pcode_units", id=" mmr ")
    codes = [u["pcode"] for u in units]
    assert set(codes) == {"MMR", "MMR001", "MMR015", "MMR001D001", "MMR001D002", "MMR015D001"}
    assert codes[0] == "MMR"
    for unit in units[1:]:
        assert codes.index(unit["parent"]) < codes.index(unit["pcode"])
    top = units[0]
    assert top["parent"] is None and top["level"] == 0 and top["country"] == "MMR"
    assert "names" not in top


def test_names_in_every_language_when_asked():
    units = {u["pcode"]: u for u in call_action("pcode_units", id="MMR001", include_names=True)}
    assert set(units) == {"MMR001", "MMR001D001", "MMR001D002"}
    assert units["MMR001"]["parent"] is None
    assert "မြစ်ကြီးနား" in units["MMR001D001"]["names"].values()


def test_an_unknown_code_is_not_found_and_bad_input_is_a_field_error():
    with pytest.raises(logic.NotFound):
        call_action("pcode_units", id="XXX")
    with pytest.raises(logic.ValidationError) as raised:
        call_action("pcode_units", id="")
    assert "id" in raised.value.error_dict
    with pytest.raises(logic.ValidationError) as raised:
        call_action("pcode_units", id="MMR", include_names=["x"])
    assert "include_names" in raised.value.error_dict


def test_anyone_may_read_it():
    """Public reference data: an anonymous caller gets it."""
    assert call_action("pcode_units", context={"user": "", "ignore_auth": False}, id="HTI")[0]["pcode"] == "HTI"
