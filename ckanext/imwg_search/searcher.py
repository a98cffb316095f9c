"""Searches: Solr ``select`` requests run as SQL on the index table.

The query, filters and sort are parsed (``query``) and compiled (``sql``);
a page is ranked on narrow columns first and its stored fields read after.
Facets are counted over the hashes of their values (``fids``) and named from
``imwg_search_facet_value``; values a dataset commit wrote since the names
were last stored are named here, by the first search that counts them.

A search whose filters read nothing but the columns of a visibility class
(``CLASS_COLUMNS``: what CKAN adds to every search) admits whole classes: its
hit count and facet counts are sums of the counts the index keeps per class
(migration 0009: rows appended by triggers in the writing transaction), not
counts of its entries; when those rows have piled up, they are folded into
one per class and value (:meth:`IndexSearcher.fold_counts`). Any other
search counts its entries. A bounding-box search (ckanext-spatial's
``ext_bbox``) whose other filters are a class's reads the counts the index
keeps per class and box instead (migration 0013,
:meth:`IndexSearcher._rank_by_box`).
"""

from __future__ import annotations

import contextlib
import logging
import math
import re
import time
from typing import Any

import pysolr
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from ckanext.imwg.guard import MAX_INT, has_nul

from . import config
from . import solr_schema as ss
from .model import SORT_INDEX_CARRIES
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
from .sql import BOX_FIELD, CORNER_COLUMNS, SEP, Compiler, box_corners, facet_field_code, facet_hash
from .writer import FACET_VALUES, NOT_FACETED, POSTINGS, TABLE, WORD_BITS

log = logging.getLogger(__name__)

ZERO_SCORE = "CAST(0 AS float8)"
#: ``work_mem`` of a statement that ranks and counts every match (window)
RANK_WORK_MEM = "32MB"
#: See :meth:`IndexSearcher._fence_limit` (0: always walk, as before migration 0010).
FENCE_FACTOR = 3.0
#: See :meth:`IndexSearcher._fence_limit`: sqrt of what an entry met along a
#: sort key's index costs less when the walk reads the index alone.
INDEX_WALK_GAIN = 5.0
#: Seconds a process keeps the table's estimated size (:meth:`IndexSearcher._entries`).
ENTRIES_TTL = 60.0
#: Postings (migration 0012) read per word in the first round of
#: :meth:`IndexSearcher._top_by_weight` (at least twice the page's depth),
#: and how many rounds at most.
POSTINGS_FIRST = 64
POSTINGS_ROUNDS = 3
#: Postings read at most, per match: an entry read costs about twice what
#: ranking a match costs (measured 1.9-2.0 times at 200,000 entries).
POSTINGS_SHARE = 0.4
#: A round's entries that may reach the page are bounded again from all
#: their postings of the words when there are more of them than this share of
#: the postings the words may have (the entries times the words): a posting
#: read costs about a hundredth of an entry checked on the table.
REFINE_SHARE = 0.01
#: The most entries for which the bounds of one word walk its postings
#: (:meth:`IndexSearcher._rank_by_postings`) with the matches' ids hashed,
#: in :data:`RANK_WORK_MEM`: the planner hashes them only when as many as it
#: expects (at most every entry, about 70 bytes each) fit; else it would
#: read them again for each posting walked.
WALK_ENTRIES = 300_000
#: the lightest posting kept, in tenths of a weight (migration 0012)
POSTED_FROM = 3
#: database URL -> (when read, estimated entries)
_entries_read: dict[str, tuple[float, int]] = {}
#: The class columns of ``imwg_search_facet_count``, named as in the index
#: table: a filter that reads no other column is true or false for a whole class.
CLASS_COLUMNS = frozenset(("site_id", "state", "capacity", "dataset_type", "labels"))
FACET_COUNTS = "imwg_search_facet_count"
#: Rows of counts read beyond one per class and value that make a search fold them.
FOLD_AFTER = 2000
#: Entries per block of the words' bitmaps (migration 0016): a bitmap's bits.
BITS_BLOCK = 4096
#: The most entries of a block a word's folded row lists as their places
#: rather than as a bitmap (migration 0016's SPOTS).
BITS_SPOTS = 64
#: Unfolded bit flips a count reads (appended since its words' bitmaps were
#: last folded) that make the search fold its words' bitmaps.
FOLD_BITS_AFTER = 4096
#: The most terms (words and-ed) a text query counted from the bitmaps may
#: have once written as terms or-ed (dismax's minimum match multiplies them).
MAX_BIT_TERMS = 64
_NO_BITS = f"CAST(B'0' AS bit({BITS_BLOCK}))"
#: a condition that is a text match, or text matches and-ed or or-ed
_TEXT_MATCHES = re.compile(
    r"d\.fts @@ CAST\(:p\d+ AS tsquery\)"
    r"|\(d\.fts @@ CAST\(:p\d+ AS tsquery\)(?:(?: AND d\.fts @@ CAST\(:p\d+ AS tsquery\))+"
    r"|(?: OR d\.fts @@ CAST\(:p\d+ AS tsquery\))+)\)"
)
_PARAM = re.compile(r":(p\d+)")
#: a tsquery's text as PostgreSQL writes it: a plain lexeme (one with a
#: quote or backslash is not counted from the bitmaps), an operator, a
#: parenthesis; anything else (weights, prefixes, phrases, negations) is not
#: a query of words
_TSQUERY_TOKEN = re.compile(r"\s*(?:'([^'\\]+)'(?!:)|([&|()]))")
_CLASS = "site_id, state, capacity, dataset_type, labels"
#: what a search ranked by box alone may read besides a class's columns
_CORNERS = frozenset(CORNER_COLUMNS)
#: the index of migration 0013 (boxes, then the default order after the score)
BOX_WALK_INDEX = "imwg_search_package_box_walk_idx"
#: an entry's box term (migration 0013; ``sql.box_term``)
_BOX_TERM = "imwg_search_box_term({0}.num_minx, {0}.num_miny, {0}.num_maxx, {0}.num_maxy)"
#: Folds the counts' rows into one per class and value, in one statement: a
#: search sees the rows before or after, whose sums are the same. Rows that
#: writing transactions append meanwhile are not seen, so not folded, and no
#: lock is waited for but another fold's.
_FOLD = (
    f"WITH gone AS (DELETE FROM {FACET_COUNTS} RETURNING *) "
    f"INSERT INTO {FACET_COUNTS} ({_CLASS}, hash, n) "
    f"SELECT {_CLASS}, hash, sum(n) FROM gone GROUP BY {_CLASS}, hash HAVING sum(n) <> 0"
)


def _fold_bits(cond: str) -> str:
    """Folds the words' bitmaps' rows that ``cond`` selects (``d``) into one
    per class, word and block, in one statement (as :data:`_FOLD`: rows
    appended meanwhile are not seen, and stay to be folded later): the
    places flipped an odd number of times flip the key's bitmap, if it has
    one; a key without one keeps a list of its places while they are at
    most :data:`BITS_SPOTS`."""
    return (
        f"WITH gone AS (DELETE FROM {WORD_BITS} d WHERE {cond} RETURNING *), "
        f"x AS (SELECT {_CLASS}, word, block, bits AS b, CAST(NULL AS smallint) AS p FROM gone WHERE bits IS NOT NULL "
        f"UNION ALL SELECT {_CLASS}, word, block, NULL, u.p "
        "FROM gone CROSS JOIN LATERAL unnest(coalesce(gone.flips, gone.spots)) AS u(p)), "
        f"y AS (SELECT {_CLASS}, word, block, p, bit_xor(b) AS b FROM x GROUP BY {_CLASS}, word, block, p "
        "HAVING p IS NULL OR count(*) % 2 = 1), "
        f"z AS (SELECT {_CLASS}, word, block, bit_xor(coalesce(b, set_bit({_NO_BITS}, p, 1))) AS b, "
        f"bool_or(p IS NULL) OR count(p) > {BITS_SPOTS} AS dense, "
        f"array_agg(p ORDER BY p) FILTER (WHERE p IS NOT NULL) AS spots FROM y GROUP BY {_CLASS}, word, block) "
        f"INSERT INTO {WORD_BITS} ({_CLASS}, word, block, spots, bits) "
        f"SELECT {_CLASS}, word, block, CASE WHEN NOT dense THEN spots END, CASE WHEN dense THEN b END "
        "FROM z WHERE bit_count(b) > 0"
    )


#: The most an entry weighs in the words ``:_words`` (``:_n`` of them), in
#: tenths, given its postings ``p`` of them: their sum, plus two tenths at
#: most for each word it has no posting of.
_MOST_WEIGHT = "coalesce(sum(p.weight), 0) + :_unposted * (:_n - count(p.index_id))"
_COLUMN_RE = re.compile(r"\bd\.(\w+)")
#: an order whose first key is an indexed sort column (migration 0011)
#: in the direction its index is built in (dates newest first, names A to Z;
#: read backwards the index puts the entries without a value first)
_SORT_KEY_RE = re.compile(
    r'd\.(sort_(modified|created) COLLATE "C" DESC|sort_(title|name) COLLATE "C" ASC) NULLS LAST(, |$)'
)


class IndexSearcher:
    """Searching the index: the ``search`` of
    :class:`~ckanext.imwg_search.backend.PostgresSolrConnection`, which
    supplies the session, the schema and the statements' plumbing."""

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

        conjuncts: list[str] = []

        def compile_all(analyze):
            c = Compiler(self.schema, analyze)
            conds = [c.condition(q_node, q_fields, scoring=True)]
            default = [kw.get("df") or "text"]
            conds += [c.condition(n, default) for n in filters]
            score = c.rank_sql() or ZERO_SCORE
            if bf:
                score = f"({score} + COALESCE({c.func(parse_function(bf))}, 0))"
            conjuncts[:] = conds
            return c, " AND ".join(f"({x})" for x in conds), score

        where, params, score, compiler = self._compile(compile_all)
        if compiler.index_matched:
            # The GIN index answers text matches and term filters exactly, so
            # only matching rows are read, and for their narrow columns only;
            # the planner underrates what such a condition costs on every row
            # of a sequential scan (the row's vector or terms read from TOAST,
            # where migration 0014 moves them), so that plan is ruled out
            # when the search has such a condition outside a negation. The
            # penalty that rules it out makes any plan look costly enough for
            # JIT compilation, which for a query of hundreds of clauses takes
            # seconds where running it takes a millisecond: JIT is off too.
            with self._planner_settings({"enable_seqscan": "off", "jit": "off"}):
                return self._run(where, params, score, compiler, kw, conjuncts)
        return self._run(where, params, score, compiler, kw, conjuncts)

    @contextlib.contextmanager
    def _planner_settings(self, settings: dict[str, str]):
        """Planner settings for the statements inside, as they were after."""

        names = {f"n{i}": name for i, name in enumerate(settings)}
        calls = ", ".join(f"set_config(:{key}, :v{key}, true)" for key in names)

        def bound(values: dict[str, str]) -> dict[str, str]:
            return {**names, **{f"v{key}": values[n] for key, n in names.items()}}

        # one round trip: the old values are read (the CTE, materialized, is
        # computed before the outer row is) and the new ones set
        reads = ", ".join(f"current_setting(:{key}) AS {key}" for key in names)
        row = self._execute(
            f"WITH o AS MATERIALIZED (SELECT {reads}) SELECT {', '.join(f'o.{key}' for key in names)}, {calls} FROM o",
            bound(settings),
        ).one()
        old = dict(zip(settings, row[: len(names)], strict=True))
        try:
            yield
        finally:
            self._execute(f"SELECT {calls}", bound(old))

    def _run(
        self,
        where: str,
        params: dict[str, Any],
        score: str,
        compiler: Compiler,
        kw: dict[str, Any],
        conjuncts: list[str],
    ):
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
        by_class = self._by_class(where)
        facet_fields: list[str] = []
        if str(kw.get("facet", "false")).lower() == "true":
            fields = kw.get("facet.field") or []
            facet_fields = [fields] if isinstance(fields, str) else list(fields)
        hits = None
        facets = None
        if facet_fields:
            facets, hits = self._facets(facet_fields, where, params, kw, by_class)
        ranked = None
        if rows > 0 and order.startswith("score DESC"):
            boxed = self._rank_by_box(conjuncts, params, score, order, rows, start)
            if boxed is not None:
                ranked, hits = boxed
        words = compiler.rank_words(score) if ranked is None and rows > 0 and order.startswith("score DESC") else None
        if words and self._exists(POSTINGS):
            if hits is None:
                hits = self._count(where, params, by_class, conjuncts)
            if start < hits:
                ranked = self._top_by_weight(words, where, params, score, order, rows, start, hits)
                if ranked is None:
                    ranked = self._rank_by_postings(words, where, params, score, order, rows, start)
        # when every match is ranked anyway, count them in the same pass
        with_total = rows > 0 and hits is None and score != ZERO_SCORE and order.startswith("score")
        if hits is None and not with_total and not by_class:
            # Counted first (in the facets' pass when there are facets): the
            # count chooses how the page is ranked (:meth:`_rank`).
            hits = self._count(where, params, by_class, conjuncts)
        docs: list[dict[str, Any]] = []
        if rows > 0 and (hits is None or start < hits):
            total = None
            if ranked is None:
                ranked, total = self._rank(where, params, score, order, rows, start, hits, with_total)
            extra = [c for c in ("data_dict", "validated_data_dict") if "*" in fl or c in fl]
            cols = "".join(f", d.{c}" for c in extra)
            if fl - {"id", "score", "data_dict", "validated_data_dict"}:
                cols += ", d.doc"
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
            if hits is None:
                hits = total
        if hits is None:
            hits = self._count(where, params, by_class, conjuncts)
        decoded: dict[str, Any] = {"response": {"numFound": hits, "start": start, "docs": docs}}
        if facets is not None:
            decoded["facet_counts"] = {"facet_fields": facets}
        return pysolr.Results(decoded)

    def _count(self, where: str, params: dict[str, Any], by_class: bool, conjuncts: list[str] | None = None) -> int:
        """The number of matching entries: the sum of the admitted classes'
        kept counts (``by_class``), or counted from the words' bitmaps
        (:meth:`_count_by_bits`), else a count of the entries."""
        if not by_class and conjuncts:
            counted = self._count_by_bits(conjuncts, params)
            if counted is not None:
                return counted
        if by_class:
            sql = f"SELECT CAST(coalesce(sum(d.n), 0) AS bigint) FROM {FACET_COUNTS} d WHERE d.hash IS NULL AND {where}"
        else:
            sql = f"SELECT count(*) FROM {TABLE} d WHERE {where}"
        return self._execute(sql, params).scalar()

    def _count_by_bits(self, conjuncts: list[str], params: dict[str, Any]) -> int | None:
        """The number of entries matching ``conjuncts`` when they are text
        queries of words (and, or) and conditions on visibility classes:
        per admitted class and block of entries, the bits set in the words'
        bitmaps combined as the text queries combine the words (or-ed terms
        of words and-ed); None for any other search."""
        texts: list[list[frozenset[str]]] = []
        classes: list[str] = []
        for c in conjuncts:
            if _TEXT_MATCHES.fullmatch(c):
                each = [_word_terms(str(params[name])) for name in _PARAM.findall(c)]
                if None in each:
                    return None
                texts += [[t for e in each for t in e]] if " OR " in c else each
            elif _reads_only(c, CLASS_COLUMNS):
                classes.append(c)
            else:
                return None
        if not texts or not config.word_bits():
            return None
        terms: list[frozenset[str]] = [frozenset()]
        for each in texts:
            terms = list(dict.fromkeys(a | b for a in terms for b in each))
            if len(terms) > MAX_BIT_TERMS:
                return None
        if not self._exists(WORD_BITS):  # absent before migration 0016 (and after its downgrade)
            return None
        words = sorted(set().union(*terms))
        slot = {w: f"s.w{i}" for i, w in enumerate(words)}
        combined = " | ".join("(" + " & ".join(slot[w] for w in sorted(t)) + ")" for t in terms)
        bitmaps = ", ".join(
            f"coalesce(bit_xor(b.b) FILTER (WHERE d.word = :_bw{i}), {_NO_BITS}) AS w{i}" for i in range(len(words))
        )
        # a key's bitmap is the XOR of its folded row (bits or places) and of its flips since
        sql = (
            f"SELECT CAST(coalesce(sum(bit_count({combined})), 0) AS bigint), CAST(coalesce(sum(s.flips), 0) AS bigint) "
            f"FROM (SELECT {bitmaps}, count(*) FILTER (WHERE b.flip) AS flips FROM {WORD_BITS} d "
            f"CROSS JOIN LATERAL (SELECT d.bits AS b, false AS flip WHERE d.bits IS NOT NULL "
            f"UNION ALL SELECT set_bit({_NO_BITS}, u.p, 1), d.flips IS NOT NULL FROM unnest(coalesce(d.flips, d.spots)) AS u(p)) b "
            f"WHERE d.word = ANY(:_bw) AND {' AND '.join(f'({c})' for c in classes) or 'TRUE'} "
            f"GROUP BY d.site_id, d.state, d.capacity, d.dataset_type, d.labels, d.block) s"
        )
        bound = {**params, "_bw": words, **{f"_bw{i}": w for i, w in enumerate(words)}}
        hits, flips = self._execute(sql, bound).one()
        if flips > FOLD_BITS_AFTER:
            self.fold_bits(words)
        return hits

    def _rank(
        self,
        where: str,
        params: dict[str, Any],
        score: str,
        order: str,
        rows: int,
        start: int,
        hits: int | None,
        with_total: bool,
    ) -> tuple[list[Any], int | None]:
        """The page's rows (``index_id``, ``score``) and, with ``with_total``
        or when the page holds the whole result, the hit count.

        Ranked on narrow columns; the wide stored fields are read for the
        page only. When the matches are known to be few (``hits``, counted
        first), they are read through the filters' indexes and sorted,
        instead of walking a sort key's index: a walk that meets one match
        in thousands of entries reads (and de-TOASTs the terms of) every one
        of them."""
        total = ", count(*) OVER () AS _total" if with_total else ""
        source = f"{TABLE} d WHERE {where}"
        if hits is not None and hits <= self._fence_limit(rows + start, _walk_in_index(where, order)):
            source = f"(SELECT * FROM {TABLE} d WHERE {where} OFFSET 0) d"
        sql = f"SELECT d.index_id, {score} AS score{total} FROM {source} ORDER BY {order} LIMIT :_rows OFFSET :_start"
        # one row more than the page: when it does not come, there is nothing to count
        bound = {**params, "_rows": rows + 1, "_start": start}
        # every match passes through the window that counts them: in memory,
        # not spilled to disk (up to ~200,000 matches)
        settings = self._planner_settings({"work_mem": RANK_WORK_MEM}) if with_total else contextlib.nullcontext()
        with settings:
            ranked = self._execute(sql, bound).mappings().all()
        count = None
        if with_total and ranked:
            count = ranked[0]["_total"]
        elif start == 0 and len(ranked) <= rows:
            count = len(ranked)  # the whole result is on this page
        return ranked[:rows], count

    def _rank_by_box(
        self, conjuncts: list[str], params: dict[str, Any], score: str, order: str, rows: int, start: int
    ) -> tuple[list[Any], int] | None:
        """The page and hit count of a search ranked by a function of the
        entries' boxes alone (ckanext-spatial's ``ext_bbox``: a range and a
        boost of the corners), from the counts kept per class and box
        (migration 0013); None for any other search.

        Its other filters must admit whole classes. Entries of one box score
        the same and pass the box's filters alike, so the boxes are filtered
        and scored (the same SQL, on each box's corners), the hit count is the
        sum of the admitted boxes' entries, and the page is ranked over the
        entries of the best boxes only: those that fill it, and any that
        score the same as the last of them. Each box's entries are read in
        the order after the score, as far as the page goes."""
        on_boxes = [c for c in conjuncts if not _reads_only(c, CLASS_COLUMNS)]
        rest = order.split(", ", 1)[1] if ", " in order else "d.index_id"  # the order after the score
        if (
            not on_boxes
            or score == ZERO_SCORE
            or not all(_reads_only(c, _CORNERS) for c in [score, *on_boxes])
            or not config.kept_counts()
            or re.search(r"\bscore\b", rest)
            or not self._execute(
                "SELECT to_regclass(:t) IS NOT NULL AND to_regclass(:i) IS NOT NULL AND to_regprocedure(:f) IS NOT NULL",
                {"t": FACET_COUNTS, "i": BOX_WALK_INDEX, "f": "imwg_search_box_term(float8, float8, float8, float8)"},
            ).scalar()
        ):
            return None
        classes = " AND ".join(f"({c})" for c in conjuncts if _reads_only(c, CLASS_COLUMNS)) or "TRUE"
        boxes_where = " AND ".join(f"({c})" for c in on_boxes)
        rows_of = self._execute(
            f"SELECT c.hash, c.n, c.r, v.value FROM (SELECT d.hash, CAST(sum(d.n) AS bigint) AS n, count(*) AS r "
            f"FROM {FACET_COUNTS} d WHERE (d.hash >> 48) = {facet_field_code(':_bf')} AND {classes} "
            f"GROUP BY d.hash) c LEFT JOIN {FACET_VALUES} v ON v.hash = c.hash AND v.field = :_bf",
            {**params, "_bf": BOX_FIELD},
        ).fetchall()
        if sum(r[2] for r in rows_of) > len(rows_of) + FOLD_AFTER:
            self.fold_counts()
        counted = {h: (n, value) for h, n, _r, value in rows_of if n > 0}
        unnamed = [h for h, (_n, value) in counted.items() if value is None]
        if unnamed:
            # boxes a dataset commit wrote since the names were last stored
            named = self._name_boxes(unnamed, classes, params)
            if len(named) < len(unnamed):
                return None  # not found (the entries changed meanwhile): every match is ranked
            counted = {h: (n, named.get(h, value)) for h, (n, value) in counted.items()}
        boxes = list(counted.values())
        corners = [box_corners(value) for _n, value in boxes]
        columns = {f"_c{i}": [c[i] for c in corners] for i in range(4)}
        scored = self._execute(
            f"SELECT d.i, {score} FROM unnest(CAST(:_c0 AS float8[]), CAST(:_c1 AS float8[]), "
            f"CAST(:_c2 AS float8[]), CAST(:_c3 AS float8[])) WITH ORDINALITY "
            f"AS d({', '.join(CORNER_COLUMNS)}, i) WHERE {boxes_where} ORDER BY 2 DESC",
            {**params, **columns},
        ).fetchall()
        admitted = [(float(sc), int(i) - 1) for i, sc in scored]  # best first, as the page's order puts them
        hits = sum(boxes[i][0] for _sc, i in admitted)
        if start >= hits:
            return [], hits
        chosen: list[tuple[float, int]] = []
        read = 0
        for sc, i in admitted:
            if read >= start + rows and sc < chosen[-1][0]:
                break
            chosen.append((sc, i))
            read += boxes[i][0]
        # the index of migration 0013 finds a box's entries in the default
        # order (equal corners are one box: its term makes a negative zero 0)
        walk = " AND ".join(f"COALESCE(d.{c}, 0) = b.{c}" for c in CORNER_COLUMNS)
        with self._planner_settings({"jit": "off"}):
            ranked = (
                self._execute(
                    f"SELECT d.index_id, d.score AS score FROM (SELECT b.score, d.* FROM unnest("
                    f"CAST(:_bs AS float8[]), CAST(:_c0 AS float8[]), CAST(:_c1 AS float8[]), "
                    f"CAST(:_c2 AS float8[]), CAST(:_c3 AS float8[])) AS b(score, {', '.join(CORNER_COLUMNS)}) "
                    f"CROSS JOIN LATERAL (SELECT d.* FROM {TABLE} d WHERE {classes} AND "
                    f"{walk} "
                    f"ORDER BY {rest} LIMIT :_need) d) d ORDER BY {order} LIMIT :_rows OFFSET :_start",
                    {
                        **params,
                        "_bs": [sc for sc, _i in chosen],
                        **{f"_c{k}": [corners[i][k] for _sc, i in chosen] for k in range(4)},
                        "_need": start + rows,
                        "_rows": rows,
                        "_start": start,
                    },
                )
                .mappings()
                .all()
            )
        if len(ranked) < min(rows, hits - start):
            return None  # entries changed since they were counted: every match is ranked
        return ranked, hits

    def _name_boxes(self, hashes: list[int], where: str, params: dict[str, Any]) -> dict[int, str]:
        """Name the boxes ``hashes`` from the entries ``where`` admits (the
        classes whose counts hold them: each has entries there), and store the
        names for the next search: {hash: value}. Reads the boxes' index."""
        corners = ", ".join(f"COALESCE(d.{c}, 0)" for c in CORNER_COLUMNS)
        terms = [
            r[0]
            for r in self._execute(
                f"SELECT t FROM (SELECT DISTINCT {corners} FROM {TABLE} d WHERE {where}) AS d({', '.join(CORNER_COLUMNS)}) "
                f"CROSS JOIN LATERAL (SELECT {_BOX_TERM.format('d')} AS t) e "
                f"WHERE {facet_hash('t')} = ANY(CAST(:_h AS bigint[]))",
                {**params, "_h": hashes},
            )
        ]
        return {h: value for h, (_field, value) in self._store_names(terms).items()}

    def _top_by_weight(
        self,
        words: list[str],
        where: str,
        params: dict[str, Any],
        score: str,
        order: str,
        rows: int,
        start: int,
        hits: int,
    ) -> list[Any] | None:
        """The page of a search ranked by the words ``words`` (their weights
        summed: :meth:`Compiler.rank_words`), from the words' postings read
        from the heaviest down, or None when a few rounds do not settle it.

        A round reads each word's postings down to the weight of its n-th
        (all of that weight: ties are read whole) and ranks the entries read
        that match, in the search's order: only those that may reach the
        page are scored (an entry read weighs at least its postings read, and
        less than a word's last weight read in each word it was not read in:
        the matches read in order of the first until the page's depth bound
        the others; when many may, more than :data:`REFINE_SHARE` of the
        postings the words may have, they are bounded again from all their
        postings of the words, as :meth:`_rank_by_postings` bounds). An
        entry not read weighs less
        than that in every word, so scores at most the sum of those weights
        less a tenth each (the bound); a page whose last score is higher is
        the page of ranking every match. When a full page is not settled,
        one more round reads each word down to a floor of its own, the
        floors chosen so that their bound falls below the page's last score
        with the fewest postings read (:meth:`_floors`: a rare word may be
        read whole and a common one not at all). When the page is not full
        (the search's filters admit few of the entries read), the next round
        reads as many more as would fill it twice at the same rate. No round
        reads more postings than :data:`POSTINGS_SHARE` of the matches
        (counted first, ties included): then the matches are bounded from their
        postings instead (:meth:`_rank_by_postings`). Each round
        is one statement (one snapshot); the hit count, taken before, is not
        used to settle a page."""
        cap = hits * POSTINGS_SHARE
        least = (
            "WITH w AS MATERIALIZED (SELECT word, CASE WHEN :_depth > 0 THEN LEAST(coalesce((SELECT p.weight "
            f"FROM {POSTINGS} p WHERE p.word = u.word ORDER BY p.weight DESC OFFSET :_depth - 1 LIMIT 1), :_from), "
            "u.floor) ELSE u.floor END AS least "
            "FROM unnest(CAST(:_words AS text[]), CAST(:_floors AS int[])) AS u(word, floor)) "
        )
        read = f"{POSTINGS} p JOIN w ON p.word = w.word AND p.weight >= w.least"
        # the postings a round reads, counted up to the cap (a tie may hold most of a word's)
        counted = least + f"SELECT count(*) FROM (SELECT 1 FROM {read} LIMIT :_cap + 1) r"
        # Each entry read: its weight in the words read at least (the sum of
        # its postings read), at most that plus a word's least less a tenth
        # for each word whose postings read hold none of it. Matches read in
        # order of their least until the page's depth give a least the page
        # reaches (f); an entry whose most is below it is not scored.
        ranked = (
            least + ", b AS (SELECT sum(w.least - 1) AS bound FROM w), "
            "c AS MATERIALIZED (SELECT p.index_id, sum(p.weight) AS least, "
            f"sum(p.weight) + (SELECT bound FROM b) - sum(w.least - 1) AS most FROM {read} GROUP BY p.index_id), "
            "v AS MATERIALIZED (SELECT c.index_id, c.least FROM (SELECT * FROM c ORDER BY c.least DESC) c "
            f"CROSS JOIN LATERAL (SELECT 1 FROM {TABLE} d WHERE d.index_id = c.index_id AND {where} OFFSET 0) d "
            "LIMIT :_page), "
            "f AS (SELECT CASE WHEN count(*) = :_page THEN min(v.least) ELSE 0 END AS least FROM v), "
            "x AS MATERIALIZED (SELECT c.index_id FROM c WHERE (SELECT least FROM f) > 0 "
            "AND c.most >= (SELECT least FROM f)), "
            "k AS (SELECT count(*) > :_refine AS many FROM x), "
            # many left: their weights in the words, summed from all the words' postings
            f"e AS (SELECT p.index_id FROM {POSTINGS} p WHERE (SELECT many FROM k) "
            f"AND p.word = ANY(CAST(:_words AS text[])) AND {_among('x')} "
            f"GROUP BY p.index_id HAVING {_MOST_WEIGHT} >= (SELECT least FROM f)), "
            # fewer matches than the page: v holds every match read
            "s AS (SELECT v.index_id FROM v WHERE (SELECT least FROM f) = 0 "
            "UNION ALL SELECT x.index_id FROM x WHERE NOT (SELECT many FROM k) "
            "UNION ALL SELECT e.index_id FROM e) "
            "SELECT d.index_id, d.score, count(*) OVER () AS _matched, (SELECT bound FROM b) AS _bound "
            f"FROM s CROSS JOIN LATERAL (SELECT d.*, {score} AS score FROM {TABLE} d "
            f"WHERE d.index_id = s.index_id AND {where} OFFSET 0) d ORDER BY {order} LIMIT :_rows OFFSET :_start"
        )
        fixed = {
            **params,
            "_words": words,
            "_from": POSTED_FROM,
            "_rows": rows,
            "_start": start,
            "_page": start + rows,
            "_n": len(words),
            "_unposted": POSTED_FROM - 1,
            "_refine": int(max(self._entries(), 1) * len(words) * REFINE_SHARE),
            "_cap": int(cap),
        }

        def run(depth: int, floors: list[int]) -> tuple[list[Any] | None, bool, int | None]:
            """The page of the entries whose weight in a word is at least that
            of the word's ``depth``-th posting or the word's floor (the floor
            alone when ``depth`` is 0, whose postings were counted before; None
            when that is more postings than the cap), whether it is settled,
            and how many postings were read (None when not counted)."""
            bound = {**fixed, "_depth": depth, "_floors": floors}
            postings = self._execute(counted, bound).scalar() if depth else None
            if postings is not None and postings > cap:
                return None, False, postings
            page = self._execute(ranked, bound).mappings().all()
            # scores are sums of tenths: half a tenth above the bound is above it
            above = len(page) == rows and page[-1]["score"] * 10 > page[0]["_bound"] + 0.5
            return page, above, postings

        # the entries a round hashes (up to the cap) in memory, as a ranking's
        with self._planner_settings({"work_mem": RANK_WORK_MEM}):
            depth = max(POSTINGS_FIRST, 2 * (start + rows))
            for _ in range(POSTINGS_ROUNDS):
                if depth * len(words) > cap:
                    return None  # reading the postings would cost about what ranking the matches costs
                page, settled, postings = run(depth, [MAX_INT] * len(words))
                if page is None or settled:
                    return page
                if len(page) == rows:
                    floors = self._floors(words, page[-1]["score"], int(cap))
                    if floors is None:
                        return None  # the postings do not go that far down, or not within the cap
                    page, settled, _postings = run(0, floors)
                    return page if settled else None
                # too few of the entries read match the filters: read as many more
                # as would give twice the page at the same rate
                matched = page[0]["_matched"] if page else 0
                wanted = 2 * (start + rows) * postings / max(matched, 0.5)
                depth = max(depth * 2, math.ceil(wanted / len(words)))
            return None

    def _rank_by_postings(
        self,
        words: list[str],
        where: str,
        params: dict[str, Any],
        score: str,
        order: str,
        rows: int,
        start: int,
    ) -> list[Any]:
        """The page of a search ranked by the words ``words`` (as
        :meth:`_top_by_weight`), scoring only the matches that may reach it.

        Every match's weight in the words is bounded from its postings
        alone, without reading its text: at least the sum of its postings'
        weights, at most that plus two tenths for each word it has no posting
        of (what is not posted weighs at most that). An entry whose most is
        below the page's depth-th least scores below every entry of the page,
        so only the others are scored, in one statement (one snapshot).

        For one word an entry's least is its posting's weight (none: 0),
        and its most that weight too (none: two tenths, below every
        posting): the depth-th weight among the matches' postings is found
        walking the word's postings from the heaviest down (its index, the
        matches hashed) and only the matches posted at that weight or above
        are scored; when fewer matches than the depth are posted, every
        match is (up to :data:`WALK_ENTRIES` entries)."""
        matches = f"WITH m AS MATERIALIZED (SELECT d.index_id FROM {TABLE} d WHERE {where}), "
        matched = _among("m")
        if len(words) == 1 and self._entries() <= WALK_ENTRIES:
            sql = (
                matches + f"f AS (SELECT p.weight FROM {POSTINGS} p WHERE p.word = :_word AND {matched} "
                "ORDER BY p.weight DESC OFFSET :_depth - 1 LIMIT 1), "
                f"c AS MATERIALIZED (SELECT p.index_id FROM {POSTINGS} p WHERE p.word = :_word "
                f"AND p.weight >= (SELECT f.weight FROM f) AND {matched} "
                "UNION ALL SELECT m.index_id FROM m WHERE NOT EXISTS (SELECT 1 FROM f)) "
                f"SELECT d.index_id, d.score FROM c CROSS JOIN LATERAL (SELECT d.*, {score} AS score FROM {TABLE} d "
                f"WHERE d.index_id = c.index_id OFFSET 0) d ORDER BY {order} LIMIT :_rows OFFSET :_start"
            )
        else:
            sql = (
                matches + "b AS MATERIALIZED (SELECT m.index_id, coalesce(sum(p.weight), 0) AS least, "
                f"{_MOST_WEIGHT} AS most "
                f"FROM m LEFT JOIN {POSTINGS} p ON p.index_id = m.index_id AND p.word = ANY(CAST(:_words AS text[])) "
                "GROUP BY m.index_id), "
                "f AS (SELECT least FROM b ORDER BY least DESC OFFSET :_depth - 1 LIMIT 1) "
                f"SELECT d.index_id, {score} AS score FROM b JOIN {TABLE} d ON d.index_id = b.index_id "
                f"WHERE b.most >= coalesce((SELECT least FROM f), 0) ORDER BY {order} LIMIT :_rows OFFSET :_start"
            )
        bound = {
            **params,
            "_word": words[0],
            "_words": words,
            "_n": len(words),
            "_unposted": POSTED_FROM - 1,
            "_depth": start + rows,
            "_rows": rows,
            "_start": start,
        }
        # the matches are few beside the postings: hashed, not both sorted by id
        with self._planner_settings({"enable_mergejoin": "off", "work_mem": RANK_WORK_MEM}):
            return self._execute(sql, bound).mappings().all()

    def _floors(self, words: list[str], last: float, cap: int) -> list[int] | None:
        """Per word, the weight down to which its postings are read (its
        floor) so that an entry weighing less than its floor in every word
        scores less than ``last`` (the sum of the floors less a tenth each is
        below it), with the fewest postings read in all; None when no choice
        reads at most ``cap``. A word may be read whole (floor 0.3: what is not posted
        weighs at most 0.2) or not at all (floor a tenth above its heaviest).

        The choice is made on each word's heaviest ``cap`` postings counted by
        weight; the page's round reads with the floors chosen in its own
        snapshot, so a write in between changes what is read, not whether
        the page is exact."""
        levels: dict[str, list[tuple[int, int]]] = {word: [] for word in words}
        sql = (
            "SELECT u.word, h.weight, h.n FROM unnest(CAST(:_words AS text[])) AS u(word) CROSS JOIN LATERAL "
            f"(SELECT t.weight, count(*) AS n FROM (SELECT p.weight FROM {POSTINGS} p WHERE p.word = u.word "
            "ORDER BY p.weight DESC LIMIT :_cap + 1) t GROUP BY t.weight) h ORDER BY u.word, h.weight DESC"
        )
        for word, weight, n in self._execute(sql, {"_words": words, "_cap": cap}):
            levels[word].append((weight, n))
        # integer tenths the floors less a tenth each may sum to: below the score less half a tenth
        budget = math.ceil(last * 10 - 0.5) - 1
        # (tenths spent, postings read) -> floors, keeping only choices no other beats on both
        choices: dict[tuple[int, int], list[int]] = {(0, 0): []}
        for word in words:
            found = levels[word]
            # not read, or read down to each weight counted, with the lowest
            # floor that reads the same postings (a tenth above the next
            # weight counted; the last reads the word whole: a word whose
            # counted postings were cut off at the cap then costs more than it)
            options = [(found[0][0] + 1 if found else POSTED_FROM, 0)]
            read = 0
            for i, (_weight, n) in enumerate(found):
                read += n
                options.append((found[i + 1][0] + 1 if i + 1 < len(found) else POSTED_FROM, read))
            grown: dict[tuple[int, int], list[int]] = {}
            for (spent, cost), floors in choices.items():
                for floor, n in options:
                    key = (spent + floor - 1, cost + n)
                    if key[0] <= budget and key[1] <= cap:
                        grown.setdefault(key, floors + [floor])
            choices, cheapest = {}, None
            for key in sorted(grown):
                if cheapest is None or key[1] < cheapest:
                    choices[key], cheapest = grown[key], key[1]
        if not choices:
            return None
        return choices[min(choices, key=lambda key: key[1])]

    def _fence_limit(self, depth: int, in_index: bool = False) -> int:
        """How many matches are few enough to be read and sorted rather than
        met along a sort key's index, for a page ending at ``depth``: a walk
        meets a match every (entries / matches) entries, so reads about
        ``depth * entries / matches`` of them if the matches are spread
        evenly; reading the matches costs about as much per match when there
        are ``sqrt(depth * entries)`` of them. Three times that, as matches
        are seldom spread evenly over a sort key (an organisation's datasets
        were mostly modified in the same years). A walk that reads the
        index alone (``in_index``) costs about a 25th as much per entry as
        reading a match, which divides that number by 5."""
        limit = FENCE_FACTOR * math.sqrt(max(depth, 1) * max(self._entries(), 1))
        return int(limit / INDEX_WALK_GAIN if in_index else limit)

    def _entries(self) -> int:
        """The planner's estimate of the index's entries (``pg_class``), read
        again after :data:`ENTRIES_TTL` seconds (it changes when the table is
        analysed)."""
        key = str(self.session.get_bind().url)
        at, entries = _entries_read.get(key, (-ENTRIES_TTL, 0))
        if time.monotonic() - at >= ENTRIES_TTL:
            entries = int(
                self._execute(
                    "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = to_regclass(:t)", {"t": TABLE}
                ).scalar()
                or 0
            )
            _entries_read[key] = (time.monotonic(), entries)
        return entries

    def _by_class(self, where: str) -> bool:
        """Whether ``where`` admits whole visibility classes (it reads no
        column but theirs), and their kept counts are there to read."""
        if not config.kept_counts() or not _reads_only(where, CLASS_COLUMNS):
            return False
        return self._exists(FACET_COUNTS)  # absent before migration 0009 (and after its downgrade)

    def _exists(self, table: str) -> bool:
        """Whether ``table`` is there (one of the plugin's migrations made it)."""
        return self._execute("SELECT to_regclass(:t) IS NOT NULL", {"t": table}).scalar()

    def fold_counts(self) -> None:
        """Fold the kept counts' rows into one per class and value, in a
        transaction of its own (the sums stay the same)."""
        try:
            self._autocommit([(_FOLD, {})])
        except pysolr.SolrError:
            pass  # logged; folded by a later search

    def fold_bits(self, words: list[str] | None = None) -> None:
        """Fold the bitmaps of ``words`` (every word's: None) into one row per
        class, word and block, in a transaction of its own (the bitmaps stay
        the same)."""
        try:
            if words is None:
                self._autocommit([(_fold_bits("TRUE"), {})])
            else:
                self._autocommit([(_fold_bits("d.word = ANY(:_bw)"), {"_bw": words})])
        except pysolr.SolrError:
            pass  # logged; folded by a later search

    def compact_counts(self) -> None:
        """Fold the kept counts after a large change (a rebuild), leaving the
        table the size of its rows: a fold writes its rows after the ones it
        deleted, so a vacuum cannot give the deleted ones' pages back and
        every count reads them. Fold, vacuum (the pages become free), fold
        again (its rows go into the first free pages) and vacuum (the empty
        end of the table is given back). Each step in a statement of its own;
        searches read the same sums throughout. The words' bitmaps (migration
        0016) the same way, and analysed: a rebuild's flips are most of the rows."""
        folds = [(_FOLD, FACET_COUNTS)]
        try:
            if self._exists(WORD_BITS):
                folds.append((_fold_bits("TRUE"), WORD_BITS))
            for _ in range(2):
                for fold, table in folds:
                    self._autocommit([(fold, {})])
                    with self.session.get_bind().connect() as conn:
                        conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                            sa.text(f"VACUUM {'(ANALYZE) ' if table == WORD_BITS else ''}{table}")
                        )
        except (pysolr.SolrError, DBAPIError) as e:
            log.warning("search backend: compacting the kept counts failed (%s); folded by a later search", e)

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
        self, fields: list[str], where: str, params: dict[str, Any], kw: dict[str, Any], by_class: bool = False
    ) -> tuple[dict[str, list[Any]], int | None]:
        """The facet counts of ``fields`` and, when counting them counted the
        matching entries too, their number (else None)."""
        result: dict[str, list[Any]] = {}
        hits = None
        by_terms, by_doc = [], []
        for name in fields:
            f = self.schema.field(name)
            if f.kind == ss.TEXT:
                raise QuerySyntaxError(f"cannot facet on the analysed text field {name!r}")
            (by_terms if f.kind in (ss.STRING, ss.BOOLEAN) else by_doc).append(name)
        counts: dict[str, dict[str, int]] = {name: {} for name in fields}
        if by_terms:
            term_counts, hits = self._term_counts(by_terms, where, params, by_class)
            counts.update(term_counts)
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
        return result, hits

    def _term_counts(
        self, names: list[str], where: str, params: dict[str, Any], by_class: bool = False
    ) -> tuple[dict[str, dict[str, int]], int | None]:
        """Counts per value of the string fields ``names`` and, when the
        entries were counted on the way (hash NULL: one per entry), their number."""
        counts: dict[str, dict[str, int]] = {name: {} for name in names}
        hits = None
        fast = [n for n in names if n not in NOT_FACETED]
        slow = [n for n in names if n in NOT_FACETED]
        if fast:
            # only the requested fields' values are grouped: a hash carries its field's code
            codes = "ARRAY[" + ", ".join(facet_field_code(f":_ff{i}") for i in range(len(fast))) + "]"
            if by_class:
                counted = (
                    f"SELECT d.hash AS h, CAST(sum(d.n) AS bigint) AS n, count(*) AS r FROM {FACET_COUNTS} d "
                    f"WHERE (d.hash >> 48) = ANY({codes}) AND {where} GROUP BY d.hash"
                )
            else:
                # the matching entries are counted in the same pass (hash NULL)
                counted = (
                    f"SELECT h, count(*) AS n FROM {TABLE} d "
                    f"CROSS JOIN LATERAL unnest(d.fids || ARRAY[NULL::bigint]) AS h "
                    f"WHERE {where} AND (h IS NULL OR (h >> 48) = ANY({codes})) GROUP BY h"
                )
            rows = self._execute(
                f"WITH c AS ({counted}) "
                f"SELECT v.field, v.value, c.n, c.h{', c.r' if by_class else ''} FROM c LEFT JOIN {FACET_VALUES} v ON v.hash = c.h "
                f"WHERE v.hash IS NULL OR v.field = ANY(:_ff)",
                {**params, "_ff": fast, **{f"_ff{i}": f for i, f in enumerate(fast)}},
            ).fetchall()
            if not by_class:
                hits = next((r[2] for r in rows if r[3] is None), 0)
                rows = [r for r in rows if r[3] is not None]
            if by_class:
                # values whose rows sum to nothing are counted no more; many
                # rows per value are writes since the last fold
                if sum(r[4] for r in rows) > len(rows) + FOLD_AFTER:
                    self.fold_counts()
                rows = [r[:4] for r in rows if r[2] > 0]
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
        return counts, hits

    def _name_facet_values(self, hashes: list[int], where: str, params: dict[str, Any]) -> dict[int, tuple[str, str]]:
        """Name facet values new to the index (written since their names were
        last stored) from the terms of the matching entries, and store the
        names for the next search: {hash: (field, value)}."""
        terms = [
            r[0]
            for r in self._execute(
                f"SELECT DISTINCT t FROM {TABLE} d CROSS JOIN LATERAL unnest(d.terms) AS t "
                f"WHERE {where} AND {facet_hash('t')} = ANY(CAST(:_h AS bigint[]))",
                {**params, "_h": hashes},
            )
        ]
        return self._store_names(terms)

    def _store_names(self, terms: list[str]) -> dict[int, tuple[str, str]]:
        """Store the names of the facet values ``terms`` (``field\x1fvalue``)
        for the next searches: {hash: (field, value)}."""
        if terms:
            try:
                self._autocommit([self._facet_value_statement(sorted(terms))])
            except pysolr.SolrError:
                pass  # named again by the next search
        named = {}
        for t, h in self._execute(f"SELECT t, {facet_hash('t')} FROM unnest(CAST(:ts AS text[])) t", {"ts": terms}):
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


def _among(cte: str) -> str:
    """The condition that a posting ``p`` is of an entry of ``cte``, as a
    hashed condition, not a join: the postings are then read in their
    index's order and the statement stops when it has what it needs."""
    return f"(p.index_id IN (SELECT {cte}.index_id FROM {cte})) IS TRUE"


def _word_terms(tsquery: str) -> list[frozenset[str]] | None:
    """The text query ``tsquery`` (as PostgreSQL writes one) as or-ed terms
    of words and-ed, when it is made of plain lexemes, ``&``, ``|`` and
    parentheses; else None."""
    tokens: list[tuple[str, str]] = []
    at = 0
    text = tsquery.rstrip()
    while at < len(text):
        m = _TSQUERY_TOKEN.match(text, at)
        if not m:
            return None
        tokens.append((m.group(1), "") if m.group(1) is not None else ("", m.group(2)))
        at = m.end()
    pos = 0

    def either() -> list[frozenset[str]] | None:
        nonlocal pos
        out = both()
        while out is not None and pos < len(tokens) and tokens[pos][1] == "|":
            pos += 1
            more = both()
            out = None if more is None else list(dict.fromkeys(out + more))
        return out

    def both() -> list[frozenset[str]] | None:
        nonlocal pos
        out = one()
        while out is not None and pos < len(tokens) and tokens[pos][1] == "&":
            pos += 1
            more = one()
            out = None if more is None else list(dict.fromkeys(a | b for a in out for b in more))
            if out is not None and len(out) > MAX_BIT_TERMS:
                return None
        return out

    def one() -> list[frozenset[str]] | None:
        nonlocal pos
        if pos >= len(tokens):
            return None
        word, op = tokens[pos]
        pos += 1
        if word:
            return [frozenset((word,))]
        if op != "(":
            return None
        out = either()
        if out is None or pos >= len(tokens) or tokens[pos][1] != ")":
            return None
        pos += 1
        return out

    terms = either()
    return terms if terms is not None and pos == len(tokens) else None


def _field_list(fl: Any) -> set[str]:
    if not fl:
        return {"*"}
    items = fl if isinstance(fl, (list, tuple)) else re.split(r"[,\s]+", str(fl))
    return {i for i in items if i}


def _walk_in_index(where: str, order: str) -> bool:
    """Whether a page ordered by ``order`` is met by walking a sort key's
    index alone: the first key is one of the indexed sort columns in its
    index's direction, and the filters and the other keys read only columns
    those indexes carry (migration 0011). Chooses a plan, not a result."""
    key = _SORT_KEY_RE.match(order)
    return bool(key) and _reads_only(f"{where} {order[key.end() :]}", SORT_INDEX_CARRIES)


def _reads_only(sql: str, columns: frozenset[str]) -> bool:
    """Whether the condition ``sql`` reads no column of the index table but
    ``columns`` (and no other table)."""
    if re.search(r"\b(select|from|imwg_search_\w+)\b", sql, re.IGNORECASE):
        return False
    return set(_COLUMN_RE.findall(sql)) <= columns


def _query_fields(qf: Any) -> list[str]:
    if not qf:
        return ["text"]
    names = [re.sub(r"\^.*$", "", part) for part in str(qf).split() if part]
    return ["text"] if "text" in names else names
