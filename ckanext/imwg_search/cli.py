"""`ckan imwg-search`: inspect the PostgreSQL search index."""

from __future__ import annotations

import json

import click

from . import solr_schema

__all__ = ["imwg_search"]


@click.group("imwg-search", short_help="PostgreSQL search backend tools")
def imwg_search():
    """Tools of the PostgreSQL search backend."""


@imwg_search.command("explain")
@click.argument("query")
def explain(query: str):
    """Show how QUERY (Solr/Lucene syntax, as in fq) is parsed."""
    from .query import QuerySyntaxError, parse_any

    try:
        click.echo(repr(parse_any(query, "AND")))
    except QuerySyntaxError as e:
        raise click.ClickException(str(e)) from e


@imwg_search.command("check-doc")
@click.argument("dataset")
def check_doc(dataset: str):
    """Check the indexed document of DATASET against the Solr schema."""
    import ckan.lib.search as search

    doc = search.show(dataset)
    doc.pop("data_dict", None)
    doc.pop("validated_data_dict", None)
    problems = solr_schema.load().check_document(doc)
    click.echo(json.dumps(problems, indent=2))
    if problems:
        raise click.exceptions.Exit(1)
