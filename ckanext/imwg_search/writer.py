"""Index entries: the rows ``add`` writes and ``delete`` removes.

A document CKAN built becomes one row of ``imwg_search_package``: its stored
fields, the terms filters match, the text searches rank (weighted A..D), the
facet hashes and the columns CKAN's own filters and sort keys read.

Where an index write happens decides its transaction. Inside a session
commit (CKAN indexes datasets from the session's ``before_commit``) it joins
that transaction, so the entry commits or rolls back with the dataset itself.
Within a commit each entry is written once, at the end of ``before_commit``,
with the last document CKAN built for it. Anywhere else (``ckan
search-index``, rebuilds, bulk updates after their own commit) it commits on
its own, as a Solr update would. Facets are counted over 64-bit hashes of
their values; a value's name is stored by rebuilds, and for values written
by dataset commits by the first search that counts them.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import json
import logging
import math
import re
from collections.abc import Iterable
from typing import Any

import pysolr
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ckanext.imwg import txcache

from . import solr_schema as ss
from .commits import COMMITTING, FLUSHED, PENDING
from .model import LABELS_FIELD, NARROW_COLUMNS, NUMBER_COLUMNS, facet_value, package_index
from .sql import BOX_FIELD, CATCH_ALL_CONFIG, CORNER_COLUMNS, SEP, box_term, facet_hash, term_key
from .values import boolean, fold, format_date, number, parse_date, solr_string

log = logging.getLogger(__name__)

TABLE = package_index.name
FACET_VALUES = facet_value.name
#: each word's entries by the word's weight in them (migration 0012; kept by triggers)
POSTINGS = "imwg_search_posting"
#: each word's entries as bitmaps per visibility class and block (migration 0016; kept by triggers)
WORD_BITS = "imwg_search_word_bit"

#: kinds whose values are stored as their text
_AS_TEXT = frozenset((ss.STRING, ss.TEXT))
NARROW_LIST = ", ".join([*NARROW_COLUMNS.values(), *NUMBER_COLUMNS.values()])
#: The columns of a row as :func:`_insert` sends it, with their types.
_ROW_COLUMNS: tuple[tuple[str, str], ...] = (
    ("index_id", "text"),
    ("id", "text"),
    ("site_id", "text"),
    ("doc", "jsonb"),
    ("terms", "text[]"),
    ("fterms", "text[]"),
    ("ftext", "jsonb"),
    ("data_dict", "text"),
    ("validated_data_dict", "text"),
    ("labels", "text[]"),
    *((f"w{w.lower()}", "text") for w in "ABCD"),
    *((c, "text") for c in NARROW_COLUMNS.values()),
    *((c, "float8") for c in NUMBER_COLUMNS.values()),
)
#: one row's values (psycopg2's parameters, each cast to its column's type)
_ROW_VALUES = "(" + ", ".join(f"%s::{kind}" for _, kind in _ROW_COLUMNS) + ")"
_FTS = " || ".join(f"setweight(to_tsvector('{CATCH_ALL_CONFIG}', r.w{w.lower()}), '{w}')" for w in "ABCD")
_UPDATE = ", ".join(
    f"{c} = EXCLUDED.{c}"
    for c in (
        "id",
        "site_id",
        "doc",
        "terms",
        "fts",
        "ftext",
        "data_dict",
        "validated_data_dict",
        "indexed_at",
        "fids",
        "labels",
        *NARROW_COLUMNS.values(),
        *NUMBER_COLUMNS.values(),
    )
)
#: Inserts or replaces entries (:meth:`IndexWriter._row`) in one statement
#: (``{values}``: a row's :data:`_ROW_VALUES` per entry); an entry whose stored
#: content is unchanged is not rewritten, so a rebuild over an index leaves no
#: dead rows behind. The values are sent as they are (text, arrays, the two
#: JSON documents), not as one JSON array for the server to parse whole.
_INSERT = f"""
    INSERT INTO {TABLE} AS d (index_id, id, site_id, doc, terms, fts, ftext,
                              data_dict, validated_data_dict, indexed_at, fids, labels,
                              {NARROW_LIST})
    SELECT r.index_id, r.id, r.site_id, r.doc, r.terms, {_FTS}, r.ftext,
           r.data_dict, r.validated_data_dict, now() at time zone 'utc',
           ARRAY(SELECT {facet_hash("t")} FROM unnest(r.fterms) t), r.labels,
           {", ".join(f"r.{c}" for c in [*NARROW_COLUMNS.values(), *NUMBER_COLUMNS.values()])}
    FROM (VALUES {{values}}) AS r({", ".join(name for name, _ in _ROW_COLUMNS)})
    ORDER BY r.index_id
    ON CONFLICT (index_id) DO UPDATE SET {_UPDATE}
    WHERE (d.doc, d.data_dict, d.validated_data_dict, d.labels)
          IS DISTINCT FROM (EXCLUDED.doc, EXCLUDED.data_dict, EXCLUDED.validated_data_dict, EXCLUDED.labels)
       OR NOT (d.fids @> EXCLUDED.fids AND EXCLUDED.fids @> d.fids)
""".replace("%", "%%")


def _compress_fast(conn: Any) -> None:
    """Have the transaction on ``conn`` compress the wide values it writes
    (stored documents, dataset dicts) with lz4 rather than pglz: several times
    faster to write and to read, a little larger. Where the server has no
    lz4, nothing changes."""
    try:
        with conn.begin_nested():
            conn.exec_driver_sql("SET LOCAL default_toast_compression = lz4")
    except DBAPIError:
        pass


def _insert(conn: Any, rows: list[dict[str, Any]]) -> None:
    """Insert or replace the entries ``rows`` on ``conn`` (a SQLAlchemy
    connection) in one statement. A value the driver cannot send (a NUL
    character, text that is no Unicode) fails it as PostgreSQL's own refusal
    would (``DBAPIError``)."""
    params: list[Any] = []
    for row in rows:
        sent = {**row, **{f"w{w.lower()}": text for w, text in row["fts_pieces"].items()}}
        params += [json.dumps(sent[name]) if kind == "jsonb" else sent[name] for name, kind in _ROW_COLUMNS]
    sql = _INSERT.replace("{values}", ", ".join([_ROW_VALUES] * len(rows)))
    try:
        conn.exec_driver_sql(sql, tuple(params))
    except ValueError as e:  # raised by psycopg2 before anything is sent
        raise DBAPIError(sql, None, e) from e  # type: ignore[arg-type]


#: Entries of a rebuild written per statement (see :func:`batched`).
BATCH_SIZE = 200


@dataclasses.dataclass
class _Batch:
    #: the entries built and not yet written (``index_id`` -> row)
    rows: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)
    #: the entries the table refused and not yet reported (:class:`EntriesNotWritten`)
    refused: dict[str, tuple[str, str]] = dataclasses.field(default_factory=dict)


#: What a rebuild has gathered; None outside :func:`batched`.
_batch: contextvars.ContextVar[_Batch | None] = contextvars.ContextVar("imwg_search_batch", default=None)


@contextlib.contextmanager
def batched(force: bool = False):
    """Within it (``ckan search-index rebuild``, see ``seam``), entries written
    outside a dataset's commit are gathered and written :data:`BATCH_SIZE` at a
    time, in one statement and one transaction each, and the rest on leaving,
    whatever happens inside: one round trip and one commit per batch instead
    of three per dataset. A search or a delete inside writes them first.

    An entry the table refuses costs no other its place: the batch is then
    written entry by entry (:meth:`IndexWriter._write_each`). Each refused
    dataset is logged as CKAN's rebuild logs a dataset's error, and raised
    (:class:`EntriesNotWritten`) by the next ``add`` (the dataset CKAN is
    indexing then, whose rebuild goes on under ``-f`` and stops otherwise),
    or on leaving, unless ``force`` (``rebuild -f``)."""
    if _batch.get() is not None:
        yield
        return
    batch = _Batch()
    token = _batch.set(batch)
    try:
        yield
    except BaseException:
        with contextlib.suppress(pysolr.SolrError):  # logged; what went wrong inside is raised
            _connection()._write_batch()
        raise
    else:
        _connection()._write_batch()
        if batch.refused and not force:
            raise EntriesNotWritten(batch.refused)
    finally:
        _batch.reset(token)


def write_gathered() -> None:
    """Write the entries the current rebuild (:func:`batched`) has gathered
    so far, now (nothing outside one)."""
    if _batch.get() is not None:
        _connection()._write_batch()


def _connection() -> IndexWriter:
    import ckan.model as model

    from . import backend

    return backend.PostgresSolrConnection(model.Session)


class EntriesNotWritten(pysolr.SolrError):
    """Entries of a batch the table refused (the others were written).

    ``failed`` maps each refused entry's ``index_id`` to its dataset's id and
    the database's error."""

    def __init__(self, failed: dict[str, tuple[str, str]]):
        self.failed = failed
        super().__init__(
            "Index entries not written: "
            + "; ".join(
                f"dataset {dataset_id} ({index_id}): {error}" for index_id, (dataset_id, error) in failed.items()
            )
        )


#: String fields never counted as facets through the fast path: unique per
#: dataset or bookkeeping. Faceting on them still works (from ``terms``).
#: The entries' boxes (``BOX_FIELD``) are counted for bounding-box searches only.
NOT_FACETED = frozenset(
    (
        "id",
        "index_id",
        "name",
        "site_id",
        "entity_type",
        "title_string",
        "url",
        "res_url",
        "ckan_url",
        "download_url",
        "revision_id",
        "creator_user_id",
        "permission_labels",
        BOX_FIELD,
    )
)

#: Relevance weights (PostgreSQL's A..D labels): title and name weigh most,
#: then tags, groups and vocabulary fields, then the description, then the
#: rest of what Solr copies into its catch-all ``text`` field (resource
#: names and descriptions, extras, organisation, licence, authors).
WEIGHT_A = ("title", "name")
WEIGHT_B = ("tags", "groups")
WEIGHT_C = ("notes",)


def _weight(name: str) -> str:
    if name in WEIGHT_A:
        return "A"
    if name in WEIGHT_B or name.startswith("vocab_"):
        return "B"
    if name in WEIGHT_C:
        return "C"
    return "D"


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple, set)):
        return [v for v in value if v is not None and v != ""]
    return [] if value is None or value == "" else [value]


class IndexWriter:
    """Writing and deleting index entries: the ``add``, ``delete`` and
    ``commit`` of :class:`~ckanext.imwg_search.backend.PostgresSolrConnection`,
    which supplies the session, the schema, the statements' plumbing and
    (for a delete by query) the searcher's compiling of a filter."""

    def add(self, docs: Iterable[dict[str, Any]], commit: bool | None = None, **kwargs: Any) -> str:
        """Insert or replace documents (keyed by ``index_id``).

        ``commit`` is not acted on: during a dataset's commit the entry joins
        that transaction; elsewhere it commits on its own (module docstring).
        During a commit the entries are written once, at its end: CKAN indexes
        a new dataset twice in one commit (as new, then as changed through its
        extras and memberships), and only the last document counts.
        """
        rows = [self._row(doc) for doc in docs]  # a bad document fails here, at once
        if not rows:
            return ""
        if txcache.get(COMMITTING, session=self.session) and not txcache.get(FLUSHED, session=self.session):
            pending = txcache.value(PENDING, dict, self.session)
            for row in rows:
                pending[row["index_id"]] = row
            return ""
        batch = _batch.get()
        if batch is not None and not txcache.get(COMMITTING, session=self.session):
            for row in rows:
                batch.rows[row["index_id"]] = row
            if len(batch.rows) >= BATCH_SIZE:
                self._write_batch()
            if batch.refused:
                refused, batch.refused = batch.refused, {}
                raise EntriesNotWritten(refused)
            return ""
        self._write_rows(rows)
        return ""

    def flush(self) -> None:
        """Write the entries held back during the current commit (and those a
        rebuild has gathered)."""
        self._write_batch()
        pending = txcache.pop(PENDING, session=self.session)
        if pending:
            self._write_rows(list(pending.values()))

    def _write_batch(self) -> None:
        """Write the entries a rebuild has gathered. They leave the batch once
        written, or once refused (then kept to be reported, see
        :func:`batched`); when the transaction itself fails (raised) they stay
        for the next attempt."""
        batch = _batch.get()
        if batch is None or not batch.rows:
            return
        rows = dict(batch.rows)
        batch.refused.update(self._write_each(list(rows.values())))
        for index_id, row in rows.items():
            if batch.rows.get(index_id) is row:
                del batch.rows[index_id]

    def _write_each(self, rows: list[dict[str, Any]]) -> dict[str, tuple[str, str]]:
        """Write ``rows`` in a transaction of their own: in one statement or,
        when the table refuses it, row by row, each under a savepoint, so that
        a refused entry (a description too long for full-text search, say)
        leaves the others written. Returns the refused ones (``index_id`` ->
        dataset id, error), each logged as CKAN's rebuild logs a dataset's
        error. Raises ``pysolr.SolrError``, nothing written, when the
        transaction fails."""
        by_id = {row["index_id"]: row for row in rows}
        fterms = sorted({t for row in by_id.values() for t in row["fterms"]})
        failed: dict[str, tuple[str, str]] = {}
        try:
            with self.session.get_bind().begin() as conn:
                _compress_fast(conn)
                sql, params = self._facet_value_statement(fterms)
                try:
                    with conn.begin_nested():
                        conn.execute(sa.text(sql), params)
                except (DBAPIError, ValueError) as e:
                    # the names are stored by the first search that counts them
                    log.warning("search backend: naming facet values failed: %s", getattr(e, "orig", e))
                try:
                    with conn.begin_nested():
                        _insert(conn, list(by_id.values()))
                    return failed
                except DBAPIError as e:
                    log.warning(
                        "search backend: writing %d entries at once failed (%s); writing them one by one",
                        len(by_id),
                        str(e.orig).strip(),
                    )
                for index_id, row in by_id.items():
                    try:
                        with conn.begin_nested():
                            _insert(conn, [row])
                    except DBAPIError as e:
                        error = str(e.orig).strip()
                        failed[index_id] = (row["id"], error)
                        log.error("Error while indexing dataset %s (index entry %s): %s", row["id"], index_id, error)
        except DBAPIError as e:
            log.error("search backend SQL failed: %s", e.orig)
            raise pysolr.SolrError(f"PostgreSQL search backend error: {e.orig}".strip()) from e
        return failed

    def _write_rows(self, rows: list[dict[str, Any]]) -> None:
        by_id = {row["index_id"]: row for row in rows}  # one statement may not write an entry twice
        try:
            if txcache.get(COMMITTING, session=self.session):
                # joins the dataset's transaction; the names of facet values new to
                # the index are stored by the first search that counts them
                # (:meth:`_term_counts`), not here, so that dataset writes neither
                # wait on each other over a shared name nor pay for it
                _insert(self.session.connection(), list(by_id.values()))
                return
            fterms = sorted({t for row in rows for t in row["fterms"]})
            sql, params = self._facet_value_statement(fterms)
            with self.session.get_bind().begin() as conn:
                conn.execute(sa.text(sql), params)
                _insert(conn, list(by_id.values()))
        except DBAPIError as e:
            log.error("search backend SQL failed: %s", e.orig)
            raise pysolr.SolrError(f"PostgreSQL search backend error: {e.orig}".strip()) from e

    def _row(self, source: dict[str, Any]) -> dict[str, Any]:
        doc: dict[str, Any] = {}
        terms: list[str] = []
        fterms: list[str] = []
        ftext: dict[str, str] = {}
        pieces: dict[str, list[str]] = {w: [] for w in "ABCD"}
        extra = {k: source.get(k) for k in ("data_dict", "validated_data_dict")}
        for name, raw in self._with_copy_fields(source).items():
            if name in extra:
                continue
            f = self.schema.field(name)
            if f.kind in _AS_TEXT:  # the common case: strings pass as they are
                values = [v if type(v) is str else solr_string(v) for v in _as_list(raw)]
            else:
                values = [self._value(f, v) for v in _as_list(raw)]
            if not values:
                continue
            doc[name] = values if isinstance(raw, (list, tuple, set)) else values[0]
            if f.kind in (ss.STRING, ss.BOOLEAN):
                prefix = term_key(name, "")
                keys = [prefix + v for v in values]
                terms += keys
                if name not in NOT_FACETED:
                    fterms += keys
            folded = None
            if f.kind == ss.TEXT:
                folded = fold("\n".join(values))
                if name != "text":  # the catch-all is searched through ``fts`` only
                    ftext[name] = folded
            if name == "text" or self.schema.copied_into("text", name):
                pieces[_weight(name)].append(folded if folded is not None else fold("\n".join(map(str, values))))
        for key in ("index_id", "id", "site_id"):
            if not doc.get(key):
                raise pysolr.SolrError(f"Document is missing mandatory field: {key}")
        numbers = {column: _number_or_none(doc.get(field)) for field, column in NUMBER_COLUMNS.items()}
        fterms.append(box_term(numbers[c] for c in CORNER_COLUMNS))  # counted per class and box (migration 0013)
        return {
            "index_id": str(doc["index_id"]),
            "id": str(doc["id"]),
            "site_id": str(doc["site_id"]),
            "doc": doc,
            "terms": sorted(set(terms)),
            "fterms": sorted(set(fterms)),
            "ftext": ftext,
            "fts_pieces": {w: "\n".join(p) for w, p in pieces.items()},
            "labels": [str(v) for v in _as_list(doc.get(LABELS_FIELD))],
            **{column: _scalar(doc.get(field)) for field, column in NARROW_COLUMNS.items()},
            **numbers,
            "data_dict": _text_or_none(extra["data_dict"]),
            "validated_data_dict": _text_or_none(extra["validated_data_dict"]),
        }

    def _facet_value_statement(self, fterms: list[str]) -> tuple[str, dict[str, Any]]:
        """The statement that names the facet hashes of ``fterms``."""
        sql = (
            f"INSERT INTO {FACET_VALUES} (hash, field, value) "
            f"SELECT {facet_hash('t')}, split_part(t, :sep, 1), substr(t, strpos(t, :sep) + 1) "
            f"FROM unnest(CAST(:ts AS text[])) t ORDER BY 1 ON CONFLICT (hash) DO NOTHING"
        )
        return sql, {"ts": fterms, "sep": SEP}

    def _with_copy_fields(self, source: dict[str, Any]) -> dict[str, Any]:
        """The document plus Solr's copyField destinations (other than the
        catch-all ``text``, which is the ``fts`` column)."""
        fields = dict(source)
        for name, raw in source.items():
            for dest in self.schema.copy_destinations(name):
                if dest == "text" or dest in source:
                    continue
                fields[dest] = _as_list(fields.get(dest)) + _as_list(raw)
        return fields

    def _value(self, f: ss.Field, value: Any) -> Any:
        try:
            if f.kind == ss.DATE:
                if hasattr(value, "isoformat"):
                    return format_date(value)
                return format_date(parse_date(str(value)))
            if f.kind == ss.NUMBER:
                return number(value)
            if f.kind == ss.BOOLEAN:
                return boolean(value)
        except (TypeError, ValueError) as e:
            raise pysolr.SolrError(f"ERROR: Error adding field '{f.name}'='{value}': {e}") from e
        return solr_string(value)

    def delete(self, id: Any = None, q: str | None = None, commit: bool | None = None, **kwargs: Any) -> str:
        """Delete by ``index_id`` (``id``) or by query (``q``)."""
        if id is None and q is None:
            raise ValueError('You must specify "id" or "q".')
        pending = txcache.get(PENDING, {}, self.session)
        batch = _batch.get() or _Batch()
        if id is not None:
            ids = id if isinstance(id, (list, tuple)) else [id]
            for index_id in ids:
                pending.pop(index_id, None)
                batch.rows.pop(index_id, None)
            self._write(f"DELETE FROM {TABLE} WHERE index_id = ANY(:ids)", {"ids": list(ids)})
        if q is not None and self._truncated(q):
            pass
        elif q is not None:
            self.flush()  # held-back entries may match the query
            where, params = self._where([self._parse_filter(q, "OR")])
            self._write(f"DELETE FROM {TABLE} d WHERE {where}", params)
        return ""

    def _truncated(self, q: str) -> bool:
        """Empty the table at once when ``q`` is CKAN's clear of this site's
        whole index (``search-index clear``, ``rebuild --clear``), outside a
        dataset's commit, with no other site's entries in the table: a DELETE
        would leave every row dead until a vacuum, and the rebuild that
        follows would double the table. False (nothing done) otherwise, or
        when another transaction holds the table for more than a moment."""
        from ckan.common import config

        site_id = config.get("ckan.site_id")
        if q.strip() != f'+site_id:"{site_id}"' or txcache.get(COMMITTING, session=self.session):
            return False
        self.flush()
        try:
            with self.session.get_bind().begin() as conn:
                conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))
                others = conn.execute(
                    sa.text(f"SELECT EXISTS (SELECT 1 FROM {TABLE} WHERE site_id <> :s)"), {"s": site_id}
                ).scalar()
                if others:
                    return False
                conn.execute(sa.text(f"TRUNCATE {TABLE}"))
        except DBAPIError as e:
            log.warning("search backend: clearing by TRUNCATE failed (%s); deleting instead", e.orig)
            return False
        return True

    def commit(self, *args: Any, **kwargs: Any) -> str:
        """Commit the session: what Solr's commit means to callers (CLI, bulk updates).

        After a large change (a rebuild) the planner's statistics are refreshed
        at once instead of at autovacuum's next round.
        """
        self.session.commit()
        stale = self._execute(
            "SELECT n_mod_since_analyze > 1000 + 0.2 * GREATEST(n_live_tup, 1) "
            "FROM pg_stat_user_tables WHERE relname = :t",
            {"t": TABLE},
        ).scalar()
        if stale:
            # the words' postings too, the triggers having written them: an
            # analyze started later by autovacuum would hold back the vacuums
            # that compact the kept counts
            postings = self._execute("SELECT to_regclass(:t) IS NOT NULL", {"t": POSTINGS}).scalar()
            self._autocommit([(f"ANALYZE {TABLE}{f', {POSTINGS}' if postings else ''}", {})])
            self.compact_counts()  # the kept counts' rows the change appended (searcher)
        self.session.commit()
        return ""

    def _write(self, sql: str, params: dict[str, Any]) -> None:
        if txcache.get(COMMITTING, session=self.session):
            self._execute(sql, params)
        else:
            self._autocommit([(sql, params)])


_NUMBER_RE = re.compile(r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$")


def _number_or_none(value: Any) -> float | None:
    """A stored value as a function query reads it: a number, or None (read
    as 0) for anything else (a list, a boolean, text that is no number, a
    number beyond a double's range, which the column could not hold)."""
    if isinstance(value, bool):
        return None
    try:
        if isinstance(value, (int, float)):
            result = float(value)
        elif isinstance(value, str) and _NUMBER_RE.match(value):
            result = float(value)
        else:
            return None
    except OverflowError:  # an integer beyond a double's range
        return None
    return result if math.isfinite(result) else None


def _scalar(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)
