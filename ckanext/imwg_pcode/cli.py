"""`ckan pcode`: load, describe and export the gazetteer."""

from __future__ import annotations

import csv
import sys

import click

__all__ = ["pcode"]


@click.group(short_help="Gazetteer of administrative units (P-codes)")
def pcode():
    """Gazetteer of administrative units (P-codes)."""


@pcode.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--version", help="Version label stored with the units (default: file name and time).")
@click.option("--if-empty", is_flag=True, help="Load only into an empty gazetteer (for demo content).")
def load(path: str, version: str | None, if_empty: bool):
    """Load a Global P-code list, COD-AB CSV/XLSX or GeoJSON file (one transaction)."""
    import ckan.model as model
    import sqlalchemy as sa

    from . import config, gazetteer, loader
    from .model import unit_table

    if if_empty and model.Session.execute(sa.select(unit_table.c.pcode).limit(1)).first():
        click.echo("The gazetteer already holds units: nothing loaded.")
        return

    steps = ["reading and checking", "writing"]
    with click.progressbar(length=len(steps), label=f"Loading {path}", file=sys.stderr) as bar:
        try:
            summary = loader.load(
                path,
                model.Session,
                version=version,
                tolerance=config.simplify_tolerance(),
                progress=lambda step: bar.update(1),
            )
        except gazetteer.GazetteerError as e:
            model.Session.rollback()
            click.echo("", err=True)
            for problem in e.problems:
                click.echo(f"error: {problem}", err=True)
            raise click.exceptions.Exit(1) from None
    totals = summary.totals()
    click.echo(", ".join(f"{n} {k}" for k, n in totals.items()))
    by_country: dict[str, list[str]] = {}
    for country, level, added, changed, retired in summary.rows():
        counts = ", ".join(f"{sign}{n}" for sign, n in (("+", added), ("~", changed), ("-", retired)) if n)
        by_country.setdefault(country, []).append(f"admin {level}: {counts}")
    for country, parts in by_country.items():
        click.echo(f"  {country}  " + "; ".join(parts))


@pcode.command("stats")
def stats():
    """Units per country and level (active and retired)."""
    import ckan.model as model

    from . import loader

    rows = loader.stats(model.Session)
    click.echo(f"{'country':<8} {'level':>5} {'active':>8} {'retired':>8}")
    for country, level, active, retired in rows:
        click.echo(f"{country:<8} {level:>5} {active:>8} {retired:>8}")
    click.echo(f"{'total':<8} {'':>5} {sum(r[2] for r in rows):>8} {sum(r[3] for r in rows):>8}")


@pcode.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def export(path: str):
    """Write the active gazetteer as a COD-AB wide CSV (loads back unchanged)."""
    import ckan.model as model

    from . import loader

    header, rows = loader.export_rows(model.Session)
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)
    click.echo(f"{len(rows)} units written to {path}")
