"""The whole import of one export into a ``mine-action`` dataset.

Everything is read, placed and summed before anything is written. Then one
``package_update`` (one transaction) puts new resources (new ids: new files,
written by CKAN's uploader after the update's validation) in the place of
the previous ones: one aggregate per admin level, then the raw export at its
level (default confidential); it fills the dataset's mine-action fields.
The previous files are untouched, and served, until the update is
committed; only then are they removed. When anything fails, the new files
are removed: the dataset and its files are exactly as before. Each run's report is
stored (``imwg_imsma_import``)."""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib import uploader
from werkzeug.datastructures import FileStorage

from ckanext.imwg import interfaces, levels, uploads

from . import aggregate, analysis, config, gazetteer, read, roles
from . import model as imsma_model

log = logging.getLogger(__name__)

DATASET_TYPE = "mine-action"
#: the resource field that says what a resource is to the importer
ROLE_FIELD = "imsma_role"
RAW = "raw"
#: the suite's sensitivity levels, least to most sensitive
LEVELS = levels.LEVELS
SOURCE_SYSTEMS = ("imsma_core", "imsma_ng", "other_db", "survey")
LEVEL_NAMES = {0: "national", 1: "adm1", 2: "adm2", 3: "adm3"}
#: the options an import takes besides its dataset and file
OPTION_FIELDS = ("country", "mapping", "layer", "raw_level", "aggregate_level", "source_system", "export_date")


@dataclass
class Options:
    """What an import is asked to do (``mapping``: a mapping file's text)."""

    dataset: str
    path: Path
    filename: str
    country: str | None = None
    mapping: str | None = None
    layer: str | None = None
    raw_level: str | None = None
    aggregate_level: str | None = None
    source_system: str | None = None
    export_date: str | None = None
    #: a background import's row (``model.record`` updates it)
    import_id: str | None = None
    progress: Callable[[str, int, int], None] = field(default=lambda step, done, total: None)


def error_message(error: read.ReadError) -> str:
    """A reading error said to the user, translated."""
    d = error.details
    messages = {
        "unknown_format": lambda: tk._(
            "Unknown file type {suffix}: use GeoJSON, a zipped Shapefile or File Geodatabase, GeoPackage, CSV or XLSX"
        ).format(suffix=d.get("suffix")),
        "too_big": lambda: tk._("The file is {size} bytes; the largest accepted is {limit} bytes").format(
            size=d.get("size"), limit=d.get("limit")
        ),
        "zip_too_big": lambda: tk._(
            "The zip would unpack to {size} bytes; the largest accepted is {limit} bytes"
        ).format(size=d.get("size"), limit=d.get("limit")),
        "zip_too_many": lambda: tk._("The zip holds {count} files; at most {limit} are accepted").format(
            count=d.get("count"), limit=d.get("limit")
        ),
        "no_header": lambda: tk._("The file has no header row"),
        "broken_xlsx": lambda: tk._("The spreadsheet cannot be read: {reason}").format(reason=d.get("reason")),
        "broken_zip": lambda: tk._("The zip file is broken or truncated ({reason})").format(reason=d.get("reason")),
        "several_files": lambda: tk._("The zip holds several datasets ({files}): send one").format(
            files=d.get("files")
        ),
        "shapefile_part_missing": lambda: tk._("The shapefile's {part} file is missing from the zip").format(
            part=d.get("part")
        ),
        "zip_without_geodata": lambda: tk._("The zip holds no Shapefile and no File Geodatabase"),
        "unreadable": lambda: tk._("The file cannot be read as geodata: {reason}").format(reason=d.get("reason")),
        "unknown_layer": lambda: tk._("No layer {layer}; the file has: {layers}").format(
            layer=d.get("layer"), layers=", ".join(d.get("layers") or [])
        ),
        "choose_layer": lambda: tk._("The file has several layers: choose one of {layers}").format(
            layers=", ".join(d.get("layers") or [])
        ),
        "no_crs": lambda: tk._("The file does not declare its coordinate reference system"),
        "unknown_crs": lambda: tk._("Unknown coordinate reference system {crs}").format(crs=d.get("crs")),
        "no_gazetteer": lambda: tk._("The portal has no gazetteer to place the records in"),
        "unknown_country": lambda: tk._("No country {country} in the gazetteer").format(country=d.get("country")),
        "no_location_columns": lambda: tk._(
            "No column says where the records are (P-codes, coordinates or admin names); columns: {columns}"
        ).format(columns=d.get("columns")),
        "nothing_placed": lambda: tk._("No record could be placed in an administrative unit of {country}").format(
            country=d.get("country")
        ),
    }
    return messages.get(error.code, lambda: error.code)()


def _invalid(field_name: str, message: str) -> tk.ValidationError:
    return tk.ValidationError({field_name: [message]})


def prepare(context: dict[str, Any], options: Options) -> tuple[dict[str, Any], analysis.Result, roles.Mapping, str]:
    """Check, read, place and sum, writing nothing: (dataset, result,
    mapping, country). ValidationError (field by field) for bad input."""
    if not p.plugin_loaded("imwg_sensitivity"):
        # nothing would keep the raw export at its level
        raise _invalid("import", tk._("Imports need the sensitivity plugin, which keeps the raw export at its level"))
    size_limit = config.max_bytes()
    try:
        read.check_size(options.path, size_limit)
    except read.ReadError as error:
        raise _invalid("upload", error_message(error)) from error
    dataset = tk.get_action("package_show")(dict(context), {"id": options.dataset})
    if dataset.get("type") != DATASET_TYPE:
        raise _invalid("dataset", tk._("Imports go to a mine-action dataset"))
    tk.check_access("imsma_import", dict(context), {"id": dataset["id"]})
    for name, value, allowed in (
        ("raw_level", options.raw_level, LEVELS),
        ("aggregate_level", options.aggregate_level, LEVELS),
        ("source_system", options.source_system, SOURCE_SYSTEMS),
    ):
        if value and value not in allowed:
            raise _invalid(name, tk._("Must be one of {values}").format(values=", ".join(allowed)))
    if options.export_date:
        try:
            dt.date.fromisoformat(options.export_date)
        except ValueError as error:
            raise _invalid("export_date", tk._("A date as YYYY-MM-DD")) from error
    options.progress("read", 0, 1)
    layer = options.layer
    mapping_data = None
    if options.mapping:
        import yaml

        try:
            mapping_data = yaml.safe_load(options.mapping)
        except yaml.YAMLError:
            mapping_data = None
        if isinstance(mapping_data, dict) and mapping_data.get("layer") and not layer:
            layer = str(mapping_data["layer"])
    try:
        table = read.read(options.path, options.filename, layer=layer, **config.zip_limits())
    except read.ReadError as error:
        raise _invalid("layer" if error.field == "layer" else "upload", error_message(error)) from error
    options.progress("read", 1, 1)
    try:
        mapping = roles.load(options.mapping, table.columns) if options.mapping else roles.detect(table.columns)
    except roles.MappingError as error:
        raise tk.ValidationError({"mapping": [f"{key}: {'; '.join(v)}" for key, v in error.errors.items()]}) from error
    mapping.layer = table.layer if table.kind in ("gdb", "gpkg") else mapping.layer
    country = (options.country or next(iter(dataset.get("countries") or []), "") or "").strip().upper()
    if not country:
        raise _invalid("country", tk._("Give the country (ISO3 code): the dataset names none"))
    options.progress("gazetteer", 0, 1)
    try:
        analysis.check_mapping(table, mapping)
        names_wanted = any(mapping.column(r) for r in analysis.NAME_ROLES)
        units = gazetteer.load(country, other_names=names_wanted)
    except read.ReadError as error:
        raise _invalid(error.field if error.field != "file" else "upload", error_message(error)) from error
    options.progress("gazetteer", 1, 1)
    options.progress("place", 0, len(table))
    result = analysis.analyse(table, mapping, units, config.suppress_below())
    options.progress("place", len(table), len(table))
    if not result.report["placed"]:
        raise _invalid("upload", error_message(read.ReadError("nothing_placed", country=country)))
    return dataset, result, mapping, country


def run(context: dict[str, Any], options: Options) -> dict[str, Any]:
    """Import one export; returns the stored report. A failure (ValidationError
    and any other) changes nothing of the dataset and is stored as a failed
    import when the dataset is known."""
    started = dt.datetime.utcnow()
    user = model.User.get(context.get("user") or "")
    files = Files()
    try:
        dataset, result, mapping, country = prepare(context, options)
        options.progress("write", 0, 1)
        report = _write(context, options, dataset, result, mapping, country, files)
        report["started"] = started.isoformat()
        report["status"] = imsma_model.DONE
        report["id"] = imsma_model.record(
            dataset["id"], user.id if user else None, options.filename, imsma_model.DONE, report, options.import_id
        )
        model.Session.commit()
    except BaseException as error:
        model.Session.rollback()
        # with the uploader's part-written copies (``~``), should it have been stopped mid-copy
        files.remove(files.written + [f"{path}~" for path in files.written])
        if isinstance(error, Exception):
            _record_failure(context, options, error, started, user)
        raise
    files.remove(files.superseded)
    options.progress("write", 1, 1)
    _analyse_files(report)
    return report


@dataclass
class Files:
    """An import's files on disk: those it wrote (removed if it fails) and
    those its new ones supersede (removed once it is committed)."""

    written: list[str] = field(default_factory=list)
    superseded: list[str] = field(default_factory=list)

    def write(self, resource_id: str, stream: FileStorage) -> FileStorage:
        """A new resource's file: ``package_update`` stores it (after its
        validation, before its commit) where CKAN's uploader keeps the file
        of ``resource_id``, a path remembered here."""
        upload = uploader.get_resource_uploader({"id": resource_id, "url": stream.filename})
        if hasattr(upload, "get_path") and getattr(upload, "storage_path", None):
            self.written.append(upload.get_path(resource_id))
        return stream

    def supersede(self, resource: dict[str, Any]) -> None:
        """A previous resource's file, to remove after the commit."""
        if resource.get("url_type") == "upload" and resource.get("id"):
            upload = uploader.get_resource_uploader(dict(resource))
            if hasattr(upload, "get_path"):
                self.superseded.append(upload.get_path(resource["id"]))

    @staticmethod
    def remove(paths: list[str]) -> None:
        for path in paths:
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
            except OSError:  # left behind: said in the log, the import's outcome stands
                log.warning("could not remove %s", path, exc_info=True)


def _record_failure(
    context: dict[str, Any], options: Options, error: Exception, started: dt.datetime, user: Any
) -> None:
    package = model.Package.get(options.dataset)
    # a refusal is recorded only for a background import (its row waits for an end)
    if package is None or (isinstance(error, tk.NotAuthorized) and not options.import_id):
        return
    if isinstance(error, tk.ValidationError):
        errors = error.error_dict
    elif isinstance(error, tk.NotAuthorized):
        errors = {"import": [tk._("Only the dataset's editors may import exports and read their reports")]}
    else:  # an unexpected failure: said without its details (they stay in the log)
        errors = {"import": [tk._("The import failed; nothing was changed")]}
    report = {"status": imsma_model.FAILED, "started": started.isoformat(), "errors": errors}
    try:
        imsma_model.record(
            package.id, user.id if user else None, options.filename, imsma_model.FAILED, report, options.import_id
        )
    except imsma_model.Expired:  # already failed (its worker was thought dead): that report stays
        model.Session.rollback()
        return
    model.Session.commit()


def _file(path: Path, filename: str) -> FileStorage:
    return FileStorage(stream=open(path, "rb"), filename=filename)  # noqa: SIM115 (closed by CKAN's uploader)


def _csv_file(text: str, filename: str) -> FileStorage:
    return FileStorage(stream=io.BytesIO(text.encode("utf-8")), filename=filename, content_type="text/csv")


def _write(
    context: dict[str, Any],
    options: Options,
    dataset: dict[str, Any],
    result: analysis.Result,
    mapping: roles.Mapping,
    country: str,
    files: Files,
) -> dict[str, Any]:
    """The new files, then the one ``package_update`` of the import; the report. The dataset is
    read again by the site (the caller's access was checked): as the caller
    sees it, resources withheld from them come without their addresses,
    which the update would then write."""
    dataset = tk.get_action("package_show")({"ignore_auth": True}, {"id": dataset["id"]})
    level = dataset.get("sensitivity") if dataset.get("sensitivity") in LEVELS else "confidential"
    raw_level = _stricter(options.raw_level or config.raw_level(), level)
    aggregate_level = _stricter(config.aggregates_allowed(raw_level, options.aggregate_level), level)
    resources = [dict(r) for r in dataset.get("resources", [])]
    by_role = {r.get(ROLE_FIELD): r for r in resources if r.get(ROLE_FIELD)}
    for previous in by_role.values():
        files.supersede(previous)
    raw = _new_resource(RAW)
    raw.update(
        {
            # the file's name may say what it holds: the name shown to all who see the dataset does not
            "name": tk._("Raw export ({format}, {date})").format(
                format=result.report["file"]["kind"].upper(), date=options.export_date or dt.date.today().isoformat()
            ),
            "format": result.report["file"]["kind"].upper(),
            "sensitivity": raw_level,
            "url": options.filename,
            "url_type": "upload",
            "date_of_data": options.export_date or dt.date.today().isoformat(),
        }
    )
    kept = [r for r in resources if not r.get(ROLE_FIELD)]
    new = []
    area_round = config.area_round()
    for lvl in result.levels:
        role = f"aggregate_{LEVEL_NAMES.get(lvl, lvl)}"
        res = _new_resource(role)
        text = aggregate.level_csv(result.gazetteer, result.aggregates, lvl, area_round)
        filename = f"{dataset['name']}-{LEVEL_NAMES.get(lvl, lvl)}-by-month.csv"
        res.update(
            {
                "name": _aggregate_name(lvl),
                "description": tk._(
                    "Counts and sums per P-code and month from the export {filename} (HXL). "
                    "Casualty figures below {below} are hidden, with those that would give them away."
                ).format(filename=options.filename, below=config.suppress_below()),
                "format": "CSV",
                "upload": files.write(res["id"], _csv_file(text, filename)),
                "url": filename,
                "url_type": "upload",
            }
        )
        if aggregate_level != level:
            res["sensitivity"] = aggregate_level
        else:
            res.pop("sensitivity", None)
        new.append(res)
    # the raw export last: the aggregates are what most visitors get
    raw["upload"] = files.write(raw["id"], _file(options.path, options.filename))
    new.append(raw)
    deepest = max(result.levels)
    fields = {
        "resources": kept + new,
        "source_export_date": options.export_date or dataset.get("source_export_date") or dt.date.today().isoformat(),
        "aggregation_level": LEVEL_NAMES.get(deepest, "national") if deepest < 4 else "adm3",
        "units": _units(result),
    }
    if options.source_system:
        fields["source_system"] = options.source_system
    elif not dataset.get("source_system"):
        fields["source_system"] = "imsma_core" if result.report["file"]["kind"] not in ("csv", "xlsx") else "other_db"
    updated = tk.get_action("package_update")({**context, "defer_commit": True}, {**dataset, **fields})
    report = dict(result.report)
    report["country"] = country
    report["raw_level"] = raw_level
    report["aggregate_level"] = aggregate_level
    report["resources"] = {r[ROLE_FIELD]: r["id"] for r in updated["resources"] if r.get(ROLE_FIELD)}
    report["mapping_yaml"] = mapping.to_yaml()
    return report


def _new_resource(role: str) -> dict[str, Any]:
    """A new resource (a new id: a new file) in the place of the previous
    one of its role: everything it says is written anew from the import."""
    return {ROLE_FIELD: role, "id": str(uuid.uuid4())}


def _aggregate_name(level: int) -> str:
    if level == 0:
        return tk._("Mine action figures, national, by month")
    return tk._("Mine action figures by admin {level} unit and month").format(level=level)


def _units(result: analysis.Result) -> list[str]:
    totals = result.report["totals"]["file"]
    units = []
    if any(totals.get(k) for k in ("hazard_area", "released")):
        units.append("sqm")
    if totals.get("items"):
        units.append("items")
    if any(totals.get(k) for k in ("killed", "injured")):
        units.append("people")
    return units


def _stricter(a: str, b: str) -> str:
    """The more sensitive of two levels (an unknown one counts as confidential)."""
    return max((x if x in LEVELS else "confidential" for x in (a, b)), key=LEVELS.index)


def _analyse_files(report: dict[str, Any]) -> None:
    """Queue the suite's analyses (personal-data screen, HXL profile, P-code
    coverage) of the files written: ``package_update`` tells no resource
    hook, so the importer asks as a resource's hook would."""
    analysts = list(p.PluginImplementations(interfaces.IUploadAnalysis))
    if not analysts:
        return
    for resource_id in report.get("resources", {}).values():
        res = tk.get_action("resource_show")({"ignore_auth": True}, {"id": resource_id})
        uploads.resource_changed(analysts[0], {}, res)


def check_length(length: int | None, limit: int) -> None:
    """Refuse a request whose declared length (``Content-Length``) is past
    ``limit`` bytes, before its body is read."""
    if limit and length and length > limit:
        raise _invalid("upload", error_message(read.ReadError("too_big", size=length, limit=limit)))


def copy_upload(stream: Any, filename: str, limit: int) -> Path:
    """An uploaded file copied to a temporary file, refused past ``limit``
    bytes while copying (a web upload's size is not known beforehand)."""
    suffix = Path(filename).suffix
    with tempfile.NamedTemporaryFile(prefix="imsma-", suffix=suffix, delete=False) as out:
        copied = 0
        while chunk := stream.read(1 << 20):
            copied += len(chunk)
            if limit and copied > limit:
                out.close()
                Path(out.name).unlink()
                raise _invalid("upload", error_message(read.ReadError("too_big", size=copied, limit=limit)))
            out.write(chunk)
    return Path(out.name)
