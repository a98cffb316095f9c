"""The register's pages render (no 500), answer 404 for bad ids, show form
errors, and carry the workflow a member and an editor follow in a browser."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_exchange.needs.model import need_table

from .needs_support import YESTERDAY, portal, post_need, publish

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]


@pytest.fixture
def site(tmp_path):
    return portal(tmp_path)


def token(user):
    return {"Authorization": factories.APIToken(user=user)["token"]}


def test_pages_without_a_need(app, site):
    """Pages that need no stored need render or refuse, never crash, and save nothing:

    - the register is for logged-in users: /needs redirects anonymous visitors to log in;
    - bad paging and odd parameters render or refuse;
    - /needs/<unknown> and /needs/<unknown>/edit are 404s;
    - the completeness grid's links prefill title, sectors, places and type of the form;
    - a past deadline and an unknown place: the form again, with the errors;
    - the form refuses the organisation of which the user is not a member.
    """
    resp = app.get("/needs", follow_redirects=False)
    assert resp.status_code == 302
    assert "/user/login" in resp.headers["Location"]
    assert app.get("/needs?page=abc&rows=x&pcodes=%00", headers=token("outsider")).status_code in (200, 400)
    assert app.get("/needs/no-such-need", headers=token("member")).status_code == 404
    assert app.get("/needs/no-such-need/edit", headers=token("member")).status_code == 404
    body = app.get(
        "/needs/new?title=IDP+sites&sectors=cccm&pcodes=MMR001&data_type=baseline", headers=token("member")
    ).body
    assert 'value="IDP sites"' in body
    assert '<option value="cccm" selected>' in body
    assert "MMR001" in body
    assert '<option value="baseline" selected>' in body
    resp = app.post(
        "/needs/new",
        data={
            "title": "Hazards",
            "owner_org": site["cluster"]["id"],
            "sectors": "protection",
            "pcodes": "MMR999",
            "deadline": YESTERDAY,
        },
        headers=token("member"),
    )
    assert "The deadline is in the past" in resp.body
    assert "Unknown place: MMR999" in resp.body
    resp = app.post(
        "/needs/new",
        data={"title": "Hazards", "owner_org": site["cluster"]["id"], "sectors": "protection"},
        headers=token("editor"),
    )
    assert "Only members of the organisation post its needs" in resp.body
    assert model.Session.execute(sa.select(sa.func.count()).select_from(need_table)).scalar() == 0


def test_the_list_and_a_need_s_edit_page(app, site):
    """With one open need of Kachin:

    - /needs lists the need with its place's name in the facets; ?status=closed hides it;
    - members edit; an outsider gets a 403;
    - imwg_exchange_open_needs gives [] to a visitor who may not see needs.
    """
    need = post_need("member", site["cluster"], title="Casualty records")
    body = app.get("/needs", headers=token("outsider")).body
    assert "Casualty records" in body
    assert "Kachin" in body
    body = app.get("/needs?status=closed", headers=token("outsider")).body
    assert "Casualty records" not in body
    assert app.get(f"/needs/{need['id']}/edit", headers=token("member")).status_code == 200
    assert app.get(f"/needs/{need['id']}/edit", headers=token("outsider")).status_code == 403
    with app.flask_app.test_request_context():
        from ckan.lib.helpers import helper_functions as h

        assert h.imwg_exchange_open_needs() == []


def test_lists_of_sectors_read_as_the_language_lists(app, site):
    """A need's sectors are listed with the language's words ("et", "و"), no English comma in Arabic."""
    need = post_need("member", site["cluster"], sectors=["protection", "health", "education"])
    for lang in ("fr", "ar"):
        with app.flask_app.test_request_context(environ_overrides={"CKAN_LANG": lang}):
            from ckan.lib.helpers import helper_functions as h

            labels = [h.imwg_exchange_need_label("sectors", s) for s in ("protection", "health", "education")]
            listed = str(h.imwg_list(labels))
        if lang == "ar":
            assert listed == f"{labels[0]} و{labels[1]} و{labels[2]}"
        else:
            assert listed == f"{labels[0]}, {labels[1]} et {labels[2]}"
        assert listed in app.get(f"/{lang}/needs", headers=token("outsider")).body
        assert listed in app.get(f"/{lang}/needs/{need['id']}", headers=token("outsider")).body


@pytest.mark.ckan_config("ckanext.imwg_exchange.needs_public", "true")
def test_the_public_register_is_shown_to_anonymous(app, site):
    """With needs_public on, visitors see the list."""
    post_need("member", site["cluster"], title="Casualty records")
    assert "Casualty records" in app.get("/needs").body


def test_a_member_posts_a_need_through_the_form(app, site):
    """The form posts the need and goes to its page."""
    resp = app.post(
        "/needs/new",
        data={
            "title": "Hazards in Kachin",
            "owner_org": site["cluster"]["id"],
            "sectors": "protection",
            "pcodes": "MMR001",
        },
        headers=token("member"),
        follow_redirects=False,
    )
    assert resp.status_code == 302
    assert "Hazards in Kachin" in app.get(resp.headers["Location"], headers=token("member")).body


def test_the_workflow_of_the_browser_test(app, site):
    """A member's need; an editor of another organisation publishes a matching
    dataset; the member finds it under the need and marks the need fulfilled."""
    need = post_need("member", site["cluster"])
    ds = publish("editor", site["operator"], "waingmaw-hazardous-areas", title="Waingmaw hazardous areas")
    page = app.get(f"/needs/{need['id']}", headers=token("member")).body
    assert "Waingmaw hazardous areas" in page
    assert "Mark fulfilled by this dataset" in page
    app.post(
        f"/needs/{need['id']}/close",
        data={"status": "fulfilled", "package_ids": ds["id"]},
        headers=token("member"),
    )
    assert call_action("need_show", context={"user": "member"}, id=need["id"])["status"] == "fulfilled"


def test_the_dashboard_shows_the_new_match(app, site):
    """The follower's dashboard lists the dataset that matched the need."""
    post_need("member", site["cluster"], title="Hazards wanted")
    publish("editor", site["operator"], "waingmaw-hazardous-areas", title="Waingmaw hazardous areas")
    body = app.get("/dashboard/", headers=token("member")).body
    assert "New matches for the data needs you follow" in body
    assert "Waingmaw hazardous areas" in body


def test_answers_through_the_page(app, site):
    """An outsider's plan shows on the need's page."""
    need = post_need("member", site["cluster"])
    app.post(f"/needs/{need['id']}/answer", data={"kind": "plan", "text": "Survey in Q3"}, headers=token("outsider"))
    assert "Survey in Q3" in app.get(f"/needs/{need['id']}", headers=token("member")).body


def test_an_answer_with_an_unknown_dataset_is_flashed(app, site):
    """The refusal is shown on the page, not a 500."""
    need = post_need("member", site["cluster"])
    resp = app.post(
        f"/needs/{need['id']}/answer",
        data={"kind": "dataset", "package_id": "no-such-dataset"},
        headers=token("outsider"),
    )
    assert "Dataset not found" in resp.body


#: imwg_exchange ahead of imwg_pcode: its imwg_pcode/read.html then extends
#: imwg_pcode's (the first plugin listed wins for templates)
EXCHANGE_FIRST = (
    "activity imwg image_view datatables_view scheming_datasets scheming_organizations "
    "spatial_metadata spatial_query imwg_exchange imwg_pcode imwg_hxl imwg_sensitivity imwg_search"
)


@pytest.mark.ckan_config("ckan.plugins", EXCHANGE_FIRST)
def test_the_location_page_lists_the_open_needs_of_the_place(app, site):
    """Kachin's page lists the need for Waingmaw (roll-up)."""
    post_need("member", site["cluster"], title="Waingmaw casualty records", pcodes=["MMR001014"])
    body = app.get("/location/MMR001", headers=token("outsider")).body
    assert "Waingmaw casualty records" in body
