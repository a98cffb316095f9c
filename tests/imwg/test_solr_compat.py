"""What the suite indexes stays valid for CKAN's stock Solr schema."""

from __future__ import annotations

import ckan.lib.search as search
import pytest

from ckanext.imwg import demo
from ckanext.imwg_search import solr_schema


@pytest.fixture(scope="module")
def schema():
    return solr_schema.load()


def test_schema_is_ckans_shipped_one(schema):
    """The field model is read from the schema.xml inside the ckan package."""
    assert schema.name.startswith("ckan-2.11") or schema.name.startswith("ckan")
    assert schema.unique_key == "index_id"


@pytest.mark.parametrize(
    "field, kind, multi",
    [
        ("tags", solr_schema.STRING, True),
        ("title", solr_schema.TEXT, False),
        ("vocab_sectors", solr_schema.STRING, True),
        ("extras_source", solr_schema.TEXT, False),
        ("reference_period_start_date", solr_schema.DATE, False),
        ("num_resources", solr_schema.STRING, False),
        ("metadata_modified", solr_schema.DATE, False),
        ("anything_else", solr_schema.STRING, False),
    ],
)
def test_field_types(schema, field, kind, multi):
    """Explicit and dynamic fields get Solr's types (longest pattern wins)."""
    f = schema.field(field)
    assert (f.kind, f.multi_valued) == (kind, multi)


def test_checker_catches_invalid_documents(schema):
    """Lists in single-valued fields, bad dates and nested objects are reported."""
    problems = schema.check_document(
        {
            "sectors": ["health", "wash"],
            "metadata_modified": "yesterday",
            "thing": {"a": 1},
            "vocab_sectors": ["health", "wash"],
        }
    )
    assert len(problems) == 3
    assert any(p.startswith("sectors: multiple values") for p in problems)


@pytest.mark.usefixtures("with_plugins", "clean_db")
def test_demo_documents_are_valid_for_solr(schema):
    """Every document indexed for the demo datasets (both types) passes the check."""
    demo.load(echo=lambda _: None)
    for spec in demo.DATASETS:
        doc = search.show(spec["name"])
        doc.pop("data_dict"), doc.pop("validated_data_dict")
        assert schema.check_document(doc) == [], spec["name"]
        assert "sectors" not in doc
        assert doc["vocab_sectors"]
        # the values are in the free text once, through vocab_sectors, not
        # a second time as the JSON text CKAN copies into extras_sectors
        assert "extras_sectors" not in doc
