"""Rebuilds that read their datasets in bulk.

CKAN's rebuild reads each dataset with ``package_show``: fourteen queries
or so per dataset (its row, resources, tags, extras, groups with their
member counts, organisation, relationships), then the plugins' hooks look
up the organisation again. :func:`rebuild` reads a chunk of
:data:`CHUNK` datasets at a time with one query per table, turns the rows
into dicts with CKAN's own dictization functions (``package_dictize``'s
steps, in its order), runs what ``package_show`` runs after it (every
``IPackageController.read`` and ``after_dataset_show``, every
``IResourceController.before_resource_show``) and hands each dict to CKAN's
own ``index_package``: scheming's validation, every plugin's
``before_dataset_index`` and the permission labels are CKAN's, unchanged,
and the entries are written by the batched writer (``writer.batched``).

The chunk's organisations and groups (with their extras) and datasets stay
in the session while it is indexed, so the hooks that look them up
(``Package.get``, ``Group.get``) find them without a query.

Each chunk checks itself: its first dataset is also read through the
``package_show`` action, and if the two dicts differ (a plugin chains
``package_show`` and changes what it returns, or a new CKAN dictizes
otherwise) the difference is logged and the rest of the rebuild reads each
dataset through ``package_show``, as CKAN does.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import ckan.lib.dictization as d
import ckan.lib.dictization.model_dictize as md
import ckan.lib.helpers as h
import ckan.logic as logic
import ckan.model as model
import ckan.plugins as p
from ckan.common import config
from ckan.lib.search import index_for, query_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

log = logging.getLogger(__name__)

#: Datasets read per round of queries (and written per batch).
CHUNK = 200


def _context() -> dict[str, Any]:
    """The context CKAN's rebuild reads each dataset with, as the action
    wrapper fills it in (``model``, ``session``, ``user``, ``auth_user_obj``)."""
    return logic._prepopulate_context({"ignore_auth": True, "validate": False, "use_cache": False})


def _grouped(rows: Iterable[Any], key: str) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out


class _Chunk:
    """The rows of a chunk of datasets, read with one query per table, and
    the objects the hooks look up, held in the session while it is indexed."""

    def __init__(self, ids: Sequence[str]):
        session = model.Session
        # with their extras: the sensitivity level is read from them (``imwg_sensitivity``'s labels)
        self.packages = {
            pkg.id: pkg
            for pkg in session.query(model.Package)
            .options(selectinload(model.Package._extras))
            .filter(model.Package.id.in_(list(ids)))
            .all()
        }
        res = model.resource_table
        self.resources = _grouped(session.execute(select(res).where(res.c["package_id"].in_(ids))), "package_id")
        tag, pkg_tag = model.tag_table, model.package_tag_table
        self.tags = _grouped(
            session.execute(
                select(tag, pkg_tag.c["state"], pkg_tag.c["package_id"].label("_imwg_package"))
                .join(pkg_tag, tag.c["id"] == pkg_tag.c["tag_id"])
                .where(pkg_tag.c["package_id"].in_(ids))
            ),
            "_imwg_package",
        )
        extra = model.package_extra_table
        self.extras = _grouped(session.execute(select(extra).where(extra.c["package_id"].in_(ids))), "package_id")
        member, group = model.member_table, model.group_table
        self.groups = _grouped(
            session.execute(
                select(group, member.c["capacity"], member.c["table_id"].label("_imwg_package"))
                .join(member, group.c["id"] == member.c["group_id"])
                .where(
                    member.c["table_id"].in_(ids),
                    member.c["state"] == "active",
                    group.c["is_organization"] == False,  # noqa: E712 - SQL
                )
            ),
            "_imwg_package",
        )
        owners = {pkg.owner_org for pkg in self.packages.values() if pkg.owner_org}
        self.organizations = _grouped(
            session.execute(select(group).where(group.c["id"].in_(owners), group.c["state"] == "active")), "id"
        )
        rel = model.package_relationship_table
        self.as_subject = _grouped(
            session.execute(select(rel).where(rel.c["subject_package_id"].in_(ids))), "subject_package_id"
        )
        self.as_object = _grouped(
            session.execute(select(rel).where(rel.c["object_package_id"].in_(ids))), "object_package_id"
        )
        # kept referenced: the session's identity map holds objects weakly
        group_ids = owners | {row.id for rows in self.groups.values() for row in rows}
        self.held = (
            session.query(model.Group)
            .options(selectinload(model.Group._extras))
            .filter(model.Group.id.in_(group_ids))
            .all()
            if group_ids
            else []
        )
        self.held_by_id = {g.id: g for g in self.held}
        #: set when the chunk's first dict differs from ``package_show``'s
        self.differs = False
        self._group_dicts: dict[tuple[str, Any], dict[str, Any]] = {}

    def _group_list(self, rows: list[Any], context: dict[str, Any]) -> list[dict[str, Any]]:
        """``group_list_dictize`` of a dataset's groups, each group's dict
        (and member count) made once per chunk."""
        dicts = []
        for row in rows:
            key = (row.id, row.capacity)
            if key not in self._group_dicts:
                made = md.group_list_dictize([row], context, with_package_counts=False)[0]
                made.pop("_imwg_package", None)
                self._group_dicts[key] = made
            dicts.append(copy.deepcopy(self._group_dicts[key]))
        return sorted(dicts, key=lambda x: h.strxfrm(x["display_name"]))  # group_list_dictize's order

    def dictize(self, pkg: model.Package, context: dict[str, Any]) -> dict[str, Any]:
        """``package_dictize(pkg, context)``, step by step, from the chunk's rows."""
        result = d.table_dictize(pkg, context)
        if result.get("title"):
            result["title"] = result["title"].strip()
        result.pop("plugin_data", None)
        result["resources"] = md.resource_list_dictize(self.resources.get(pkg.id, []), context)
        result["num_resources"] = len(result.get("resources", []))
        tags = d.obj_list_dictize(self.tags.get(pkg.id, []), context, lambda x: x["name"])
        for tag in tags:
            tag.pop("_imwg_package", None)
            tag["display_name"] = tag["name"]
        result["tags"] = tags
        result["num_tags"] = len(tags)
        result["extras"] = md.extras_list_dictize(self.extras.get(pkg.id, []), context)
        context["with_capacity"] = False
        result["groups"] = self._group_list(self.groups.get(pkg.id, []), context)
        organizations = d.obj_list_dictize(self.organizations.get(pkg.owner_org, []), context)
        result["organization"] = organizations[0] if organizations else None
        result["relationships_as_subject"] = d.obj_list_dictize(self.as_subject.get(pkg.id, []), context)
        result["relationships_as_object"] = d.obj_list_dictize(self.as_object.get(pkg.id, []), context)
        result["isopen"] = pkg.isopen if isinstance(pkg.isopen, bool) else pkg.isopen()
        result["type"] = pkg.type or "dataset"
        if pkg.license and pkg.license.url:
            result["license_url"] = pkg.license.url
            result["license_title"] = pkg.license.title.split("::")[-1]
        elif pkg.license:
            result["license_title"] = pkg.license.title
        else:
            result["license_title"] = pkg.license_id
        result["metadata_modified"] = pkg.metadata_modified.isoformat()
        result["metadata_created"] = pkg.metadata_created.isoformat() if pkg.metadata_created else None
        return result


#: The chunk being indexed (its groups answer ``Group.get`` by id, see :func:`_holding`).
_current: _Chunk | None = None
_original_group_get = model.Group.get.__func__  # type: ignore[attr-defined]


def _group_get(cls: Any, reference: str | None) -> Any:
    """``Group.get``, answered for a group of the chunk being indexed with the
    object its query would return (the session's own, by its id) without the
    query: the plugins' hooks look up each dataset's organisation."""
    held = _current.held_by_id.get(reference) if _current is not None and isinstance(reference, str) else None
    return held if held is not None else _original_group_get(cls, reference)


@contextlib.contextmanager
def _holding(chunk: _Chunk | None):
    global _current
    previous, _current = _current, chunk
    original = model.Group.__dict__["get"]
    model.Group.get = classmethod(_group_get)  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        model.Group.get = original  # type: ignore[method-assign]
        _current = previous


def show(chunk: _Chunk, pkg: model.Package) -> dict[str, Any]:
    """What ``package_show`` answers CKAN's rebuild for ``pkg`` (context
    ``ignore_auth``, ``validate`` and ``use_cache`` off): the dictized
    dataset after every plugin's ``read``, ``before_resource_show`` and
    ``after_dataset_show``."""
    context = _context()
    context["package"] = pkg
    package_dict = chunk.dictize(pkg, context)
    for item in p.PluginImplementations(p.IPackageController):
        item.read(pkg)
    for item in p.PluginImplementations(p.IResourceController):
        for resource_dict in package_dict["resources"]:
            item.before_resource_show(resource_dict)
    for item in p.PluginImplementations(p.IPackageController):
        item.after_dataset_show(context, package_dict)
    return package_dict


def shown(package_id: str) -> dict[str, Any]:
    """``package_show`` as CKAN's rebuild calls it."""
    return logic.get_action("package_show")(
        {"ignore_auth": True, "validate": False, "use_cache": False}, {"id": package_id}
    )


def differences(a: Any, b: Any, path: str = "") -> list[str]:
    """Where two dicts differ (paths, at most a few)."""
    if isinstance(a, dict) and isinstance(b, dict):
        out = [f"{path}/{k}" for k in a.keys() ^ b.keys()]
        for k in a.keys() & b.keys():
            out += differences(a[k], b[k], f"{path}/{k}")
        return out[:10]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [x for i, (u, v) in enumerate(zip(a, b, strict=True)) for x in differences(u, v, f"{path}[{i}]")][:10]
    return [] if a == b else [path or "/"]


def package_ids(only_missing: bool = False) -> list[str]:
    """The datasets CKAN's rebuild of the whole index would read, in its order."""
    packages = model.Session.query(model.Package.id)
    if config.get("ckan.search.remove_deleted_packages"):
        packages = packages.filter(model.Package.state != "deleted")
    ids = [r[0] for r in packages.all()]
    if only_missing:
        indexed = set(query_for(model.Package).get_all_entity_ids(max_results=len(ids)))
        ids = [i for i in ids if i not in indexed]
    return ids


def index(ids: Sequence[str], force: bool = False, quiet: bool = True) -> None:
    """Index the datasets ``ids`` (CKAN's rebuild loop, datasets read in
    chunks). A dataset's error stops it, or with ``force`` is logged."""
    package_index = index_for(model.Package)
    bulk = True
    total = len(ids)
    done = 0
    for start in range(0, total, CHUNK):
        part = list(ids[start : start + CHUNK])
        chunk = _Chunk(part) if bulk else None
        with _holding(chunk):
            _index_chunk(part, chunk, package_index, force)
            if chunk is not None and chunk.differs:
                bulk = False
        done += len(part)
        if not quiet:
            sys.stdout.write(f"\rIndexing dataset {done}/{total}")
            sys.stdout.flush()
        del chunk
    if not quiet and total:
        sys.stdout.write("\n")


def _index_chunk(part: list[str], chunk: _Chunk | None, package_index: Any, force: bool) -> None:
    """CKAN's rebuild loop over ``part``, each dataset read from ``chunk``
    (through ``package_show`` when None, or from the dataset where the
    chunk's first dict differs from ``package_show``'s). A dataset's error
    stops it, or with ``force`` is logged."""
    for pkg_id in part:
        try:
            pkg = chunk.packages.get(pkg_id) if chunk is not None and not chunk.differs else None
            if pkg is None:
                pkg_dict = shown(pkg_id)
            else:
                pkg_dict = show(chunk, pkg)
                if pkg_id == part[0]:
                    expected = shown(pkg_id)
                    other = differences(pkg_dict, expected)
                    if other:
                        log.warning(
                            "search backend: the bulk rebuild's dict of dataset %s differs from "
                            "package_show's at %s; reading each dataset through package_show",
                            pkg_id,
                            ", ".join(other),
                        )
                        chunk.differs = True
                        pkg_dict = expected
            package_index.update_dict(pkg_dict, True)
        except Exception as e:
            log.error("Error while indexing dataset %s: %s", pkg_id, repr(e))
            if force:
                log.exception(e)
                continue
            raise


def rebuild(
    ids: Iterable[str] | None = None,
    only_missing: bool = False,
    force: bool = False,
    quiet: bool = False,
    clear: bool = False,
) -> None:
    """``ckan.lib.search.rebuild`` for many datasets: ``ids`` (``package_ids``,
    what each process of ``rebuild-fast`` is given), or the whole index
    (``only_missing``, ``clear``, ``quiet`` as CKAN's). One dataset
    (``package_id``) the caller leaves to CKAN."""
    log.info("Rebuilding search index...")
    if ids is not None:
        index(list(ids), force=force, quiet=True)
    else:
        ids = package_ids(only_missing)
        if only_missing and not ids:
            log.info("All datasets are already indexed")
            return
        if clear and not only_missing:
            index_for(model.Package).clear()
        index(ids, force=force, quiet=quiet)
    model.Session.commit()
    log.info("Finished rebuilding search index.")


__all__ = ["CHUNK", "differences", "index", "package_ids", "rebuild", "show", "shown"]
