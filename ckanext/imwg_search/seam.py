"""Where the search backend reaches into CKAN: Solr's connection (every
place the suite touches CKAN's internals is listed in the README).

CKAN 2.11 has no interface for another search backend. Every index write,
delete, commit and query in ``ckan.lib.search`` (``PackageSearchIndex``,
``PackageSearchQuery``, ``clear_index``, ``is_available``, including the
instances that ``model_dictize`` and the bulk-update actions build directly)
obtains its Solr client from the module-level ``make_connection()``, which
each of ``ckan.lib.search.common``, ``.index`` and ``.query`` has imported
under its own name. This module replaces those three names with
:func:`make_connection`, which returns a
:class:`~ckanext.imwg_search.backend.PostgresSolrConnection` while the
``imwg_search`` plugin is loaded and CKAN's original Solr client otherwise.

It also replaces ``ckan.lib.search.check_solr_schema_version`` (called by
``ckan.config.environment`` after plugins' ``update_config``), which would
fetch ``schema.xml`` over HTTP from a Solr server that does not exist; the
PostgreSQL backend checks the schema it follows instead (the file named by
``ckanext.imwg_search.schema_file``, or the one shipped inside the ckan
package), so that a schema it cannot read stops the start-up.

It replaces ``ckan.lib.search.rebuild`` (what ``ckan search-index rebuild``
and ``rebuild-fast`` run) with :func:`rebuild`, which reads the datasets in
bulk (``bulk``) and writes the entries in batches.

It marks CKAN's session while it commits, so that index writes made during
a dataset's commit join its transaction (see ``commits``), and it wraps
``SynchronousSearchPlugin.notify`` so that a dataset is indexed once per
commit: CKAN notifies a new dataset twice in the same commit (as new, and
as changed through its new tags, extras and memberships), and each
notification re-reads the dataset and rebuilds its document.

Nothing else of CKAN is changed: documents are still built by CKAN (and
``before_dataset_index`` hooks), parameters still by ``PackageSearchQuery``.
"""

from __future__ import annotations

import os
from typing import Any

import ckan.lib.search as search
import ckan.lib.search.common as search_common
import ckan.lib.search.index as search_index
import ckan.lib.search.query as search_query
import ckan.model as model
import ckan.plugins as p

from ckanext.imwg import index_lock, txcache

from . import bulk, solr_schema
from .backend import PostgresSolrConnection
from .commits import COMMITTING, NOTIFIED, track_commits
from .writer import EntriesNotWritten, batched

PLUGIN = "imwg_search"

_original_make_connection = search_common.make_connection
_original_check_schema = search.check_solr_schema_version
_original_notify = search.SynchronousSearchPlugin.notify
_original_rebuild = search.rebuild


def active() -> bool:
    """Whether searches go to PostgreSQL (the plugin is loaded)."""
    return p.plugin_loaded(PLUGIN)


def make_connection(decode_dates: bool = True) -> Any:
    """Stands in for ``ckan.lib.search.common.make_connection``."""
    if active():
        return PostgresSolrConnection(model.Session)
    return _original_make_connection(decode_dates)


def check_solr_schema_version(schema_file: str | None = None) -> bool:
    """Stands in for ``ckan.lib.search.check_solr_schema_version``: the schema
    the backend follows is read and its version checked as CKAN checks Solr's."""
    if active() or configured():
        solr_schema.check(schema_file)
        return True
    return _original_check_schema(schema_file)


def configured() -> bool:
    """Whether ``ckan.plugins`` names the plugin: CKAN reloads every plugin
    (a jobs worker does for each job) and checks the search schema while
    they are unloaded, before this one is loaded again."""
    from ckan.common import aslist, config

    return PLUGIN in aslist(config.get("ckan.plugins"))


def notify(plugin: Any, entity: Any, operation: Any) -> None:
    """Stands in for ``SynchronousSearchPlugin.notify``: index each dataset
    once per commit (every notification of a commit sees the same rows)."""
    if active() and isinstance(entity, model.Package) and operation != model.DomainObjectOperation.deleted:
        if txcache.get(COMMITTING):
            seen = txcache.value(NOTIFIED, set)
            if entity.id in seen:
                return
            seen.add(entity.id)
    _original_notify(plugin, entity, operation)


def rebuild(*args: Any, **kwargs: Any) -> Any:
    """Stands in for ``ckan.lib.search.rebuild`` (``ckan search-index rebuild``
    and each process of ``rebuild-fast``): the datasets are read in bulk
    (``bulk.rebuild``; one dataset by ``package_id`` as CKAN reads it) and
    the entries written in batches (``writer.batched``), all of them by the
    time it returns, each dataset read and written under its index lock
    (``ckanext.imwg.index_lock``). A dataset whose entry the table refuses is logged and
    reported as CKAN reports it: its error stops the rebuild, or with
    ``force`` (``-f``) does not."""
    if not active():
        return _original_rebuild(*args, **kwargs)
    force = bool(kwargs.get("force", args[2] if len(args) > 2 else False))
    names = ("package_id", "only_missing", "force", "defer_commit", "package_ids", "quiet", "clear")
    given = {**dict(zip(names, args, strict=False)), **kwargs}
    # one dataset (CKAN's path): read and written under its index lock, as the bulk path's chunks
    one = model.Package.get(given["package_id"]) if given.get("package_id") else None
    try:
        with index_lock.holding([one.id] if one is not None else []), batched(force=force):
            if given.get("package_id") or set(given) - set(names):
                return _original_rebuild(*args, **kwargs)
            given.pop("package_id", None)
            given.pop("defer_commit", None)  # entries are written by the batch, committed on their own
            return bulk.rebuild(ids=given.pop("package_ids", None), **given)
    except EntriesNotWritten as e:  # the last batch's; the others' CKAN's rebuild has raised
        raise search.SearchIndexError(str(e)) from e


def _dispose_engine_in_child() -> None:
    # `ckan search-index rebuild-fast` forks workers; a forked process must
    # not reuse the parent's pooled database connections.
    engine = getattr(model.meta, "engine", None)
    if engine is not None:
        engine.dispose(close=False)


_installed = False


def install() -> None:
    """Route CKAN's search through this backend (idempotent)."""
    global _installed
    for module in (search_common, search_index, search_query):
        module.make_connection = make_connection  # type: ignore[attr-defined]
    search.make_connection = make_connection  # type: ignore[attr-defined]
    search.check_solr_schema_version = check_solr_schema_version  # type: ignore[assignment]
    search.SynchronousSearchPlugin.notify = notify  # type: ignore[method-assign]
    search.rebuild = rebuild  # type: ignore[assignment]
    if not _installed:
        os.register_at_fork(after_in_child=_dispose_engine_in_child)
        track_commits(model.Session, PostgresSolrConnection, active)
        _installed = True
