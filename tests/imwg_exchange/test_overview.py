"""The country overview: the home page and the exchange_overview action."""

from __future__ import annotations

import re

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from . import overview_gazetteer

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer")

TITLE = "Myanmar IMWG data portal"


@pytest.fixture
def gazetteer(tmp_path):
    overview_gazetteer.load(tmp_path)


def dataset(org, name, pcodes, sectors=("health",), **extra):
    return factories.Dataset(
        owner_org=org["id"],
        name=name,
        title=name.replace("-", " ").title(),
        pcodes=list(pcodes),
        sectors=list(sectors),
        source="Tests",
        **extra,
    )


@pytest.fixture
def portal():
    org = factories.Organization(name="ocha", org_type="un_agency")
    dataset(org, "kachin-township-data", ["MMR001D001"])
    dataset(org, "kachin-state-data", ["MMR001"], sectors=("health", "wash"))
    dataset(org, "shan-north-data", ["MMR015"], sectors=("mine_action",))
    dataset(org, "nay-pyi-taw-data", ["MMR018"])
    return org


def overview(user=""):
    return call_action("exchange_overview", context={"user": user, "ignore_auth": False})


def shape(body: str, pcodes: str) -> str:
    """The SVG link of the map with these data-pcode values."""
    match = re.search(rf'<a [^>]*data-pcode="{pcodes}"[^>]*>', body)
    assert match, pcodes
    return match.group(0)


class TestAction:
    def test_counts_figures_sectors_and_latest(self, portal):
        """One portal, the action's parts:

        - a dataset tagged with a township counts for its state, as search's roll-up does;
        - key figures: datasets, organisations sharing data and admin-1 units covered;
        - sectors come with their counts, the largest first;
        - the latest datasets are the last modified ones, newest first;
        - the fresh share is between 0 and 1, or null when the index has no freshness.
        """
        result = overview()
        units = {u["pcode"]: u["datasets"] for u in result["units"]}
        assert units["MMR001"] == 2, "roll-up to the state"
        assert units["MMR015"] == 1, "a state's own dataset"
        assert units["MMR002"] == 0, "an empty state"
        assert result["datasets"] == 4, "datasets"
        assert result["organizations"] == 1, "organisations"
        assert result["places_covered"] == 3, "places covered"
        assert result["places_total"] == 6, "places in all"
        sectors = result["sectors"]
        assert sectors[0]["name"] == "health", "largest sector first"
        assert sectors[0]["count"] == 3, "largest sector's count"
        assert {s["name"]: s["count"] for s in sectors}["wash"] == 1, "another sector's count"
        assert [d["name"] for d in result["latest"]][0] == "nay-pyi-taw-data", "newest first"
        share = result["fresh_share"]
        assert share is None or 0 <= share <= 1, "fresh share"

    def test_latest_is_validated(self):
        """A bad ``latest`` is a field error, not a crash."""
        with pytest.raises(Exception) as error:
            call_action("exchange_overview", latest="many")
        assert "latest" in str(error.value)


class TestHomePage:
    @pytest.mark.ckan_config("ckan.site_title", TITLE)
    @pytest.mark.ckan_config("ckan.site_intro_text", "Data shared by the **IMWG** members.")
    @pytest.mark.ckan_config("ckan.site_about", "Run by the information management working group.")
    def test_site_own_title_intro_and_about(self, app):
        """The site's own title, intro and about text; never CKAN's welcome or placeholder."""
        body = app.get("/").get_data(as_text=True)
        assert f"<h1>{TITLE}</h1>" in body
        assert "<strong>IMWG</strong>" in body
        assert "Run by the information management working group." in body
        assert "Welcome to CKAN" not in body
        assert "placeholder-420x220" not in body
        assert "This is a featured section" not in body

    def test_neutral_intro_and_empty_portal(self, app):
        """Without an intro the page says what the portal is for, in its own words; with no
        dataset, it says so instead of showing blanks."""
        body = app.get("/").get_data(as_text=True)
        assert "who holds what data, where" in body, "neutral intro"
        assert "Welcome to CKAN" not in body, "not CKAN's welcome"
        assert "No dataset yet." in body, "no dataset"
        assert 'data-pcode="MMR001"' in body, "the map"

    @pytest.mark.ckan_config("ckan.site_logo", "/base/images/ckan-logo.png")
    def test_ckan_logo_is_not_the_site_logo(self, app):
        """CKAN's own logo is not shown as the portal's in the overview: the suite's is."""
        body = app.get("/").get_data(as_text=True)
        assert 'class="imwg-overview-logo" src="/imwg/logo.svg"' in body
        assert "ckan-logo.png" not in body

    @pytest.mark.ckan_config("ckan.site_logo", "https://imwg.example.org/logo.png")
    def test_site_logo(self, app):
        """The configured logo heads the overview."""
        body = app.get("/").get_data(as_text=True)
        assert 'src="https://imwg.example.org/logo.png"' in body

    def test_map_sectors_latest_and_needs_prompt(self, app, portal):
        """One portal, the home page's parts:

        - each unit of the map is a link to its location page with its code, count and hover title;
        - parts sharing one boundary are one shape that lists both and opens their country's page;
        - a unit with no boundary is listed under the map with its count, not left out;
        - sectors with counts and the latest datasets are on the page;
        - an anonymous visitor is offered to log in rather than shown an empty register.
        """
        body = app.get("/").get_data(as_text=True)
        kachin = shape(body, "MMR001")
        assert 'href="/location/MMR001"' in kachin, "unit link"
        assert 'data-count="2"' in kachin, "unit count"
        assert "<title>Kachin: 2 datasets</title>" in body, "unit hover title"
        assert "imwg-map-shade-0" in shape(body, "MMR002"), "empty unit shade"
        group = shape(body, "MMR014 MMR015")
        assert 'href="/location/MMR"' in group, "shared outline opens the country"
        assert "imwg-map-group" in group, "shared outline is a group"
        assert "Shan (South): 0 datasets; Shan (North): 1 dataset" in body, "shared outline lists both"
        assert re.search(
            r'<li data-pcode="MMR018" data-count="1">\s*<a href="/location/MMR018">Nay Pyi Taw</a>', body
        ), "unit without boundary"
        assert 'data-sector="health"' in body, "sectors"
        assert "Nay Pyi Taw Data" in body, "latest"
        assert "Log in to see the data organisations need" in body, "anonymous needs prompt"

    def test_open_needs_for_logged_in_users(self, app, portal):
        """A logged-in visitor sees the open data needs with links to them."""
        user = factories.User()
        call_action("organization_member_create", id=portal["id"], username=user["name"], role="member")
        need = call_action(
            "need_create",
            context={"user": user["name"], "ignore_auth": False},
            title="Hazardous areas near clinics",
            sectors=["health"],
            pcodes=["MMR001"],
            owner_org=portal["id"],
        )
        token = factories.APIToken(user=user["name"])["token"]
        body = app.get("/", headers={"Authorization": token}).get_data(as_text=True)
        assert f'<a href="/needs/{need["id"]}">Hazardous areas near clinics</a>' in body


class TestLocationPage:
    def test_maps(self, app, portal):
        """One portal, the location pages' maps:

        - a state's page maps its districts with boundaries, shaded, and lists the others with counts;
        - without its children's boundaries, the unit is centred and outlined among its shaded siblings;
        - the country's page maps its admin-1 units;
        - the page no longer needs ckanext-spatial's map widget.
        """
        body = app.get("/location/MMR001").get_data(as_text=True)
        district = shape(body, "MMR001D001")
        assert 'href="/location/MMR001D001"' in district, "district link"
        assert 'data-count="1"' in district, "district count"
        assert re.search(r'<li data-pcode="MMR001D002" data-count="0">', body), "district without boundary"
        assert 'data-pcode="MMR002"' not in body, "no sibling"
        assert "dataset-map" not in body, "no spatial map widget"
        body = app.get("/location/MMR002").get_data(as_text=True)
        assert "imwg-map-highlight" in shape(body, "MMR002"), "unit outlined"
        assert "imwg-map-highlight" not in shape(body, "MMR001"), "siblings not outlined"
        assert 'data-count="2"' in shape(body, "MMR001"), "siblings shaded"
        assert "Loikaw" in body, "children listed"
        body = app.get("/location/MMR").get_data(as_text=True)
        assert 'href="/location/MMR003"' in shape(body, "MMR003"), "country maps its states"
