"""The imports' actions: import an export into a mine-action dataset, show
the last import's report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.logic import validate
from ckan.types import Context, DataDict

from .. import config, importer, jobs
from .. import model as imsma_model
from . import schema

__all__ = ["imsma_import", "imsma_import_show"]


def _package_id(context: Context, name_or_id: str) -> str:
    """The dataset's id; not found (never refused: a refusal would say it
    exists) when it is missing or the caller may not see it."""
    package = model.Package.get(name_or_id)
    if package is None or package.state == "deleted":
        raise tk.ObjectNotFound(tk._("Dataset not found"))
    if not context.get("ignore_auth"):
        caller = {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}
        try:
            tk.get_action("package_show")(caller, {"id": package.id})
        except (tk.NotAuthorized, tk.ObjectNotFound) as error:
            raise tk.ObjectNotFound(tk._("Dataset not found")) from error
    return package.id


def _request_length() -> int | None:
    """The declared length of the web request calling the action, if any."""
    try:
        return tk.request.content_length
    except (RuntimeError, AttributeError, TypeError):  # no request (a command, a job)
        return None


@validate(schema.imsma_import)
def imsma_import(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """Import an export of IMSMA (or another mine-action database) into a
    mine-action dataset: the file is stored as the dataset's raw resource
    (confidential unless a level is chosen), the records are placed in the
    gazetteer's admin units, and the aggregates by P-code and month replace
    the dataset's previous ones, all at once or not at all.

    :param id: the mine-action dataset (id or name)
    :type id: string
    :param upload: the export (GeoJSON, zipped Shapefile or File
        Geodatabase, GeoPackage, CSV or XLSX), a multipart file
    :param mapping: a mapping file's text (YAML: ``columns`` role: column,
        ``area_unit``, ``layer``); default: roles detected from the headers
    :type mapping: string
    :param country: the country's ISO3 code (default: the dataset's first)
    :type country: string
    :param layer: the layer of a geodata file with several
    :type layer: string
    :param raw_level: the raw resource's sensitivity level (default
        ``ckanext.imwg_imsma.raw_level``; never looser than the dataset)
    :type raw_level: string
    :param aggregate_level: the aggregates' level (default
        ``ckanext.imwg_imsma.aggregate_level``; never looser than the dataset)
    :type aggregate_level: string
    :param source_system: ``imsma_core``, ``imsma_ng``, ``other_db`` or ``survey``
    :type source_system: string
    :param export_date: the date of the export (YYYY-MM-DD; default today)
    :type export_date: string
    :param background: run as a background job (default false); the answer is
        then the job's id, and ``imsma_import_show`` tells its progress
    :type background: bool

    :returns: the import (as ``imsma_import_show``; without its report and
        file name for a caller the raw export is withheld from), or
        ``{"job": id}`` (the import's id)
    """
    package_id = _package_id(context, data_dict["id"])
    tk.check_access("imsma_import", context, {"id": package_id})
    importer.check_length(_request_length(), config.max_bytes())
    upload = data_dict["upload"]
    filename = Path(getattr(upload, "filename", None) or "").name
    if not filename or not hasattr(upload, "read") and not hasattr(upload, "stream"):
        raise tk.ValidationError({"upload": [tk._("Send the export as a file")]})
    stream = getattr(upload, "stream", upload)
    path = importer.copy_upload(stream, filename, config.max_bytes())
    fields = {k: data_dict.get(k) for k in importer.OPTION_FIELDS if data_dict.get(k)}
    if data_dict.get("background"):
        return {"job": jobs.enqueue(context.get("user") or "", package_id, path, filename, fields)}
    try:
        options = importer.Options(dataset=package_id, path=path, filename=filename, **fields)
        importer.run({"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}, options)
    finally:
        path.unlink(missing_ok=True)
    done = imsma_model.last(package_id) or {}
    try:
        tk.check_access("imsma_import_show", context, {"id": package_id})
    except tk.NotAuthorized:  # the report lists raw records: only its status for those the raw file is withheld from
        return {k: v for k, v in done.items() if k not in ("report", "filename")}
    return done


@tk.side_effect_free
@validate(schema.imsma_import_show)
def imsma_import_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The last import into a mine-action dataset, with its report: records
    read, placed (by code, coordinates, name), unplaced with reasons (the
    records' places in the file), warnings, totals per measure in the file,
    of the placed records and in the aggregates of each level, suppressed
    cells counted, and the mapping used (as a mapping file). A running
    background import shows its progress.

    :param id: the dataset (id or name)
    :type id: string

    :returns: ``id``, ``package_id``, ``filename``, ``status`` (``running``,
        ``done``, ``failed``), ``created``, ``finished``, ``updated`` (its
        last sign of life: queued, started, progress, end) and ``report``
    """
    package_id = _package_id(context, data_dict["id"])
    tk.check_access("imsma_import_show", context, {"id": package_id})
    found = imsma_model.last(package_id, config.running_timeout())
    if found is None:
        raise tk.ObjectNotFound(tk._("No import into this dataset yet"))
    return found
