"""``ckan hdx``: push datasets to HDX and pull a country's datasets from it."""

from __future__ import annotations

import click


def _report(outcomes: list) -> None:
    for outcome in outcomes:
        click.echo(outcome.line(), err=outcome.failed)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    click.echo(", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to do")
    if any(outcome.failed for outcome in outcomes):
        raise click.exceptions.Exit(1)


def _remote(**kwargs):
    from .remote import Remote

    try:
        return Remote(**kwargs)
    except ValueError as error:
        raise click.UsageError(str(error)) from None


@click.group(short_help="Exchange datasets with HDX (the Humanitarian Data Exchange).")
def hdx() -> None:
    """Exchange datasets with an HDX-compatible CKAN (ckanext.imwg_interop.hdx.url)."""


@hdx.command()
@click.argument("datasets", nargs=-1)
def push(datasets: tuple[str, ...]) -> None:
    """Publish DATASETS (default: every dataset anonymous visitors see) on HDX or bring them up to date."""
    import ckan.plugins as p

    from . import push as pushing

    if not p.plugin_loaded("imwg_sensitivity"):
        # without the sharing protocol nothing would keep a gated file's address from leaving
        raise click.UsageError("imwg_sensitivity is not enabled: nothing would gate what leaves; not pushing")
    _report(pushing.push(datasets or None, remote=_remote()))


@hdx.command()
@click.option("--country", required=True, help="The country's ISO3 code (HDX's group).")
def pull(country: str) -> None:
    """Import COUNTRY's HDX datasets as harvested datasets (again: bring HDX's changes)."""
    from . import pull as pulling

    code = country.strip()
    if len(code) != 3 or not code.isalpha():
        raise click.BadParameter("an ISO3 code, e.g. MMR", param_hint="--country")
    _report(pulling.pull(code.upper(), remote=_remote(token="")))
