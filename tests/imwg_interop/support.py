"""What the interoperability tests share: the plugins, a public dataset with
every field the suite maps, and readers of the answers."""

from __future__ import annotations

import json
import re
from pathlib import Path

import rdflib
from ckan.tests.helpers import call_action

PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations dcat structured_data imwg_interop "
    "imwg_pcode imwg_sensitivity imwg_search"
)
SHAPES = Path(__file__).parent / "data" / "dcat-ap-SHACL.ttl"
PUBLIC_FILE = "https://open.example.org/hazards.csv"
#: rdflib's names of the endpoints' formats
RDFLIB_FORMATS = {"rdf": "xml", "xml": "xml", "ttl": "turtle", "jsonld": "json-ld", "n3": "n3"}


def full_dataset(owner_org: str, user: str = "owner-editor", **extra):
    """A public dataset with every field the suite maps to DCAT and schema.org."""
    fields = {
        "type": "dataset",
        "name": "mine-contamination",
        "title": "Mine contamination",
        "notes": "Hazardous areas recorded by the national authority.",
        "owner_org": owner_org,
        "source": "National Mine Action Authority",
        "sectors": ["protection", "mine_action"],
        "sensitivity": "public",
        "pcodes": ["MMR001", "MMR001D001"],
        "reference_period_start": "2024-01-01",
        "reference_period_end": "2024-06-30",
        "update_frequency": "monthly",
        "methodology": "other",
        "methodology_other": "Non-technical survey",
        "caveats": "Areas cleared since June are still listed.",
        "license_id": "cc-by",
        "resources": [{"url": PUBLIC_FILE, "name": "Hazards", "format": "CSV"}],
        **extra,
    }
    return call_action("package_create", context={"user": user, "ignore_auth": False}, **fields)


def graph(body: str, fmt: str) -> rdflib.Graph:
    g = rdflib.Graph()
    g.parse(data=body, format=RDFLIB_FORMATS[fmt])
    return g


def embedded_jsonld(page: str) -> list:
    """The JSON-LD blocks of a page."""
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    return [json.loads(block) for block in blocks]
