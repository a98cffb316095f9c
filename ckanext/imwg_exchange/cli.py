"""`ckan exchange`: the exchange's commands (for cron and operators).

One click group for the plugin. Each part adds its subcommands to
``exchange`` in its own ``cli`` module (``@exchange.command(...)``), and the
freshness part's ``commands()`` hands the group to CKAN once (``parts.listed``
would register a group that two parts return twice).
"""

from __future__ import annotations

import click

__all__ = ["exchange"]


@click.group(short_help="Who has what, who needs what: freshness and the exchange's jobs")
def exchange():
    """Who has what, who needs what: the exchange's commands."""
