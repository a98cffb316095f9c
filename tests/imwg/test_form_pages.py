"""The dataset form and pages: the choice of the dataset type, the headings,
the tag-style multiple selects, the assistant's fields shown to editors only,
the contact address, the resource's inherited level."""

from __future__ import annotations

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
SCHEMAS = "ckanext.imwg.schemas:dataset.yaml ckanext.imwg.schemas:mine_action.yaml"
EMAIL = "im@ngo.example.org"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("scheming.dataset_schemas", SCHEMAS),
]


@pytest.fixture
def org():
    factories.User(name="editor")
    return factories.Organization(name="ngo", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}])


@pytest.fixture
def token(org):
    return {"Authorization": factories.APIToken(user="editor")["token"]}


def create(org, name, **fields):
    values = {
        "type": "dataset",
        "name": name,
        "title": name,
        "owner_org": org["id"],
        "source": "Field teams",
        "sectors": ["protection"],
        "maintainer": "Ana Analyst",
        "maintainer_email": EMAIL,
        **fields,
    }
    return call_action("package_create", context={"user": "editor"}, **values)


def page(app, url, headers=None, status=200):
    return app.get(url, headers=headers or {}, status=status).get_data(as_text=True)


def test_add_dataset_offers_each_type_with_a_line(app, token):
    """The "Add dataset" button opens a choice of the two types, each with what it is for."""
    body = page(app, "/dataset/", token)
    assert 'id="imwg-add-dataset"' in body
    assert 'data-dataset-type="dataset"' in body
    assert 'data-dataset-type="mine-action"' in body
    assert 'href="/mine-action/new"' in body
    assert "Mine-action dataset" in body
    assert "IMAS 05.10" in body


@pytest.mark.parametrize(
    "url, heading",
    [
        ("/mine-action/new", "New mine-action dataset"),
        ("/dataset/new", "New humanitarian dataset"),
        ("/fr/mine-action/new", "Nouveau jeu de données de lutte antimines"),
        ("/ar/mine-action/new", "مجموعة بيانات جديدة للأعمال المتعلقة بالألغام"),
    ],
)
def test_the_new_dataset_page_names_its_type(app, token, url, heading):
    """The form's heading, title and breadcrumb say which type of dataset is made, in the page's language."""
    body = page(app, url, token)
    assert f">{heading}</h1>" in body
    assert f"<title>{heading}" in body
    assert f'<li class="active"><a href="">{heading}</a></li>' in body  # the breadcrumb
    assert f'<span class="highlight">{heading}</span>' in body  # the form's first step
    assert "Create " not in body


def test_multiple_selects_are_tag_style(app, token):
    """Sectors, population groups and languages are multiple selects made tag-style by CKAN's autocomplete."""
    body = page(app, "/dataset/new", token)
    for field in ("sectors", "population_groups", "data_languages"):
        start = body.index(f'id="field-{field}"')
        tag = body[body.rindex("<select", 0, start) : body.index(">", start)]
        assert "multiple" in tag
        assert 'data-module="autocomplete"' in tag


def test_a_missing_sector_is_still_a_field_error(app, token):
    """The form sent without sectors comes back with the error under the field."""
    body = app.post(
        "/dataset/new",
        headers=token,
        data={"name": "no-sectors", "title": "No sectors", "source": "Field teams", "save": ""},
    ).get_data(as_text=True)
    start = body.index('id="field-sectors"')
    assert "Missing value" in body[start : body.index("</div>", body.index("</select>", start)) + 200]


def test_the_level_field_says_it_follows_the_suggestion(app, token):
    """The new form's level field is tied to the assistant and says so."""
    body = page(app, "/dataset/new", token)
    assert 'data-module-follow="field-sensitivity"' in body
    assert "Filled in with the suggested level" in body


def test_the_assistant_is_shown_to_editors_only(app, org, token):
    """Visitors see the level, not the assistant's answers or its suggestion; editors see both."""
    create(org, "answered", sensitivity_assessment=["precise_locations"], sensitivity="public")
    public = page(app, "/dataset/answered")
    assert "Public (low sensitivity)" in public
    assert "Classification assistant" not in public
    assert "Suggested sensitivity" not in public
    assert "admin level 2" not in public
    edited = page(app, "/dataset/answered", token)
    assert "Classification assistant" in edited
    assert "Suggested sensitivity" in edited


def test_the_contact_email_shows_the_address(app, org):
    """The contact row is a mail link that reads as the address (the maintainer has their own row)."""
    create(org, "contact", sensitivity="public")
    body = page(app, "/dataset/contact")
    assert f"<a href=mailto:{EMAIL}>{EMAIL}</a>" in body
    assert "Ana Analyst" in body


def test_the_contact_email_follows_the_metadata_rule(app, org):
    """A level whose metadata only its owners see shows a visitor no page and no address."""
    create(org, "hidden", sensitivity="strictly_confidential")
    body = page(app, "/dataset/hidden", status=404)
    assert EMAIL not in body
    assert EMAIL not in page(app, "/dataset/")


def test_a_resource_says_which_level_it_inherits(app, org, token):
    """A resource without a level of its own shows its dataset's; one with its own level shows that."""
    pkg = create(
        org,
        "levels",
        sensitivity="confidential",
        resources=[
            {"url": "https://example.org/a.csv", "name": "a"},
            {"url": "https://example.org/b.csv", "name": "b", "sensitivity": "strictly_confidential"},
        ],
    )
    inherited, own = pkg["resources"]
    body = page(app, f"/dataset/levels/resource/{inherited['id']}", token)
    assert "Inherited from the dataset: Confidential (high sensitivity)" in body
    body = page(app, f"/dataset/levels/resource/{own['id']}", token)
    assert "Strictly confidential (severe sensitivity)" in body
    assert "Inherited from the dataset" not in body
    french = page(app, f"/fr/dataset/levels/resource/{inherited['id']}", token)
    assert "Hérité du jeu de données : Confidentiel (sensibilité élevée)" in french


def test_organisation_logos_fall_back_on_the_placeholder(app, org):
    """Wherever an organisation's logo is shown, an address that fails gives CKAN's placeholder instead."""
    org = factories.Organization(
        name="ngo-logo", org_type="ingo", image_url="missing-logo.png", users=[{"name": "editor", "capacity": "editor"}]
    )
    dataset = create(org, "with-logo")
    placeholder = 'data-imwg-fallback="/base/images/placeholder-organization.png"'
    for url in ("/organization/", f"/organization/{org['name']}", f"/dataset/{dataset['name']}"):
        body = page(app, url)
        assert '/uploads/group/missing-logo.png"' in body, url
        assert placeholder in body and "onerror=" in body, url
