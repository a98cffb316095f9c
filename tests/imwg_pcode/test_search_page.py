"""The search page and the dataset page as readers meet them: a map to draw
a box on (ckanext-spatial's widget over the gazetteer's outlines), the active
place filter named ("Location: Waingmaw"), facet labels whole, an admin-3
facet when the gazetteer has admin 3, each result's organisation, places,
reference period and sensitivity badge, and the dataset's extent on a map."""

from __future__ import annotations

import html
import json
import re

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from . import places

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer")

LONG_NAME = "National Mine Action Authority of the Union"


@pytest.fixture
def gazetteer(tmp_path):
    places.load(tmp_path)


@pytest.fixture
def editor():
    user = factories.User(name="editor")
    org = factories.Organization(
        name="nmaa", title=LONG_NAME, org_type="government", users=[{"name": "editor", "capacity": "editor"}]
    )
    return {"user": user, "org": org}


def create(editor, name="idp-sites", **changes):
    data = {
        "type": "dataset",
        "name": name,
        "title": name.replace("-", " ").title(),
        "owner_org": editor["org"]["id"],
        "source": "CCCM Cluster",
        "sectors": ["cccm"],
        "sensitivity": "public",
        **changes,
    }
    return call_action("package_create", context={"user": "editor"}, **data)


def item(body: str, name: str) -> str:
    """The search result of a dataset (its list item)."""
    start = body.index(f'href="/dataset/{name}"')
    return body[body.rindex("<li", 0, start) : body.index("</li>", body.index('class="dataset-resources', start))]


class TestSearchPage:
    def test_map_widget_starts_on_the_gazetteer(self, app, editor):
        """The sidebar has ckanext-spatial's box-drawing map, framed on the countries
        with admin-1 boundaries, and the address of their outlines."""
        body = app.get("/dataset/").body
        assert 'data-module="spatial-query"' in body
        extent = json.loads(html.unescape(re.search(r'data-default_extent="([^"]+)"', body).group(1)))
        assert extent == [[28.5, 99.5], [21.0, 96.0]]
        outlines = json.loads(html.unescape(re.search(r'data-imwg-pcode-outlines="([^"]+)"', body).group(1)))
        assert outlines == ["/location/export.geojson?country=MMR&level=1&simplify=0.01"]
        geojson = app.get(outlines[0]).json
        assert {f["properties"]["pcode"] for f in geojson["features"]} == {"MMR001", "MMR015"}

    def test_box_filters_results(self, app, editor):
        """A box (what the widget sends as ext_bbox) finds the datasets whose places it touches."""
        create(editor, pcodes=["MMR001014"])
        create(editor, name="lashio", pcodes=["MMR015001"])
        body = app.get("/dataset/", query_string={"ext_bbox": "97,25,98,26"}).body
        assert "/dataset/idp-sites" in body
        assert "/dataset/lashio" not in body

    def test_active_place_filter_is_named(self, app, editor):
        """The location filter reads "Location: Waingmaw", not "None: MMR001014"."""
        create(editor, pcodes=["MMR001014"])
        body = app.get("/dataset/", query_string={"pcodes": "MMR001014"}).body
        pills = re.search(r'<p class="filter-list">(.*?)</p>', body, re.S).group(1)
        assert re.search(
            r'<span class="facet">Location:</span>\s*<span class="filtered pill">\s*<bdi>Waingmaw</bdi>', pills
        )
        assert "None" not in pills
        assert "MMR001014" not in re.sub(r'href="[^"]*"', "", pills)

    def test_active_admin_facet_is_named(self, app, editor):
        """An admin-level facet filter shows the place's name."""
        create(editor, pcodes=["MMR001014"])
        body = app.get("/dataset/", query_string={"vocab_pcode_adm1": "MMR001"}).body
        pills = re.search(r'<p class="filter-list">(.*?)</p>', body, re.S).group(1)
        assert "Kachin" in pills
        assert "MMR001" not in re.sub(r'href="[^"]*"', "", pills)

    def test_long_facet_labels_are_whole(self, app, editor):
        """An organisation's long name is not cut to "National Mine…"."""
        create(editor, pcodes=["MMR001014"])
        body = app.get("/dataset/").body
        assert f'<span class="item-label"><bdi>{LONG_NAME}</bdi></span>' in body

    def test_admin_3_facet_when_the_gazetteer_has_admin_3(self, app, editor):
        """The gazetteer has townships (admin 3): their facet is offered, with names."""
        create(editor, pcodes=["MMR001014"])
        body = app.get("/dataset/").body
        assert "Admin level 3" in body
        assert "Waingmaw" in body
        assert "Admin level 4" not in body

    def test_result_shows_org_places_period_and_badge(self, app, editor):
        """A result names its organisation, places (names, not codes), reference period,
        sensitivity level and freshness, and lists its formats."""
        pkg = create(
            editor,
            pcodes=["MMR001014", "MMR015001"],
            reference_period_start="2024-01-01",
            reference_period_end="2024-12-31",
            sensitivity="restricted",
        )
        call_action(
            "resource_create",
            context={"user": "editor"},
            package_id=pkg["id"],
            url="https://example.org/a.csv",
            format="CSV",
        )
        body = item(app.get("/dataset/").body, "idp-sites")
        assert LONG_NAME in body
        assert re.search(r"<bdi[^>]*>Waingmaw</bdi> and <bdi[^>]*>Lashio</bdi>", body)
        assert "MMR001014" not in re.sub(r'title="[^"]*"', "", body)
        assert "01 January 2024 – 31 December 2024" in body
        assert 'data-sensitivity="restricted"' in body
        assert ">Restricted</span>" in body
        assert "imwg-freshness" in body
        assert 'data-format="csv"' in body

    def test_result_names_three_places_and_counts_the_others(self, app, editor):
        """A result with five places names the first three and says how many more."""
        create(editor, pcodes=["MMR001014", "MMR015001", "MMR001", "MMR015", "MMR001008"])
        places = re.search(r'<p class="imwg-item-places[^"]*">(.*?)</p>', app.get("/dataset/").body, re.S)
        names = re.findall(r"<bdi[^>]*>([^<]*)</bdi>", places.group(1))
        assert names == ["Waingmaw", "Lashio", "Kachin"]
        assert "and 2 more" in places.group(1)

    def test_badge_in_french_and_arabic(self, app, editor):
        """The badge and the place filter's title are translated; names stay isolated in Arabic."""
        create(editor, pcodes=["MMR001014"], sensitivity="confidential")
        fr = app.get("/fr/dataset/", query_string={"pcodes": "MMR001014"}).body
        assert ">Confidentiel</span>" in fr
        assert '<span class="facet">Lieu :</span>' in fr or '<span class="facet">Lieu:</span>' in fr
        ar = app.get("/ar/dataset/").body
        assert 'data-sensitivity="confidential"' in ar
        assert ">Confidential</span>" not in ar
        assert re.search(r"<bdi[^>]*>Waingmaw</bdi>", ar)


class TestDatasetPage:
    def test_extent_from_the_places_boundaries(self, app, editor):
        """A dataset tagged with Kachin shows Kachin's boundary on a small map."""
        create(editor, pcodes=["MMR001"])
        body = app.get("/dataset/idp-sites").body
        assert "imwg-dataset-extent" in body
        extent = json.loads(html.unescape(re.search(r'data-extent="([^"]+)"', body).group(1)))
        assert extent["type"] == "Polygon"
        assert [96.0, 24.0] in extent["coordinates"][0]
        assert "data-imwg-pcode-outlines" in body

    def test_place_without_boundary_is_drawn_by_its_ancestor(self, app, editor):
        """A township without a boundary is drawn by its state's, and the page says so."""
        create(editor, pcodes=["MMR001014", "MMR015001"])
        body = app.get("/dataset/idp-sites").body
        extent = json.loads(html.unescape(re.search(r'data-extent="([^"]+)"', body).group(1)))
        assert extent["type"] == "GeometryCollection"
        assert len(extent["geometries"]) == 2
        assert "<bdi>Waingmaw</bdi> is drawn by the boundary of <bdi>Kachin</bdi>." in body

    def test_own_spatial_extent_wins(self, app, editor):
        """A dataset with its own ``spatial`` extent shows that one."""
        point = {"type": "Point", "coordinates": [97.4, 25.4]}
        create(editor, pcodes=["MMR001"], extras=[{"key": "spatial", "value": json.dumps(point)}])
        body = app.get("/dataset/idp-sites").body
        extent = json.loads(html.unescape(re.search(r'data-extent="([^"]+)"', body).group(1)))
        assert extent == point

    def test_no_places_no_map(self, app, editor):
        """A dataset without places has no extent map."""
        create(editor)
        body = app.get("/dataset/idp-sites").body
        assert "imwg-dataset-extent" not in body
