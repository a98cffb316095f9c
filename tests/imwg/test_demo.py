"""`ckan imwg demo`: demo content for the portal."""

from __future__ import annotations

from pathlib import Path

import ckan.model as model
import pytest
from ckan.cli.cli import ckan
from ckan.tests.helpers import call_action

from ckanext.imwg import demo
from ckanext.imwg_pcode import loader

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "demo_gazetteer")

#: demo needs posted when the needs register (imwg_exchange) is enabled
NEEDS = len(demo.NEEDS)

DEMO_UNITS = Path(loader.__file__).parent / "demo_data" / "mmr_demo_units.geojson"


@pytest.fixture
def demo_gazetteer(cli):
    """What `make demo` does first: the demo places, into an empty gazetteer."""
    result = cli.invoke(ckan, ["pcode", "load", "--if-empty", str(DEMO_UNITS)])
    assert result.exit_code == 0, result.output


def test_load_creates_each_kind():
    """Organisations of several kinds, users, groups and datasets of both types are created."""
    created = demo.load(echo=lambda _: None)
    assert created == {"organizations": 4, "groups": 2, "users": 6, "datasets": 8, "needs": NEEDS}
    orgs = call_action("organization_list", all_fields=True, include_extras=True)
    assert len({o["org_type"] for o in orgs}) == 4
    types = {d["type"] for d in call_action("package_search", rows=50)["results"]}
    assert types == {"dataset", "mine-action"}


def test_users_have_known_passwords_and_roles():
    """Each demo user logs in with the printed password and has the printed role."""
    demo.load(echo=lambda _: None)
    for user, password, role in demo.credentials():
        obj = model.User.get(user)
        assert obj.validate_password(password), user
        assert obj.sysadmin == (role == "sysadmin")
    members = call_action("member_list", id="nmaa", object_type="user")
    assert any(capacity.lower() == "editor" for _id, _type, capacity in members)


def test_second_run_creates_nothing_and_loses_nothing():
    """Running it again is idempotent and keeps edits made since."""
    demo.load(echo=lambda _: None)
    call_action("package_patch", context={"user": "ocha_admin"}, id="idp-sites-master-list", title="Edited by a user")
    assert demo.load(echo=lambda _: None) == {"organizations": 0, "groups": 0, "users": 0, "datasets": 0, "needs": 0}
    assert call_action("package_show", id="idp-sites-master-list")["title"] == "Edited by a user"


def test_demo_is_searchable_by_sector_and_uploads_exist():
    """Demo datasets are found by sector facet and carry uploaded CSV files."""
    demo.load(echo=lambda _: None)
    result = call_action(
        "package_search", fq="vocab_sectors:mine_action", **{"facet.field": '["vocab_sectors", "vocab_themes"]'}
    )
    assert result["count"] == 4
    assert result["facets"]["vocab_themes"]["casualties"] == 1
    pkg = call_action("package_show", id="confirmed-hazardous-areas")
    assert pkg["resources"][0]["url_type"] == "upload"


def test_cli_prints_credentials(cli):
    """The CLI prints what it created and the users' passwords."""
    result = cli.invoke(ckan, ["imwg", "demo"])
    assert result.exit_code == 0, result.output
    assert "8 datasets created" in result.output
    assert "imwg_admin" in result.output
    assert demo.password_for("analyst") in result.output


def test_demo_datasets_have_places():
    """Demo datasets are tagged with the demo places and found from a state."""
    demo.load(echo=lambda _: None)
    pkg = call_action("package_show", id="confirmed-hazardous-areas")
    assert pkg["countries"] == ["MMR"]
    assert pkg["subnational"] == "yes"
    kachin = call_action("package_search", fq="pcodes:MMR001", rows=50)
    assert {p["name"] for p in kachin["results"]} == {
        "idp-sites-master-list",
        "4w-who-does-what-where",
        "trauma-casualties-health-facilities",
        "confirmed-hazardous-areas",
        "explosive-ordnance-casualties",
        "eore-sessions-delivered",
    }


def test_demo_gazetteer_is_not_loaded_over_another(cli):
    """--if-empty leaves a gazetteer that already holds units alone."""
    result = cli.invoke(ckan, ["pcode", "load", "--if-empty", str(DEMO_UNITS)])
    assert result.exit_code == 0
    assert "nothing loaded" in result.output


def test_demo_gazetteer_has_every_state_and_boundaries():
    """The demo gazetteer holds Myanmar's 18 admin-1 units, 17 of them with a boundary."""
    units = call_action("pcode_list", id="MMR")
    assert len(units) == 18
    shapes = call_action("pcode_lookup", ids=[u["pcode"] for u in units])
    assert sum(1 for u in shapes.values() if u["bbox"]) == 17
    assert call_action("pcode_show", id="MMR018")["bbox"] is None


def test_demo_datasets_spread_over_states():
    """Demo datasets cover several states and regions, so the overview map has shades."""
    demo.load(echo=lambda _: None)
    result = call_action("package_search", rows=0, **{"facet.field": '["vocab_pcode_adm1"]', "facet.limit": -1})
    assert len(result["facets"]["vocab_pcode_adm1"]) >= 10


def test_demo_needs_are_posted_once():
    """With the needs register, the demo posts its needs once."""
    demo.load(echo=lambda _: None)
    demo.load(echo=lambda _: None)
    assert call_action("need_search", rows=50)["count"] == NEEDS
