"""`ckan imwg`: the suite's shared commands (each feature has its own group,
named by its feature word: `ckan pcode`, `ckan sensitivity`, `ckan search`)."""

from __future__ import annotations

import click

__all__ = ["imwg"]


@click.group(short_help="The suite's shared commands (demo content, analyses of uploaded files)")
def imwg():
    """The suite's shared commands."""


@imwg.command("demo")
@click.option("--quiet", is_flag=True, help="No progress bar, and do not print the users' passwords.")
def demo(quiet: bool):
    """Load demo content (idempotent: what exists is kept)."""
    from . import demo as demo_content
    from .progress import progress, summary

    with progress(demo_content.steps(), "Demo content", quiet=quiet) as bar:
        created = demo_content.load(echo=click.echo, progress=lambda step: bar.update(1, label=step))
    if not quiet:
        click.echo("Demo users (user / password / role):")
        for user, password, role in demo_content.credentials():
            click.echo(f"  {user:<14} {password:<26} {role}")
    click.echo(summary("Demo content: " + ", ".join(f"{n} {k} created" for k, n in created.items()), bar.started))


@imwg.command("analyse")
@click.argument("resource_ids", nargs=-1)
@click.option("--quiet", is_flag=True, help="No progress bar (it is drawn only on a terminal anyway).")
def analyse(resource_ids: tuple[str, ...], quiet: bool):
    """Run the analyses of uploaded files (P-code coverage, personal-data
    screen, HXL profile: those of the enabled plugins) on RESOURCE_IDS
    (default: every uploaded file), here rather than in the jobs worker: the
    back-fill of files uploaded before a plugin was enabled. Each analysis
    skips a file it has already read since its last upload."""
    import ckan.model as model
    import ckan.plugins as p

    from . import uploads
    from .interfaces import IUploadAnalysis
    from .progress import progress, summary

    if not list(p.PluginImplementations(IUploadAnalysis)):
        raise click.UsageError("no enabled plugin analyses uploaded files")
    ids = list(resource_ids) or _uploaded_resources(model.Session)
    tally: dict[str, dict[str, int]] = {}
    crashed = 0
    with progress(len(ids), "Analysing files", quiet=quiet) as bar:
        for resource_id in ids:
            for name, outcome in uploads.run(resource_id).items():
                word = _outcome_word(outcome)
                if word.startswith("crashed"):
                    click.echo(f"{resource_id}: {name} {word}", err=True)
                    word, crashed = "crashed", crashed + 1
                counts = tally.setdefault(name, {})
                counts[word] = counts.get(word, 0) + 1
            bar.update(1)
    parts = [
        f"{name} " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        for name, counts in sorted(tally.items())
    ]
    click.echo(summary(f"{len(ids)} file(s) analysed" + (": " + "; ".join(parts) if parts else ""), bar.started))
    if crashed:
        raise click.exceptions.Exit(1)


def _outcome_word(outcome) -> str:
    """An analysis's outcome in a word (some report a row of results: its status)."""
    if isinstance(outcome, dict):
        return str(outcome.get("status") or "done")
    return str(outcome) if outcome else "done"


def _uploaded_resources(session) -> list[str]:
    """The ids of the active uploaded files of active datasets, oldest first."""
    import ckan.model as model

    query = (
        session.query(model.Resource.id)
        .join(model.Package, model.Package.id == model.Resource.package_id)
        .filter(model.Resource.url_type == "upload", model.Resource.state == "active", model.Package.state == "active")
        .order_by(model.Resource.created, model.Resource.id)
    )
    return [row.id for row in query]
