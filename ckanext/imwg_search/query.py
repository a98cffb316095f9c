"""A parser for the Solr query syntax that CKAN and extensions send.

Pure: no database, no CKAN. :func:`parse_lucene` reads the standard (Lucene)
query parser syntax used in ``fq`` and in ``q`` when it holds field syntax;
:func:`parse_dismax` reads what Solr's dismax parser accepts in ``q``;
:func:`parse_local_params` reads ``{!frange l=0 u=1}func(...)`` filters such as
ckanext-spatial's bounding-box filter. Anything outside the supported syntax
raises :class:`QuerySyntaxError` with a message saying what and where.
"""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Union

MUST = "must"
SHOULD = "should"
MUST_NOT = "must_not"

#: Deepest nesting of parentheses (groups, function calls) parsed. Parsing
#: and compiling recurse once per level; this bound keeps them far from
#: Python's recursion limit whatever the caller checked before.
MAX_DEPTH = 100


class QuerySyntaxError(ValueError):
    """The query cannot be parsed, or uses syntax the backend does not support."""


# --- the syntax tree ----------------------------------------------------------


@dataclasses.dataclass
class MatchAll:
    pass


@dataclasses.dataclass
class Term:
    field: str | None
    text: str
    boost: float = 1.0


@dataclasses.dataclass
class Phrase:
    field: str | None
    text: str
    boost: float = 1.0


@dataclasses.dataclass
class Wildcard:
    """A term with ``*`` or ``?``; ``pattern == "*"`` means "field exists"."""

    field: str | None
    pattern: str
    boost: float = 1.0

    @property
    def is_prefix(self) -> bool:
        body = self.pattern[:-1]
        return self.pattern.endswith("*") and "*" not in body and "?" not in body


@dataclasses.dataclass
class Range:
    field: str | None
    low: str | None
    high: str | None
    include_low: bool
    include_high: bool


@dataclasses.dataclass
class Bool:
    clauses: list[tuple[str, Node]]
    #: dismax/edismax minimum-should-match spec (``mm``), applied to the
    #: optional clauses that remain once analysis has dropped empty ones.
    mm: str | None = None


@dataclasses.dataclass
class FuncValue:
    """A Solr function query: a call, a field reference or a number."""

    name: str
    args: list[FuncValue] = dataclasses.field(default_factory=list)
    number: float | None = None
    field: str | None = None


@dataclasses.dataclass
class FuncRange:
    func: FuncValue
    low: float | None
    high: float | None
    include_low: bool
    include_high: bool


Node = Union[MatchAll, Term, Phrase, Wildcard, Range, Bool, FuncRange]


# --- tokens ---------------------------------------------------------------------

_SPECIAL = set(' \t\n\r\u3000+-!():^[]"{}~\\/')


@dataclasses.dataclass
class _Tok:
    kind: str  # AND OR NOT PLUS MINUS LPAREN RPAREN COLON QUOTED TERM RANGE CARAT TILDE
    value: str = ""
    pos: int = 0
    wild: bool = False  # TERM contains unescaped * or ?
    extra: tuple = ()


def _tokenize(s: str) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c.isspace():
            i += 1
            continue
        if s.startswith("&&", i):
            toks.append(_Tok("AND", "&&", i))
            i += 2
            continue
        if s.startswith("||", i):
            toks.append(_Tok("OR", "||", i))
            i += 2
            continue
        single = {"+": "PLUS", "-": "MINUS", "!": "NOT", "(": "LPAREN", ")": "RPAREN", ":": "COLON"}
        if c in single:
            toks.append(_Tok(single[c], c, i))
            i += 1
            continue
        if c == '"':
            j, buf = i + 1, []
            while j < n and s[j] != '"':
                if s[j] == "\\" and j + 1 < n:
                    buf.append(s[j + 1])
                    j += 2
                    continue
                buf.append(s[j])
                j += 1
            if j >= n:
                raise QuerySyntaxError(f"unterminated quoted phrase starting at character {i + 1}")
            toks.append(_Tok("QUOTED", "".join(buf), i))
            i = j + 1
            continue
        if c in "[{":
            i = _range_token(s, i, toks)
            continue
        if c == "^":
            m = re.match(r"\^(\d+(?:\.\d+)?)", s[i:])
            if not m:
                raise QuerySyntaxError(f"a boost '^' must be followed by a number (character {i + 1})")
            toks.append(_Tok("CARAT", m.group(1), i))
            i += m.end()
            continue
        if c == "~":
            m = re.match(r"~(\d+(?:\.\d+)?)?", s[i:])
            assert m
            toks.append(_Tok("TILDE", m.group(1) or "", i))
            i += m.end()
            continue
        if c in "]}":
            raise QuerySyntaxError(f"unexpected '{c}' at character {i + 1}")
        if c == "/":
            raise QuerySyntaxError(f"regular expression queries are not supported (character {i + 1})")
        # a term: until whitespace or a special character; '-' and '+' may
        # appear inside a term but do not start one.
        j, buf, wild = i, [], False
        while j < n:
            ch = s[j]
            if ch == "\\":
                if j + 1 >= n:
                    raise QuerySyntaxError("a query cannot end with a backslash")
                buf.append("\\" + s[j + 1])
                j += 2
                continue
            if ch.isspace() or (ch in _SPECIAL and not (j > i and ch in "+-")):
                break
            if ch in "*?":
                wild = True
            buf.append(ch)
            j += 1
        raw = "".join(buf)
        if raw in ("AND", "OR", "NOT"):
            toks.append(_Tok(raw, raw, i))
        else:
            toks.append(_Tok("TERM", raw, i, wild=wild))
        i = j
    return toks


def _range_token(s: str, i: int, toks: list[_Tok]) -> int:
    include_low = s[i] == "["
    j = i + 1
    parts: list[str | None] = []
    words: list[str] = []
    n = len(s)
    while j < n and s[j] not in "]}":
        if s[j].isspace():
            j += 1
            continue
        if s[j] == '"':
            k = s.find('"', j + 1)
            if k < 0:
                raise QuerySyntaxError(f"unterminated quote in range at character {j + 1}")
            words.append('"' + s[j + 1 : k])
            j = k + 1
            continue
        k = j
        while k < n and not s[k].isspace() and s[k] not in "]}":
            k += 1
        words.append(s[j:k])
        j = k
    if j >= n:
        raise QuerySyntaxError(f"unterminated range starting at character {i + 1}")
    include_high = s[j] == "]"
    if len(words) != 3 or words[1] != "TO":
        raise QuerySyntaxError(f"a range must read [low TO high] (character {i + 1}): {s[i:j + 1]!r}")
    for w in (words[0], words[2]):
        if w == "*":
            parts.append(None)
        elif w.startswith('"'):
            parts.append(w[1:])
        else:
            parts.append(_unescape(w))
    toks.append(_Tok("RANGE", "", i, extra=(parts[0], parts[1], include_low, include_high)))
    return j + 1


def _unescape(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw)


# --- the Lucene (standard) parser -----------------------------------------------


class _Parser:
    def __init__(self, text: str, default_operator: str):
        self.text = text
        self.toks = _tokenize(text)
        self.i = 0
        self.and_default = default_operator.upper() == "AND"
        self.depth = 0

    def peek(self, offset: int = 0) -> _Tok | None:
        j = self.i + offset
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def parse(self) -> Node:
        node = self.query(None)
        if self.peek() is not None:
            tok = self.peek()
            assert tok
            raise QuerySyntaxError(f"unexpected '{tok.value or tok.kind}' at character {tok.pos + 1}")
        return node

    def query(self, field: str | None) -> Node:
        clauses: list[list] = []  # [occur, node]
        while True:
            tok = self.peek()
            if tok is None or tok.kind == "RPAREN":
                break
            conj = None
            if tok.kind in ("AND", "OR"):
                conj = self.take().kind
                tok = self.peek()
                if tok is None or tok.kind == "RPAREN":
                    raise QuerySyntaxError(f"'{conj}' must be followed by a clause")
            mods = None
            if tok.kind in ("PLUS", "MINUS", "NOT"):
                mods = {"PLUS": "REQ", "MINUS": "NOT", "NOT": "NOT"}[self.take().kind]
                if self.peek() is None:
                    raise QuerySyntaxError(f"'{tok.value}' must be followed by a clause")
            node = self.clause(field)
            self._add_clause(clauses, conj, mods, node)
        if len(clauses) == 1 and clauses[0][0] in (MUST, SHOULD):
            return clauses[0][1]
        return Bool([(occ, node) for occ, node in clauses])

    def _add_clause(self, clauses: list[list], conj: str | None, mods: str | None, node: Node):
        # Lucene's QueryParserBase.addClause, to the letter.
        if clauses and conj == "AND" and clauses[-1][0] != MUST_NOT:
            clauses[-1][0] = MUST
        if clauses and self.and_default and conj == "OR" and clauses[-1][0] != MUST_NOT:
            clauses[-1][0] = SHOULD
        prohibited = mods == "NOT"
        if not self.and_default:
            required = mods == "REQ" or (conj == "AND" and not prohibited)
        else:
            required = not prohibited and conj != "OR"
        occur = MUST_NOT if prohibited else (MUST if required else SHOULD)
        clauses.append([occur, node])

    def clause(self, field: str | None) -> Node:
        tok = self.peek()
        assert tok
        if tok.kind == "TERM" and self.peek(1) is not None and self.peek(1).kind == "COLON":  # type: ignore[union-attr]
            name = _unescape(tok.value)
            self.i += 2
            if name == "*":
                nxt = self.peek()
                if nxt and nxt.kind == "TERM" and nxt.value == "*":
                    self.take()
                    return MatchAll()
                raise QuerySyntaxError("'*:' may only be followed by '*'")
            if self.peek() is None:
                raise QuerySyntaxError(f"field '{name}:' has no value")
            field = name
        tok = self.take()
        if tok.kind == "LPAREN":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise QuerySyntaxError(f"parentheses nested deeper than {MAX_DEPTH} levels")
            inner = self.query(field)
            self.depth -= 1
            close = self.peek()
            if close is None or close.kind != "RPAREN":
                raise QuerySyntaxError(f"unbalanced parenthesis at character {tok.pos + 1}")
            self.take()
            self._boost()
            return inner
        if tok.kind == "QUOTED":
            if self.peek() and self.peek().kind == "TILDE":  # type: ignore[union-attr]
                t = self.take()
                if t.value not in ("", "0"):
                    raise QuerySyntaxError("phrase proximity ('\"a b\"~N') is not supported")
            return Phrase(field, tok.value, self._boost())
        if tok.kind == "RANGE":
            low, high, il, ih = tok.extra
            return Range(field, low, high, il, ih)
        if tok.kind == "TERM":
            if self.peek() and self.peek().kind == "TILDE":  # type: ignore[union-attr]
                raise QuerySyntaxError(f"fuzzy queries ('{tok.value}~') are not supported")
            boost = self._boost()
            if tok.value == "*" and field is None:
                return MatchAll()
            if tok.wild:
                return Wildcard(field, _unescape_keep_wild(tok.value), boost)
            return Term(field, _unescape(tok.value), boost)
        raise QuerySyntaxError(f"unexpected '{tok.value or tok.kind}' at character {tok.pos + 1}")

    def _boost(self) -> float:
        tok = self.peek()
        if tok and tok.kind == "CARAT":
            self.take()
            return float(tok.value)
        return 1.0


def _unescape_keep_wild(raw: str) -> str:
    """Unescape a wildcard term, keeping escaped ``*``/``?`` distinguishable."""
    out = []
    i = 0
    while i < len(raw):
        if raw[i] == "\\" and i + 1 < len(raw):
            out.append("\\" + raw[i + 1] if raw[i + 1] in "*?\\" else raw[i + 1])
            i += 2
        else:
            out.append(raw[i])
            i += 1
    return "".join(out)


def parse_lucene(text: str, default_operator: str = "OR") -> Node:
    """Parse the standard Lucene query syntax into a tree."""
    text = text.strip()
    if not text:
        return MatchAll()
    return _Parser(text, default_operator).parse()


# --- dismax -------------------------------------------------------------------------


def min_should_match(spec: str | None, optional: int) -> int:
    """Solr's ``mm`` rule (e.g. ``2<-1 5<80%``) for ``optional`` clauses."""
    if optional == 0:
        return 0
    if not spec:
        return optional
    spec = spec.strip()

    def one(expr: str) -> int:
        expr = expr.strip()
        try:
            if expr.endswith("%"):
                pct = int(expr[:-1])
                calc = int(math.trunc(optional * pct / 100.0))
                return optional + calc if pct < 0 else calc
            val = int(expr)
        except ValueError:
            raise QuerySyntaxError(f"invalid minimum-should-match value: {spec!r}") from None
        return optional + val if val < 0 else val

    if "<" in spec:
        result = optional
        for part in spec.split():
            if "<" not in part:
                raise QuerySyntaxError(f"invalid minimum-should-match value: {spec!r}")
            upper, expr = part.split("<", 1)
            try:
                upper_n = int(upper)
            except ValueError:
                raise QuerySyntaxError(f"invalid minimum-should-match value: {spec!r}") from None
            if optional > upper_n:
                result = one(expr)
            else:
                break
    else:
        result = one(spec)
    return max(0, min(optional, result))


def parse_dismax(text: str, mm: str | None) -> Node:
    """Parse a dismax ``q``: words and quoted phrases, ``+``/``-`` prefixes.

    Every other character is taken literally, as Solr's dismax parser does;
    the words ``AND``, ``OR`` and ``NOT`` carry no meaning there and are
    dropped. Unfielded clauses are matched against the query fields later.
    """
    clauses: list[tuple[str, Node]] = []
    for m in re.finditer(r'([+-]?)(?:"([^"]*)"|(\S+))', text):
        sign, phrase, word = m.groups()
        if word is not None and word in ("AND", "OR", "NOT", "&&", "||"):
            continue
        if phrase is not None:
            node: Node = Phrase(None, phrase)
        else:
            node = Term(None, word)
        occur = {"+": MUST, "-": MUST_NOT}.get(sign, SHOULD)
        clauses.append((occur, node))
    if not clauses:
        return MatchAll()
    return Bool(clauses, mm=mm or "100%")


def apply_min_should(node: Node, mm: str | None) -> Node:
    """Edismax: apply ``mm`` to a top-level query of optional clauses."""
    if isinstance(node, Bool):
        if any(occ == MUST for occ, _ in node.clauses):
            return node
        return Bool(node.clauses, mm=mm or "100%")
    return node


# --- local params and function queries --------------------------------------------------

_LOCAL_RE = re.compile(r"^\{!(?P<params>[^}]*)\}(?P<body>.*)$", re.S)


def parse_local_params(text: str) -> Node:
    """Parse ``{!frange l=.. u=.. incl=.. incu=..}function`` filters."""
    m = _LOCAL_RE.match(text.strip())
    if not m:
        raise QuerySyntaxError(f"malformed local parameters: {text[:80]!r}")
    words = m.group("params").split()
    if not words:
        raise QuerySyntaxError("empty local parameters")
    params: dict[str, str] = {}
    parser = None
    for w in words:
        if "=" in w:
            k, v = w.split("=", 1)
            params[k] = v.strip("'\"")
        elif parser is None:
            parser = w
        else:
            raise QuerySyntaxError(f"unexpected local parameter {w!r}")
    parser = params.pop("type", parser)
    body = params.pop("v", None) or m.group("body")
    if parser != "frange":
        raise QuerySyntaxError(f"the query parser {parser!r} is not supported by this search backend")

    def num(key: str) -> float | None:
        if key not in params:
            return None
        try:
            return float(params[key])
        except ValueError:
            raise QuerySyntaxError(f"frange {key}={params[key]!r} is not a number") from None

    return FuncRange(
        func=parse_function(body),
        low=num("l"),
        high=num("u"),
        include_low=params.get("incl", "true") == "true",
        include_high=params.get("incu", "true") == "true",
    )


#: Supported Solr functions and how many arguments they take (None: any).
FUNCTIONS = {
    "div": 2,
    "sub": 2,
    "mul": None,
    "product": None,
    "add": None,
    "sum": None,
    "max": None,
    "min": None,
    "abs": 1,
    "sqrt": 1,
    "pow": 2,
    "log": 1,
    "ln": 1,
    "exp": 1,
}


def parse_function(text: str) -> FuncValue:
    """Parse a Solr function query such as ``div(mul(2,x),add(1,y))``."""
    src = re.sub(r"\s+", "", text)
    pos = 0
    depth = 0

    def value() -> FuncValue:
        nonlocal pos, depth
        m = re.match(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?", src[pos:])
        if m and (pos + m.end() >= len(src) or src[pos + m.end()] in ",)"):
            pos += m.end()
            return FuncValue("number", number=float(m.group(0)))
        m = re.match(r"[A-Za-z_][\w.\-]*", src[pos:])
        if not m:
            raise QuerySyntaxError(f"malformed function query at character {pos + 1}: {text[:80]!r}")
        name = m.group(0)
        pos += m.end()
        if pos < len(src) and src[pos] == "(":
            depth += 1
            if depth > MAX_DEPTH:
                raise QuerySyntaxError(f"function calls nested deeper than {MAX_DEPTH} levels")
            pos += 1
            args = []
            while True:
                args.append(value())
                if pos < len(src) and src[pos] == ",":
                    pos += 1
                    continue
                if pos < len(src) and src[pos] == ")":
                    pos += 1
                    break
                raise QuerySyntaxError(f"malformed function query: {text[:80]!r}")
            if name not in FUNCTIONS:
                raise QuerySyntaxError(f"the function {name}() is not supported")
            arity = FUNCTIONS[name]
            if arity is not None and len(args) != arity:
                raise QuerySyntaxError(f"{name}() takes {arity} arguments, not {len(args)}")
            depth -= 1
            return FuncValue(name, args=args)
        return FuncValue("field", field=name)

    result = value()
    if pos != len(src):
        raise QuerySyntaxError(f"unexpected text after function query: {src[pos:pos + 40]!r}")
    return result


def parse_any(text: str, default_operator: str = "OR") -> Node:
    """Parse a filter: local params when it starts with ``{!``, else Lucene."""
    if text.strip().startswith("{!"):
        return parse_local_params(text)
    return parse_lucene(text, default_operator)
