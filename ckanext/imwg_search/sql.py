"""Compile a parsed Solr query into a PostgreSQL condition over the index table.

The index table (``imwg_search_package``, alias ``d``) keeps each document as
``doc`` (jsonb, values as Solr stores them), ``terms`` (``field\\x1fvalue`` for
every string and boolean value; GIN-indexed), ``fts`` (the weighted text
vector of everything Solr copies into its catch-all ``text`` field;
GIN-indexed) and ``ftext`` (each analysed text field but ``text``, folded),
so that each query form uses the field type Solr's schema gives it.

Text is analysed by PostgreSQL (``english`` for CKAN's stemmed ``text``
type, ``simple`` for ``text_general``). Compilation runs twice: once to learn
which texts need analysing, then, after one database round trip, with the
analysed queries; a clause whose text analyses to nothing (only stop words or
punctuation) is ignored, as PostgreSQL and Solr's stop filter do.
"""

from __future__ import annotations

import itertools
import json
import math
import re
import struct
from collections.abc import Callable, Iterable
from typing import Any

from . import solr_schema as ss
from .model import FILTER_COLUMNS, LABELS_FIELD, NARROW_COLUMNS, NUMBER_COLUMNS
from .query import (
    MUST,
    MUST_NOT,
    SHOULD,
    Bool,
    FuncRange,
    FuncValue,
    MatchAll,
    Node,
    Phrase,
    QuerySyntaxError,
    Range,
    Term,
    Wildcard,
    min_should_match,
)
from .values import boolean, date_math, fold, number

SEP = "\x1f"
#: The text search configuration of the catch-all ``text`` field.
CATCH_ALL_CONFIG = "english"

#: ``analyze(config, text)`` -> a tsquery's text, "" when nothing is left.
Analyzer = Callable[[str, str], str]

_NUM_RE = r"^\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*$"
#: A clause that is one match of the text index (:meth:`Compiler.text_match`).
_TEXT_MATCH = re.compile(r"d\.fts @@ CAST\(:(p\d+) AS tsquery\)")
#: Most combinations of clauses written out for "at least k of n" text matches.
MAX_COMBINATIONS = 56
#: a relevance expression of :meth:`Compiler.rank_sql` and a lexeme in its query
_RANK = re.compile(r"ts_rank_cd\(d\.fts, CAST\(:(p\d+) AS tsquery\)\)")
_LEXEME = re.compile(r"\('([^'\\\s]+)'\)")


def facet_hash(term: str) -> str:
    """SQL for the 64-bit facet hash of a ``terms`` entry (``field\\x1fvalue``):
    16 bits of the field's hash, then 48 bits of the entry's, so that facet
    counting keeps the requested fields' values (:func:`facet_field_code`)
    before it groups them."""
    return (
        f"((hashtextextended(split_part({term}, chr(31), 1), 0) << 48) | (hashtextextended({term}, 0) & {2**48 - 1}))"
    )


def facet_field_code(field: str) -> str:
    """SQL for the field part of :func:`facet_hash` (``hash >> 48``)."""
    return f"((hashtextextended({field}, 0) << 48) >> 48)"


def term_key(field: str, value: str) -> str:
    """The entry of ``terms`` for a string value of ``field``."""
    return f"{field}{SEP}{value}"


def jsonpath_field(field: str) -> str:
    return '$."' + field.replace("\\", "\\\\").replace('"', '\\"') + '"[*]'


#: conditions the text-and-terms GIN index answers (migration 0015)
_INDEXED = re.compile(r"\(?d\.(fts @@|terms @>|terms &&)")


class Compiler:
    """Turns query trees into SQL conditions with bound parameters."""

    def __init__(self, schema: ss.SolrSchema, analyze: Analyzer):
        self.schema = schema
        self.analyze = analyze
        self.params: dict[str, Any] = {}
        self.rank_queries: list[str] = []
        self.scoring = False
        #: a text match was compiled: permission labels are then matched on
        #: the rows the text index finds (:meth:`_labels`)
        self.text_matched = False
        #: a condition the text-and-terms index answers was compiled outside
        #: any negation (the searcher then rules sequential scans out)
        self.index_matched = False
        self._negated = 0

    # -- parameters ---------------------------------------------------------------

    def bind(self, value: Any) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}"

    # -- entry points -------------------------------------------------------------

    def condition(self, node: Node, default_fields: list[str], scoring: bool = False) -> str:
        """SQL for ``node``; ``default_fields`` serve unfielded clauses."""
        self.scoring = scoring
        try:
            sql = self.node(node, default_fields)
        finally:
            self.scoring = False
        if sql is not None and "d.fts @@" in sql:
            self.text_matched = True
        return "TRUE" if sql is None else sql

    def rank_sql(self) -> str | None:
        """A relevance expression for the scoring clauses seen so far."""
        if not self.rank_queries:
            return None
        combined = " | ".join(f"({q})" for q in dict.fromkeys(self.rank_queries))
        return f"ts_rank_cd(d.fts, CAST({self.bind(combined)} AS tsquery))"

    def rank_words(self, score: str) -> list[str] | None:
        """The words of ``score`` when it is :meth:`rank_sql`'s ranking of
        single words (lexemes, no weights, prefixes or phrases) OR-ed, which
        ``ts_rank_cd`` scores as the sum of each word's weight in the entry;
        else None."""
        m = _RANK.fullmatch(score)
        if not m:
            return None
        items = str(self.params[m.group(1)]).split(" | ")
        words = [w.group(1) for item in items if (w := _LEXEME.fullmatch(item))]
        return list(dict.fromkeys(words)) if len(words) == len(items) else None

    # -- nodes ------------------------------------------------------------------------

    def node(self, n: Node, defaults: list[str]) -> str | None:
        sql = self._node(n, defaults)
        if sql is not None and not self._negated and not isinstance(n, Bool) and _INDEXED.match(sql):
            self.index_matched = True
        return sql

    def _node(self, n: Node, defaults: list[str]) -> str | None:
        if isinstance(n, MatchAll):
            return "TRUE"
        if isinstance(n, Bool):
            return self.boolean(n, defaults)
        if isinstance(n, FuncRange):
            return self.func_range(n)
        field = n.field
        if field is None:
            parts = [self.node(_with_field(n, f), defaults) for f in defaults]
            kept = [p for p in parts if p is not None]
            if not kept:
                return None
            return kept[0] if len(kept) == 1 else "(" + " OR ".join(kept) + ")"
        f = self.schema.field(field)
        if isinstance(n, (Term, Phrase)):
            return self.equals(f, n.text, phrase=isinstance(n, Phrase))
        if isinstance(n, Wildcard):
            return self.wildcard(f, n.pattern)
        if isinstance(n, Range):
            return self.range(f, n)
        raise QuerySyntaxError(f"unsupported query element {n!r}")

    def boolean(self, n: Bool, defaults: list[str]) -> str | None:
        any_of = self._any_of(n)
        if any_of:
            if not self._negated and _INDEXED.match(any_of):
                self.index_matched = True
            return any_of
        must, should, must_not = [], [], []
        for occur, child in n.clauses:
            scoring = self.scoring
            negated = occur == MUST_NOT
            if negated:
                self.scoring = False
                self._negated += 1
            try:
                sql = self.node(child, defaults)
            finally:
                self.scoring = scoring
                self._negated -= negated
            if sql is None:
                continue
            {MUST: must, SHOULD: should, MUST_NOT: must_not}[occur].append(sql)
        if not (must or should or must_not):
            return None
        parts = list(must)
        if should:
            need = min_should_match(n.mm, len(should)) if n.mm else (0 if must else 1)
            if need >= len(should):
                parts.extend(should)
            elif need == 1:
                parts.append("(" + " OR ".join(should) + ")")
            elif need > 1:
                parts.append(self._some_of(should, need))
        # a clause on a column an entry has no value in is NULL, not false
        parts.extend(f"({s}) IS NOT TRUE" for s in must_not)
        if len(parts) == 1:
            return parts[0]
        return "(" + " AND ".join(parts) + ")"

    def _some_of(self, should: list[str], need: int) -> str:
        """At least ``need`` of the clauses ``should``. When each is a match
        of the text index (dismax's words under ``mm``), as one text query
        that the index answers: the matches of any ``need`` of them
        (``(a & b) | (a & c) | (b & c)``), which holds exactly when ``need``
        of them do. Otherwise a count of the clauses that hold, which no
        index answers, after any one of them, which one can."""
        names = [m.group(1) if (m := _TEXT_MATCH.fullmatch(s)) else None for s in should]
        if None not in names and math.comb(len(names), need) <= MAX_COMBINATIONS:
            queries = [f"({self.params[name]})" for name in names]
            combined = " | ".join("(" + " & ".join(c) + ")" for c in itertools.combinations(queries, need))
            return f"d.fts @@ CAST({self.bind(combined)} AS tsquery)"
        counted = " + ".join(f"CASE WHEN {s} THEN 1 ELSE 0 END" for s in should)
        return f"(({' OR '.join(should)}) AND ({counted}) >= {int(need)})"

    def _any_of(self, n: Bool) -> str | None:
        """``field:(a OR b ...)`` on one string field as one array overlap
        (CKAN's permission-label filter has this form)."""
        if n.mm or len(n.clauses) < 2 or any(occ != SHOULD for occ, _ in n.clauses):
            return None
        nodes = [c for _, c in n.clauses]
        if not all(isinstance(c, (Term, Phrase)) and c.field for c in nodes):
            return None
        field = nodes[0].field
        f = self.schema.field(field)
        if any(c.field != field for c in nodes) or f.kind != ss.STRING or field in FILTER_COLUMNS:
            return None
        values = [c.text for c in nodes]  # type: ignore[union-attr]
        if field == LABELS_FIELD:
            return self._labels(f"d.labels && CAST({self.bind(values)} AS text[])")
        return f"d.terms && CAST({self.bind([term_key(field, v) for v in values])} AS text[])"

    def _labels(self, sql: str) -> str:
        """A permission-label condition; after a text match, in a form the
        labels' index does not answer. The planner costs a text match as
        cheap on any row, so it would read the rows of an everyday label
        ("public": nearly every entry) through the labels' index and match
        the text on each, reading every entry's text vector from TOAST (0.8 s
        for "data" at 200,000 entries against 0.2 s through the text index).
        The labels column is NOT NULL and the bound arrays are not NULL, so
        the condition is never NULL: ``IS TRUE`` keeps its truth everywhere,
        negated too."""
        return f"({sql}) IS TRUE" if self.text_matched else sql

    # -- per field kind ----------------------------------------------------------------

    def equals(self, f: ss.Field, text: str, phrase: bool) -> str | None:
        if f.kind == ss.TEXT:
            return self.text_match(f, text)
        if f.name == LABELS_FIELD:
            return self._labels(f"d.labels @> ARRAY[{self.bind(text)}]::text[]")
        if f.kind == ss.STRING and f.name in FILTER_COLUMNS:
            column = FILTER_COLUMNS[f.name]
            # the sort columns' indexes are in the "C" collation; equality is
            # the same in every deterministic collation, and so uses them
            collate = ' COLLATE "C"' if column.startswith("sort_") else ""
            return f"d.{column}{collate} = {self.bind(text)}"
        if f.kind in (ss.STRING, ss.BOOLEAN):
            value = boolean(text) if f.kind == ss.BOOLEAN else text
            return f"d.terms @> ARRAY[{self.bind(term_key(f.name, value))}]::text[]"
        if f.kind == ss.NUMBER:
            value = self._number(f, text)
            return self.path(f, "@ == $v", v=value)
        return self.path(f, "@ == $v", v=date_math(text))

    def wildcard(self, f: ss.Field, pattern: str) -> str:
        if pattern == "*":
            return f"jsonb_exists(d.doc, {self.bind(f.name)})"
        if f.kind == ss.TEXT:
            body = pattern[:-1]
            if not pattern.endswith("*") or "*" in body or "?" in body or not body:
                raise QuerySyntaxError(f"only prefix wildcards (abc*) are supported on the text field {f.name!r}")
            word = fold(body.replace("\\", ""))
            if not word.strip() or any(c.isspace() for c in word):
                raise QuerySyntaxError(f"invalid prefix query {pattern!r}")
            tsq = "'" + word.replace("'", "''") + "':*"
            self._rank(tsq)
            cond = f"d.fts @@ CAST({self.bind(tsq)} AS tsquery)"
            if f.name != "text":
                cond += f" AND {self._field_vector(f)} @@ CAST({self.bind(tsq)} AS tsquery)"
            return cond
        if f.kind != ss.STRING:
            raise QuerySyntaxError(f"wildcards are not supported on the {f.kind} field {f.name!r}")
        like = _like_pattern(pattern)
        return (
            "EXISTS (SELECT 1 FROM unnest(d.terms) t WHERE t LIKE " f"{self.bind(_like_escape(f.name + SEP) + like)})"
        )

    def range(self, f: ss.Field, n: Range) -> str:
        if f.kind == ss.TEXT:
            raise QuerySyntaxError(f"range queries are not supported on the text field {f.name!r}")
        conv: Callable[[str], Any]
        if f.kind == ss.NUMBER:
            conv = lambda v: self._number(f, v)  # noqa: E731
        elif f.kind == ss.DATE:
            conv = date_math
        elif f.kind == ss.BOOLEAN:
            conv = boolean
        else:
            conv = str
        conds, values = [], {}
        if n.low is not None:
            values["lo"] = conv(n.low)
            conds.append("@ >= $lo" if n.include_low else "@ > $lo")
        if n.high is not None:
            values["hi"] = conv(n.high)
            conds.append("@ <= $hi" if n.include_high else "@ < $hi")
        if not conds:
            return f"jsonb_exists(d.doc, {self.bind(f.name)})"
        if f.name in NARROW_COLUMNS and f.kind in (ss.STRING, ss.DATE):
            column = f'd.{NARROW_COLUMNS[f.name]} COLLATE "C"'
            sql_ops = {"@ >= $lo": ">=", "@ > $lo": ">", "@ <= $hi": "<=", "@ < $hi": "<"}
            return (
                "("
                + " AND ".join(f"{column} {sql_ops[c]} {self.bind(values['lo' if 'lo' in c else 'hi'])}" for c in conds)
                + ")"
            )
        return self.path(f, " && ".join(conds), **values)

    def path(self, f: ss.Field, predicate: str, **variables: Any) -> str:
        path = f"{jsonpath_field(f.name)} ? ({predicate})"
        return (
            f"jsonb_path_exists(d.doc, CAST({self.bind(path)} AS jsonpath), "
            f"CAST({self.bind(json.dumps(variables))} AS jsonb))"
        )

    def text_match(self, f: ss.Field, text: str) -> str | None:
        folded = fold(text)
        if f.type_name == "text_ngram":
            # n-gram fields (name_ngram, title_ngram) match any substring
            if not folded.strip():
                return None
            return f"strpos(coalesce(d.ftext->>{self.bind(f.name)}, ''), {self.bind(folded.strip())}) > 0"
        fts_q = self.analyze(CATCH_ALL_CONFIG, folded)
        if f.name == "text":
            if not fts_q:
                return None
            self._rank(fts_q)
            return f"d.fts @@ CAST({self.bind(fts_q)} AS tsquery)"
        field_q = self.analyze(f.ts_config, folded)
        if not field_q:
            return None
        cond = f"{self._field_vector(f)} @@ CAST({self.bind(field_q)} AS tsquery)"
        if fts_q and self.schema.copied_into("text", f.name):
            # everything copied into "text" is in d.fts: the GIN index narrows first
            cond = f"d.fts @@ CAST({self.bind(fts_q)} AS tsquery) AND {cond}"
        self._rank(fts_q or field_q)
        return "(" + cond + ")"

    def _field_vector(self, f: ss.Field) -> str:
        return f"to_tsvector('{f.ts_config}', coalesce(d.ftext->>{self.bind(f.name)}, ''))"

    def _rank(self, tsq: str) -> None:
        if self.scoring and tsq:
            self.rank_queries.append(tsq)

    def _number(self, f: ss.Field, text: str) -> float | int:
        try:
            return number(text)
        except (TypeError, ValueError):
            raise QuerySyntaxError(f"{text!r} is not a number (field {f.name!r})") from None

    # -- function queries ---------------------------------------------------------------

    def func_range(self, n: FuncRange) -> str:
        value = self.func(n.func)
        conds = []
        if n.low is not None:
            conds.append(f"{value} {'>=' if n.include_low else '>'} {float(n.low)!r}")
        if n.high is not None:
            conds.append(f"{value} {'<=' if n.include_high else '<'} {float(n.high)!r}")
        if not conds:
            return f"({value}) IS NOT NULL"
        box = overlap_box(n) if BOX_PREFILTER else None
        if box is not None:
            # what the range admits lies in the box: the GiST index on the
            # entries' boxes finds the candidates, the range decides
            # clamped as the entries' corners are: clamping keeps an overlap
            west, south, east, north = (f"CAST({min(max(v, -BOX_LIMIT), BOX_LIMIT)!r} AS float8)" for v in box)
            conds.insert(0, f"{BOX_SQL} && box(point({west}, {south}), point({east}, {north}))")
        return "(" + " AND ".join(conds) + ")"

    def func(self, fv: FuncValue) -> str:
        if fv.name == "number":
            return f"CAST({float(fv.number)!r} AS float8)"  # type: ignore[arg-type]
        if fv.name == "field" and fv.field in NUMBER_COLUMNS:
            # kept inline as float8 (NULL where the document has no number)
            return f"COALESCE(d.{NUMBER_COLUMNS[fv.field]}, 0)"
        if fv.name == "field":
            v = f"(d.doc->{self.bind(fv.field)})"
            # Solr gives a missing or non-numeric field the value 0
            return (
                f"(CASE WHEN jsonb_typeof({v}) = 'number' THEN CAST({v} AS float8) "
                f"WHEN jsonb_typeof({v}) = 'string' AND ({v} #>> '{{}}') ~ '{_NUM_RE}' "
                f"THEN CAST({v} #>> '{{}}' AS float8) ELSE 0 END)"
            )
        args = [self.func(a) for a in fv.args]
        name = fv.name
        if name == "div":
            return f"({args[0]} / NULLIF({args[1]}, 0))"
        if name == "sub":
            return f"({args[0]} - {args[1]})"
        if name in ("mul", "product"):
            return "(" + " * ".join(args) + ")"
        if name in ("add", "sum"):
            return "(" + " + ".join(args) + ")"
        if name == "max":
            return "GREATEST(" + ", ".join(args) + ")"
        if name == "min":
            return "LEAST(" + ", ".join(args) + ")"
        if name == "abs":
            return f"abs({args[0]})"
        if name == "sqrt":
            return f"(CASE WHEN {args[0]} >= 0 THEN sqrt({args[0]}) END)"
        if name in ("log", "ln"):
            fn = "log" if name == "log" else "ln"
            return f"(CASE WHEN {args[0]} > 0 THEN {fn}({args[0]}) END)"
        if name == "exp":
            return f"exp(LEAST({args[0]}, 700))"
        if name == "pow":
            return f"(CASE WHEN {args[0]} >= 0 THEN power({args[0]}, {args[1]}) END)"
        raise QuerySyntaxError(f"the function {name}() is not supported")

    # -- sorting --------------------------------------------------------------------------

    def order_by(self, sort: str, score_sql: str) -> str:
        """``ORDER BY`` items for a Solr ``sort`` parameter."""
        items = []
        for part in [p.strip() for p in sort.split(",") if p.strip()]:
            words = part.split()
            if len(words) != 2 or words[1].lower() not in ("asc", "desc"):
                raise QuerySyntaxError(f"Can't determine a Sort Order (asc or desc) in sort spec {part!r}")
            name, direction = words[0], words[1].upper()
            if name == "score":
                items.append(f"{score_sql} {direction}")
                continue
            f = self.schema.field(name)
            if f.kind == ss.TEXT:
                raise QuerySyntaxError(f"Can't determine a Sort Order: {name!r} is an analysed text field")
            if f.multi_valued:
                raise QuerySyntaxError(f"Can't determine a Sort Order: {name!r} is multi-valued")
            if name in NARROW_COLUMNS:
                items.append(f'd.{NARROW_COLUMNS[name]} COLLATE "C" {direction} NULLS LAST')
                continue
            expr = f"(d.doc->>{self.bind(name)})"
            if f.kind == ss.NUMBER:
                expr = f"CAST({expr} AS numeric)"
            else:
                expr = f'{expr} COLLATE "C"'
            items.append(f"{expr} {direction} NULLS LAST")
        items.append("d.index_id")
        return ", ".join(items)


#: Whether a bounding-box range is narrowed by :data:`BOX_SQL` first (off:
#: the range alone decides, as before migration 0010; the tests compare both).
BOX_PREFILTER = True
#: Corners beyond this magnitude are indexed at it: the GiST index computes
#: areas of boxes, which PostgreSQL refuses to let overflow a float8.
BOX_LIMIT = 1e100


#: the columns of an entry's corners (west, south, east, north)
CORNER_COLUMNS = ("num_minx", "num_miny", "num_maxx", "num_maxy")
#: The facet field under which every entry carries its box (without corners:
#: (0, 0, 0, 0), as a function reads it), so that the kept counts count
#: entries per box (migration 0013). No document has it: a facet on it
#: counts nothing, as on Solr.
BOX_FIELD = "imwg:bbox"


def _corner(column: str) -> str:
    return f"LEAST(GREATEST(COALESCE(d.{column}, 0), CAST({-BOX_LIMIT!r} AS float8)), CAST({BOX_LIMIT!r} AS float8))"


#: An entry's box as a function query reads its corners (a missing corner
#: is 0), clamped to :data:`BOX_LIMIT`: the expression of the GiST index of
#: migration 0010.
BOX_SQL = "box(point({}, {}), point({}, {}))".format(*map(_corner, CORNER_COLUMNS))


def box_term(corners: Iterable[float | None]) -> str:
    """The facet term of an entry's box: the field, then the four corners'
    IEEE bytes in hex, as a function query reads them (a missing corner and
    a negative zero are 0). ``imwg_search_box_term`` (migration 0013) gives
    the same in SQL."""
    return term_key(BOX_FIELD, struct.pack(">4d", *(0.0 if v is None else v + 0.0 for v in corners)).hex())


def box_corners(value: str) -> tuple[float, float, float, float]:
    """The corners of a box's facet value (:func:`box_term` after the field)."""
    return struct.unpack(">4d", bytes.fromhex(value))


_CORNERS = {"x": ("minx", "maxx"), "y": ("miny", "maxy")}


def overlap_box(n: FuncRange) -> tuple[float, float, float, float] | None:
    """``(west, south, east, north)`` of a box every entry a range admits
    overlaps, when the range is ckanext-spatial's bounding-box filter
    (``{!frange incl=false l=0 ...}div(mul(mul(max(0, sub(min(E, maxx),
    max(W, minx))), max(0, sub(min(N, maxy), max(S, miny)))), 2), ...)``);
    None for any other range.

    The numerator is a product of non-negative factors, so the quotient is
    above 0 only where each factor is, i.e. where ``min(E, maxx) > max(W,
    minx)``: ``maxx > W`` and ``minx < E`` (and the same in y). An entry's
    box (:data:`BOX_SQL`) then overlaps ``(W, S, E, N)``, whatever the
    denominator, the upper bound and the float rounding of the quotient (and
    whatever the clamping of both boxes to :data:`BOX_LIMIT`, which keeps
    ``a > b`` as ``clamp(a) >= clamp(b)``)."""
    if n.low is None or n.low < 0 or (n.low == 0 and n.include_low) or n.func.name != "div":
        return None
    factors: list[FuncValue] = []

    def product(fv: FuncValue) -> bool:
        if fv.name in ("mul", "product"):
            return all(product(a) for a in fv.args)
        factors.append(fv)
        return True

    product(n.func.args[0])
    bounds: dict[str, tuple[float, float]] = {}
    for fv in factors:
        if fv.name == "number" and fv.number is not None and fv.number > 0:
            continue
        side = _overlap_factor(fv)
        if side is None or side[0] in bounds:
            return None
        bounds[side[0]] = side[1:]
    if set(bounds) != {"x", "y"}:
        return None
    (west, east), (south, north) = bounds["x"], bounds["y"]
    return west, south, east, north


def _overlap_factor(fv: FuncValue) -> tuple[str, float, float] | None:
    """``(axis, low, high)`` for ``max(0, sub(min(high, max<axis>), max(low, min<axis>)))``."""
    if fv.name != "max" or len(fv.args) != 2:
        return None
    zero, diff = fv.args if fv.args[0].name == "number" else fv.args[::-1]
    if zero.name != "number" or zero.number != 0 or diff.name != "sub":
        return None
    upper, lower = diff.args
    for axis, (low_field, high_field) in _CORNERS.items():
        high = _bound(upper, "min", high_field)
        low = _bound(lower, "max", low_field)
        if high is not None and low is not None:
            return axis, low, high
    return None


def _bound(fv: FuncValue, name: str, field: str) -> float | None:
    """The number of ``name(number, field)`` (either order), else None."""
    if fv.name != name or len(fv.args) != 2:
        return None
    kinds = {a.name: a for a in fv.args}
    number, ref = kinds.get("number"), kinds.get("field")
    if number is None or ref is None or ref.field != field or number.number is None:
        return None
    return number.number


def _with_field(n: Node, field: str) -> Node:
    import dataclasses

    return dataclasses.replace(n, field=field)  # type: ignore[arg-type]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_pattern(pattern: str) -> str:
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(_like_escape(pattern[i + 1]))
            i += 2
            continue
        out.append({"*": "%", "?": "_"}.get(c) or _like_escape(c))
        i += 1
    return "".join(out)
