"""package_search on the PostgreSQL backend: CKAN's Solr semantics, one by one."""

from __future__ import annotations

import datetime as dt
import json

import ckan.lib.search as search
import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

PLUGINS = "spatial_metadata spatial_query imwg_search"

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
    pytest.mark.ckan_config("ckan.auth.create_unowned_dataset", True),
]


def dataset(**kwargs):
    """A dataset without the factory's random title and description (their
    words could match a query: "raise" matches ``title:rai*``)."""
    kwargs.setdefault("notes", "")
    kwargs.setdefault("title", kwargs.get("name", "untitled"))
    return factories.Dataset(**kwargs)


def names(result):
    return [d["name"] for d in result["results"]]


def search_(**params):
    return call_action("package_search", **params)


class TestWritesReachSearch:
    def test_create_is_searchable(self):
        """A new dataset is found straight away."""
        dataset(name="water-points", title="Water points")
        assert names(search_(q="water")) == ["water-points"]

    def test_update_and_patch_reindex(self):
        """Updates and patches change what search finds."""
        ds = dataset(name="d1", title="Schools")
        call_action("package_patch", id=ds["id"], title="Clinics")
        assert search_(q="schools")["count"] == 0
        assert names(search_(q="clinics")) == ["d1"]
        full = call_action("package_show", id=ds["id"])
        full["notes"] = "Cholera treatment centres"
        call_action("package_update", **full)
        assert names(search_(q="cholera")) == ["d1"]

    @pytest.mark.postgres_only("reads imwg_search's own table")
    def test_delete_and_purge_remove(self):
        """Deleted datasets leave search; purged ones leave the index table."""
        a = dataset(name="gone")
        b = dataset(name="purged")
        call_action("package_delete", id=a["id"])
        assert search_(q="*:*")["count"] == 1
        call_action("dataset_purge", id=b["id"])
        assert search_(q="*:*")["count"] == 0
        rows = model.Session.execute("select count(*) from imwg_search_package").scalar()
        assert rows == 0

    @pytest.mark.postgres_only("reads imwg_search's own table")
    def test_quotes_and_backslashes_stored_as_given(self):
        """Values with double quotes and backslashes reach the index unchanged
        (the terms travel as one array literal)."""
        title = 'Mines "ERW" in C:\\data\\ {x,y}'
        dataset(name="quoted", title=title)
        terms = model.Session.execute(sa.text("SELECT terms FROM imwg_search_package")).scalar()
        assert f"title_string\x1f{title}" in terms
        assert names(search_(fq='title_string:"Mines \\"ERW\\" in C:\\\\data\\\\ {x,y}"')) == ["quoted"]

    def test_resource_changes_reindex_dataset(self):
        """Adding a resource makes its name and format searchable."""
        ds = dataset(name="d1")
        factories.Resource(package_id=ds["id"], name="Township casualty table", format="CSV")
        assert names(search_(q="township")) == ["d1"]
        assert names(search_(fq="res_format:CSV")) == ["d1"]


class TestFreeText:
    @pytest.mark.postgres_only("not yet diagnosed: Solr's dismax ranks the resource match above the notes match")
    def test_relevance_title_tags_notes_resources(self):
        """Title outranks tags, tags outrank description, description outranks resources."""
        dataset(name="in-resource", resources=[{"url": "http://x", "name": "flood extent"}])
        dataset(name="in-notes", notes="Recent flood response")
        dataset(name="in-tags", tags=[{"name": "flood"}])
        dataset(name="in-title", title="Flood")
        assert names(search_(q="flood")) == ["in-title", "in-tags", "in-notes", "in-resource"]

    @pytest.mark.postgres_only("not yet diagnosed: on Solr 'school' does not find 'Schools' in notes")
    def test_stemming_and_accents(self):
        """Words match their stems and accents do not matter."""
        dataset(name="d1", title="Évaluation des écoles", notes="Schools assessed")
        assert names(search_(q="school")) == ["d1"]
        assert names(search_(q="evaluation")) == ["d1"]

    def test_two_words_both_required(self):
        """Two words: both must match (CKAN's mm 2<-1)."""
        dataset(name="both", title="Mine casualties")
        dataset(name="one", title="Mine clearance")
        assert names(search_(q="mine casualties")) == ["both"]

    def test_three_words_two_suffice(self):
        """Three words: any two match (all but one)."""
        dataset(name="two", title="Mine casualties")
        dataset(name="none", title="Mine clearance")
        assert names(search_(q="mine casualties township")) == ["two"]

    def test_quoted_phrase_and_exclusion(self):
        """Quoted phrases match in order; -word excludes."""
        dataset(name="aa", title="Mine action coordination")
        dataset(name="bb", title="Action on mine risk")
        assert names(search_(q='"mine action"')) == ["aa"]
        assert names(search_(q="mine -coordination")) == ["bb"]

    def test_field_syntax_in_q(self):
        """q may hold field syntax, e.g. tags:water."""
        dataset(name="tt", tags=[{"name": "water"}])
        dataset(name="nn", notes="water")
        assert names(search_(q="tags:water")) == ["tt"]

    @pytest.mark.postgres_only("CKAN's Solr schema has no stop-word filter: 'the' matches only datasets containing it")
    def test_stop_words_alone_match_everything(self):
        """A query of stop words only is ignored rather than matching nothing."""
        dataset(name="aa")
        assert search_(q="the")["count"] == 1


class TestFilters:
    @pytest.fixture
    def data(self):
        org = factories.Organization(name="org-a")
        dataset(name="aa", owner_org=org["id"], tags=[{"name": "water"}, {"name": "health"}])
        dataset(name="bb", tags=[{"name": "water"}], title="Rain gauges")
        dataset(name="cc", tags=[{"name": "education"}], title="Rain-fed schools")

    @pytest.mark.parametrize(
        "fq, expected",
        [
            ("tags:water", ["aa", "bb"]),
            ('tags:"water"', ["aa", "bb"]),
            ("tags:(health OR education)", ["aa", "cc"]),
            ("tags:water AND tags:health", ["aa"]),
            ("tags:water -tags:health", ["bb"]),
            ("+tags:water +organization:org-a", ["aa"]),
            ("tags:water NOT organization:org-a", ["bb"]),
            ("-tags:water", ["cc"]),
            ("name:[aa TO bb]", ["aa", "bb"]),
            ("name:{aa TO cc}", ["bb"]),
            ("name:[bb TO *]", ["bb", "cc"]),
            ("tags:edu*", ["cc"]),
            ("title:rain", ["bb", "cc"]),
            ("title:rai*", ["bb", "cc"]),
            ("organization:*", ["aa"]),
            ("num_tags:[2 TO *]", ["aa"]),
        ],
    )
    def test_fq_syntax(self, data, fq, expected):
        """Lucene syntax in fq selects exactly the expected datasets."""
        assert sorted(names(search_(fq=fq))) == expected

    def test_date_ranges_with_date_math(self, data):
        """Dates compare as dates, including NOW-1DAY style math."""
        assert search_(fq="metadata_modified:[NOW-1DAY TO *]")["count"] == 3
        assert search_(fq="metadata_modified:[* TO NOW-1DAY]")["count"] == 0
        today = dt.datetime.utcnow().strftime("%Y-%m-%dT00:00:00Z")
        assert search_(fq=f"metadata_created:[{today} TO NOW+1DAY]")["count"] == 3

    def test_fq_list(self, data):
        """fq_list entries all apply."""
        assert names(search_(fq_list=["tags:water", "tags:health"])) == ["aa"]


class TestFacets:
    @pytest.fixture
    def data(self):
        for i, tags in enumerate([["aa", "bb"], ["aa"], ["aa", "cc"], ["bb"]]):
            dataset(name=f"d{i}", tags=[{"name": t} for t in tags])

    def test_counts_over_matching_set(self, data):
        """Facet counts are those of the matching datasets, multi-valued fields counted once per dataset."""
        r = search_(fq="tags:aa", **{"facet.field": '["tags"]'})
        assert r["facets"]["tags"] == {"aa": 3, "bb": 1, "cc": 1}

    def test_limit_mincount_sort(self, data):
        """facet.limit, facet.mincount and facet.sort=index are honoured."""
        r = search_(**{"facet.field": '["tags"]', "facet.limit": 2})
        assert r["facets"]["tags"] == {"aa": 3, "bb": 2}
        r = search_(**{"facet.field": '["tags"]', "facet.mincount": 2})
        assert r["facets"]["tags"] == {"aa": 3, "bb": 2}
        conn = search.make_connection()
        res = conn.search(
            q="*:*",
            fq="+site_id:imwg-test",
            facet="true",
            **{"facet.field": ["tags"], "facet.sort": "index", "facet.mincount": 1},
        )
        assert res.facets["facet_fields"]["tags"] == ["aa", 3, "bb", 2, "cc", 1]

    @pytest.mark.postgres_only("reads imwg_search's own facet-value table")
    def test_new_values_are_named_by_the_first_search(self, data):
        """Dataset writes leave the names of new facet values to the first
        search that counts them; it names them right and stores the names."""

        def stored():
            return {
                r[0] for r in model.Session.execute("SELECT value FROM imwg_search_facet_value WHERE field = 'tags'")
            }

        assert stored() == set()
        r = search_(**{"facet.field": '["tags"]'})
        assert r["facets"]["tags"] == {"aa": 3, "bb": 2, "cc": 1}
        assert stored() == {"aa", "bb", "cc"}
        dataset(name="d9", tags=[{"name": "dd"}])
        r = search_(fq="tags:dd", **{"facet.field": '["tags"]'})
        assert r["facets"]["tags"] == {"dd": 1}
        assert stored() == {"aa", "bb", "cc", "dd"}

    def test_zero_mincount_lists_values_without_matches(self, data):
        """facet.mincount=0 lists indexed values that the query does not match."""
        conn = search.make_connection()
        res = conn.search(
            q="tags:cc", fq="+site_id:imwg-test", facet="true", **{"facet.field": ["tags"], "facet.mincount": 0}
        )
        assert res.facets["facet_fields"]["tags"] == ["aa", 1, "cc", 1, "bb", 0]


class TestSortingAndPaging:
    @pytest.fixture
    def data(self):
        for name, title in [("xx", "banana"), ("yy", "Apple"), ("zz", "cherry")]:
            dataset(name=name, title=title)

    def test_sort_by_fields(self, data):
        """Sort by name, by title_string (code-point order like Solr) and by date."""
        assert names(search_(sort="name desc")) == ["zz", "yy", "xx"]
        assert names(search_(sort="title_string asc")) == ["yy", "xx", "zz"]
        assert names(search_(sort="metadata_modified desc")) == ["zz", "yy", "xx"]

    def test_several_sort_keys(self, data):
        """Later keys break ties of earlier ones."""
        call_action("package_patch", id="xx", title="same")
        call_action("package_patch", id="zz", title="same")
        assert names(search_(sort="title_string asc, name desc")) == ["yy", "zz", "xx"]

    def test_rows_and_start(self, data):
        """rows and start page through the sorted results; count stays the total."""
        page = search_(sort="name asc", rows=1, start=1)
        assert names(page) == ["yy"]
        assert page["count"] == 3
        assert names(search_(sort="name asc", rows=5, start=2)) == ["zz"]

    @pytest.mark.postgres_only("Solr sorts on these fields without an error (CKAN passes the sort through)")
    def test_invalid_sort_is_query_error(self, data):
        """A sort on an analysed text field or a bad direction is an invalid-sort error."""
        for sort in ("title asc", "name sideways", "tags asc"):
            with pytest.raises(search.SearchQueryError, match="sort"):
                search_(sort=sort)

    @pytest.mark.postgres_only("Solr sorts on these fields without an error (CKAN passes the sort through)")
    def test_invalid_sort_through_api(self, app, data):
        """Through the API an invalid sort is a client error, not a 500."""
        resp = app.get("/api/3/action/package_search", query_string={"sort": "title asc"})
        assert 400 <= resp.status_code < 500
        assert resp.json["success"] is False


class TestFieldsAndVisibility:
    def test_fl_data_dict(self):
        """fl can return the stored data_dict and validated_data_dict."""
        dataset(name="d1", title="T")
        r = search_(fl="name,data_dict,validated_data_dict")
        doc = r["results"][0]
        assert doc["name"] == "d1"
        assert json.loads(doc["data_dict"])["title"] == "T"
        assert json.loads(doc["validated_data_dict"])["name"] == "d1"

    def test_private_needs_permission(self):
        """Private datasets are found only by those whose labels allow it."""
        user = factories.User()
        outsider = factories.User()
        org = factories.Organization(users=[{"name": user["name"], "capacity": "member"}])
        dataset(name="secret", owner_org=org["id"], private=True)
        dataset(name="open", owner_org=org["id"])
        ctx = lambda u: {"user": u["name"], "ignore_auth": False}  # noqa: E731
        member = call_action("package_search", context=ctx(user), include_private=True)
        stranger = call_action("package_search", context=ctx(outsider), include_private=True)
        anon = call_action("package_search", context={"user": "", "ignore_auth": False}, include_private=True)
        assert sorted(names(member)) == ["open", "secret"]
        assert names(stranger) == ["open"]
        assert names(anon) == ["open"]

    @pytest.mark.ckan_config("ckan.search.remove_deleted_packages", False)
    def test_include_drafts_and_deleted(self):
        """Drafts and deleted datasets appear only when asked for (and allowed)."""
        sysadmin = factories.Sysadmin()
        dataset(name="draft", state="draft")
        gone = dataset(name="gone")
        call_action("package_delete", id=gone["id"])
        ctx = {"user": sysadmin["name"]}
        assert search_(context=ctx)["count"] == 0
        assert names(search_(context=ctx, include_drafts=True)) == ["draft"]
        assert names(search_(context=ctx, include_deleted=True)) == ["gone"]

    def test_dataset_type_filter(self):
        """Datasets of other types are filtered like on Solr."""
        dataset(name="dd", type="dataset")
        dataset(name="mm", type="mine-action")
        assert names(search_(fq="+dataset_type:mine-action")) == ["mm"]


class TestSpatial:
    def test_ext_bbox_overlap(self):
        """ext_bbox finds datasets whose extent overlaps the box, and only those."""
        geo = {"type": "Polygon", "coordinates": [[[96, 24], [98, 24], [98, 26], [96, 26], [96, 24]]]}
        dataset(name="kachin", extras=[{"key": "spatial", "value": json.dumps(geo)}])
        dataset(name="nowhere")
        assert names(search_(extras={"ext_bbox": "97,25,99,27"})) == ["kachin"]
        assert search_(extras={"ext_bbox": "10,10,11,11"})["count"] == 0

    def test_bad_bbox_is_search_error(self):
        """A malformed box is a search error, not a crash."""
        with pytest.raises(search.SearchError):
            search_(extras={"ext_bbox": "a,b"})


class TestErrors:
    @pytest.mark.parametrize(
        "fq",
        [
            "tags:(water",
            'title:"open',
            pytest.param("tags:water~1", marks=pytest.mark.postgres_only("fuzzy terms are valid Solr syntax")),
            "num_tags:[1 TO",
        ],
    )
    def test_bad_syntax_is_search_error(self, fq):
        """Unsupported or broken syntax raises SearchError, never something else."""
        dataset()
        with pytest.raises(search.SearchError):
            search_(fq=fq)

    def test_api_returns_409(self, app):
        """Through the API a syntax error is HTTP 409 with a message."""
        resp = app.get("/api/3/action/package_search", query_string={"fq": "tags:(water"}, status=409)
        assert "unbalanced parenthesis" in resp.json["error"]["message"] or resp.json["error"]
        assert resp.json["success"] is False

    def test_web_search_shows_error_not_500(self, app):
        """The /dataset page shows a search error message for bad syntax."""
        resp = app.get("/dataset/", query_string={"q": "tags:(water"}, status=200)
        assert "error" in resp.body.lower()
