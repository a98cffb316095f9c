"""`ckan sensitivity`: the personal-data screen of files uploaded before it ran."""

from __future__ import annotations

import sys

import click

__all__ = ["sensitivity"]


@click.group(short_help="Sensitivity and access (personal-data screen)")
def sensitivity():
    """Sensitivity and access."""


@sensitivity.command("screen")
@click.option("--enqueue", is_flag=True, help="Queue background jobs instead of screening here.")
def screen(enqueue: bool):
    """Screen the uploaded tables that wait for the personal-data screen.

    New uploads of public data go to the owning organisation only until
    screened: a portal that upgrades, or whose jobs worker was down, screens
    what waits with this command (cron-safe: files screened since their last
    upload are skipped).
    """
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from . import screening
    from .access import Access

    site = Access(None)
    waiting = [
        res
        for res in model.Session.query(model.Resource).filter(
            model.Resource.state == "active", model.Resource.url_type == "upload"
        )
        if screening.wanted({"url_type": res.url_type, "format": res.format, "url": res.url}) and not site.screened(res)
    ]
    if not waiting:
        click.echo("No file waits for the personal-data screen.")
        return
    counts: dict[str, int] = {}
    with click.progressbar(waiting, label=f"Screening {len(waiting)} files", file=sys.stderr) as bar:
        for res in bar:
            if enqueue:
                tk.enqueue_job(screening.run, [res.id], title=f"Personal-data screen of resource {res.id}")
                status = "queued"
            else:
                row = screening.run(res.id)
                status = row["status"] if row else "skipped"
            counts[status] = counts.get(status, 0) + 1
    click.echo("Screened: " + ", ".join(f"{n} {status}" for status, n in sorted(counts.items())))
