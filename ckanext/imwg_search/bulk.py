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

The chunk's datasets stay in the session while it is indexed, so
``Package.get`` (CKAN's permission labels) finds them without a query. The
plugins that read rows of their own for each dataset indexed (an
organisation's type, a freshness row, HXL hashtags in ``before_dataset_index``;
the sensitivity level for the permission labels) are told each chunk's
datasets first (``ckanext.imwg.interfaces.IIndexBatch``) and read those rows
for the whole chunk in one query each.

Each chunk is read, indexed and written (committed) under its datasets'
index locks (``ckanext.imwg.index_lock.holding``): no transaction that
indexes one of them commits in between, so no entry is older than the
dataset's last commit.

Each chunk checks itself: its first dataset is also read through the
``package_show`` action, and if the two dicts differ (a plugin chains
``package_show`` and changes what it returns, or a new CKAN dictizes
otherwise) the difference is logged and the rest of the rebuild reads each
dataset through ``package_show``, as CKAN does.
"""

from __future__ import annotations

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

from ckanext.imwg import index_lock, interfaces

from . import writer

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


def _rows(table: Any, key: str, values: Iterable[str], *where: Any) -> dict[str, list[Any]]:
    """The rows of ``table`` whose ``key`` is one of ``values``, by it."""
    column = table.c[key]
    return _grouped(model.Session.execute(select(table).where(column.in_(list(values)), *where)), key)


def _copy(value: Any) -> Any:
    """A copy of a dict made once per chunk, to be handed to one dataset's
    hooks: its lists and dicts copied, the rest (text, numbers) shared."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value if isinstance(value, (str, int, float, bool, type(None))) else copy.deepcopy(value)


#: the column that names a linked row's dataset (dropped from its dict)
_PACKAGE = "_imwg_package"


def _linked(
    table: Any, link: Any, link_key: str, package_key: str, ids: Sequence[str], columns: list[Any], *where: Any
) -> dict[str, list[Any]]:
    """The rows of ``table`` linked to the datasets ``ids`` through ``link``
    (``link.<link_key>`` = ``table.id``, ``link.<package_key>`` the dataset),
    with the link's ``columns``, by dataset."""
    package = link.c[package_key]
    query = (
        select(table, *columns, package.label(_PACKAGE))
        .join(link, table.c["id"] == link.c[link_key])
        .where(package.in_(ids), *where)
    )
    return _grouped(model.Session.execute(query), _PACKAGE)


class _Chunk:
    """The rows of a chunk of datasets, read with one query per table (the
    datasets themselves held: ``Package.get`` finds them in the session)."""

    def __init__(self, ids: Sequence[str]):
        session = model.Session
        # without their extras (objects costly to make): what the hooks read of them, they
        # read for the chunk (``IIndexBatch``: ``imwg_sensitivity``'s level for the labels)
        self.packages = {
            pkg.id: pkg
            for pkg in session.query(model.Package)
            .populate_existing()  # read under the index locks, not as an earlier chunk left them
            .filter(model.Package.id.in_(list(ids)))
            .all()
        }
        self.resources = _rows(model.resource_table, "package_id", ids)
        tag, pkg_tag = model.tag_table, model.package_tag_table
        self.tags = _linked(tag, pkg_tag, "tag_id", "package_id", ids, [pkg_tag.c["state"]])
        self.extras = _rows(model.package_extra_table, "package_id", ids)
        member, group = model.member_table, model.group_table
        self.groups = _linked(
            group,
            member,
            "group_id",
            "table_id",
            ids,
            [member.c["capacity"]],
            member.c["state"] == "active",
            group.c["is_organization"] == False,  # noqa: E712 - SQL
        )
        owners = {pkg.owner_org for pkg in self.packages.values() if pkg.owner_org}
        self.organizations = _rows(group, "id", owners, group.c["state"] == "active")
        self.as_subject = _rows(model.package_relationship_table, "subject_package_id", ids)
        self.as_object = _rows(model.package_relationship_table, "object_package_id", ids)
        #: the plugins ``show`` runs (read once per chunk)
        self.package_plugins = list(p.PluginImplementations(p.IPackageController))
        self.resource_plugins = list(p.PluginImplementations(p.IResourceController))
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
                made.pop(_PACKAGE, None)
                self._group_dicts[key] = made
            dicts.append(_copy(self._group_dicts[key]))
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
            tag.pop(_PACKAGE, None)
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


def show(chunk: _Chunk, pkg: model.Package) -> dict[str, Any]:
    """What ``package_show`` answers CKAN's rebuild for ``pkg`` (context
    ``ignore_auth``, ``validate`` and ``use_cache`` off): the dictized
    dataset after every plugin's ``read``, ``before_resource_show`` and
    ``after_dataset_show``."""
    context = _context()
    context["package"] = pkg
    package_dict = chunk.dictize(pkg, context)
    for item in chunk.package_plugins:
        item.read(pkg)
    for item in chunk.resource_plugins:
        for resource_dict in package_dict["resources"]:
            item.before_resource_show(resource_dict)
    for item in chunk.package_plugins:
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
        # read and written (committed) under the datasets' index locks
        with index_lock.holding(part):
            chunk = _Chunk(part) if bulk else None
            with interfaces.index_chunk(part):
                _index_chunk(part, chunk, package_index, force)
            writer.write_gathered()
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
