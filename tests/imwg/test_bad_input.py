"""Bad input answers a clear 4xx, never a 5xx: NUL characters in any request,
bounding boxes, numbers and lists in the suite's actions, and a corpus of
bad values sent to every action and every page of the suite."""

from __future__ import annotations

import importlib
import io
import json
import re
import threading
import urllib.parse

import ckan.logic as logic
import ckan.plugins as p
import pytest
from ckan.lib.search.common import SolrConnectionError
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg import guard
from tests.imwg_pcode import places

SUITE = (
    "activity imwg scheming_datasets scheming_organizations spatial_metadata spatial_query "
    "imwg_pcode imwg_hxl imwg_sensitivity imwg_search"
)


def auth(name):
    return {"Authorization": factories.APIToken(user=name)["token"]}


def as_user(name):
    return {"user": name, "ignore_auth": False}


@pytest.fixture
def world(tmp_path):
    """A gazetteer, a confidential dataset tagged with Kachin with one
    resource, a pending access request and a grant, the owner's admin and a
    sysadmin."""
    places.load(tmp_path)
    factories.Sysadmin(name="root")
    factories.User(name="analyst")
    factories.User(name="owner-admin")
    owner = factories.Organization(
        name="authority", org_type="government", users=[{"name": "owner-admin", "capacity": "admin"}]
    )
    factories.Organization(name="partner", org_type="ingo", users=[{"name": "analyst", "capacity": "member"}])
    dataset = call_action(
        "package_create",
        context={"user": "owner-admin"},
        type="dataset",
        name="casualty-records",
        title="Casualty records",
        owner_org=owner["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity="confidential",
        pcodes=["MMR001"],
        resources=[{"url": "https://data.example.org/records.csv", "name": "Records", "format": "CSV"}],
    )
    request = call_action(
        "access_request_create",
        context=as_user("analyst"),
        package_id=dataset["id"],
        purpose="research",
        intended_use="Plan safe routes",
        organization="Partner NGO",
        days=30,
        accept_terms=True,
    )
    grant = call_action(
        "access_grant_create", context=as_user("owner-admin"), package_id=dataset["id"], organization_id="partner"
    )
    return {
        "dataset": dataset,
        "resource": dataset["resources"][0],
        "owner": owner,
        "request": request,
        "grant": grant,
        "pcode": "MMR001",
    }


def suite_actions():
    """The actions the suite's plugins register: name -> function."""
    actions = {}
    for plugin in p.PluginImplementations(p.IActions):
        if plugin.name.startswith("imwg"):
            actions.update(plugin.get_actions())
    return actions


def own_actions():
    """The suite's own actions (a chained one wraps CKAN's, whose reading of
    its parameters is CKAN's)."""
    return {name: fn for name, fn in suite_actions().items() if not getattr(fn, "chained_action", False)}


_PARAM = re.compile(r":param ([\w.]+):")


def documented_params(function):
    """The parameters an action documents (its docstring is its API documentation)."""
    return list(dict.fromkeys(_PARAM.findall(function.__doc__ or "")))


def base_values(world, action):
    """Valid values by parameter name, so that one bad value at a time gets past the others."""
    ids = {
        "pcode_": world["pcode"],
        "access_request_": world["request"]["id"],
        "access_grant_": world["grant"]["id"],
        "hxl_": world["resource"]["id"],
    }
    return {
        "id": next((v for prefix, v in ids.items() if action.startswith(prefix)), world["dataset"]["id"]),
        "package_id": world["dataset"]["id"],
        "resource_id": world["resource"]["id"],
        "resource_ids": [world["resource"]["id"]],
        "organization_id": world["owner"]["id"],
        "user_id": "analyst",
        "decision": "more_info",
        "reason": "Please say more",
        "days": 30,
        "purpose": "research",
        "intended_use": "Plan safe routes",
        "organization": "Partner NGO",
        "accept_terms": True,
        "q": "kachin",
        "ids": [world["pcode"]],
    }


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", SUITE)
class TestNul:
    def test_nul_in_a_query_parameter_is_a_400(self, app):
        """/dataset/?q=%00, a place filter or a feed's query with a NUL answers 400, not 500."""
        for path, params in (
            ("/dataset/", {"q": "\x00"}),
            ("/dataset/", {"pcodes": "MMR\x00"}),
            ("/feeds/custom.atom", {"q": "a\x00"}),
        ):
            assert app.get(path, query_string=params).status_code == 400, path

    def test_nul_in_the_path_is_a_400(self, app, world):
        """A NUL in a page's address (/location/%00) answers 400."""
        assert app.get("/location/%00").status_code == 400

    def test_nul_in_a_json_body_is_a_json_400(self, app):
        """A NUL anywhere in an API call's JSON body answers an API error with 400."""
        resp = app.post("/api/3/action/pcode_search", json={"q": "kachin", "country": ["MMR", {"x": "\x00"}]})
        assert resp.status_code == 400
        assert resp.json["success"] is False
        assert "NUL" in resp.json["error"]["message"]

    def test_nul_in_a_form_field_is_a_400(self, app, world):
        """A NUL in a form field answers 400 before the view runs."""
        resp = app.post(
            f"/access/requests/{world['request']['id']}/decide",
            data={"decision": "more_info", "reason": "why\x00"},
            headers=auth("owner-admin"),
        )
        assert resp.status_code == 400

    def test_nul_in_an_uploaded_file_is_accepted(self, app, world):
        """The contents of an uploaded file are no text parameter: NUL bytes there pass."""
        resp = app.post(
            "/api/3/action/resource_create",
            data={
                "package_id": world["dataset"]["id"],
                "name": "Binary",
                "upload": (io.BytesIO(b"a\n\x00\n"), "b.csv"),
            },
            headers=auth("root"),
        )
        assert resp.status_code == 200, resp.body

    def test_a_json_body_nested_deeper_than_the_parser_goes_is_a_400(self, app):
        """A JSON body too deep for Python's JSON parser answers 400."""
        body = '{"q": ' + "[" * 100000 + "]" * 100000 + "}"
        resp = app.post("/api/3/action/pcode_search", data=body, content_type="application/json")
        assert resp.status_code == 400

    def test_direct_calls_with_a_nul_are_validation_errors(self, world):
        """Each of the suite's own actions called from code with a NUL in a
        parameter raises a ValidationError (or NotFound, NotAuthorized), nothing else."""
        failures = []
        for name, function in sorted(own_actions().items()):
            for param in documented_params(function) or ["id"]:
                data = {**base_values(world, name), param: "bad\x00"}
                try:
                    call_action(name, context={"user": "root"}, **data)
                except (logic.ValidationError, logic.NotFound, logic.NotAuthorized):
                    pass
                except Exception as e:  # noqa: BLE001 - any other exception is the failure reported
                    failures.append(f"{name}({param}=NUL): {type(e).__name__}: {str(e)[:200]}")
        assert not failures, "\n".join(failures)


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", SUITE)
class TestBoundingBox:
    def test_a_huge_box_is_clamped_and_finds_the_data(self, app, world):
        """ext_bbox=-1e300,-90,1e300,90 answers at once, as the whole world."""
        result = call_action("package_search", context=as_user("root"), extras={"ext_bbox": "-1e300,-90,1e300,90"})
        assert [d["name"] for d in result["results"]] == ["casualty-records"]
        assert app.get("/dataset/", query_string={"ext_bbox": "-1e300,-90,1e300,90"}).status_code == 200

    def test_out_of_range_values_are_clamped_to_the_world(self):
        """A box beyond the world is clamped to [-180, 180] x [-90, 90]."""
        params = guard.before_search({"extras": {"ext_bbox": "-500,-100,1e300,95.5"}})
        assert params["extras"]["ext_bbox"] == "-180.0,-90.0,180.0,90.0"

    def test_a_bad_box_is_a_400_on_the_page_and_through_the_api(self, app):
        """Non-numbers, NaN, infinities, a wrong count or an inverted box: a clear 400."""
        for bbox in ("a,b,c,d", "nan,0,1,1", "0,0,inf,1", "1,2,3", "1,2,3,4,5", "10,0,5,5", "0,10,5,5", ["1", "2"]):
            text = bbox if isinstance(bbox, str) else ",".join(bbox)
            page = app.get("/dataset/", query_string={"ext_bbox": text})
            assert page.status_code == 400, bbox
            assert "bounding box" in page.body, bbox
            api = app.post("/api/3/action/package_search", json={"extras": {"ext_bbox": bbox}})
            assert api.status_code == 400, bbox
            assert "bounding box" in api.json["error"]["message"], bbox


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", "imwg spatial_query")
class TestBoundingBoxOnSolr:
    def test_a_huge_box_reaches_solr_clamped(self):
        """On the Solr path the box is clamped before ckanext-spatial reads it:
        the search fails at once on the absent Solr server instead of looping."""
        outcome = []

        def search():
            try:
                call_action("package_search", extras={"ext_bbox": "-1e300,-90,1e300,90"})
            except Exception as e:  # noqa: BLE001 - what it raises is the result
                outcome.append(e)

        thread = threading.Thread(target=search, daemon=True)
        thread.start()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the bounding box made ckanext-spatial loop"
        assert isinstance(outcome[0], SolrConnectionError)


#: resource_ids that are no list of strings
MALFORMED_RESOURCE_IDS = (5, "5", {"id": "x"}, [{"id": "x"}], [5], [["x"]])


def field_errors(action, context=None, **data):
    """The fields named by the ValidationError the action raises (it must raise one)."""
    with pytest.raises(logic.ValidationError) as err:
        call_action(action, context=context or {}, **data)
    return set(err.value.error_dict)


def decide_errors(world, **data):
    """The fields named by the ValidationError of approving the pending request with ``data``."""
    context = as_user("owner-admin")
    return field_errors("access_request_decide", context, id=world["request"]["id"], decision="approve", **data)


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", SUITE)
class TestNumbersAndLists:
    def test_pcode_search_with_a_negative_limit_is_a_field_error(self, world):
        """pcode_search limit=-5 is a field error."""
        assert "limit" in field_errors("pcode_search", q="kachin", limit=-5)

    def test_a_location_page_beyond_any_result_is_a_400(self, app, world):
        """/location/<code>?page=999999999999999999 answers 400."""
        assert app.get("/location/MMR001", query_string={"page": "999999999999999999"}).status_code == 400

    def test_audit_list_with_1e20_is_a_field_error(self, world):
        """access_audit_list limit or offset of 1e20 is a field error."""
        for field in ("limit", "offset"):
            assert field in field_errors("access_audit_list", as_user("root"), **{field: 1e20})

    def test_decided_days_are_bounded_by_the_longest_request(self, world):
        """access_request_decide enforces ckanext.imwg_sensitivity.max_request_days on days."""
        for days in (3000, 99999999999, "99999999999", 0, -5, [30]):
            assert "days" in decide_errors(world, days=days), days

    def test_the_decide_form_with_huge_days_decides_nothing(self, app, world):
        """The decide form with days=99999999999 refuses with a message, not a 500."""
        resp = app.post(
            f"/access/requests/{world['request']['id']}/decide",
            data={"decision": "approve", "days": "99999999999"},
            headers=auth("owner-admin"),
            follow_redirects=False,
        )
        assert resp.status_code == 302
        shown = call_action("access_request_show", context=as_user("owner-admin"), id=world["request"]["id"])
        assert shown["status"] == "pending"

    def test_a_malformed_resource_ids_is_a_field_error_of_a_grant(self, world):
        """access_grant_create with resource_ids not a list of strings is a field error, never a grant on everything."""
        package_id = world["dataset"]["id"]
        grants = call_action("access_grant_list", context=as_user("owner-admin"), package_id=package_id)
        for resource_ids in MALFORMED_RESOURCE_IDS:
            errors = field_errors(
                "access_grant_create",
                as_user("owner-admin"),
                package_id=package_id,
                user_id="analyst",
                resource_ids=resource_ids,
            )
            assert "resource_ids" in errors, resource_ids
        assert call_action("access_grant_list", context=as_user("owner-admin"), package_id=package_id) == grants

    def test_a_malformed_resource_ids_is_a_field_error_of_a_decision(self, world):
        """access_request_decide with resource_ids not a list of strings is a field error."""
        for resource_ids in MALFORMED_RESOURCE_IDS:
            assert "resource_ids" in decide_errors(world, resource_ids=resource_ids), resource_ids

    def test_a_list_where_a_flag_is_expected_is_a_field_error(self, world):
        """pcode_show include_geometry=[...] is a field error, not a crash."""
        assert "include_geometry" in field_errors("pcode_show", id="MMR001", include_geometry=["yes"])

    def test_search_parameters_of_the_wrong_type_are_field_errors(self):
        """package_search rows=[...], start={...} or include_drafts=maybe are field errors, not crashes."""
        for params in ({"rows": ["a"]}, {"start": {"from": 1}}, {"include_drafts": "maybe"}):
            assert set(params) <= field_errors("package_search", **params)


# -- the corpus -----------------------------------------------------------------------------

BAD = {
    "NUL": "Kachin\x00' OR '1'='1",
    "huge number": "999999999999999999",
    "negative": -5,
    "1e20": 1e20,
    "NaN": float("nan"),
    "nested list": [["a", ["b", ["c"]]]],
    "object": {"a": {"b": "c"}},
    "list of objects": [{"id": "x"}],
    "list of text": ["a", "b"],
    "long text": "x" * 100_000,
    "date math": "metadata_modified:[NOW/DAY+1000000YEAR TO *]",
    "deep parentheses": "(" * 500 + "a" + ")" * 500,
    "20,000 ORs": " OR ".join(f"w{i}" for i in range(20_000)),
    "bounding box": "-1e300,-90,1e300,90",
    "blank": " ",
}

#: What the suite's pages read from the query or the form (their addresses
#: come from the URL map; the names they read cannot).
PAGE_PARAMS = (
    "q",
    "page",
    "sort",
    "ext_bbox",
    "pcodes",
    "package_id",
    "organization_id",
    "resource_ids",
    "purpose",
    "intended_use",
    "organization",
    "days",
    "accept_terms",
    "decision",
    "reason",
)

#: CKAN's pages that run the suite's search hooks
SEARCH_PAGES = ("/dataset/", "/feeds/custom.atom", "/organization/authority")


def corpus_actions():
    """Action -> parameters: the suite's own actions with those they document,
    and package_search, which the suite guards, with CKAN's and the box's."""
    actions = {name: documented_params(fn) or ["id"] for name, fn in own_actions().items()}
    core = importlib.import_module("ckan.logic.action.get")
    actions["package_search"] = documented_params(core.package_search) + ["extras", "ext_bbox"]
    return actions


def suite_rules(app):
    """The URL rules of the blueprints the suite's plugins register."""
    names = set()
    for plugin in p.PluginImplementations(p.IBlueprint):
        if plugin.name.startswith("imwg"):
            blueprints = plugin.get_blueprint()
            for blueprint in blueprints if isinstance(blueprints, list) else [blueprints]:
                names.add(blueprint.name)
    return [rule for rule in app.flask_app.url_map.iter_rules() if rule.endpoint.split(".")[0] in names]


def _as_text(value):
    """A bad value as query or form data: a list as repeated values, the rest as text."""
    if isinstance(value, list):
        return [v if isinstance(v, str) else json.dumps(v) for v in value]
    return value if isinstance(value, str) else json.dumps(value)


def _path(rule, values):
    path = rule.rule
    for arg, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{arg}>", urllib.parse.quote(value, safe=""), path)
    return path


def server_errors(app, world, headers, one_by_one):
    """Every bad value to every action (all its parameters at once, and with
    ``one_by_one`` each among valid ones) and to every page (in its address,
    in its query or form, and as its page number, which pages read before
    anything else): the answers that are 5xx."""
    failures = []

    def check(resp, what):
        if resp.status_code >= 500:
            failures.append(f"{resp.status_code} {what}")

    def call(name, data):
        # json.dumps writes NaN as NaN, which the API reads
        body = json.dumps(data)
        return app.post(f"/api/3/action/{name}", data=body, content_type="application/json", headers=headers)

    for name, params in sorted(corpus_actions().items()):
        base = {k: v for k, v in base_values(world, name).items() if k in params}
        for label, value in BAD.items():
            check(call(name, dict.fromkeys(params, value)), f"{name}(* = {label})")
            for param in params if one_by_one else ():
                check(call(name, {**base, param: value}), f"{name}({param} = {label})")

    def visit(path, methods, label, text):
        what = f"{path[:80]} ({label})"
        params = dict.fromkeys(PAGE_PARAMS, text)
        if "GET" in methods:
            check(app.get(path, query_string={**params, "page": "1"}, headers=headers), f"GET {what}")
            check(app.get(path, query_string={"page": text}, headers=headers), f"GET {what} as page")
        if "POST" in methods:
            check(app.post(path, data=params, headers=headers), f"POST {what}")

    valid = {"id": world["dataset"]["name"], "pcode": world["pcode"], "resource_id": world["resource"]["id"]}
    for label, value in BAD.items():
        text = _as_text(value)
        for rule in suite_rules(app):
            if rule.arguments:
                bad_path = _path(rule, dict.fromkeys(rule.arguments, text if isinstance(text, str) else text[0]))
                send = app.get if "GET" in rule.methods else app.post
                check(send(bad_path, headers=headers), f"{bad_path[:80]} ({label})")
            args = {arg: valid.get(arg, world["request"]["id"]) for arg in rule.arguments}
            visit(_path(rule, args), rule.methods, label, text)
        for path in SEARCH_PAGES:
            visit(path, {"GET"}, label, text)
    return failures


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", SUITE)
class TestCorpus:
    def test_no_bad_value_makes_a_server_error_for_anonymous(self, app, world):
        """The corpus sent anonymously to every action and page of the suite: no 5xx
        (each action's parameters all at once: its body refuses anonymous callers)."""
        failures = server_errors(app, world, {}, one_by_one=False)
        assert not failures, "\n".join(failures)

    def test_no_bad_value_makes_a_server_error_for_a_sysadmin(self, app, world):
        """The corpus sent by a sysadmin to every action and page of the suite: no 5xx."""
        failures = server_errors(app, world, auth("root"), one_by_one=True)
        assert not failures, "\n".join(failures)
