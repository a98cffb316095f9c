"""`ckan pcode`: load, describe and export the gazetteer."""

from __future__ import annotations

import csv

import click

__all__ = ["pcode"]


@click.group(short_help="Gazetteer of administrative units (P-codes)")
def pcode():
    """Gazetteer of administrative units (P-codes)."""


@pcode.command("load")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--version", help="Version label stored with the units (default: file name and time).")
@click.option("--if-empty", is_flag=True, help="Load only into an empty gazetteer (for demo content).")
@click.option("--quiet", is_flag=True, help="No progress bar (it is drawn only on a terminal anyway).")
def load(path: str, version: str | None, if_empty: bool, quiet: bool):
    """Load a Global P-code list, COD-AB CSV/XLSX or GeoJSON file (one transaction)."""
    import ckan.model as model
    import sqlalchemy as sa

    from ckanext.imwg.progress import progress, summary

    from . import config, gazetteer, loader
    from .model import unit_table

    if if_empty and model.Session.execute(sa.select(unit_table.c.pcode).limit(1)).first():
        click.echo("The gazetteer already holds units: nothing loaded.")
        return

    click.echo(f"Loading {path}")
    # the loader's steps: reading and checking, writing, analysing
    with progress(3, "reading and checking", quiet=quiet) as bar:
        try:
            result = loader.load(
                path,
                model.Session,
                version=version,
                tolerance=config.simplify_tolerance(),
                progress=lambda step: bar.update(1, label=step),
            )
        except gazetteer.GazetteerError as e:
            model.Session.rollback()
            for problem in e.problems:
                click.echo(f"error: {problem}", err=True)
            click.echo(summary(f"Nothing loaded: {len(e.problems)} error(s) in {path}", bar.started), err=True)
            raise click.exceptions.Exit(1) from None
    by_country: dict[str, list[str]] = {}
    for country, level, added, changed, retired in result.rows():
        counts = ", ".join(f"{sign}{n}" for sign, n in (("+", added), ("~", changed), ("-", retired)) if n)
        by_country.setdefault(country, []).append(f"admin {level}: {counts}")
    for country, parts in by_country.items():
        click.echo(f"  {country}  " + "; ".join(parts))
    click.echo(summary(", ".join(f"{n} {k}" for k, n in result.totals().items()), bar.started))


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
@click.option("--quiet", is_flag=True, help="No progress bar (it is drawn only on a terminal anyway).")
def export(path: str, quiet: bool):
    """Write the active gazetteer as a COD-AB wide CSV (loads back unchanged)."""
    import ckan.model as model

    from ckanext.imwg.progress import progress, summary

    from . import loader

    header, rows = loader.export_rows(model.Session)
    with open(path, "w", newline="", encoding="utf-8") as f, progress(len(rows), "Writing", quiet=quiet) as bar:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            bar.update(1)
    click.echo(summary(f"{len(rows)} units written to {path}", bar.started))


@pcode.command("coverage")
@click.argument("resource_ids", nargs=-1)
@click.option("--quiet", is_flag=True, help="No progress bar (it is drawn only on a terminal anyway).")
def coverage(resource_ids: tuple[str, ...], quiet: bool):
    """Record the P-code coverage of uploaded files that have none yet, or
    whose file changed since (RESOURCE_IDS, default: every uploaded file).
    The upload job does it for new files; this fills in the older ones."""
    import ckan.model as model

    from ckanext.imwg.progress import progress, summary

    from . import jobs

    ids = list(resource_ids) or uploaded_resources(model.Session)
    outcomes: dict[str, int] = {}
    with progress(len(ids), "P-code coverage", quiet=quiet) as bar:
        for resource_id in ids:
            outcome = jobs.check_resource(resource_id)
            if outcome.startswith("crashed"):
                click.echo(f"{resource_id}: {outcome}", err=True)
                outcome = "crashed"
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            bar.update(1)
    counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
    click.echo(summary(f"{len(ids)} file(s) checked" + (f": {counts}" if counts else ""), bar.started))
    if outcomes.get("crashed"):
        raise click.exceptions.Exit(1)


def uploaded_resources(session) -> list[str]:
    """The ids of the active uploaded files of active datasets, oldest first."""
    import ckan.model as model

    query = (
        session.query(model.Resource.id)
        .join(model.Package, model.Package.id == model.Resource.package_id)
        .filter(model.Resource.url_type == "upload", model.Resource.state == "active", model.Package.state == "active")
        .order_by(model.Resource.created, model.Resource.id)
    )
    return [row.id for row in query]
