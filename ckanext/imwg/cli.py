"""`ckan imwg`: the suite's shared commands (each feature has its own group,
named by its feature word: `ckan pcode`, `ckan sensitivity`, `ckan search`)."""

from __future__ import annotations

import click

__all__ = ["imwg"]


@click.group(short_help="The suite's shared commands (demo content)")
def imwg():
    """The suite's shared commands."""


@imwg.command("demo")
@click.option("--quiet", is_flag=True, help="Do not print the users' passwords.")
def demo(quiet: bool):
    """Load demo content (idempotent: what exists is kept)."""
    from . import demo as demo_content

    created = demo_content.load()
    click.echo("Demo content: " + ", ".join(f"{n} {k} created" for k, n in created.items()))
    if not quiet:
        click.echo("\nDemo users (user / password / role):")
        for user, password, role in demo_content.credentials():
            click.echo(f"  {user:<14} {password:<26} {role}")
