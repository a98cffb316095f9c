"""The completeness grid: its categories file, its states per place and
category, its drill-down and its page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qsl, urlsplit

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
import sqlalchemy as sa
from ckan.tests.helpers import call_action

from ckanext.imwg_exchange.holdings import categories, completeness
from ckanext.imwg_exchange.holdings.config import COMPLETENESS_CATEGORIES
from tests.imwg_exchange import holdings_portal as portal

VOCABULARIES = {
    "sectors": {"protection": "", "health": "", "cccm": "", "mine_action": ""},
    "themes": {"contamination": ""},
    "data_type": {"3w": "", "geodata": ""},
}
GOOD = """
categories:
  - name: three_w
    label: {en: Who does what where, fr: Qui fait quoi où}
    search: {data_type: [3w]}
"""


# -- the categories file (pure) ----------------------------------------------------------------


def test_good_file_is_read():
    """A valid file gives its categories."""
    assert [c.name for c in categories.parse(GOOD, VOCABULARIES)] == ["three_w"]


def test_label_in_a_language():
    """A category's label is given in the asked language, English otherwise."""
    category = categories.parse(GOOD, VOCABULARIES)[0]
    assert (category.label_in("fr"), category.label_in("ar")) == ("Qui fait quoi où", "Who does what where")


def test_invalid_yaml_is_said():
    """Text that is not YAML is refused with the parser's reason."""
    with pytest.raises(categories.CategoriesError, match="not valid YAML"):
        categories.parse("categories: [\n  - {name: x", VOCABULARIES)


def test_unknown_field_is_named():
    """An unknown field is refused, naming it and its category."""
    text = GOOD.replace("search:", "colour: red\n    search:")
    with pytest.raises(categories.CategoriesError, match="'three_w': unknown field\\(s\\) colour"):
        categories.parse(text, VOCABULARIES)


def test_unknown_search_key_is_named():
    """An unknown key of a search is refused."""
    with pytest.raises(categories.CategoriesError, match="search: unknown field\\(s\\) tags"):
        categories.parse(GOOD.replace("data_type: [3w]", "tags: [x]"), VOCABULARIES)


def test_unknown_vocabulary_value_is_named():
    """A value outside the schema's choices is refused, naming it."""
    with pytest.raises(categories.CategoriesError, match="unknown value\\(s\\) 4w"):
        categories.parse(GOOD.replace("[3w]", "[4w]"), VOCABULARIES)


def test_duplicate_names_are_refused():
    """Two categories may not share a name."""
    text = GOOD + "  - name: three_w\n    label: Again\n    search: {data_type: [3w]}\n"
    with pytest.raises(categories.CategoriesError, match="given twice"):
        categories.parse(text, VOCABULARIES)


def test_label_needs_english():
    """A label mapping must have English."""
    with pytest.raises(categories.CategoriesError, match="English"):
        categories.parse(GOOD.replace("en: Who does what where, ", ""), VOCABULARIES)


def test_empty_search_is_refused():
    """A category must say what it searches."""
    with pytest.raises(categories.CategoriesError, match="'search' must be a mapping"):
        categories.parse(GOOD.replace("{data_type: [3w]}", "{}"), VOCABULARIES)


def test_missing_file_is_said(tmp_path):
    """A file that cannot be read is named."""
    with pytest.raises(categories.CategoriesError, match="cannot be read"):
        categories.load(str(tmp_path / "none.yaml"))


# -- the grid on a portal ----------------------------------------------------------------------

pytestmark_db = pytest.mark.usefixtures("with_plugins", "clean_db")


def _age(name: str, days: int) -> None:
    """Make a dataset's data ``days`` old (as the freshness part records it) and re-index it."""
    from ckanext.imwg_exchange.freshness import tracking
    from ckanext.imwg_exchange.freshness.model import freshness_table

    pkg = model.Package.get(name)
    old = dt.datetime.utcnow() - dt.timedelta(days=days)
    model.Session.execute(
        sa.update(freshness_table).where(freshness_table.c.package_id == pkg.id).values(data_changed_at=old)
    )
    model.Session.commit()
    tracking.reindex([pkg.id])


@pytest.fixture
def site(tmp_path):
    built = portal.build(tmp_path)
    # 3W: Lashio's (Shan) is monthly and current; Haiti's is monthly and 200 days old
    for name in ("a-3w", "g-haiti"):
        call_action("package_patch", context={"user": "admin"}, id=name, update_frequency="monthly")
    _age("g-haiti", 200)
    return built


def grid(user: str = "admin", **params):
    return call_action("completeness_grid", context=portal.as_user(user), **params)


def states(result):
    return {
        (u["pcode"], c["name"]): cell["state"]
        for u, row in zip(result["units"], result["cells"], strict=True)
        for c, cell in zip(result["categories"], row, strict=True)
    }


@pytestmark_db
def test_default_categories_are_valid():
    """The shipped file is valid against the suite's schemas."""
    assert len(completeness.configured()) == 8


@pytestmark_db
def test_states_and_rows(site):
    """One portal, the grid's states and rows:

    - a unit covered by a current dataset is fresh;
    - a unit covered only by a late dataset is stale;
    - a unit no dataset covers is missing;
    - a dataset tagged with a township covers its state (roll-up);
    - without a place the rows are the admin-1 units;
    - with a place the rows are its sub-units, with their own states;
    - the grid costs at most two searches per category.
    """
    result = grid()
    by_cell = states(result)
    assert by_cell[("MMR015", "3w")] == "fresh", "current dataset"
    assert by_cell[("HT01", "3w")] == "stale", "late dataset"
    assert by_cell[("MMR001", "3w")] == "missing", "uncovered unit"
    assert by_cell[("MMR001", "idp_sites")] == "fresh", "covered through a sub-unit"
    assert [u["pcode"] for u in result["units"]] == ["HT01", "MMR001", "MMR015"], "admin-1 rows"
    assert result["searches"] <= 2 * 8, "searches"
    drilled = grid(place="MMR001")
    assert [u["pcode"] for u in drilled["units"]] == ["MMR001D002", "MMR001D001"], "sub-unit rows"
    sub = states(drilled)
    pair = (sub[("MMR001D002", "idp_sites")], sub[("MMR001D001", "idp_sites")])
    assert pair == ("fresh", "missing"), "sub-unit states"


@pytestmark_db
def test_cell_links_and_field_errors(app, site):
    """A missing cell links to the needs form with the category and the place; a covered
    cell's link lists the datasets behind it; an unknown place is refused on its field."""
    result = grid()
    row = [u["pcode"] for u in result["units"]].index("MMR001")
    column = [c["name"] for c in result["categories"]].index("hazardous_areas")
    url = result["cells"][row][column]["need_url"]
    assert parse_qsl(urlsplit(url).query) == [
        ("title", "Hazardous areas"),
        ("pcodes", "MMR001"),
        ("sectors", "mine_action"),
    ], "a missing cell offers a need"
    column = [c["name"] for c in result["categories"]].index("idp_sites")
    body = app.get(result["cells"][row][column]["url"], extra_environ={"REMOTE_USER": "admin"}).get_data(as_text=True)
    assert "1 dataset found" in body, "a covered cell links to its datasets"
    with pytest.raises(tk.ValidationError) as error:
        grid(place="XYZ")
    assert "place" in error.value.error_dict, "unknown place"


@pytestmark_db
def test_pages(app, site):
    """/completeness shows the grid with its legend, and missing cells offer to post a data
    need; /completeness/<pcode> shows the sub-units; an unknown place's page is not found."""
    body = app.get("/completeness").get_data(as_text=True)
    assert 'id="completeness-legend"' in body, "legend"
    assert "/needs/new?title=" in body, "links to needs"
    body = app.get("/completeness/MMR001").get_data(as_text=True)
    assert "Myitkyina" in body, "drill-down page"
    assert app.get("/completeness/XYZ").status_code == 404, "unknown place"


@pytestmark_db
def test_bad_categories_file_is_said_on_the_page(app, site, tmp_path, monkeypatch):
    """A broken categories file gives the page an error naming it, never a 500."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories:\n  - name: x\n    labl: X\n    search: {data_type: [3w]}\n")
    monkeypatch.setitem(tk.config, COMPLETENESS_CATEGORIES, str(bad))
    resp = app.get("/completeness")
    assert resp.status_code == 409
    assert "unknown field(s) labl" in resp.get_data(as_text=True)


@pytestmark_db
def test_bad_categories_file_is_a_field_error(site, tmp_path, monkeypatch):
    """Through the API the broken file is an error on ``categories``."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("categories: {")
    monkeypatch.setitem(tk.config, COMPLETENESS_CATEGORIES, str(bad))
    with pytest.raises(tk.ValidationError) as error:
        grid()
    assert "categories" in error.value.error_dict
