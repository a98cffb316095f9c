"""`ckan search`: inspect the PostgreSQL search index.

The suite names each command group by its feature word (`ckan imwg` for the
shared commands, `ckan pcode`, `ckan sensitivity`, `ckan search`). The group
was called `ckan imwg-search` before; that name still runs the same commands,
with a deprecation note on stderr, until the next release.
"""

from __future__ import annotations

import json

import click

from . import solr_schema

__all__ = ["imwg_search", "search"]

#: printed on stderr by the old name of the group
DEPRECATED = "`ckan imwg-search` is deprecated and goes in the next release: use `ckan search`."


@click.group(short_help="PostgreSQL search backend tools")
def search():
    """Tools of the PostgreSQL search backend."""


@search.command("explain")
@click.argument("query")
def explain(query: str):
    """Show how QUERY (Solr/Lucene syntax, as in fq) is parsed."""
    from .query import QuerySyntaxError, parse_any

    try:
        click.echo(repr(parse_any(query, "AND")))
    except QuerySyntaxError as e:
        raise click.ClickException(str(e)) from e


@search.command("check-doc")
@click.argument("dataset")
def check_doc(dataset: str):
    """Check the indexed document of DATASET against the Solr schema."""
    import ckan.lib.search as lib_search

    doc = lib_search.show(dataset)
    doc.pop("data_dict", None)
    doc.pop("validated_data_dict", None)
    problems = solr_schema.load().check_document(doc)
    click.echo(json.dumps(problems, indent=2))
    if problems:
        raise click.exceptions.Exit(1)


# The old name: the same command objects (one dict), so a command added to
# `search` is there too.
@click.group("imwg-search", commands=search.commands, short_help="Old name of `search` (deprecated)")
def imwg_search():
    """Deprecated name of `ckan search`."""
    click.echo(DEPRECATED, err=True)
