"""``ckanext.imwg_search.schema_file``: the backend follows the field types of
the Solr schema it names, checks it at start-up, and ``ckan search
check-doc`` checks documents against it."""

from __future__ import annotations

import json
from pathlib import Path

import ckan.lib.search as search
import pytest
from ckan.cli.cli import ckan
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_search import config, solr_schema

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_search"),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
]

STOCK = Path(solr_schema.default_schema_path()).read_text()
EXTRAS_AS_TEXT = '<dynamicField name="extras_*" type="text" indexed="true" stored="true" multiValued="false"/>'
TAGS = '<field name="tags" type="string" indexed="true" stored="true" multiValued="true"/>'


def custom_schema(tmp_path: Path, old: str, new: str) -> Path:
    """CKAN's shipped schema with one definition changed."""
    assert old in STOCK
    path = tmp_path / "schema.xml"
    path.write_text(STOCK.replace(old, new))
    return path


@pytest.fixture
def use_schema(ckan_config):
    """Point the option at a schema file (as a line of the ini file would),
    back to what it was before the other fixtures' teardown commits."""
    before = ckan_config.get(config.SCHEMA_FILE, "")

    def use(path: Path | str) -> None:
        ckan_config[config.SCHEMA_FILE] = str(path)

    yield use
    ckan_config[config.SCHEMA_FILE] = before


def extras_source_matches(fq: str) -> int:
    return call_action("package_search", fq=fq)["count"]


def test_default_is_ckans_shipped_schema():
    """Without the option, extras are analysed text, as in CKAN's schema."""
    assert solr_schema.schema_path() == solr_schema.default_schema_path()
    assert solr_schema.load().field("extras_source").kind == solr_schema.TEXT
    factories.Dataset(extras=[{"key": "source", "value": "Field teams of the north"}])
    assert extras_source_matches("extras_source:north") == 1


def test_backend_follows_the_configured_schema(tmp_path, use_schema):
    """A schema whose extras are exact strings: a word no longer finds the value, the whole value does."""
    use_schema(custom_schema(tmp_path, EXTRAS_AS_TEXT, EXTRAS_AS_TEXT.replace('type="text"', 'type="string"')))
    assert solr_schema.load().field("extras_source").kind == solr_schema.STRING
    factories.Dataset(extras=[{"key": "source", "value": "Field teams of the north"}])
    assert extras_source_matches("extras_source:north") == 0
    assert extras_source_matches('extras_source:"Field teams of the north"') == 1


def test_start_up_refuses_a_schema_it_cannot_read(tmp_path, use_schema):
    """A missing or broken file stops CKAN's schema check, naming the option and the file."""
    use_schema(tmp_path / "missing.xml")
    with pytest.raises(solr_schema.SchemaError, match=f"{config.SCHEMA_FILE}: cannot read .*missing.xml"):
        search.check_solr_schema_version()
    broken = tmp_path / "broken.xml"
    broken.write_text("<schema name='ckan-2.11'>")
    use_schema(broken)
    with pytest.raises(solr_schema.SchemaError, match="broken.xml"):
        search.check_solr_schema_version()


def test_start_up_refuses_a_schema_version_ckan_does_not_support(tmp_path, use_schema):
    """A schema of another CKAN version is refused, as CKAN refuses it from Solr."""
    use_schema(custom_schema(tmp_path, 'name="ckan-2.11"', 'name="ckan-2.7"'))
    with pytest.raises(solr_schema.SchemaError, match="version 2.7"):
        search.check_solr_schema_version()


@pytest.mark.usefixtures("with_extended_cli")
def test_check_doc_checks_against_the_configured_schema(cli, tmp_path, use_schema):
    """With tags single-valued in the configured schema, check-doc reports a dataset with two tags."""
    factories.Dataset(name="tagged", tags=[{"name": "mines"}, {"name": "health"}])
    assert cli.invoke(ckan, ["search", "check-doc", "tagged"]).exit_code == 0
    use_schema(custom_schema(tmp_path, TAGS, TAGS.replace('multiValued="true"', 'multiValued="false"')))
    result = cli.invoke(ckan, ["search", "check-doc", "tagged"])
    assert result.exit_code == 1
    problems = json.loads(result.output[result.output.index("[") :])
    assert [p for p in problems if p.startswith("tags: multiple values")]
