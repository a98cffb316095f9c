"""The Solr query parser, without a database."""

from __future__ import annotations

import datetime as dt

import pytest

from ckanext.imwg_search import query as q
from ckanext.imwg_search.values import date_math, fold


def clauses(node):
    return [(occ, type(n).__name__, getattr(n, "field", None), getattr(n, "text", None)) for occ, n in node.clauses]


def test_field_term():
    """field:value is a term on that field."""
    assert q.parse_lucene("tags:water") == q.Term("tags", "water")


def test_quoted_phrase_and_escapes():
    """Quoted phrases keep spaces; backslash escapes special characters."""
    assert q.parse_lucene('title:"mine action"') == q.Phrase("title", "mine action")
    assert q.parse_lucene(r"id:abc\:def") == q.Term("id", "abc:def")


def test_default_operator_and():
    """With q.op=AND, bare clauses are all required."""
    node = q.parse_lucene("tags:a tags:b", "AND")
    assert [c[0] for c in node.clauses] == [q.MUST, q.MUST]


def test_default_operator_or():
    """With q.op=OR, bare clauses are optional."""
    node = q.parse_lucene("tags:a tags:b", "OR")
    assert [c[0] for c in node.clauses] == [q.SHOULD, q.SHOULD]


def test_or_makes_neighbours_optional_under_and():
    """'a OR b' under q.op=AND leaves both optional, as Lucene does."""
    node = q.parse_lucene("tags:a OR tags:b", "AND")
    assert [c[0] for c in node.clauses] == [q.SHOULD, q.SHOULD]


def test_prefixes_and_not():
    """+ requires, - and NOT prohibit."""
    node = q.parse_lucene("+state:active -private:true NOT tags:x", "OR")
    assert [c[0] for c in node.clauses] == [q.MUST, q.MUST_NOT, q.MUST_NOT]


def test_grouping_applies_field():
    """field:(a OR b) applies the field to each clause inside."""
    node = q.parse_lucene("tags:(water OR sanitation)")
    assert clauses(node) == [(q.SHOULD, "Term", "tags", "water"), (q.SHOULD, "Term", "tags", "sanitation")]


def test_ranges_inclusive_exclusive_and_open():
    """[a TO b], {a TO b} and * bounds."""
    assert q.parse_lucene("num_resources:[1 TO *]") == q.Range("num_resources", "1", None, True, True)
    assert q.parse_lucene("metadata_modified:{NOW-1DAY TO NOW]") == q.Range(
        "metadata_modified", "NOW-1DAY", "NOW", False, True
    )


def test_prefix_wildcard_and_exists():
    """abc* is a prefix query; field:* means the field exists; *:* matches all."""
    node = q.parse_lucene("name:wat*")
    assert isinstance(node, q.Wildcard)
    assert node.is_prefix
    assert q.parse_lucene("notes:*") == q.Wildcard("notes", "*")
    assert q.parse_lucene("*:*") == q.MatchAll()


@pytest.mark.parametrize(
    "text, message",
    [
        ("tags:(a OR b", "unbalanced parenthesis"),
        ('title:"open', "unterminated quoted phrase"),
        ("num:[1 TO", "unterminated range"),
        ("num:[1 2]", "a range must read"),
        ("tags:water~2", "fuzzy"),
        ('title:"a b"~3', "proximity"),
        ("title:/reg.x/", "regular expression"),
        ("tags:", "has no value"),
        ("a AND", "must be followed"),
        ("a)", "unexpected"),
    ],
)
def test_syntax_errors_are_clear(text, message):
    """Unsupported or broken syntax raises an error saying what is wrong."""
    with pytest.raises(q.QuerySyntaxError, match=message):
        q.parse_lucene(text)


def test_min_should_match_ckan_default():
    """CKAN's mm '2<-1 5<80%': all of 1-2, all but one of 3-5, 80% above."""
    spec = "2<-1 5<80%"
    assert [q.min_should_match(spec, n) for n in range(1, 9)] == [1, 2, 2, 3, 4, 4, 5, 6]


def test_dismax_words_phrases_and_signs():
    """Dismax reads words, quoted phrases and +/- prefixes; AND/OR are dropped."""
    node = q.parse_dismax('water "mine action" -flood AND +health', "2<-1 5<80%")
    assert clauses(node) == [
        (q.SHOULD, "Term", None, "water"),
        (q.SHOULD, "Phrase", None, "mine action"),
        (q.MUST_NOT, "Term", None, "flood"),
        (q.MUST, "Term", None, "health"),
    ]
    assert node.mm == "2<-1 5<80%"


def test_frange_with_function():
    """ckanext-spatial's {!frange} filter parses into a function range."""
    node = q.parse_any("{!frange incl=false l=0 u=1}div(mul(max(0,sub(min(10,maxx),max(0,minx))),2),add(1,2))")
    assert isinstance(node, q.FuncRange)
    assert (node.low, node.high, node.include_low, node.include_high) == (0.0, 1.0, False, True)
    assert node.func.name == "div"
    assert node.func.args[0].name == "mul"


def test_unknown_local_parser_is_refused():
    """Local parameters other than frange are refused."""
    with pytest.raises(q.QuerySyntaxError, match="not supported"):
        q.parse_any("{!geofilt sfield=x}")


def test_unknown_function_is_refused():
    """Functions outside the supported set are refused by name."""
    with pytest.raises(q.QuerySyntaxError, match="geodist"):
        q.parse_function("geodist(1,2)")


def test_date_math():
    """NOW-1DAY, rounding and explicit dates evaluate like Solr's date math."""
    now = dt.datetime(2024, 3, 15, 10, 30, 0)
    assert date_math("NOW-1DAY", now) == "2024-03-14T10:30:00.000Z"
    assert date_math("NOW/DAY", now) == "2024-03-15T00:00:00.000Z"
    assert date_math("NOW/MONTH+1MONTH", now) == "2024-04-01T00:00:00.000Z"
    assert date_math("2020-01-31T00:00:00Z+1MONTH") == "2020-02-29T00:00:00.000Z"
    with pytest.raises(q.QuerySyntaxError):
        date_math("yesterday")


def test_fold_strips_accents_keeps_scripts():
    """Folding removes accents and case but keeps non-Latin scripts."""
    assert fold("Kächin ÉCOLE") == "kachin ecole"
    assert fold("مَدرسة") == "مدرسة"
    assert fold("Bà Rịa - Vũng Tàu") == "ba ria - vung tau"
    assert fold("ကချင်") == "ကချင"  # Myanmar: the asat (a nonspacing mark) goes
