"""``ckan imsma``: importing mine-action exports from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.group(short_help="Mine-action exports: import into a mine-action dataset, show the last import.")
def imsma() -> None:
    """Mine-action (IMSMA) exports."""


def _echo_errors(errors: dict) -> None:
    for key, messages in errors.items():
        for message in messages if isinstance(messages, list) else [messages]:
            click.echo(f"error: {key}: {message}", err=True)


@imsma.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dataset", required=True, help="The mine-action dataset (name or id).")
@click.option("--country", help="The country's ISO3 code (default: the dataset's first).")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A mapping file (YAML).")
@click.option(
    "--write-mapping",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping used (or detected) here.",
)
@click.option("--layer", help="The layer of a geodata file with several.")
@click.option("--raw-level", help="The raw export's sensitivity level (default: confidential).")
@click.option("--aggregate-level", help="The aggregates' sensitivity level (default: public).")
@click.option("--source-system", help="imsma_core, imsma_ng, other_db or survey.")
@click.option("--export-date", help="The date of the export (YYYY-MM-DD).")
@click.option("--user", help="Import as this user (default: the site user).")
@click.option("--dry-run", is_flag=True, help="Read, place and sum, print the report; change nothing.")
def import_(file: Path, dataset: str, mapping: Path | None, write_mapping: Path | None, user: str | None,
            dry_run: bool, **options: str | None) -> None:  # fmt: skip
    """Import FILE into a mine-action dataset; exit code 1 when it is refused."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk

    from . import config, importer, read

    try:  # by its size, before anything reads it
        read.check_size(file, config.max_bytes())
    except read.ReadError as error:
        click.echo(f"error: upload: {importer.error_message(error)}", err=True)
        click.echo(f"{file.name}: refused, nothing changed")
        sys.exit(1)
    if user is None:
        user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    bar: dict[str, object] = {}

    def progress(step: str, done: int, total: int) -> None:
        if step != bar.get("step"):
            if bar.get("bar") is not None:
                bar["bar"].__exit__(None, None, None)  # type: ignore[attr-defined]
            bar["step"] = step
            bar["bar"] = click.progressbar(
                length=max(total, 1), label=f"{step:<10}", file=sys.stderr, show_eta=True, show_percent=True
            )
            bar["bar"].__enter__()  # type: ignore[attr-defined]
            bar["done"] = 0
        bar["bar"].update(done - bar["done"])  # type: ignore[attr-defined]
        bar["done"] = done

    opts = importer.Options(
        dataset=dataset,
        path=file,
        filename=file.name,
        mapping=mapping.read_text(encoding="utf-8") if mapping else None,
        progress=progress,
        **{k: v for k, v in options.items() if v},
    )
    context = {"user": user, "auth_user_obj": model.User.get(user)}
    try:
        if dry_run:
            _dataset, result, used, _country = importer.prepare(context, opts)
            report = result.report
            report["mapping_yaml"] = used.to_yaml()
        else:
            report = importer.run(context, opts)
    except tk.ValidationError as error:
        if bar.get("bar") is not None:
            bar["bar"].__exit__(None, None, None)  # type: ignore[attr-defined]
        _echo_errors(error.error_dict)
        if write_mapping and opts.mapping is None:
            _write_detected(file, write_mapping)
        click.echo(f"{file.name}: refused ({len(error.error_dict)} error(s)), nothing changed")
        sys.exit(1)
    except (tk.ObjectNotFound, tk.NotAuthorized) as error:
        click.echo(f"error: {error}", err=True)
        click.echo(f"{file.name}: refused, nothing changed")
        sys.exit(1)
    if bar.get("bar") is not None:
        bar["bar"].__exit__(None, None, None)  # type: ignore[attr-defined]
    if write_mapping:
        write_mapping.write_text(report["mapping_yaml"], encoding="utf-8")
    for line in report.get("unplaced_records", []):
        click.echo(f"{line['record']}: {line['reason']} {line['detail']}".rstrip(), err=True)
    summary = {k: report.get(k) for k in ("records", "placed", "placed_by", "unplaced", "unplaced_reasons",
                                         "warnings", "levels", "suppressed_cells", "totals")}  # fmt: skip
    click.echo(json.dumps(summary, indent=1, default=str))
    click.echo(_summary_line(file.name, dataset, report, dry_run))


def _summary_line(name: str, dataset: str, report: dict, dry_run: bool) -> str:
    """The one line that ends an import's output."""
    by = report.get("placed_by") or {}
    what = "read (dry run, nothing changed)" if dry_run else f"imported into {dataset}"
    return (
        f"{name}: {what}: {report.get('records', 0)} records, {report.get('placed', 0)} placed "
        f"(by code {by.get('code', 0)}, by coordinates {by.get('coordinates', 0)}, by name {by.get('name', 0)}), "
        f"{report.get('unplaced', 0)} unplaced, {report.get('suppressed_cells', 0)} cells suppressed"
    )


def _write_detected(file: Path, target: Path) -> None:
    """The detected mapping of a file the import refused (for the user to fix)."""
    from . import read, roles

    try:
        table = read.read(file)
    except read.ReadError:
        return
    target.write_text(roles.detect(table.columns).to_yaml(), encoding="utf-8")


@imsma.command()
@click.argument("dataset")
def show(dataset: str) -> None:
    """Print the last import's report of DATASET."""
    import ckan.plugins.toolkit as tk

    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})["name"]
    click.echo(json.dumps(tk.get_action("imsma_import_show")({"user": site_user}, {"id": dataset}), indent=1))
