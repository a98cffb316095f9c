"""Interfaces through which the suite's feature plugins serve each other
without importing each other: one plugin implements, another asks
``PluginImplementations`` and works on its own when no plugin answers."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Generic, TypeVar

from ckan.plugins.interfaces import Interface

_T = TypeVar("_T")

#: what a caller may see of a resource's data
DATA = "data"
AGGREGATES = "aggregates"
NONE = "none"
#: kinds of use reported to ``IDataAccess.data_served``
PREVIEW_ROWS = "preview_rows"
PREVIEW_AGGREGATES = "preview_aggregates"


class IDataAccess(Interface):
    """Who gets a resource's data (implemented by ``imwg_sensitivity``)."""

    def data_access(self, context: dict[str, Any], package_id: str, resource_id: str) -> str | None:
        """``"data"`` (rows and files), ``"aggregates"`` (counts and sums
        with small cells suppressed, no record), ``"none"``, or ``None``
        for no opinion. The strictest answer of all implementations wins."""
        return None

    def data_served(self, context: dict[str, Any], package_id: str, resource_id: str, kind: str) -> None:
        """Told each time a plugin serves figures of a resource's data to
        the caller of ``context``, once per answer, after access was
        granted: ``kind`` says how (``PREVIEW_ROWS``: a preview with rows
        and single values; ``PREVIEW_AGGREGATES``: an aggregate-only
        preview). For an audit log; nothing is returned."""
        return None


class IPlaces(Interface):
    """The gazetteer of P-codes (implemented by ``imwg_pcode``)."""

    def places(self, codes: list[str], geometry: bool = False) -> dict[str, dict[str, Any]]:
        """The known units among ``codes`` (normalised, upper case): code ->
        ``{"level", "name", "country", "parent", "retired", "geometry"}``; the geometry
        (GeoJSON, simplified for display, or None) only when asked."""
        return {}


class IUploadAnalysis(Interface):
    """An analysis of resources' files (implemented by ``imwg_pcode``,
    ``imwg_sensitivity`` and ``imwg_hxl``), run by the suite's one job per
    file (``ckanext.imwg.uploads``): every analysis gets the rows of the
    same read. An implementation calls ``uploads.resource_changed`` from its
    ``after_resource_create`` and ``after_resource_update``."""

    def upload_wanted(self, resource: dict[str, Any]) -> bool:
        """Whether the plugin analyses the file of a resource just created or
        updated (asked in the request, before any job: cheap, no file read)."""
        return False

    def upload_analysis(self) -> Any:
        """A fresh ``uploads.UploadAnalysis`` for one run of the job (it
        decides in ``start`` whether the file is its business)."""
        raise NotImplementedError


class IIndexBatch(Interface):
    """Datasets indexed a chunk at a time (implemented by ``imwg``,
    ``imwg_exchange``, ``imwg_hxl`` and ``imwg_sensitivity``). A rebuild
    that reads its datasets in chunks (``imwg_search``'s bulk rebuild,
    through :func:`index_chunk`) names each chunk's datasets before it
    indexes them and says when it is done: a plugin that reads rows of its
    own for each dataset indexed (in ``before_dataset_index``, or for its
    permission labels) reads them for the whole chunk in one query
    (:class:`ChunkCache`) and drops them after the chunk. A dataset outside
    the chunk being indexed (one indexed by its own commit) is read as
    before, one by one."""

    def before_index_chunk(self, package_ids: list[str]) -> None:
        """The datasets ``package_ids`` are indexed next (before any of them)."""
        return None

    def after_index_chunk(self) -> None:
        """The chunk is indexed (or failed): drop what was read for it."""
        return None


@contextlib.contextmanager
def index_chunk(package_ids: Iterable[str]) -> Iterator[None]:
    """Index a chunk of datasets inside: every ``IIndexBatch`` plugin is told
    which (``before_index_chunk``) and, whatever happens, when it is done
    (``after_index_chunk``)."""
    import ckan.plugins as p

    ids = list(package_ids)
    told: list[Any] = []
    try:
        for plugin in p.PluginImplementations(IIndexBatch):
            plugin.before_index_chunk(ids)
            told.append(plugin)
        yield
    finally:
        for plugin in reversed(told):
            plugin.after_index_chunk()


class ChunkCache(Generic[_T]):
    """What an ``IIndexBatch`` plugin read for the chunk being indexed, by
    key (a dataset's id, an organisation's id), in this thread's context
    only. :meth:`get` answers a key read for the chunk from it, and any
    other key by reading it as one dataset's indexing does."""

    def __init__(self, name: str):
        self._values: contextvars.ContextVar[dict[str, _T] | None] = contextvars.ContextVar(name, default=None)

    def fill(self, values: dict[str, _T]) -> None:
        """Keep ``values`` (every key read for the chunk, with what was found) until :meth:`clear`."""
        self._values.set(values)

    def clear(self) -> None:
        self._values.set(None)

    def get(self, key: str, read: Callable[[str], _T]) -> _T:
        """The value kept for ``key``, else ``read(key)``."""
        values = self._values.get()
        if values is not None and key in values:
            return values[key]
        return read(key)


def web_context() -> dict[str, Any]:
    """The signed-in user of a web request as an action context (CKAN gives
    views and template helpers none)."""
    import ckan.plugins.toolkit as tk

    user = tk.current_user
    signed_in = bool(getattr(user, "is_authenticated", False))
    return {"user": user.name if signed_in else "", "auth_user_obj": user if signed_in else None}


def data_access(context: dict[str, Any], package_id: str, resource_id: str) -> str:
    """The strictest answer of the ``IDataAccess`` plugins (``"data"`` when none answers)."""
    import ckan.plugins as p

    order = (DATA, AGGREGATES, NONE)
    answer = DATA
    for plugin in p.PluginImplementations(IDataAccess):
        said = plugin.data_access(context, package_id, resource_id)
        if said in order and order.index(said) > order.index(answer):
            answer = said
    return answer


def data_served(context: dict[str, Any], package_id: str, resource_id: str, kind: str) -> None:
    """Tell every ``IDataAccess`` plugin that figures of a resource's data were served."""
    import ckan.plugins as p

    for plugin in p.PluginImplementations(IDataAccess):
        # an implementation written before this method (without inherit=True) has none
        served = getattr(plugin, "data_served", None)
        if served is not None:
            served(context, package_id, resource_id, kind)


def places(codes: list[str], geometry: bool = False) -> dict[str, dict[str, Any]] | None:
    """The units the ``IPlaces`` plugin knows among ``codes`` (None: no gazetteer)."""
    import ckan.plugins as p

    for plugin in p.PluginImplementations(IPlaces):
        return plugin.places(codes, geometry)
    return None


def places_with_ancestors(codes: list[str]) -> dict[str, dict[str, Any]]:
    """The known units among ``codes`` and all their ancestors (as
    :func:`places` gives them, ``level`` and ``parent`` included), walked up
    one level per question: the ``IPlaces`` plugin answers from the gazetteer
    it holds in memory. Empty without a gazetteer."""
    found: dict[str, dict[str, Any]] = {}
    wanted = list(dict.fromkeys(codes))
    while wanted:
        known = places(wanted) or {}
        found.update(known)
        parents = (unit.get("parent") for unit in known.values())
        wanted = [p for p in dict.fromkeys(parents) if p and p not in found]
    return found


# -- events: the suite's signals (CKAN's blinker namespace ``tk.signals.ckanext``) ---------------
#
# A feature that causes an event sends its signal *before* it commits, so a
# receiver (the notifications) stores what it owes in the same transaction.
# Every argument is an id or a plain value, never a rendered text: a receiver
# reads what it needs as its recipient may see it.

#: an access request was made. sender: the request's id; kwargs ``package_id``,
#: ``user_id`` (the requester), ``deciders`` (ids of the users who may decide it:
#: the owner organisation's admins and the site's focal points), ``contacts``
#: (the dataset's maintainer e-mail addresses, which are not accounts)
ACCESS_REQUEST_CREATED = "imwg_access_request_created"
#: a request was decided. sender: the request's id; kwargs ``package_id``,
#: ``user_id`` (the requester), ``decision`` (``approved``, ``rejected``,
#: ``more_info``), ``reason``, ``expires`` (datetime or None), ``grant_id``,
#: ``decided_by``
ACCESS_REQUEST_DECIDED = "imwg_access_request_decided"
#: a request still pending after ``days``. sender: the request's id; kwargs
#: ``package_id``, ``user_id``, ``deciders``, ``days``, ``escalate`` (True: also
#: tell the sysadmins)
ACCESS_REQUEST_WAITING = "imwg_access_request_waiting"
#: a grant was revoked. sender: the grant's id; kwargs ``package_id``,
#: ``user_id`` or ``organization_id`` (who held it), ``reason``, ``revoked_by``
ACCESS_GRANT_REVOKED = "imwg_access_grant_revoked"
#: a grant expires soon (``expired`` False) or has expired (True). sender: the
#: grant's id; kwargs ``package_id``, ``user_id`` or ``organization_id``,
#: ``expires``, ``granted_by``, ``expired``
ACCESS_GRANT_EXPIRING = "imwg_access_grant_expiring"
#: a data-sharing agreement ends soon (``expired`` False) or has ended.
#: sender: the agreement's id; kwargs ``provider_id``, ``receiver_id``
#: (organisation ids), ``admins`` (user ids of both parties' admins), ``ends``,
#: ``expired``
AGREEMENT_EXPIRING = "imwg_agreement_expiring"
#: a dataset's sensitivity level changed. sender: the dataset's id; kwargs
#: ``old``, ``new``, ``changed_by``
LEVEL_CHANGED = "imwg_level_changed"
#: a dataset became overdue for an update. sender: the dataset's id; kwargs
#: ``due`` (date), ``status``
DATASET_OVERDUE = "imwg_dataset_overdue"
#: a data need was matched by a dataset newly visible to it. sender: the need's
#: id; kwargs ``package_id``, ``followers`` (user ids)
NEED_MATCHED = "imwg_need_matched"
#: periodic work is due (``ckan notify tick``, run by the portal's scheduler):
#: features that emit time-based events (expiry, reminders, overdue) send them
#: now. sender: the current UTC datetime
TICK = "imwg_tick"


def signal(name: str) -> Any:
    """The suite's named signal (created on first use)."""
    import ckan.plugins.toolkit as tk

    return tk.signals.ckanext.signal(name)
