"""DCAT-AP 3 and schema.org of a public dataset with every field: the RDF
parses, conforms to the DCAT-AP 3.0.0 SHACL shapes, and carries the suite's
fields (themes, places with their bounding boxes, reference period, update
frequency, access rights, source, methodology, caveats); bad input answers
404 or 400, never a 500."""

from __future__ import annotations

import json

import pytest
import rdflib
from ckan.tests import factories
from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SKOS

from tests.imwg_exchange import overview_gazetteer

from .support import PLUGINS, PUBLIC_FILE, SHAPES, embedded_jsonld, full_dataset, graph

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
FREQ = "http://publications.europa.eu/resource/authority/frequency/"
RIGHTS = "http://publications.europa.eu/resource/authority/access-right/"


@pytest.fixture
def dataset(tmp_path):
    overview_gazetteer.load(tmp_path)
    factories.User(name="owner-editor")
    org = factories.Organization(
        name="authority", org_type="government", users=[{"name": "owner-editor", "capacity": "editor"}]
    )
    return full_dataset(org["id"])


def dataset_ref(g: rdflib.Graph) -> rdflib.URIRef:
    return next(iter(g.subjects(RDF.type, DCAT.Dataset)))


@pytest.mark.parametrize("fmt", ["rdf", "xml", "ttl", "jsonld", "n3"])
def test_every_format_parses(app, dataset, fmt):
    response = app.get(f"/dataset/{dataset['name']}.{fmt}")
    assert response.status_code == 200
    g = graph(response.get_data(as_text=True), fmt)
    assert (dataset_ref(g), DCTERMS.title, rdflib.Literal(dataset["title"])) in g


def test_dcat_ap_3_shapes_conform(app, dataset):
    """The dataset's DCAT-AP passes the DCAT-AP 3.0.0 SHACL shapes."""
    from pyshacl import validate

    g = graph(app.get(f"/dataset/{dataset['name']}.ttl").get_data(as_text=True), "ttl")
    shapes = rdflib.Graph().parse(SHAPES, format="turtle")
    conforms, _report, text = validate(g, shacl_graph=shapes, inference="none", advanced=True)
    assert conforms, text


def test_the_suites_fields_are_mapped(app, dataset):
    g = graph(app.get(f"/dataset/{dataset['name']}.ttl").get_data(as_text=True), "ttl")
    ref = dataset_ref(g)
    # sectors: themes with the vocabulary's labels (every language of the schema)
    themes = {str(g.value(t, SKOS.notation)): t for t in g.objects(ref, DCAT.theme)}
    assert set(themes) == {"protection", "mine_action"}
    labels = {(lbl.language, str(lbl)) for lbl in g.objects(themes["protection"], SKOS.prefLabel)}
    assert ("en", "Protection") in labels
    assert "fr" in {lang for lang, _ in labels}
    assert (themes["protection"], RDF.type, SKOS.Concept) in g
    # places: the gazetteer's name, level and bounding box
    places = {str(g.value(p, SKOS.notation)): p for p in g.objects(ref, DCTERMS.spatial)}
    assert set(places) == {"MMR001", "MMR001D001"}
    kachin = places["MMR001"]
    assert (kachin, RDF.type, DCTERMS.Location) in g
    assert str(g.value(kachin, SKOS.prefLabel)) == "Kachin"
    assert str(g.value(kachin, DCTERMS.type)) == "adm1"
    assert str(g.value(places["MMR001D001"], DCTERMS.type)) == "adm2"
    assert g.value(places["MMR001D001"], SKOS.broader) == kachin
    assert str(g.value(kachin, DCAT.bbox)) == "POLYGON((96.0 24.0,99.0 24.0,99.0 27.0,96.0 27.0,96.0 24.0))"
    # reference period
    period = g.value(ref, DCTERMS.temporal)
    assert str(g.value(period, DCAT.startDate)) == "2024-01-01"
    assert str(g.value(period, DCAT.endDate)) == "2024-06-30"
    # update frequency and access rights (the EU's authority tables)
    assert str(g.value(ref, DCTERMS.accrualPeriodicity)) == FREQ + "MONTHLY"
    assert str(g.value(ref, DCTERMS.accessRights)) == RIGHTS + "PUBLIC"
    # source, methodology, caveats
    creator = g.value(ref, DCTERMS.creator)
    assert str(g.value(creator, rdflib.FOAF.name)) == "National Mine Action Authority"
    statements = {str(g.value(p, RDFS.label)) for p in g.objects(ref, DCTERMS.provenance)}
    assert statements == {
        "Methodology: Other (Non-technical survey)",
        "Caveats: Areas cleared since June are still listed.",
    }
    # the public file's address
    distribution = g.value(ref, DCAT.distribution)
    assert str(g.value(distribution, DCAT.accessURL)) == PUBLIC_FILE


def test_the_dataset_page_embeds_schema_org(app, dataset):
    page = app.get(f"/dataset/{dataset['name']}").get_data(as_text=True)
    (block,) = embedded_jsonld(page)
    text = json.dumps(block)
    assert "Mine contamination" in text
    g = rdflib.Graph().parse(data=json.dumps(block), format="json-ld")
    schema = rdflib.Namespace("http://schema.org/")
    ref = next(iter(g.subjects(RDF.type, schema.Dataset)))
    assert str(g.value(ref, schema.temporalCoverage)) == "2024-01-01/2024-06-30"
    places = {str(g.value(p, schema.name)) for p in g.objects(ref, schema.spatialCoverage)}
    assert {"Kachin", "Myitkyina"} <= places
    boxes = {str(g.value(g.value(p, schema.geo), schema.box)) for p in g.objects(ref, schema.spatialCoverage)}
    assert "24.0 96.0 27.0 99.0" in boxes
    assert str(g.value(ref, schema.measurementTechnique)) == "Other"
    assert PUBLIC_FILE in text


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/dataset/mine-contamination.exe", 404),
        ("/dataset/mine-contamination.html", 404),
        ("/dataset/no-such-dataset.ttl", 404),
        ("/catalog.exe", 404),
        ("/catalog.ttl?page=0", 400),
        ("/catalog.ttl?page=two", 400),
        ("/catalog.ttl?page=-1", 400),
        ("/catalog.ttl?modified_since=yesterday-ish", 400),
        ("/catalog.ttl?profiles=no_such_profile", 400),
        ("/dataset/mine-contamination.ttl?profiles=croissant", 400),
        ("/catalog.ttl?page=99", 200),
        ("/sitemap-0.xml", 404),
        ("/sitemap-9.xml", 404),
        ("/sitemap-x.xml", 404),
    ],
)
def test_bad_input(app, dataset, url, status):
    assert app.get(url).status_code == status


def test_catalog_pages(app, dataset, tmp_path):
    """The catalog is paged (hydra) and parses."""
    from ckan.tests.helpers import call_action

    for n in range(2):
        call_action(
            "package_create",
            context={"user": "owner-editor", "ignore_auth": False},
            name=f"other-{n}",
            title=f"Other {n}",
            owner_org=dataset["owner_org"],
            source="Cluster",
            sectors=["health"],
            sensitivity="public",
        )
    from ckan.common import config

    config["ckanext.dcat.datasets_per_page"] = 2
    try:
        first = graph(app.get("/catalog.ttl").get_data(as_text=True), "ttl")
        second = graph(app.get("/catalog.ttl?page=2").get_data(as_text=True), "ttl")
    finally:
        config["ckanext.dcat.datasets_per_page"] = 100
    assert len(set(first.subjects(RDF.type, DCAT.Dataset))) == 2
    assert len(set(second.subjects(RDF.type, DCAT.Dataset))) == 1
    hydra = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
    assert any(str(n).endswith("page=2") for n in first.objects(None, hydra.next))
