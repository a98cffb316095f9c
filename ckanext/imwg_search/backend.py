"""A Solr connection that keeps the index in PostgreSQL.

:class:`PostgresSolrConnection` answers the part of pysolr's ``Solr`` API that
CKAN uses (``add``, ``delete``, ``search``, ``commit``), so CKAN's own
``PackageSearchIndex`` builds the documents and runs ``before_dataset_index``
and CKAN's own ``PackageSearchQuery`` builds the Solr parameters (site,
state, permission labels, dismax defaults); this module only stores and
queries.

Where an index write happens decides its transaction. Inside a session
commit (CKAN indexes datasets from the session's ``before_commit``) it joins
that transaction, so the entry commits or rolls back with the dataset itself.
Within a commit each entry is written once, at the end of ``before_commit``,
with the last document CKAN built for it. Anywhere else (``ckan
search-index``, rebuilds, bulk updates after their own commit) it commits on
its own, as a Solr update would. Facets are counted over 64-bit hashes of
their values; a value's name is stored by rebuilds, and for values written
by dataset commits by the first search that counts them.

Errors are raised as ``pysolr.SolrError``, which CKAN turns
into ``SearchIndexError`` (failed write) or ``SearchError`` (bad query, HTTP
409 through the API).
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Iterable
from typing import Any

import pysolr
import sqlalchemy as sa
from ckan.lib.search.common import SearchIndexError
from sqlalchemy.exc import DBAPIError

from ckanext.imwg.guard import MAX_INT, has_nul

from . import solr_schema as ss
from .model import LABELS_FIELD, NARROW_COLUMNS, facet_value, package_index
from .query import (
    MatchAll,
    Node,
    QuerySyntaxError,
    apply_min_should,
    parse_any,
    parse_dismax,
    parse_function,
    parse_lucene,
)
from .sql import CATCH_ALL_CONFIG, SEP, Compiler, term_key
from .values import boolean, fold, format_date, number, parse_date, solr_string

log = logging.getLogger(__name__)

TABLE = package_index.name
FACET_VALUES = facet_value.name

ZERO_SCORE = "CAST(0 AS float8)"
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

#: Set in ``session.info`` while the session commits (see :func:`track_commits`).
COMMITTING = "imwg_search_committing"
#: Entries held back until the end of the commit (``index_id`` -> row).
PENDING = "imwg_search_pending"
#: Set once the held-back entries are written: later writes go straight in.
FLUSHED = "imwg_search_flushed"
#: Datasets CKAN has asked to index during the commit (see ``seam``).
NOTIFIED = "imwg_search_notified"

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


class PostgresSolrConnection:
    """The pysolr ``Solr`` methods CKAN calls, answered from PostgreSQL."""

    url = "postgresql://(imwg_search)"

    def __init__(self, session: Any, schema: ss.SolrSchema | None = None):
        self.session = session
        self.schema = schema or ss.load()

    # -- writing -----------------------------------------------------------------------

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
        info = self.session.info
        if info.get(COMMITTING) and not info.get(FLUSHED):
            pending = info.setdefault(PENDING, {})
            for row in rows:
                pending[row["index_id"]] = row
            return ""
        self._write_rows(rows)
        return ""

    def flush(self) -> None:
        """Write the entries held back during the current commit."""
        pending = self.session.info.pop(PENDING, None)
        if pending:
            self._write_rows(list(pending.values()))

    def _write_rows(self, rows: list[dict[str, Any]]) -> None:
        statements = []
        for row in rows:
            params = {k: v for k, v in row.items() if k != "fts_pieces"}
            params.update({f"w{w}": row["fts_pieces"][w] for w in "ABCD"})
            params.update({k: array_literal(row[k]) for k in ("terms", "fterms", "labels")})
            statements.append(params)
        if self.session.info.get(COMMITTING):
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
        pending = self.session.info.get(PENDING) or {}
        if id is not None:
            ids = id if isinstance(id, (list, tuple)) else [id]
            for index_id in ids:
                pending.pop(index_id, None)
            self._write(f"DELETE FROM {TABLE} WHERE index_id = ANY(:ids)", {"ids": list(ids)})
        if q is not None:
            self.flush()  # held-back entries may match the query
            where, params = self._where([self._parse_filter(q, "OR")])
            self._write(f"DELETE FROM {TABLE} d WHERE {where}", params)
        return ""

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

    # -- searching ----------------------------------------------------------------------

    def search(self, q: str | None = None, search_handler: str | None = None, **kw: Any) -> pysolr.Results:
        """Run a Solr ``select`` request; returns ``pysolr.Results``.

        Runs in a savepoint: a failing statement must not leave the caller's
        transaction unusable.
        """
        self.flush()  # a search during a commit sees the entries written in it
        try:
            if has_nul([q, kw]):
                # PostgreSQL refuses NUL in any text, with an error that is no SQL error
                raise QuerySyntaxError("a query may not contain a NUL character")
            with self.session.begin_nested():
                return self._search(q or "*:*", kw)
        except QuerySyntaxError as e:
            msg = str(e)
            if msg.startswith("Can't determine a Sort Order"):
                raise pysolr.SolrError(msg) from e
            raise pysolr.SolrError(f"Query syntax error: {msg}") from e

    def _search(self, q: str, kw: dict[str, Any]) -> pysolr.Results:
        op = str(kw.get("q.op") or "OR").upper()
        def_type = kw.get("defType") or "lucene"
        qf = _query_fields(kw.get("qf"))
        if q.strip() in ("*:*", "*"):
            q_node: Node = MatchAll()
            q_fields = [kw.get("df") or "text"]
        elif q.lstrip().startswith("{!"):
            q_node, q_fields = parse_any(q, op), [kw.get("df") or "text"]
        elif def_type == "dismax":
            q_node, q_fields = parse_dismax(q, kw.get("mm")), qf
        elif def_type == "edismax":
            q_node, q_fields = apply_min_should(parse_lucene(q, "OR"), kw.get("mm")), qf
        elif def_type == "lucene":
            q_node, q_fields = parse_lucene(q, op), [kw.get("df") or "text"]
        else:
            raise QuerySyntaxError(f"the query parser {def_type!r} is not supported by this search backend")

        fq = kw.get("fq") or []
        filters = [self._parse_filter(f, op) for f in ([fq] if isinstance(fq, str) else fq) if f and f.strip()]
        bf = kw.get("bf") if def_type == "edismax" else None

        def compile_all(analyze):
            c = Compiler(self.schema, analyze)
            conds = [c.condition(q_node, q_fields, scoring=True)]
            default = [kw.get("df") or "text"]
            conds += [c.condition(n, default) for n in filters]
            score = c.rank_sql() or ZERO_SCORE
            if bf:
                score = f"({score} + COALESCE({c.func(parse_function(bf))}, 0))"
            return c, " AND ".join(f"({x})" for x in conds), score

        where, params, score, compiler = self._compile(compile_all)
        if "d.fts @@" in where:
            # The GIN index answers text matches exactly, so only matching rows
            # are read; the planner underrates what a text match costs on every
            # row of a sequential scan, so that plan is ruled out here. The
            # penalty that rules it out makes any plan look costly enough for
            # JIT compilation, which for a query of hundreds of clauses takes
            # seconds where running it takes a millisecond: JIT is off too.
            with self._planner_settings({"enable_seqscan": "off", "jit": "off"}):
                return self._run(where, params, score, compiler, kw)
        return self._run(where, params, score, compiler, kw)

    @contextlib.contextmanager
    def _planner_settings(self, settings: dict[str, str]):
        """Planner settings for the statements inside, as they were after."""

        names = {f"n{i}": name for i, name in enumerate(settings)}
        reads = ", ".join(f"current_setting(:{key})" for key in names)
        old = dict(zip(settings, self._execute(f"SELECT {reads}", names).one(), strict=True))

        def set_all(values: dict[str, str]) -> None:
            calls = ", ".join(f"set_config(:{key}, :v{key}, true)" for key in names)
            self._execute(f"SELECT {calls}", {**names, **{f"v{key}": values[n] for key, n in names.items()}})

        set_all(settings)
        try:
            yield
        finally:
            set_all(old)

    def _run(self, where: str, params: dict[str, Any], score: str, compiler: Compiler, kw: dict[str, Any]):
        rows = int(kw.get("rows", 10))
        start = int(kw.get("start", 0))
        if rows < 0 or start < 0:
            raise QuerySyntaxError("rows and start must not be negative")
        if rows > MAX_INT or start > MAX_INT:
            # Solr reads them as 32-bit integers; PostgreSQL would fail beyond 64 bits
            raise QuerySyntaxError(f"rows and start must be at most {MAX_INT}")
        order = compiler.order_by(kw.get("sort") or "score desc", "score")
        params.update(compiler.params)

        fl = _field_list(kw.get("fl"))
        count_sql = f"SELECT count(*) FROM {TABLE} d WHERE {where}"
        hits = None
        docs: list[dict[str, Any]] = []
        if rows > 0:
            # when every match is ranked anyway, count them in the same pass
            with_total = score != ZERO_SCORE and order.startswith("score")
            extra = [c for c in ("data_dict", "validated_data_dict") if "*" in fl or c in fl]
            cols = "".join(f", d.{c}" for c in extra)
            if fl - {"id", "score", "data_dict", "validated_data_dict"}:
                cols += ", d.doc"
            total = ", count(*) OVER () AS _total" if with_total else ""
            # Rank and page on narrow columns first; read the wide stored
            # fields (de-TOASTing them) for the rows of the page only.
            ranked = (
                self._execute(
                    f"SELECT d.index_id, {score} AS score{total} "
                    f"FROM {TABLE} d WHERE {where} ORDER BY {order} LIMIT :_rows OFFSET :_start",
                    # one row more than the page: when it does not come, there is nothing to count
                    {**params, "_rows": rows + 1, "_start": start},
                )
                .mappings()
                .all()
            )
            complete = start == 0 and len(ranked) <= rows
            ranked = ranked[:rows]
            wide = {
                r["index_id"]: r
                for r in self._execute(
                    f"SELECT d.index_id, d.id{cols} FROM {TABLE} d WHERE d.index_id = ANY(:_ids)",
                    {"_ids": [r["index_id"] for r in ranked]},
                ).mappings()
            }
            page = [{**wide[r["index_id"]], **r} for r in ranked if r["index_id"] in wide]
            for row in page:
                docs.append(self._document(row, fl, extra))
            if with_total and page:
                hits = page[0]["_total"]
            elif complete:
                hits = len(ranked)  # the whole result is on this page
        if hits is None:
            hits = self._execute(count_sql, params).scalar()
        decoded: dict[str, Any] = {"response": {"numFound": hits, "start": start, "docs": docs}}
        if str(kw.get("facet", "false")).lower() == "true":
            fields = kw.get("facet.field") or []
            fields = [fields] if isinstance(fields, str) else list(fields)
            decoded["facet_counts"] = {"facet_fields": self._facets(fields, where, params, kw)}
        return pysolr.Results(decoded)

    def _parse_filter(self, text: str, op: str) -> Node:
        return parse_any(text, op)

    def _compile(self, compile_all):
        requests: dict[tuple[str, str], str] = {}

        def record(config: str, text: str) -> str:
            requests[(config, text)] = ""
            return "x"

        compile_all(record)
        if requests:
            keys = list(requests)
            result = self._execute(
                "SELECT c, t, CAST(phraseto_tsquery(CAST(c AS regconfig), t) AS text) "
                "FROM unnest(CAST(:cs AS text[]), CAST(:ts AS text[])) AS u(c, t)",
                {"cs": [k[0] for k in keys], "ts": [k[1] for k in keys]},
            )
            for c, t, tsq in result:
                requests[(c, t)] = tsq or ""
        compiler, where, score = compile_all(lambda config, text: requests[(config, text)])
        return where, dict(compiler.params), score, compiler

    def _where(self, nodes: list[Node]) -> tuple[str, dict[str, Any]]:
        def compile_all(analyze):
            c = Compiler(self.schema, analyze)
            return c, " AND ".join(f"({c.condition(n, ['text'])})" for n in nodes), ""

        where, params, _score, _c = self._compile(compile_all)
        return where, params

    def _document(self, row: Any, fl: set[str], extra: list[str]) -> dict[str, Any]:
        doc = row["doc"] if "doc" in row else {"id": row["id"]}
        out: dict[str, Any] = {}
        everything = "*" in fl
        for key, value in doc.items():
            if (everything and self.schema.field(key).stored) or key in fl:
                out[key] = value
        for key in extra:
            if row[key] is not None:
                out[key] = row[key]
        if "score" in fl:
            out["score"] = float(row["score"])
        return out

    def _facets(
        self, fields: list[str], where: str, params: dict[str, Any], kw: dict[str, Any]
    ) -> dict[str, list[Any]]:
        result: dict[str, list[Any]] = {}
        by_terms, by_doc = [], []
        for name in fields:
            f = self.schema.field(name)
            if f.kind == ss.TEXT:
                raise QuerySyntaxError(f"cannot facet on the analysed text field {name!r}")
            (by_terms if f.kind in (ss.STRING, ss.BOOLEAN) else by_doc).append(name)
        counts: dict[str, dict[str, int]] = {name: {} for name in fields}
        if by_terms:
            counts.update(self._term_counts(by_terms, where, params))
        for name in by_doc:
            rows = self._execute(
                f"SELECT v #>> '{{}}', count(*) FROM {TABLE} d CROSS JOIN LATERAL "
                f"jsonb_path_query(d.doc, CAST(:_path AS jsonpath)) AS v WHERE {where} GROUP BY 1",
                {**params, "_path": '$."' + name.replace('"', '\\"') + '"[*]'},
            )
            counts[name] = {str(v): c for v, c in rows}
        for name in fields:
            limit = int(kw.get(f"f.{name}.facet.limit", kw.get("facet.limit", 100)))
            mincount = int(kw.get(f"f.{name}.facet.mincount", kw.get("facet.mincount", 0)))
            sort = kw.get(f"f.{name}.facet.sort", kw.get("facet.sort")) or ("count" if limit > 0 else "index")
            values = counts[name]
            if mincount <= 0:
                for v in self._all_values(name):
                    values.setdefault(v, 0)
            items = [(v, c) for v, c in values.items() if c >= mincount]
            if sort in ("count", "true"):
                items.sort(key=lambda vc: (-vc[1], vc[0]))
            elif sort in ("index", "false"):
                items.sort(key=lambda vc: vc[0])
            else:
                raise QuerySyntaxError(f"facet.sort must be 'count' or 'index', not {sort!r}")
            if limit >= 0:
                items = items[:limit]
            result[name] = [x for vc in items for x in vc]
        return result

    def _term_counts(self, names: list[str], where: str, params: dict[str, Any]) -> dict[str, dict[str, int]]:
        counts: dict[str, dict[str, int]] = {name: {} for name in names}
        fast = [n for n in names if n not in NOT_FACETED]
        slow = [n for n in names if n in NOT_FACETED]
        if fast:
            rows = self._execute(
                f"WITH c AS (SELECT h, count(*) AS n FROM {TABLE} d CROSS JOIN LATERAL unnest(d.fids) AS h "
                f"WHERE {where} GROUP BY h) "
                f"SELECT v.field, v.value, c.n, c.h FROM c LEFT JOIN {FACET_VALUES} v ON v.hash = c.h "
                f"WHERE v.hash IS NULL OR v.field = ANY(:_ff)",
                {**params, "_ff": fast},
            ).fetchall()
            unnamed = [h for field, _v, _n, h in rows if field is None]
            names = self._name_facet_values(unnamed, where, params) if unnamed else {}
            if len(names) < len(unnamed):
                log.warning(
                    "facet values missing from %s: counting from terms; `ckan search-index rebuild` restores them",
                    FACET_VALUES,
                )
                slow += fast
            else:
                for field, value, n, h in rows:
                    field, value = (field, value) if field is not None else names[h]
                    if field in counts:
                        counts[field][value] = n
        if slow:
            rows = self._execute(
                f"SELECT t, count(*) FROM {TABLE} d CROSS JOIN LATERAL unnest(d.terms) AS t "
                f"WHERE {where} AND split_part(t, :_sep, 1) = ANY(:_ff) GROUP BY t",
                {**params, "_sep": SEP, "_ff": slow},
            )
            for t, c in rows:
                name, _, value = t.partition(SEP)
                counts[name][value] = c
        return counts

    def _name_facet_values(self, hashes: list[int], where: str, params: dict[str, Any]) -> dict[int, tuple[str, str]]:
        """Name facet values new to the index (written since their names were
        last stored) from the terms of the matching entries, and store the
        names for the next search: {hash: (field, value)}."""
        terms = [
            r[0]
            for r in self._execute(
                f"SELECT DISTINCT t FROM {TABLE} d CROSS JOIN LATERAL unnest(d.terms) AS t "
                f"WHERE {where} AND hashtextextended(t, 0) = ANY(CAST(:_h AS bigint[]))",
                {**params, "_h": hashes},
            )
        ]
        if terms:
            try:
                self._autocommit([self._facet_value_statement(sorted(terms))])
            except pysolr.SolrError:
                pass  # named again by the next search
        named = {}
        for t, h in self._execute("SELECT t, hashtextextended(t, 0) FROM unnest(CAST(:ts AS text[])) t", {"ts": terms}):
            field, _, value = t.partition(SEP)
            named[h] = (field, value)
        return named

    def _all_values(self, name: str) -> list[str]:
        rows = self._execute(
            f"SELECT DISTINCT substr(t, length(:_p) + 1) FROM {TABLE} d "
            "CROSS JOIN LATERAL unnest(d.terms) AS t WHERE t LIKE :_like",
            {"_p": name + SEP, "_like": name.replace("%", "\\%").replace("_", "\\_") + SEP + "%"},
        )
        return [r[0] for r in rows]

    # -- plumbing ---------------------------------------------------------------------

    def _write(self, sql: str, params: dict[str, Any]) -> None:
        if self.session.info.get(COMMITTING):
            self._execute(sql, params)
        else:
            self._autocommit([(sql, params)])

    def _autocommit(self, statements: list[tuple[str, dict[str, Any]]]) -> None:
        """Run ``statements`` in a transaction of their own."""
        try:
            with self.session.get_bind().begin() as conn:
                for sql, params in statements:
                    conn.execute(sa.text(sql), params)
        except DBAPIError as e:
            log.error("search backend SQL failed: %s", e.orig)
            raise pysolr.SolrError(f"PostgreSQL search backend error: {e.orig}".strip()) from e

    def _execute(self, sql: str, params: dict[str, Any]):
        try:
            return self.session.execute(sa.text(sql), params)
        except DBAPIError as e:
            log.error("search backend SQL failed: %s", e.orig)
            raise pysolr.SolrError(f"PostgreSQL search backend error: {e.orig}".strip()) from e


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


def _field_list(fl: Any) -> set[str]:
    if not fl:
        return {"*"}
    items = fl if isinstance(fl, (list, tuple)) else re.split(r"[,\s]+", str(fl))
    return {i for i in items if i}


def _query_fields(qf: Any) -> list[str]:
    if not qf:
        return ["text"]
    names = [re.sub(r"\^.*$", "", part) for part in str(qf).split() if part]
    return ["text"] if "text" in names else names


def track_commits(session_factory: Any) -> None:
    """Mark sessions of ``session_factory`` while they commit, and write the
    entries held back during the commit at the end of its ``before_commit``.

    The marker is set before any other ``before_commit`` listener runs
    (``insert=True``), so CKAN's indexing, which runs in its own
    ``before_commit`` listener, sees it; the held-back entries are written by
    a listener added after CKAN's, so they join the same transaction.
    """

    def begin(session):
        session.info[COMMITTING] = True
        for key in (PENDING, FLUSHED, NOTIFIED):
            session.info.pop(key, None)

    def flush(session):
        try:
            PostgresSolrConnection(session).flush()
        except pysolr.SolrError as e:
            raise SearchIndexError(str(e)) from e
        finally:
            session.info[FLUSHED] = True

    def end(session, *args):
        for key in (COMMITTING, PENDING, FLUSHED, NOTIFIED):
            session.info.pop(key, None)

    if not sa.event.contains(session_factory, "before_commit", begin):
        sa.event.listen(session_factory, "before_commit", begin, insert=True)
        sa.event.listen(session_factory, "before_commit", flush)
        for name in ("after_commit", "after_rollback", "after_soft_rollback"):
            sa.event.listen(session_factory, name, end)
