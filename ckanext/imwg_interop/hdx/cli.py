"""``ckan hdx``: push datasets to HDX and pull a country's datasets from it."""

from __future__ import annotations

import contextlib
import time
from typing import Any

import click

QUIET = click.option("--quiet", is_flag=True, help="No progress bar (it is drawn only on a terminal anyway).")


class _Track:
    """A progress bar (``ckanext.imwg.progress``) opened once the number of
    datasets to go is known, and lengthened when more are planned."""

    def __init__(self, label: str, quiet: bool, file: Any = None) -> None:
        self.label, self.quiet, self.file = label, quiet, file
        self.started = time.monotonic()
        self.bar: Any = None
        self._stack = contextlib.ExitStack()

    def planned(self, count: int) -> None:
        from ckanext.imwg.progress import progress

        if self.bar is None:
            self.bar = self._stack.enter_context(progress(count, self.label, quiet=self.quiet, file=self.file))
        else:
            self.bar.extend(count)

    def done(self, outcome: Any) -> None:
        if self.bar is not None:
            self.bar.update(1, label=outcome.name if outcome is not None else None)

    def __enter__(self) -> _Track:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()


def _report(outcomes: list, started: float) -> None:
    from ckanext.imwg.progress import summary

    for outcome in outcomes:
        click.echo(outcome.line(), err=outcome.failed)
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    line = ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "nothing to do"
    click.echo(summary(line, started))
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
@QUIET
def push(datasets: tuple[str, ...], quiet: bool) -> None:
    """Publish DATASETS (default: every dataset anonymous visitors see) on HDX or bring them up to date."""
    import ckan.plugins as p

    from . import push as pushing

    if not p.plugin_loaded("imwg_sensitivity"):
        # without the sharing protocol nothing would keep a gated file's address from leaving
        raise click.UsageError("imwg_sensitivity is not enabled: nothing would gate what leaves; not pushing")
    remote = _remote()
    with _Track("Pushing to HDX", quiet) as track:
        outcomes = pushing.push(datasets or None, remote=remote, progress=track)
    _report(outcomes, track.started)


@hdx.command()
@click.option("--country", required=True, help="The country's ISO3 code (HDX's group).")
@QUIET
def pull(country: str, quiet: bool) -> None:
    """Import COUNTRY's HDX datasets as harvested datasets (again: bring HDX's changes)."""
    from . import pull as pulling

    code = country.strip()
    if len(code) != 3 or not code.isalpha():
        raise click.BadParameter("an ISO3 code, e.g. MMR", param_hint="--country")
    remote = _remote(token="")
    with _Track("Pulling from HDX", quiet) as track:
        outcomes = pulling.pull(code.upper(), remote=remote, progress=track)
    _report(outcomes, track.started)
