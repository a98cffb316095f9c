"""The suite's fields in DCAT-AP and schema.org: ckanext-dcat's profile
``imwg``, listed after ``euro_dcat_ap_3`` (RDF endpoints) and ``schemaorg``
(the JSON-LD of dataset pages). It adds to whichever of the two graphs the
profiles before it built, and removes the addresses of the distributions the
caller may not have (the dataset dict comes from ``package_show`` or
``package_search`` as the caller: a gated resource arrives flagged, its
address emptied, and no other field of it may carry one out)."""

from __future__ import annotations

import json
from typing import Any

import ckan.plugins.toolkit as tk
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import Namespace

from ckanext.dcat.profiles import DCAT, DCT, FOAF, RDF, RDFS, SCHEMA, SKOS, XSD, RDFProfile
from ckanext.dcat.profiles.base import CleanedURIRef
from ckanext.dcat.utils import catalog_uri, resource_uri
from ckanext.imwg import interfaces

GSP = Namespace("http://www.opengis.net/ont/geosparql#")
#: the EU's authority tables (data.europa.eu's controlled vocabularies)
FREQUENCY = Namespace("http://publications.europa.eu/resource/authority/frequency/")
ACCESS_RIGHT = Namespace("http://publications.europa.eu/resource/authority/access-right/")
FILE_TYPE = Namespace("http://publications.europa.eu/resource/authority/file-type/")

#: the resource flag the sharing protocol sets when it withholds a resource's address
WITHHELD = "access_controlled"
#: what a withheld distribution keeps (DCAT and schema.org): what it is, never where
KEPT = frozenset(
    (
        RDF.type,
        DCT.title,
        DCT.description,
        DCT["format"],
        DCAT.mediaType,
        DCT.license,
        DCT.rights,
        DCT.issued,
        DCT.modified,
        DCT.language,
        SCHEMA.name,
        SCHEMA.description,
        SCHEMA.encodingFormat,
        SCHEMA.dateCreated,
        SCHEMA.dateModified,
        SCHEMA.inLanguage,
        SCHEMA.license,
    )
)

#: the schema's update frequencies -> the EU frequency table
FREQUENCIES = {
    "live": "CONT",
    "daily": "DAILY",
    "weekly": "WEEKLY",
    "biweekly": "BIWEEKLY",
    "monthly": "MONTHLY",
    "quarterly": "QUARTERLY",
    "semiannual": "ANNUAL_2",
    "yearly": "ANNUAL",
    "adhoc": "IRREG",
    "never": "NEVER",
}
#: the protocol's levels -> the EU access-right table
ACCESS_RIGHTS = {
    "public": "PUBLIC",
    "restricted": "RESTRICTED",
    "confidential": "NON_PUBLIC",
    "strictly_confidential": "NON_PUBLIC",
}


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [v for v in value.split(",")]
    if isinstance(value, str):
        value = [value]
    return [str(v).strip() for v in value or [] if str(v).strip()]


def _text(value: Any) -> str:
    return str(value).strip() if value not in (None, "") else ""


def _date(value: Any) -> str:
    text = _text(value)
    if text.startswith('"'):
        try:
            text = str(json.loads(text))
        except ValueError:
            pass
    return text[:10]


def bbox(geometry: dict[str, Any] | None) -> tuple[float, float, float, float] | None:
    """The (west, south, east, north) of a GeoJSON geometry."""
    if not geometry:
        return None
    try:
        from shapely.geometry import shape

        west, south, east, north = shape(geometry).bounds
    except (ValueError, TypeError, AttributeError, KeyError):
        return None
    return west, south, east, north


def wkt_box(box: tuple[float, float, float, float]) -> str:
    w, s, e, n = box
    return f"POLYGON(({w} {s},{e} {s},{e} {n},{w} {n},{w} {s}))"


class ImwgProfile(RDFProfile):
    """The suite's fields (sectors, places, reference period, update
    frequency, sensitivity, source, methodology, caveats), and no address of
    a withheld distribution."""

    def graph_from_dataset(self, dataset_dict: dict[str, Any], dataset_ref: URIRef) -> None:
        self.g.bind("dct", DCT)
        self.g.bind("dcat", DCAT)
        self.g.bind("skos", SKOS)
        places = self._places(dataset_dict)
        if (dataset_ref, RDF.type, DCAT.Dataset) in self.g:
            self._dcat(dataset_dict, dataset_ref, places)
        if (dataset_ref, RDF.type, SCHEMA.Dataset) in self.g:
            self._schemaorg(dataset_dict, dataset_ref, places)
        self._withhold(dataset_dict)

    def graph_from_catalog(self, catalog_dict: Any, catalog_ref: URIRef) -> None:
        return None

    # -- the protocol -----------------------------------------------------------------------

    def _withhold(self, dataset_dict: dict[str, Any]) -> None:
        """A distribution the caller may not have keeps only its description
        (``KEPT``): no address of it leaves, whichever profile wrote it from
        whichever field (``access_url``, ``download_url``, an access service...),
        and a ``uri`` of its own is replaced by the portal's."""
        g = self.g
        for res in dataset_dict.get("resources") or []:
            if not isinstance(res, dict) or not (res.get(WITHHELD) or not res.get("url")):
                continue
            own = URIRef(resource_uri({**res, "uri": ""}))
            for node in {URIRef(resource_uri(res)), CleanedURIRef(resource_uri(res))} - {own}:
                for p, o in list(g.predicate_objects(node)):
                    g.remove((node, p, o))
                    g.add((own, p, o))
                for s_, p in list(g.subject_predicates(node)):
                    g.remove((s_, p, node))
                    g.add((s_, p, own))
            for p, o in list(g.predicate_objects(own)):
                if p not in KEPT:
                    g.remove((own, p, o))
                    self._drop(o)

    def _drop(self, node: Any) -> None:
        """A node no longer referenced, with what only it referenced."""
        if isinstance(node, Literal) or any(self.g.subjects(None, node)):
            return
        for p, o in list(self.g.predicate_objects(node)):
            self.g.remove((node, p, o))
            self._drop(o)

    # -- lookups ----------------------------------------------------------------------------

    def _choices(self, dataset_type: str, field: str) -> dict[str, dict[str, str]]:
        """value -> {language: label} of a choice field of the dataset's schema."""
        try:
            schema = tk.get_action("scheming_dataset_schema_show")({}, {"type": dataset_type})
        except (KeyError, tk.ObjectNotFound):
            schema = self._dataset_schema or {}
        for f in schema.get("dataset_fields") or []:
            if f.get("field_name") == field:
                out = {}
                for choice in f.get("choices") or []:
                    label = choice.get("label")
                    out[str(choice.get("value"))] = label if isinstance(label, dict) else {"en": str(label or "")}
                return out
        return {}

    def _label(self, dataset_dict: dict[str, Any], field: str, value: str) -> str:
        labels = self._choices(dataset_dict.get("type") or "dataset", field).get(value) or {}
        return labels.get(self._default_lang) or labels.get("en") or value

    def _places(self, dataset_dict: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        codes = [c.upper() for c in _list(dataset_dict.get("pcodes"))]
        if not codes:
            return []
        known = interfaces.places(codes, geometry=True) or {}
        return [(code, known.get(code) or {}) for code in codes]

    def _place_uri(self, code: str) -> URIRef:
        return URIRef(f"{catalog_uri().rstrip('/')}/location/{code}")

    def _sector_uri(self, value: str) -> URIRef:
        return URIRef(f"{catalog_uri().rstrip('/')}/dataset/?vocab_sectors={value}")

    # -- DCAT-AP ----------------------------------------------------------------------------

    def _dcat(self, d: dict[str, Any], ref: URIRef, places: list[tuple[str, dict[str, Any]]]) -> None:
        g = self.g
        scheme = URIRef(f"{catalog_uri().rstrip('/')}/dataset/?vocab_sectors")
        sectors = _list(d.get("sectors"))
        if sectors:
            g.add((scheme, RDF.type, SKOS.ConceptScheme))
            g.add((scheme, DCT.title, Literal(tk._("Sectors"))))
        choices = self._choices(d.get("type") or "dataset", "sectors")
        self._distributions_dcat(ref)
        for value in sectors:
            concept = self._sector_uri(value)
            g.add((ref, DCAT.theme, concept))
            g.add((concept, RDF.type, SKOS.Concept))
            g.add((concept, SKOS.inScheme, scheme))
            g.add((concept, SKOS.notation, Literal(value)))
            for lang, label in (choices.get(value) or {"en": value}).items():
                g.add((concept, SKOS.prefLabel, Literal(label, lang=lang)))

        for code, unit in places:
            location = self._place_uri(code)
            g.add((ref, DCT.spatial, location))
            g.add((location, RDF.type, DCT.Location))
            g.add((location, SKOS.notation, Literal(code)))
            if unit.get("name"):
                g.add((location, SKOS.prefLabel, Literal(unit["name"])))
            if unit.get("level") is not None:
                g.add((location, DCT.type, Literal(f"adm{unit['level']}")))
            if unit.get("parent"):
                g.add((location, SKOS.broader, self._place_uri(unit["parent"])))
            box = bbox(unit.get("geometry"))
            if box:
                g.add((location, DCAT.bbox, Literal(wkt_box(box), datatype=GSP.wktLiteral)))

        start, end = _date(d.get("reference_period_start")), _date(d.get("reference_period_end"))
        if start or end:
            period = BNode()
            g.add((ref, DCT.temporal, period))
            g.add((period, RDF.type, DCT.PeriodOfTime))
            if start:
                g.add((period, DCAT.startDate, Literal(start, datatype=XSD.date)))
            if end:
                g.add((period, DCAT.endDate, Literal(end, datatype=XSD.date)))

        frequency = FREQUENCIES.get(_text(d.get("update_frequency")))
        if frequency:
            g.remove((ref, DCT.accrualPeriodicity, None))
            g.add((ref, DCT.accrualPeriodicity, FREQUENCY[frequency]))
            g.add((FREQUENCY[frequency], RDF.type, DCT.Frequency))

        level = _text(d.get("sensitivity")) or "public"
        rights = "NON_PUBLIC" if tk.asbool(d.get("private")) else ACCESS_RIGHTS.get(level, "NON_PUBLIC")
        g.remove((ref, DCT.accessRights, None))
        g.add((ref, DCT.accessRights, ACCESS_RIGHT[rights]))
        g.add((ACCESS_RIGHT[rights], RDF.type, DCT.RightsStatement))

        source = _text(d.get("source"))
        if source:
            agent = BNode()
            g.add((ref, DCT.creator, agent))
            g.add((agent, RDF.type, FOAF.Agent))
            g.add((agent, FOAF.name, Literal(source)))
        for statement in self._provenance(d):
            node = BNode()
            g.add((ref, DCT.provenance, node))
            g.add((node, RDF.type, DCT.ProvenanceStatement))
            g.add((node, RDFS.label, Literal(statement)))

    def _distributions_dcat(self, ref: URIRef) -> None:
        """DCAT-AP's ranges: a format from the EU's file types (not a plain
        name), addresses typed as resources; the schema's free-text source is
        the creator below, not a dct:source (which names a dataset)."""
        g = self.g
        for value in list(g.objects(ref, DCT.source)):
            if isinstance(value, Literal):
                g.remove((ref, DCT.source, value))
        for distribution in g.objects(ref, DCAT.distribution):
            for value in list(g.objects(distribution, DCT["format"])):
                code = str(value).strip().upper().lstrip(".")
                if isinstance(value, Literal) and code.replace("_", "").isalnum():
                    g.remove((distribution, DCT["format"], value))
                    g.add((distribution, DCT["format"], FILE_TYPE[code]))
                    g.add((FILE_TYPE[code], RDF.type, DCT.MediaTypeOrExtent))
            for predicate in (DCAT.accessURL, DCAT.downloadURL):
                for address in g.objects(distribution, predicate):
                    if isinstance(address, URIRef):
                        g.add((address, RDF.type, RDFS.Resource))

    def _provenance(self, d: dict[str, Any]) -> list[str]:
        out = []
        method = _text(d.get("methodology"))
        if method:
            label = self._label(d, "methodology", method)
            other = _text(d.get("methodology_other"))
            text = tk._("Methodology: {label}").format(label=label)
            out.append(f"{text} ({other})" if other else text)
        caveats = _text(d.get("caveats"))
        if caveats:
            out.append(tk._("Caveats: {text}").format(text=caveats))
        return out

    # -- schema.org -------------------------------------------------------------------------

    def _schemaorg(self, d: dict[str, Any], ref: URIRef, places: list[tuple[str, dict[str, Any]]]) -> None:
        g = self.g
        for value in _list(d.get("sectors")):
            g.add((ref, SCHEMA.keywords, Literal(self._label(d, "sectors", value))))
        for code, unit in places:
            place = self._place_uri(code)
            g.add((ref, SCHEMA.spatialCoverage, place))
            g.add((place, RDF.type, SCHEMA.Place))
            g.add((place, SCHEMA.name, Literal(unit.get("name") or code)))
            g.add((place, SCHEMA.identifier, Literal(code)))
            box = bbox(unit.get("geometry"))
            if box:
                shape = BNode()
                w, s, e, n = box
                g.add((place, SCHEMA.geo, shape))
                g.add((shape, RDF.type, SCHEMA.GeoShape))
                g.add((shape, SCHEMA.box, Literal(f"{s} {w} {n} {e}")))
        start, end = _date(d.get("reference_period_start")), _date(d.get("reference_period_end"))
        if start or end:
            g.remove((ref, SCHEMA.temporalCoverage, None))
            g.add((ref, SCHEMA.temporalCoverage, Literal(f"{start or '..'}/{end or '..'}")))
        source = _text(d.get("source"))
        if source:
            creator = BNode()
            g.add((ref, SCHEMA.creator, creator))
            g.add((creator, RDF.type, SCHEMA.Organization))
            g.add((creator, SCHEMA.name, Literal(source)))
        method = _text(d.get("methodology"))
        if method:
            g.add((ref, SCHEMA.measurementTechnique, Literal(self._label(d, "methodology", method))))
        level = _text(d.get("sensitivity")) or "public"
        g.add((ref, SCHEMA.isAccessibleForFree, Literal(True)))
        g.add((ref, SCHEMA.conditionsOfAccess, Literal(self._label(d, "sensitivity", level))))
