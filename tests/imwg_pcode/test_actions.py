"""pcode_show, pcode_search and pcode_list."""

from __future__ import annotations

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests.helpers import call_action

from ckanext.imwg_pcode import loader
from tests.support import statements_run

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_pcode"),
]

FILE = """adm0_pcode,adm0_name,adm1_pcode,adm1_name,adm1_name1,adm2_pcode,adm2_name,adm2_name1
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D001,Myitkyina,မြစ်ကြီးနား
MMR,Myanmar,MMR001,Kachin,ကချင်,MMR001D002,Mohnyin,မိုးညှင်း
MMR,Myanmar,MMR015,Shan (North),ရှမ်း,MMR015D001,Lashio,လားရှိုး
HTI,Haïti,HT01,Ouest,,HT0111,Port-au-Prince,
HTI,Haïti,HT02,Sud-Est,,HT0211,Jacmel,
"""


@pytest.fixture
def gazetteer(tmp_path):
    path = tmp_path / "units.csv"
    path.write_text(FILE)
    loader.load(path, model.Session)


def search(**kwargs):
    return call_action("pcode_search", **kwargs)


def test_show_with_ancestors_and_children():
    """A unit comes with its ancestors, path, names and children count."""
    unit = call_action("pcode_show", id=" mmr001d001 ")
    assert unit["pcode"] == "MMR001D001"
    assert unit["level"] == 2
    assert [a["pcode"] for a in unit["ancestors"]] == ["MMR", "MMR001"]
    assert unit["path"] == "Myitkyina — Kachin — Myanmar"
    assert unit["names"] == {"en": "Myitkyina", "alt1": "မြစ်ကြီးနား"}
    assert call_action("pcode_show", id="MMR001")["children"] == 2


def test_show_unknown_code():
    """An unknown code is NotFound, naming the code."""
    with pytest.raises(logic.NotFound, match="XYZ9"):
        call_action("pcode_show", id="xyz9")


def test_search_ranks_code_then_prefix_then_contains():
    """Exact code first, then prefixes, then names containing the text."""
    codes = [r["pcode"] for r in search(q="MMR001")]
    assert codes[0] == "MMR001"
    assert set(codes[1:]) == {"MMR001D001", "MMR001D002"}
    results = search(q="sh")
    assert results[0]["pcode"] == "MMR015"
    assert results[0]["match"] == "prefix"
    assert {r["pcode"]: r["match"] for r in search(q="port")}["HT0111"] == "prefix"
    assert {r["pcode"]: r["match"] for r in search(q="prince")}["HT0111"] == "contains"


def test_search_any_language_accents_and_case():
    """Names in every stored language match, whatever the accents and case."""
    assert search(q="HAITI")[0]["pcode"] == "HTI"
    assert search(q="မြစ်ကြီး")[0]["pcode"] == "MMR001D001"
    assert search(q="sud-est")[0]["path"] == "Sud-Est — Haïti"


def test_search_filters():
    """country and level narrow the results."""
    assert {r["pcode"] for r in search(q="ht0", country="hti", level=2)} == {"HT0111", "HT0211"}
    assert {r["pcode"] for r in search(q="ht0", country="hti")} == {"HT01", "HT02", "HT0111", "HT0211"}
    assert search(q="kachin", level=2) == []


def test_retired_codes_only_when_asked(tmp_path):
    """Retired codes are left out unless include_retired is set."""
    path = tmp_path / "newer.csv"
    path.write_text("\n".join(line for line in FILE.splitlines() if "Mohnyin" not in line) + "\n")
    loader.load(path, model.Session)
    assert search(q="mohnyin") == []
    assert search(q="mohnyin", include_retired=True)[0]["retired"] is True
    assert call_action("pcode_show", id="MMR001")["children"] == 1


def test_list_children_and_countries():
    """pcode_list gives a unit's children, or the countries."""
    assert [u["pcode"] for u in call_action("pcode_list")] == ["HTI", "MMR"]
    kachin = call_action("pcode_list", id="MMR001")
    assert [u["name"] for u in kachin] == ["Mohnyin", "Myitkyina"]
    assert kachin[0]["path"] == "Mohnyin — Kachin — Myanmar"
    assert call_action("pcode_list", id="MMR")[0]["children"] == 2


def test_bad_parameters_are_validation_errors():
    """Missing q or a non-numeric level are field errors."""
    with pytest.raises(logic.ValidationError) as e:
        call_action("pcode_search", q="", level="two")
    assert {"q", "level"} <= set(e.value.error_dict)


def test_anonymous_api(app):
    """Anyone may use the actions through the API."""
    resp = app.get("/api/3/action/pcode_search", query_string={"q": "kachin"})
    assert resp.json["success"]
    assert resp.json["result"][0]["pcode"] == "MMR001"
    assert app.get("/api/3/action/pcode_show", query_string={"id": "nope"}, status=404).json["success"] is False


@pytest.mark.parametrize("memory_units", [150_000, 3, 0], ids=["held-whole", "too-large", "never-whole"])
def test_kept_units_follow_every_change_to_the_gazetteer(tmp_path, memory_units, ckan_config, monkeypatch):
    """pcode_lookup keeps units across transactions, and sees each committed
    change: a hand-written retirement, a new name, a reload with a new unit;
    whether the gazetteer (11 units) is held whole or read as asked for."""
    import sqlalchemy as sa

    monkeypatch.setitem(ckan_config, "ckanext.imwg_pcode.memory_units", memory_units)
    first = call_action("pcode_lookup", ids=["MMR001D001", "MMR009"])
    assert list(first) == ["MMR001D001"]
    assert not first["MMR001D001"]["retired"]
    model.Session.execute(sa.text("UPDATE imwg_pcode_unit SET retired_at = now() WHERE pcode = 'MMR001D001'"))
    model.Session.commit()
    assert call_action("pcode_lookup", ids=["MMR001D001"])["MMR001D001"]["retired"]
    model.Session.execute(sa.text("UPDATE imwg_pcode_unit SET name = 'Myitkyina District' WHERE pcode = 'MMR001D001'"))
    model.Session.commit()
    assert call_action("pcode_lookup", ids=["MMR001D001"])["MMR001D001"]["name"] == "Myitkyina District"
    # a code unknown before is found once a load adds it
    path = tmp_path / "more.csv"
    path.write_text(FILE + "MMR,Myanmar,MMR009,Mandalay,,MMR009D001,Mandalay,\n")
    loader.load(path, model.Session)
    assert list(call_action("pcode_lookup", ids=["MMR009"])) == ["MMR009"]


def test_gazetteer_held_whole_answers_without_queries():
    """Once held whole, a lookup costs one query per transaction (the
    gazetteer's token), whatever codes it asks for, unknown ones included."""
    call_action("pcode_lookup", ids=["HT0111"])
    model.Session.commit()
    with statements_run() as statements:
        found = call_action("pcode_lookup", ids=["MMR015D001", "HT0211", "XX999", "MMR404"])
    assert sorted(found) == ["HT0211", "MMR015D001"]
    assert found["MMR015D001"]["path"] == "Lashio — Shan (North) — Myanmar"
    gazetteer = [s for s in statements if "imwg_pcode" in s]
    assert len(gazetteer) == 1
    assert "imwg_pcode_token" in gazetteer[0]


def test_token_renewed_once_per_transaction():
    """Many writes to the gazetteer in one transaction renew its token once:
    the one-row table does not fill with dead versions that every reader of
    the token would then scan, and the change is still seen after commit."""
    import sqlalchemy as sa

    before = model.Session.execute(sa.text("SELECT token FROM imwg_pcode_token")).scalar()
    model.Session.commit()
    for i in range(600):
        model.Session.execute(sa.text(f"UPDATE imwg_pcode_unit SET name = 'Jacmel {i}' WHERE pcode = 'HT0211'"))
    model.Session.commit()
    after = model.Session.execute(sa.text("SELECT token FROM imwg_pcode_token")).scalar()
    pages = model.Session.execute(sa.text("SELECT pg_relation_size('imwg_pcode_token') / 8192")).scalar()
    assert after != before
    assert pages == 1
    assert call_action("pcode_lookup", ids=["HT0211"])["HT0211"]["name"] == "Jacmel 599"
