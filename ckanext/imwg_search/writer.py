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

import json
import logging
from collections.abc import Iterable
from typing import Any

import pysolr
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ckanext.imwg import txcache

from . import solr_schema as ss
from .commits import COMMITTING, FLUSHED, PENDING
from .model import LABELS_FIELD, NARROW_COLUMNS, facet_value, package_index
from .sql import CATCH_ALL_CONFIG, SEP, term_key
from .values import boolean, fold, format_date, number, parse_date, solr_string

log = logging.getLogger(__name__)

TABLE = package_index.name
FACET_VALUES = facet_value.name

#: kinds whose values are stored as their text
_AS_TEXT = frozenset((ss.STRING, ss.TEXT))
NARROW_LIST = ", ".join(NARROW_COLUMNS.values())
NARROW_PARAMS = ", ".join(f":{c}" for c in NARROW_COLUMNS.values())
NARROW_UPDATE = ", ".join(f"{c} = EXCLUDED.{c}" for c in NARROW_COLUMNS.values())
_FTS = " || ".join(f"setweight(to_tsvector('{CATCH_ALL_CONFIG}', :w{w}), '{w}')" for w in "ABCD")
_INSERT = f"""
    INSERT INTO {TABLE} AS d (index_id, id, site_id, doc, terms, fts, ftext,
                              data_dict, validated_data_dict, indexed_at, fids, labels,
                              {NARROW_LIST})
    VALUES (:index_id, :id, :site_id, CAST(:doc AS jsonb), CAST(:terms AS text[]), {_FTS},
            CAST(:ftext AS jsonb), :data_dict, :validated_data_dict,
            now() at time zone 'utc',
            ARRAY(SELECT hashtextextended(t, 0) FROM unnest(CAST(:fterms AS text[])) t),
            CAST(:labels AS text[]), {NARROW_PARAMS})
    ON CONFLICT (index_id) DO UPDATE SET
        id = EXCLUDED.id, site_id = EXCLUDED.site_id, doc = EXCLUDED.doc,
        terms = EXCLUDED.terms, fts = EXCLUDED.fts, ftext = EXCLUDED.ftext,
        data_dict = EXCLUDED.data_dict,
        validated_data_dict = EXCLUDED.validated_data_dict,
        indexed_at = EXCLUDED.indexed_at, fids = EXCLUDED.fids, labels = EXCLUDED.labels,
        {NARROW_UPDATE}
    WHERE (d.doc, d.data_dict, d.validated_data_dict, d.labels)
          IS DISTINCT FROM (EXCLUDED.doc, EXCLUDED.data_dict, EXCLUDED.validated_data_dict, EXCLUDED.labels)
"""

#: String fields never counted as facets through the fast path: unique per
#: dataset or bookkeeping. Faceting on them still works (from ``terms``).
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
        self._write_rows(rows)
        return ""

    def flush(self) -> None:
        """Write the entries held back during the current commit."""
        pending = txcache.pop(PENDING, session=self.session)
        if pending:
            self._write_rows(list(pending.values()))

    def _write_rows(self, rows: list[dict[str, Any]]) -> None:
        statements = []
        for row in rows:
            params = {k: v for k, v in row.items() if k != "fts_pieces"}
            params.update({f"w{w}": row["fts_pieces"][w] for w in "ABCD"})
            params.update({k: array_literal(row[k]) for k in ("terms", "fterms", "labels")})
            statements.append(params)
        if txcache.get(COMMITTING, session=self.session):
            # joins the dataset's transaction; the names of facet values new to
            # the index are stored by the first search that counts them
            # (:meth:`_term_counts`), not here, so that dataset writes neither
            # wait on each other over a shared name nor pay for it
            for params in statements:
                self._execute(_INSERT, params)
            return
        fterms = sorted({t for row in rows for t in row["fterms"]})
        self._autocommit([self._facet_value_statement(fterms), *((_INSERT, p) for p in statements)])

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
        return {
            "index_id": str(doc["index_id"]),
            "id": str(doc["id"]),
            "site_id": str(doc["site_id"]),
            "doc": json.dumps(doc),
            "terms": sorted(set(terms)),
            "fterms": sorted(set(fterms)),
            "ftext": json.dumps(ftext),
            "fts_pieces": {w: "\n".join(p) for w, p in pieces.items()},
            "labels": [str(v) for v in _as_list(doc.get(LABELS_FIELD))],
            **{column: _scalar(doc.get(field)) for field, column in NARROW_COLUMNS.items()},
            "data_dict": _text_or_none(extra["data_dict"]),
            "validated_data_dict": _text_or_none(extra["validated_data_dict"]),
        }

    def _facet_value_statement(self, fterms: list[str]) -> tuple[str, dict[str, Any]]:
        """The statement that names the facet hashes of ``fterms``."""
        sql = (
            f"INSERT INTO {FACET_VALUES} (hash, field, value) "
            f"SELECT hashtextextended(t, 0), split_part(t, :sep, 1), substr(t, strpos(t, :sep) + 1) "
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
        if id is not None:
            ids = id if isinstance(id, (list, tuple)) else [id]
            for index_id in ids:
                pending.pop(index_id, None)
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
            self._autocommit([(f"ANALYZE {TABLE}", {})])
        self.session.commit()
        return ""

    def _write(self, sql: str, params: dict[str, Any]) -> None:
        if txcache.get(COMMITTING, session=self.session):
            self._execute(sql, params)
        else:
            self._autocommit([(sql, params)])


def array_literal(values: list[str]) -> str:
    """A text array as one PostgreSQL literal (``{"a","b"}``): the driver would
    otherwise send ``ARRAY['a', 'b', ...]``, one constant per value for the
    server to parse (the terms of a dataset tagged with 50 places: hundreds)."""
    if not values:
        return "{}"
    joined = "".join(values)
    if "\\" in joined or '"' in joined:
        values = [v.replace("\\", "\\\\").replace('"', '\\"') for v in values]
    return '{"' + '","'.join(values) + '"}'


def _scalar(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return None if value is None else str(value)


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)
