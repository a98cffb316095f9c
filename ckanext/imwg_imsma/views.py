"""The import's pages on a mine-action dataset, for its editors: upload an
export, see the mapping detected (and edit it), confirm, then follow the
background job and read its report."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import ckan.plugins.toolkit as tk
from flask import Blueprint, jsonify, request

from ckanext.imwg.csrf import protected

from . import config, importer, jobs, read, roles
from . import model as imsma_model

imsma = Blueprint("imwg_imsma", __name__)


def blueprints() -> list[Blueprint]:
    return [imsma]


#: the import's pages that take a body, refused by its length like the API's ``imsma_import``
SIZED = ("imwg_imsma.upload", "imwg_imsma.confirm")


@imsma.before_app_request
def _refuse_big_upload() -> Any:
    """``imsma_import`` through the API and the import's pages: a request
    whose declared length (``Content-Length``) is past the limit is refused
    (413) before anything reads its body (the suite's input guard and the
    CSRF check read its form), whoever sends it; the page is shown again
    to those who may import, a bare 413 to anyone else (no dataset shown).
    The copy of an upload stops at the same limit (no length given)."""
    api = request.path.rstrip("/").endswith("/action/imsma_import")
    if request.method != "POST" or not (api or request.endpoint in SIZED):
        return None
    try:
        importer.check_length(request.content_length, config.max_bytes())
    except tk.ValidationError as error:
        if api:
            body = {"success": False, "error": {"__type": "Validation Error", **error.error_dict}, "help": ""}
            return jsonify(body), 413
        if not tk.current_user.is_authenticated:
            return tk.abort(413, "; ".join(error.error_dict.get("upload", [])))
        return _render(_dataset((request.view_args or {}).get("id", "")), errors=error.error_dict), 413
    return None


def _context() -> dict[str, Any]:
    user = tk.current_user
    signed_in = bool(getattr(user, "is_authenticated", False))
    return {"user": user.name if signed_in else "", "auth_user_obj": user if signed_in else None}


def _dataset(id: str) -> dict[str, Any]:
    """The dataset as the visitor sees it; 404 unless it is a mine-action
    dataset they may import into (403 when they see it and may not)."""
    try:
        pkg = tk.get_action("package_show")(_context(), {"id": id})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return tk.abort(404, tk._("Dataset not found"))
    if pkg.get("type") != importer.DATASET_TYPE:
        return tk.abort(404, tk._("Imports go to a mine-action dataset"))
    try:
        tk.check_access("imsma_import", _context(), {"id": pkg["id"]})
    except tk.NotAuthorized:
        return tk.abort(403, tk._("Only the dataset's editors may import exports and read their reports"))
    return pkg


def _pending(token: str) -> tuple[Path, dict[str, Any]] | None:
    """An upload waiting for its confirmation: its file and what was said of it."""
    try:
        uuid.UUID(token)
    except (ValueError, TypeError):
        return None
    meta_path = jobs.pending_dir() / f"{token}.json"
    if not meta_path.exists():
        return None
    meta = json.loads(meta_path.read_text())
    return jobs.pending_dir() / f"{token}{Path(meta['filename']).suffix}", meta


def _options(form: Any) -> dict[str, str]:
    return {k: form.get(k, "").strip() for k in importer.OPTION_FIELDS if form.get(k, "").strip()}


def _reads_reports(pkg: dict[str, Any]) -> bool:
    """Whether the visitor may read the imports' reports (they list raw records)."""
    try:
        tk.check_access("imsma_import_show", _context(), {"id": pkg["id"]})
    except tk.NotAuthorized:
        return False
    return True


def _render(pkg: dict[str, Any], **extra: Any) -> str:
    last = imsma_model.last(pkg["id"], config.running_timeout()) if _reads_reports(pkg) else None
    return tk.render(
        "imwg_imsma/import.html",
        {
            "pkg": pkg,
            "pkg_dict": pkg,
            "last": last,
            "levels": importer.LEVELS,
            "systems": importer.SOURCE_SYSTEMS,
            "roles": roles.ROLES,
            "errors": {},
            "data": {},
            "max_mb": round(config.max_bytes() / 1024 / 1024),
            **extra,
        },
    )


@imsma.route("/dataset/<id>/imsma", methods=["GET", "POST"])
@protected
def upload(id: str):
    """The form (GET); an upload read and its mapping detected for the preview (POST)."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    pkg = _dataset(id)
    if request.method == "GET":
        return _render(pkg)
    data = _options(request.form)
    stored = request.files.get("upload")
    if stored is None or not stored.filename:
        return _render(pkg, data=data, errors={"upload": [tk._("Choose the export to import")]})
    filename = Path(stored.filename).name
    token = str(uuid.uuid4())
    jobs.sweep()
    try:
        read.kind_of(filename)
        path = importer.copy_upload(stored.stream, filename, config.max_bytes())
    except read.ReadError as error:
        return _render(pkg, data=data, errors={"upload": [importer.error_message(error)]})
    except tk.ValidationError as error:
        return _render(pkg, data=data, errors=error.error_dict)
    kept = jobs.pending_dir() / f"{token}{Path(filename).suffix}"
    path.replace(kept)
    meta = {"filename": filename, "user": tk.current_user.id, "package_id": pkg["id"]}
    (jobs.pending_dir() / f"{token}.json").write_text(json.dumps(meta))
    return _preview(pkg, token, kept, filename, data)


def _preview(pkg: dict[str, Any], token: str, path: Path, filename: str, data: dict[str, str]) -> str:
    """The detected mapping (or the one given) of a kept upload."""
    errors: dict[str, list[str]] = {}
    layers: list[str] = []
    table = None
    try:
        table = read.read(path, filename, layer=data.get("layer") or None, **config.zip_limits())
    except read.ReadError as error:
        layers = list(error.details.get("layers") or [])
        errors["layer" if error.field == "layer" else "upload"] = [importer.error_message(error)]
    mapping = None
    if table is not None:
        try:
            mapping = roles.load(data["mapping"], table.columns) if data.get("mapping") else roles.detect(table.columns)
        except roles.MappingError as error:
            errors["mapping"] = [f"{key}: {'; '.join(v)}" for key, v in error.errors.items()]
    if mapping is not None and table is not None and not data.get("mapping"):
        mapping.layer = table.layer
        data["mapping"] = mapping.to_yaml()
    return _render(
        pkg,
        preview={"token": token, "filename": filename, "table": table, "mapping": mapping, "layers": layers},
        data=data,
        errors=errors,
    )


@imsma.route("/dataset/<id>/imsma/confirm", methods=["POST"])
@protected
def confirm(id: str):
    """Check the (edited) mapping again; when it fits, queue the import."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    pkg = _dataset(id)
    token = request.form.get("token", "")
    pending = _pending(token)
    if pending is None or pending[1]["user"] != tk.current_user.id or pending[1]["package_id"] != pkg["id"]:
        return _render(pkg, errors={"upload": [tk._("The upload has expired: send the file again")]})
    path, meta = pending
    data = _options(request.form)
    if request.form.get("check"):
        return _preview(pkg, token, path, meta["filename"], data)
    try:
        table = read.read(path, meta["filename"], layer=data.get("layer") or None, **config.zip_limits())
        if data.get("mapping"):
            roles.load(data["mapping"], table.columns)
    except (read.ReadError, roles.MappingError):
        return _preview(pkg, token, path, meta["filename"], data)
    (jobs.pending_dir() / f"{token}.json").unlink(missing_ok=True)
    jobs.enqueue(tk.current_user.name, pkg["id"], path, meta["filename"], data)
    if not _reads_reports(pkg):
        tk.h.flash_success(tk._("The import has started."))
        return tk.redirect_to(f"{pkg['type']}.read", id=pkg["name"])
    tk.h.flash_success(tk._("The import has started; this page shows its progress."))
    return tk.redirect_to("imwg_imsma.status", id=pkg["name"])


@imsma.route("/dataset/<id>/imsma/status", methods=["GET"])
def status(id: str):
    """The last import: its progress while it runs, then its report."""
    if not tk.current_user.is_authenticated:
        return tk.redirect_to("user.login", came_from=request.path)
    pkg = _dataset(id)
    if not _reads_reports(pkg):
        return tk.abort(403, tk._("The report lists records of the raw export, which is not yours to see"))
    return tk.render(
        "imwg_imsma/status.html",
        {"pkg": pkg, "pkg_dict": pkg, "last": imsma_model.last(pkg["id"], config.running_timeout())},
    )
