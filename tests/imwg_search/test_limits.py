"""The limits of a dataset search (length, clauses, nesting of ``q`` and of
each filter) refused before any backend runs it, PostgreSQL or Solr; the
PostgreSQL parser's own bounds (nesting, dates, pages, NUL characters)."""

from __future__ import annotations

import pytest
from ckan.lib.search.common import SearchError, SearchQueryError
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg.guard import measure
from ckanext.imwg_search.query import MAX_DEPTH, QuerySyntaxError, parse_any, parse_lucene
from ckanext.imwg_search.values import date_math

DEEP = "(" * 500 + "water" + ")" * 500
#: 1,100 one-letter terms: short, and more clauses than the default limit
MANY = " ".join(["a"] * 1100)
ORS = " OR ".join(f"w{i}" for i in range(20_000))


class TestMeasure:
    def test_terms_phrases_and_ranges_are_clauses(self):
        """Operators and field names are not clauses; terms, phrases and ranges are."""
        assert measure('tags:(a OR b) AND title:"x y" -c +d:[1 TO 5] !e') == (6, 1)

    def test_nesting_is_the_deepest_parenthesis(self):
        """Depth is the deepest nesting of parentheses, quoted or escaped ones aside."""
        assert measure('((a) (b (c))) "((" \\(') == (5, 3)


class TestParser:
    def test_deep_parentheses_are_a_syntax_error(self):
        """500 levels of parentheses are a syntax error, not a RecursionError."""
        with pytest.raises(QuerySyntaxError, match="nested"):
            parse_lucene(DEEP)

    def test_deep_function_calls_are_a_syntax_error(self):
        """Function queries nested 5,000 deep are a syntax error, not a RecursionError."""
        with pytest.raises(QuerySyntaxError, match="nested"):
            parse_any("{!frange l=0 u=1}" + "abs(" * 5000 + "x" + ")" * 5000)

    def test_the_deepest_nesting_allowed_parses(self):
        """Parentheses nested MAX_DEPTH deep still parse."""
        assert parse_lucene("(" * MAX_DEPTH + "a b" + ")" * MAX_DEPTH).clauses

    def test_date_math_beyond_the_calendar_is_a_syntax_error(self):
        """NOW/DAY+1000000YEAR is a syntax error, not an OverflowError."""
        with pytest.raises(QuerySyntaxError, match="range of dates"):
            date_math("NOW/DAY+1000000YEAR")


@pytest.fixture
def datasets():
    org = factories.Organization()
    for name in ("water-points", "school-survey"):
        factories.Dataset(name=name, title=name.replace("-", " ").title(), owner_org=org["id"])


class Refusals:
    """Searches refused by the imwg plugin's guard, before a backend is asked."""

    def test_too_many_clauses_are_refused(self):
        """A q of more terms than ckanext.imwg.search_max_clauses is a search query error."""
        with pytest.raises(SearchQueryError, match="too many terms: 1100, at most 1024"):
            call_action("package_search", q=MANY)

    def test_too_deep_a_filter_is_refused(self):
        """An fq nested deeper than ckanext.imwg.search_max_depth is a search query error."""
        with pytest.raises(SearchQueryError, match="too deeply: 500 levels, at most 20"):
            call_action("package_search", fq=f"title:{DEEP}")

    def test_too_long_a_query_is_refused(self):
        """20,000 ORs are longer than ckanext.imwg.search_max_length: a search query error."""
        with pytest.raises(SearchQueryError, match="too long"):
            call_action("package_search", q=ORS)

    def test_each_filter_of_fq_list_is_held_to_the_limits(self):
        """Every filter of fq_list is measured like fq."""
        with pytest.raises(SearchQueryError, match="too many terms"):
            call_action("package_search", fq_list=["+state:active", MANY])


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", "imwg")
class TestRefusalsOnSolr(Refusals):
    """The Solr path (no Solr server runs here: what reached it would fail otherwise)."""


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", "imwg imwg_search")
class TestLimitsOnPostgres(Refusals):
    @pytest.mark.ckan_config("ckanext.imwg.search_max_clauses", "3")
    def test_the_limit_of_clauses_is_configured(self, datasets):
        """With the limit at 3, three terms run and four are refused."""
        assert call_action("package_search", q="title:water OR title:points OR title:survey")["count"] == 2
        with pytest.raises(SearchQueryError):
            call_action("package_search", q="title:water OR title:points OR title:survey OR title:school")

    def test_a_query_within_the_limits_runs(self, datasets):
        """A q of a thousand terms, within every limit, runs."""
        q = " OR ".join(["title:water"] + [f"w{i}" for i in range(999)])
        assert call_action("package_search", q=q)["count"] == 1

    def test_the_search_page_answers_400_with_the_reason(self, app):
        """/dataset/ with too many terms answers 400 and says why."""
        resp = app.get("/dataset/", query_string={"q": MANY})
        assert resp.status_code == 400
        assert "too many terms" in resp.body

    def test_the_api_answers_400_with_the_reason(self, app):
        """package_search through the API with too deep a q answers 400 and says why."""
        resp = app.post("/api/3/action/package_search", json={"q": DEEP})
        assert resp.status_code == 400
        assert "too deeply" in resp.json["error"]["message"]

    def test_feeds_answer_400(self, app):
        """A feed whose search is refused answers 400 (CKAN's feeds let search errors through)."""
        resp = app.get("/feeds/custom.atom", query_string={"q": DEEP})
        assert resp.status_code == 400
        assert "too deeply" in resp.body

    def test_date_math_beyond_the_calendar_is_a_search_error(self, datasets):
        """A date range to NOW/DAY+1000000YEAR is a search error (409), not a 500."""
        with pytest.raises(SearchError, match="range of dates"):
            call_action("package_search", fq="metadata_modified:[NOW/DAY+1000000YEAR TO *]")

    def test_a_start_beyond_every_backend_answers_empty(self, datasets):
        """A start past what any backend reads (a page far past every result) answers no results."""
        result = call_action("package_search", start=10**15)
        assert result["count"] == 2
        assert result["results"] == []


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", "imwg_search")
class TestPostgresWithoutTheGuard:
    def test_deep_parentheses_are_a_search_error(self):
        """Without the imwg plugin, 500 levels of parentheses are a search error, not a RecursionError."""
        with pytest.raises(SearchError, match="nested"):
            call_action("package_search", q=f"title:{DEEP}")

    def test_a_nul_is_a_search_error(self):
        """Without the imwg plugin, a NUL in q is a search error, not PostgreSQL's ValueError."""
        with pytest.raises(SearchError, match="NUL"):
            call_action("package_search", q="water\x00")

    def test_a_start_beyond_32_bits_is_a_search_error(self):
        """Without the imwg plugin, a start Solr could not read either is a search error."""
        with pytest.raises(SearchError, match="at most"):
            call_action("package_search", start=2**40)
