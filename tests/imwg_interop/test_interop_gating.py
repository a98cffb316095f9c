"""The sharing protocol at every exit of the interoperability plugin, for
every role of the gating matrix and every level: the DCAT endpoints
(``/dataset/<id>.rdf|.ttl|.jsonld``, ``/catalog.*`` and their actions), the
schema.org JSON-LD in the dataset page and ``/sitemap.xml``. A dataset
appears exactly for the roles that see its metadata; the gated file's
address only for those who get its data; the sitemap lists only what
anonymous visitors see, whoever asks.

The roles differ only in the user (or token) asking, so each exit is checked
for every role on one portal: a test per exit, asserts naming the role."""

from __future__ import annotations

import json

import ckan.logic as logic
import pytest
from ckan.tests.helpers import call_action
from rdflib.namespace import DCAT, DCTERMS, RDF

from tests.imwg_sensitivity.matrix import DATA, METADATA, ROLES, SECRET, build_portal, context, headers

from .support import PLUGINS, embedded_jsonld, graph

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
FORMATS = ("rdf", "ttl", "jsonld")


@pytest.fixture
def portal():
    return build_portal()


def titles(g) -> set[str]:
    return {str(g.value(ref, DCTERMS.title)) for ref in g.subjects(RDF.type, DCAT.Dataset)}


def test_dataset_endpoints(app, portal):
    """Each format of each dataset: 404 unless the role sees the metadata; the
    address only with the data, never a download or access URL without it."""
    for role in ROLES:
        auth = headers(role)
        for level, ds in portal["datasets"].items():
            for fmt in FORMATS:
                response = app.get(f"/dataset/{ds['name']}.{fmt}", headers=auth)
                where = f"{role} {level} {fmt}"
                if role not in METADATA[level]:
                    assert response.status_code == 404, where
                    assert ds["title"] not in response.get_data(as_text=True), where
                    continue
                assert response.status_code == 200, where
                body = response.get_data(as_text=True)
                g = graph(body, fmt)
                assert titles(g) == {ds["title"]}, where
                assert (SECRET in body) == (role in DATA[level]), where
                distribution = g.value(next(iter(g.subjects(RDF.type, DCAT.Dataset))), DCAT.distribution)
                assert distribution is not None, where
                urls = set(g.objects(distribution, DCAT.accessURL)) | set(g.objects(distribution, DCAT.downloadURL))
                assert bool(urls) == (role in DATA[level]), where


def test_catalog_endpoint(app, portal):
    """The catalog lists what the role sees, with addresses only where it gets the data."""
    for role in ROLES:
        for fmt in FORMATS:
            body = app.get(f"/catalog.{fmt}", headers=headers(role)).get_data(as_text=True)
            g = graph(body, fmt)
            expected = {ds["title"] for level, ds in portal["datasets"].items() if role in METADATA[level]}
            assert titles(g) == expected, f"{role} {fmt}"
            gets_data = any(role in DATA[level] for level in DATA)
            assert (SECRET in body) == gets_data, f"{role} {fmt}"
            for ref in g.subjects(RDF.type, DCAT.Dataset):
                level = str(g.value(ref, DCTERMS.title)).removeprefix("Hazardous areas ")
                distribution = g.value(ref, DCAT.distribution)
                urls = set(g.objects(distribution, DCAT.accessURL))
                assert bool(urls) == (role in DATA[level]), f"{role} {fmt} {level}"


def test_catalog_search_cannot_find_by_a_gated_address(app, portal):
    for role in ROLES:
        response = app.get('/catalog.ttl?q="secret.example.org"', headers=headers(role))
        body = response.get_data(as_text=True)
        assert response.status_code == 200, (role, body[:500])
        found = titles(graph(body, "ttl"))
        assert found <= {"Hazardous areas public"}, role


def test_actions(app, portal):
    """dcat_dataset_show, dcat_catalog_show and dcat_catalog_search as each role
    (the catalog's paging links need a request, as the action API gives them)."""
    with app.flask_app.test_request_context("/api/action/dcat_catalog_show"):
        _actions_by_role(portal)


def _actions_by_role(portal):
    for role in ROLES:
        for level, ds in portal["datasets"].items():
            where = f"{role} {level}"
            if role not in METADATA[level]:
                with pytest.raises(logic.NotFound):
                    call_action("dcat_dataset_show", context=context(role), id=ds["id"], format="ttl")
                continue
            body = call_action("dcat_dataset_show", context=context(role), id=ds["id"], format="ttl")
            assert ds["title"] in body, where
            assert (SECRET in body) == (role in DATA[level]), where
        for action in ("dcat_catalog_show", "dcat_catalog_search"):
            body = call_action(action, context=context(role), format="ttl")
            expected = {ds["title"] for level, ds in portal["datasets"].items() if role in METADATA[level]}
            assert titles(graph(body, "ttl")) == expected, f"{role} {action}"
            assert (SECRET in body) == any(role in DATA[level] for level in DATA), f"{role} {action}"


def test_action_profiles_are_the_configured_ones(portal):
    """A caller cannot pick a profile that skips the suite's (which drops gated addresses)."""
    ds = portal["datasets"]["confidential"]
    with pytest.raises(logic.ValidationError):
        call_action("dcat_dataset_show", context=context("anonymous"), id=ds["id"], profiles=["croissant"])
    body = call_action(
        "dcat_dataset_show", context=context("anonymous"), id=ds["id"], format="ttl", profiles=["euro_dcat_ap_3"]
    )
    assert ds["title"] in body and SECRET not in body


def test_embedded_json_ld(app, portal):
    """The dataset page's schema.org JSON-LD: only on the pages the role may
    see, with the file's address only with the data."""
    for role in ROLES:
        for level, ds in portal["datasets"].items():
            response = app.get(f"/dataset/{ds['name']}", headers=headers(role))
            where = f"{role} {level}"
            if role not in METADATA[level]:
                assert response.status_code == 404, where
                continue
            blocks = embedded_jsonld(response.get_data(as_text=True))
            assert len(blocks) == 1, where
            text = json.dumps(blocks[0])
            assert ds["title"] in text, where
            assert (SECRET in text) == (role in DATA[level]), where


def test_sitemap_lists_what_anonymous_sees(app, portal):
    """Whoever asks, the sitemap lists the datasets anonymous visitors see, never an address."""
    anonymous = {ds["name"] for level, ds in portal["datasets"].items() if "anonymous" in METADATA[level]}
    for role in ROLES:
        response = app.get("/sitemap.xml", headers=headers(role))
        assert response.status_code == 200, role
        body = response.get_data(as_text=True)
        listed = {ds["name"] for ds in portal["datasets"].values() if f"/dataset/{ds['name']}<" in body}
        assert listed == anonymous, role
        assert SECRET not in body, role
        assert "strictly" not in body, role


def test_action_bad_page_is_a_field_error(app, portal):
    with app.flask_app.test_request_context("/api/action/dcat_catalog_show"):
        for page in (0, "two", -3):
            with pytest.raises(logic.ValidationError) as error:
                call_action("dcat_catalog_show", context=context("anonymous"), page=page)
            assert "page" in error.value.error_dict


def test_no_address_from_any_field_of_a_withheld_resource(app, portal):
    """A gated resource whose other fields name its file (``access_url``,
    ``download_url``, a ``uri`` of its own, as DCAT editors set them) still
    leaves without any address for those who may not have its data."""
    for ds in portal["datasets"].values():
        call_action(
            "resource_patch",
            context={"user": "the-sysadmin", "ignore_auth": False},
            id=ds["resources"][0]["id"],
            access_url=SECRET + "?access",
            download_url=SECRET + "?download",
            uri=SECRET + "?uri",
        )
    for role in ROLES:
        auth = headers(role)
        bodies = {fmt: app.get(f"/catalog.{fmt}", headers=auth).get_data(as_text=True) for fmt in FORMATS}
        for level, ds in portal["datasets"].items():
            if role not in METADATA[level]:
                continue
            for fmt in FORMATS:
                bodies[f"{level}.{fmt}"] = app.get(f"/dataset/{ds['name']}.{fmt}", headers=auth).get_data(as_text=True)
            page = app.get(f"/dataset/{ds['name']}", headers=auth).get_data(as_text=True)
            bodies[f"{level} page"] = json.dumps(embedded_jsonld(page))
        for where, body in bodies.items():
            level = where.split(".")[0].split(" ")[0]
            if level in DATA:
                assert ("secret.example.org" in body) == (role in DATA[level]), f"{role} {where}"
            else:  # the catalog: an address only if the role gets some dataset's data
                assert ("secret.example.org" in body) == any(role in DATA[lv] for lv in DATA), f"{role} {where}"
        if not any(role in DATA[lv] for lv in DATA):
            continue
        # in the catalog, only the datasets whose data the role gets carry an address
        g = graph(bodies["ttl"], "ttl")
        for ref in g.subjects(RDF.type, DCAT.Dataset):
            level = str(g.value(ref, DCTERMS.title)).removeprefix("Hazardous areas ")
            distribution = g.value(ref, DCAT.distribution)
            named = {str(o) for _p, o in g.predicate_objects(distribution)} | {str(distribution)}
            assert any("secret.example.org" in n for n in named) == (role in DATA[level]), f"{role} catalog {level}"
