"""`ckan exchange freshness`: recompute every dataset's freshness (for cron)."""

from __future__ import annotations

import click

from ..cli import exchange


@exchange.command("freshness")
@click.option("--enqueue", is_flag=True, help="Queue a background job instead of recomputing here.")
def freshness(enqueue: bool):
    """Recompute every dataset's freshness status; re-index those whose status changed."""
    import ckan.plugins.toolkit as tk

    from . import tracking

    if enqueue:
        job = tk.enqueue_job(tracking.recompute_job, title="Recompute the freshness of every dataset")
        click.echo(f"Queued job {job.id}")
        return
    summary = tracking.recompute()
    counts = ", ".join(f"{status} {n}" for status, n in summary["by_status"].items())
    click.echo(
        f"{summary['datasets']} datasets ({counts}); {summary['changed']} changed status,"
        f" {summary['new']} recorded for the first time; {len(summary['changed_ids'])} re-indexed."
    )
