"""``ckan notify``: the notifications' commands (each part adds its own)."""

from __future__ import annotations

import json

import click

from . import parts


@click.group(short_help="Notifications: periodic work, delivery status, the local mail catcher.")
def notify() -> None:
    """Notifications by e-mail."""


@notify.command()
@click.option("--job", is_flag=True, help="Queue the tick as a background job instead of running it here.")
@click.option("--every", type=click.IntRange(min=10), default=None, help="Run again every SECONDS until interrupted.")
def tick(job: bool, every: int | None) -> None:
    """Send due retries again, let features send their time-based events, build due digests."""
    import time

    from .mail import tick as ticking

    while True:
        if job:
            ticking.enqueue_tick()
            click.echo("tick queued")
        else:
            try:
                click.echo(json.dumps(ticking.tick()), nl=True)
            except Exception as error:  # a database restart: the next tick tries again
                if every is None:
                    raise
                click.echo(f"tick failed: {error}", err=True)
        if every is None:
            return
        time.sleep(every)


@notify.command()
@click.option("--limit", default=10, show_default=True, help="How many of the last failures to show.")
def status(limit: int) -> None:
    """Messages by status and the last failures with their errors."""
    from .mail import status as report

    summary = report.summary(limit)
    for name, count in summary["counts"].items():
        click.echo(f"{name:10} {count}")
    if summary["failures"]:
        click.echo("\nlast failures:")
    for failure in summary["failures"]:
        click.echo(
            f"{failure['created']:%Y-%m-%d %H:%M} {failure['status']:8} {failure['attempts']} tries "
            f"{failure['key']}: {failure['last_error']}"
        )


@notify.command()
@click.option("--directory", default=None, help="Where to write the messages (default: ckanext.imwg_notify.catch_dir).")
@click.option("--port", type=int, default=None, help="The loopback port (default: ckanext.imwg_notify.catch_port).")
def mailcatcher(directory: str | None, port: int | None) -> None:
    """Receive mail on 127.0.0.1 and write each message as an .eml file (for a local portal)."""
    from . import config
    from .mail import catcher

    folder = directory or config.catch_dir()
    if not folder:
        raise click.UsageError("no folder: give --directory or set ckanext.imwg_notify.catch_dir")
    catcher.serve(folder, port or config.catch_port())


for _command in parts.listed("commands"):
    notify.add_command(_command)
