"""``ckan notify places``: the most followed places."""

from __future__ import annotations

import ckan.model as model
import click
import sqlalchemy as sa

from .model import place_follow_table


@click.command("places")
@click.option("--limit", default=20, show_default=True, help="how many places")
def places(limit: int) -> None:
    """The most followed places and their follower counts."""
    t = place_follow_table
    query = (
        sa.select(t.c.pcode, sa.func.count().label("n"))
        .group_by(t.c.pcode)
        .order_by(sa.text("n DESC"), t.c.pcode)
        .limit(limit)
    )
    for row in model.Session.execute(query):
        click.echo(f"{row.pcode}\t{row.n}")


def commands() -> list[click.Command]:
    return [places]
