"""Every exit of CKAN and the suite classified, and the listings, searches,
histories and follow lists that once leaked, for every role and level."""

from __future__ import annotations

import json

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests.helpers import call_action

from ckanext.imwg_sensitivity import chained, exits
from tests.imwg_sensitivity.matrix import DATA, METADATA, ROLES, SECRET, build_portal, context, headers
from tests.support import ALL_PLUGINS, DATASTORE

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
#: the address of a confidential file inside a public dataset
MIXED_SECRET = "https://secret.example.org/victims-by-village.csv"
PUBLIC_FILE = "https://open.example.org/summary.csv"
#: who gets it (the grants of the matrix are for the other datasets)
MIXED_DATA = DATA["confidential"] - {"grant"}


def level_of(name):
    return name.removeprefix("hazards-").replace("-", "_")


@pytest.fixture
def portal():
    """The gating portal; each dataset tagged ``only-<level>``, followed by
    every role, and a public dataset with one confidential file."""
    built = build_portal()
    for level, ds in built["datasets"].items():
        call_action(
            "package_patch",
            context={"user": "the-sysadmin"},
            id=ds["id"],
            tags=[{"name": f"only-{level.replace('_', '-')}"}, {"name": "mine-action"}],
        )
    mixed = call_action(
        "package_create",
        context={"user": "owner-editor"},
        type="dataset",
        name="casualty-summary",
        title="Casualty summary",
        owner_org=built["owner"]["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity="public",
        resources=[
            {"url": PUBLIC_FILE, "name": "Summary", "format": "CSV"},
            {"url": MIXED_SECRET, "name": "Victims by village", "format": "CSV", "sensitivity": "confidential"},
        ],
    )
    for user in built["users"].values():
        for ds in built["datasets"].values():
            model.Session.add(model.UserFollowingDataset(user["id"], ds["id"]))
    model.Session.commit()
    return {**built, "mixed": mixed}


# -- the registries -----------------------------------------------------------------------


@pytest.mark.usefixtures("with_plugins")
@pytest.mark.ckan_config("ckan.plugins", ALL_PLUGINS)
@pytest.mark.ckan_config("ckan.datastore.write_url", f"postgresql://ckan_imwg:ckan_imwg@{DATASTORE}")
@pytest.mark.ckan_config("ckan.datastore.read_url", f"postgresql://ckan_imwg_ro:ckan_imwg_ro@{DATASTORE}")
class TestEveryExitIsClassified:
    def test_every_action(self, app):
        """Each action CKAN and the enabled plugins register is in exits.ACTIONS."""
        logic.get_action("package_show")  # fills CKAN's registry of actions
        assert sorted(set(logic._actions) - set(exits.ACTIONS)) == []

    def test_every_route(self, app):
        """Each web route CKAN and the enabled plugins register is in exits.ROUTES."""
        flask_app = app.flask_app
        routes = {exits.route_of(flask_app.view_functions[rule.endpoint]) for rule in flask_app.url_map.iter_rules()}
        assert sorted(routes - set(exits.ROUTES)) == []

    def test_every_gated_action_is_chained(self, app):
        """An action classified as gated is the gate's (chained) version."""

        def gated(action):
            # CKAN wraps each action in a closure around the chain of partials
            # (each chained action with the one before it, logic.get_action)
            todo = [c.cell_contents for c in action.__closure__ or () if callable(c.cell_contents)]
            while todo:
                link = todo.pop()
                if getattr(getattr(link, "func", link), "imwg_gate", False):
                    return True
                todo += [a for a in getattr(link, "args", ()) if callable(a)]
            return False

        logic.get_action("package_show")
        names = [n for n, kind in exits.ACTIONS.items() if kind == exits.GATED and n in logic._actions]
        assert names
        assert [n for n in names if not gated(logic._actions[n])] == []


# -- listings and searches ----------------------------------------------------------------


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.parametrize("role", ROLES)
class TestListings:
    def test_resource_search(self, portal, role):
        """resource_search lists no resource of a hidden dataset, no gated
        address, and answers no search by a gated address."""
        found = call_action("resource_search", context=context(role), query="name:IMSMA")
        names = {model.Resource.get(r["id"]).package.name for r in found["results"]}
        assert names == {ds["name"] for lv, ds in portal["datasets"].items() if role in METADATA[lv]}
        assert found["count"] == len(found["results"])
        for res in found["results"]:
            level = level_of(model.Resource.get(res["id"]).package.name)
            assert (res["url"] == SECRET) == (role in DATA[level]), (level, role)
        by_address = call_action("resource_search", context=context(role), query="url:secret.example.org")
        levels = {level_of(model.Resource.get(r["id"]).package.name) for r in by_address["results"]} - {
            "casualty_summary"
        }
        assert levels == {lv for lv in DATA if role in DATA[lv]}
        assert (MIXED_SECRET in json.dumps(by_address)) == (role in MIXED_DATA)

    def test_tags(self, portal, role):
        """tag_list, tag_autocomplete, tag_search and tag_show name no tag only hidden datasets carry."""
        strict_tag = "only-strictly-confidential"
        sees = role in METADATA["strictly_confidential"]
        assert (strict_tag in call_action("tag_list", context=context(role))) == sees
        assert (strict_tag in call_action("tag_autocomplete", context=context(role), q="only")) == sees
        searched = call_action("tag_search", context=context(role), query="only")
        assert (strict_tag in {t["name"] for t in searched["results"]}) == sees
        assert searched["count"] == len(searched["results"])
        if sees:
            call_action("tag_show", context=context(role), id=strict_tag, include_datasets=True)
        else:
            with pytest.raises(logic.NotFound):
                call_action("tag_show", context=context(role), id=strict_tag, include_datasets=True)
        shared = call_action("tag_show", context=context(role), id="mine-action", include_datasets=True)
        names = {p["name"] for p in shared["packages"]}
        assert names == {ds["name"] for lv, ds in portal["datasets"].items() if role in METADATA[lv]}
        for pkg in shared["packages"]:
            assert (SECRET in json.dumps(pkg)) == (role in DATA[level_of(pkg["name"])]), (pkg["name"], role)

    def test_member_list(self, portal, role):
        """member_list of the owner names no dataset the role may not see."""
        members = call_action("member_list", context=context(role), id="imsma-authority", object_type="package")
        ids = {m[0] for m in members}
        strict = portal["datasets"]["strictly_confidential"]["id"]
        assert (strict in ids) == (role in METADATA["strictly_confidential"])
        assert portal["datasets"]["public"]["id"] in ids

    def test_followee_lists(self, portal, role):
        """dataset_followee_list and followee_list: no hidden dataset, no gated address."""
        if role == "anonymous":
            return
        user = context(role)["user"]
        for listing in (
            call_action("dataset_followee_list", context=context(role), id=user),
            [f["dict"] for f in call_action("followee_list", context=context(role), id=user)],
        ):
            names = {p["name"] for p in listing}
            assert names == {ds["name"] for lv, ds in portal["datasets"].items() if role in METADATA[lv]}
            for pkg in listing:
                assert (SECRET in json.dumps(pkg)) == (role in DATA[level_of(pkg["name"])]), (pkg["name"], role)

    def test_search_fields_never_skip_redaction(self, portal, role):
        """package_search with fl=* or fl naming the level never gives a gated
        file's address, not even one inside a public dataset."""
        for fl in ("*", "name,sensitivity,res_url,data_dict,validated_data_dict"):
            result = call_action("package_search", context=context(role), q="name:casualty-summary", fl=fl)
            text = json.dumps(result)
            assert (MIXED_SECRET in text) == (role in MIXED_DATA), (fl, role)
        # the index's address fields never hold a gated address, for anyone
        result = call_action("package_search", context=context(role), q="name:casualty-summary", fl="name,res_url")
        assert MIXED_SECRET not in json.dumps(result)

    def test_facets_list_only_visible_values(self, portal, role):
        """facet.mincount=0 lists no value of an entry the labels hide."""
        result = call_action(
            "package_search",
            context=context(role),
            q="name:hazards-public",
            **{"facet.field": ["name", "tags"], "facet.mincount": 0, "facet.limit": -1},
        )
        text = json.dumps(result["search_facets"])
        assert "hazards-public" in text
        if role != "sysadmin":
            assert "hazards-strictly-confidential" not in text, role
            assert "only-strictly-confidential" not in text, role

    def test_organisation_counts(self, portal, role):
        """Organisation and group listings count only the datasets the role may see."""
        visible = sum(role in METADATA[lv] for lv in METADATA) + 1
        for action, params in (
            ("organization_list", {"all_fields": True}),
            ("organization_list_for_user", {"include_dataset_count": True, "permission": "read"}),
        ):
            if action == "organization_list_for_user" and role == "anonymous":
                continue
            orgs = {o["name"]: o for o in call_action(action, context=context(role), **params)}
            if "imsma-authority" in orgs:
                assert orgs["imsma-authority"]["package_count"] == visible, (action, role)

    def test_hidden_answers_as_missing(self, app, portal, role):
        """A hidden dataset answers exactly as a missing one, in every action that names it."""
        strict = portal["datasets"]["strictly_confidential"]
        for action, ref in (
            ("package_show", strict["name"]),
            ("resource_show", strict["resources"][0]["id"]),
            ("package_activity_list", strict["id"]),
            ("resource_view_list", strict["resources"][0]["id"]),
            ("dataset_follower_count", strict["id"]),
            ("am_following_dataset", strict["id"]),
        ):
            missing = app.get(f"/api/3/action/{action}", query_string={"id": "no-such-thing"}, headers=headers(role))
            hidden = app.get(f"/api/3/action/{action}", query_string={"id": ref}, headers=headers(role))
            if role in METADATA["strictly_confidential"]:
                assert hidden.status_code == 200, action
                continue
            if role == "anonymous" and missing.status_code == 403:
                continue  # asks to log in before looking anything up
            assert hidden.status_code == missing.status_code, (action, role)
            assert hidden.json["error"] == missing.json["error"], (action, role)
        page = app.get(f"/dataset/{strict['name']}", headers=headers(role))
        assert page.status_code == (200 if role in METADATA["strictly_confidential"] else 404)

    def test_history_follows_the_level_now(self, app, portal, role):
        """A dataset raised from public to confidential shows its old addresses
        nowhere: not in its activities, not on the resource history page."""
        ds = portal["datasets"]["public"]
        first = call_action("package_activity_list", context={"user": "the-sysadmin"}, id=ds["id"])[-1]
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], sensitivity="confidential")
        # grant_elsewhere's grant is on this dataset
        gets = role in DATA["confidential"] | {"grant_elsewhere"}
        activities = call_action("package_activity_list", context=context(role), id=ds["id"])
        assert (SECRET in json.dumps(activities)) == gets, role
        try:
            shown = call_action("activity_show", context=context(role), id=first["id"], include_data=True)
        except logic.NotAuthorized:
            shown = None  # CKAN shows a whole activity to the dataset's editors only
        assert shown is None or (SECRET in json.dumps(shown)) == gets, role
        page = app.get(
            f"/dataset/{ds['name']}/resources/{ds['resources'][0]['id']}/history/{first['id']}", headers=headers(role)
        )
        assert page.status_code == 200
        assert (SECRET in page.get_data(as_text=True)) == gets, role


# -- the matrix: every gated exit x every role x every level ---------------------------------


def address(level):
    """The address of the one file of the dataset at ``level`` (each its own)."""
    return f"{SECRET}?level={level}"


@pytest.fixture
def matrix(portal):
    """The portal, each dataset's file at an address of its own, each dataset
    changed twice (so activity diffs exist) and in a group."""
    group = call_action("group_create", context={"user": "the-sysadmin"}, name="contamination", title="Contamination")
    for level, ds in portal["datasets"].items():
        resources = [{**ds["resources"][0], "url": address(level)}]
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], resources=resources)
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], notes="Surveyed again")
        call_action(
            "member_create",
            context={"user": "the-sysadmin"},
            id=group["id"],
            object=ds["id"],
            object_type="package",
            capacity="public",
        )
    return portal


def _activity(ds):
    return call_action("package_activity_list", context={"user": "the-sysadmin"}, id=ds["id"])[0]["id"]


#: for each gated or shown action, the calls that would carry every dataset
#: (``ds``: the dataset of the level; ``user``: the role's user name)
PROBES = {
    "package_search": lambda ds, user: [{"q": "*:*", "rows": 100, "fl": "*", "include_private": True}],
    "package_list": lambda ds, user: [{}],
    "current_package_list_with_resources": lambda ds, user: [{"limit": 100}],
    "package_autocomplete": lambda ds, user: [{"q": "hazards"}],
    "package_show": lambda ds, user: [{"id": ds["id"]}],
    "resource_show": lambda ds, user: [{"id": ds["resources"][0]["id"]}],
    "resource_search": lambda ds, user: [{"query": "name:IMSMA"}, {"query": "url:secret"}],
    "resource_view_show": None,  # tests/imwg_sensitivity/test_gating_pages.py::test_resource_views
    "resource_view_list": lambda ds, user: [{"id": ds["resources"][0]["id"]}],
    "package_relationships_list": lambda ds, user: [{"id": ds["id"]}],
    "tag_show": lambda ds, user: [{"id": "mine-action", "include_datasets": True}],
    "tag_list": lambda ds, user: [{"all_fields": True}],
    "tag_autocomplete": lambda ds, user: [{"q": "only"}],
    "tag_search": lambda ds, user: [{"query": "only"}],
    "format_autocomplete": lambda ds, user: [{"q": "c"}],
    "member_list": lambda ds, user: [{"id": "imsma-authority"}, {"id": "contamination"}],
    "dataset_followee_list": lambda ds, user: [{"id": user}] if user else [],
    "followee_list": lambda ds, user: [{"id": user}] if user else [],
    "am_following_dataset": lambda ds, user: [{"id": ds["id"]}] if user else [],
    "dataset_follower_count": lambda ds, user: [{"id": ds["id"]}],
    "group_list": lambda ds, user: [{"all_fields": True}],
    "organization_list": lambda ds, user: [{"all_fields": True}],
    "organization_list_for_user": lambda ds, user: [{"include_dataset_count": True}] if user else [],
    "group_list_authz": lambda ds, user: [{}] if user else [],
    "package_activity_list": lambda ds, user: [{"id": ds["id"]}],
    "dashboard_activity_list": lambda ds, user: [{}] if user else [],
    "user_activity_list": lambda ds, user: [{"id": "the-sysadmin"}],
    "organization_activity_list": lambda ds, user: [{"id": "imsma-authority"}],
    "group_activity_list": lambda ds, user: [{"id": "contamination"}],
    "recently_changed_packages_activity_list": lambda ds, user: [{}],
    "activity_show": lambda ds, user: [{"id": _activity(ds), "include_data": True}],
    "activity_data_show": lambda ds, user: [{"id": _activity(ds)}],
    "activity_diff": lambda ds, user: [{"id": _activity(ds), "object_type": "package"}],
    "group_show": lambda ds, user: [{"id": "contamination", "include_datasets": True}],
    "organization_show": lambda ds, user: [{"id": "imsma-authority", "include_datasets": True}],
    "group_package_show": lambda ds, user: [{"id": "contamination"}],
    "user_show": lambda ds, user: [{"id": "owner-editor", "include_datasets": True}],
    "user_list": lambda ds, user: [{"order_by": "number_created_packages"}],
    # writes: test_writes_naming_a_hidden_dataset_answer_as_missing
    **dict.fromkeys(chained.WRITES),
    # imwg_exchange's reads, each checked for every role and level of this
    # matrix in tests/imwg_exchange/test_*_gating.py (they need the
    # exchange's and the gazetteer's plugins, which this portal leaves out);
    # need_search answers the needs' own fields, no dataset
    **dict.fromkeys(
        (
            "exchange_overview",
            "freshness_show",
            "freshness_list_for_user",
            "holdings_matrix",
            "completeness_grid",
            "need_show",
            "need_search",
            "need_matches",
            "need_notice_list",
        )
    ),
    # ckanext-dcat's reads (package_show / package_search as the caller),
    # checked for every role and level in tests/imwg_interop/test_interop_gating.py
    **dict.fromkeys(("dcat_dataset_show", "dcat_catalog_show", "dcat_catalog_search")),
}


def test_every_gated_exit_has_a_probe():
    """The matrix below covers each action classified gated or shown."""
    gated = {n for n, kind in exits.ACTIONS.items() if kind in (exits.GATED, exits.SHOWN)}
    assert sorted(gated - set(PROBES)) == []


def assert_protocol(text, role, where, datasets):
    """Metadata and data judged apart: a hidden dataset leaves no name, title
    or id (but those the caller asked with); a file's address shows only to
    those who get its data."""
    for level, ds in datasets.items():
        if role not in METADATA[level]:
            for mark in (ds["name"], ds["title"], ds["id"]):
                assert mark not in text or mark in str(where), (where, role, level, mark)
        if role not in DATA[level]:
            assert address(level) not in text, (where, role, level)


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.parametrize("role", ROLES)
def test_every_action_for_every_level(matrix, role):
    """Each gated or shown action, called as the role on every level's dataset, keeps the protocol."""
    user = context(role)["user"]
    for name, probe in PROBES.items():
        if probe is None:
            continue
        for level, ds in matrix["datasets"].items():
            for params in probe(ds, user):
                try:
                    answer = call_action(name, context=context(role), **params)
                except (logic.NotFound, logic.NotAuthorized, logic.ValidationError) as error:
                    answer = {"refused": str(error)}
                assert_protocol(json.dumps(answer, default=str), role, (name, level, params), matrix["datasets"])


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.parametrize("role", sorted(set(ROLES) - METADATA["strictly_confidential"]))
def test_an_activity_of_a_hidden_dataset_answers_as_a_missing_one(matrix, role):
    """activity_show, activity_data_show and activity_diff: the answer for an
    activity of a hidden dataset is word for word CKAN's for a missing
    activity (its own answer differs by caller: a signed-in user is told
    NotFound, an anonymous one NotAuthorized)."""
    activity = _activity(matrix["datasets"]["strictly_confidential"])
    missing = "00000000-0000-0000-0000-000000000000"
    for name, extra in (
        ("activity_show", {}),
        ("activity_data_show", {}),
        ("activity_diff", {"object_type": "package"}),
    ):
        with pytest.raises((logic.NotFound, logic.NotAuthorized)) as hidden:
            call_action(name, context=context(role), id=activity, **extra)
        with pytest.raises((logic.NotFound, logic.NotAuthorized)) as absent:
            call_action(name, context=context(role), id=missing, **extra)
        assert (type(hidden.value), str(hidden.value)) == (type(absent.value), str(absent.value)), name


PAGES = (
    "/",
    "/dataset/",
    "/dataset/?q=hazards&facet.mincount=0",
    "/dataset/{name}",
    "/dataset/{name}/resource/{rid}",
    "/dataset/activity/{name}",
    "/dataset/changes/{activity}",
    "/dataset/{name}/history/{activity}",
    "/dataset/{name}/resources/{rid}/history/{activity}",
    "/dataset/resources/{name}",
    "/dataset/followers/{name}",
    "/organization/",
    "/organization/imsma-authority",
    "/organization/activity/imsma-authority",
    "/group/",
    "/group/contamination",
    "/feeds/dataset.atom",
    "/feeds/tag/mine-action.atom",
    "/feeds/custom.atom?q=hazards",
    "/feeds/organization/imsma-authority.atom",
    "/api/util/dataset/autocomplete?incomplete=hazards",
    "/api/util/tag/autocomplete?incomplete=only",
    "/api/util/resource/format_autocomplete?incomplete=c",
    "/user/owner-editor",
    "/user/activity/owner-editor",
    "/dashboard/",
    "/dashboard/datasets",
    "/dashboard/organizations",
)


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_level(app, matrix, role):
    """Each page that lists or shows datasets, as the role, keeps the protocol;
    a hidden dataset's pages answer 404 as a missing one's do."""
    for page in (p for p in PAGES if "{" not in p):
        resp = app.get(page, headers=headers(role))
        assert resp.status_code < 500, (page, role)
        assert_protocol(resp.get_data(as_text=True), role, page, matrix["datasets"])
    for level, ds in matrix["datasets"].items():
        values = {"name": ds["name"], "rid": ds["resources"][0]["id"], "activity": _activity(ds)}
        for page in (p for p in PAGES if "{" in p):
            url = page.format(**values)
            resp = app.get(url, headers=headers(role))
            assert resp.status_code < 500, (url, role)
            assert_protocol(resp.get_data(as_text=True), role, url, matrix["datasets"])
            if ("{name}" in page or "{activity}" in page) and role not in METADATA[level]:
                assert resp.status_code == 404, (url, role, resp.status_code)


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestFoundByAttack:
    @pytest.mark.parametrize("role", ["anonymous", "no_org", "other_admin", "owner_member"])
    def test_writes_naming_a_hidden_dataset_answer_as_missing(self, app, portal, role):
        """Every write that names a hidden dataset or its file answers as for a missing one, and changes nothing."""
        strict = portal["datasets"]["strictly_confidential"]
        rid = strict["resources"][0]["id"]
        group = call_action("group_create", context={"user": "the-sysadmin"}, name="mine", title="Mine")
        calls = {
            "package_patch": ({"id": strict["id"], "notes": "x"}, "id"),
            "package_update": ({"id": strict["id"], "name": "x"}, "id"),
            "package_delete": ({"id": strict["id"]}, "id"),
            "package_collaborator_list": ({"id": strict["id"]}, "id"),
            "dataset_purge": ({"id": strict["id"]}, "id"),
            "unfollow_dataset": ({"id": strict["id"]}, "id"),
            "resource_patch": ({"id": rid, "name": "x"}, "id"),
            "resource_update": ({"id": rid, "url": "x"}, "id"),
            "resource_delete": ({"id": rid}, "id"),
            "resource_create": ({"package_id": strict["id"], "url": "https://x.org/a.csv"}, "package_id"),
            "resource_view_create": ({"resource_id": rid, "view_type": "image_view", "title": "x"}, "resource_id"),
            "member_create": (
                {"id": group["id"], "object": strict["id"], "object_type": "package", "capacity": "public"},
                "object",
            ),
        }
        sees = role in METADATA["strictly_confidential"]
        for action, (params, key) in calls.items():
            hidden = app.post(f"/api/3/action/{action}", json=params, headers=headers(role))
            missing = app.post(f"/api/3/action/{action}", json={**params, key: "no-such-thing"}, headers=headers(role))
            if not sees:
                assert (hidden.status_code, hidden.json["error"]) == (missing.status_code, missing.json["error"]), (
                    action,
                    role,
                )
                assert strict["id"] not in hidden.get_data(as_text=True), action
        model.Session.expire_all()
        assert model.Package.get(strict["id"]).state == "active"
        members = call_action("member_list", context={"user": "the-sysadmin"}, id="mine", object_type="package")
        assert members == [] or sees

    @pytest.mark.parametrize("role", ["anonymous", "no_org", "owner_member"])
    def test_counts_of_users_and_order_of_organisations(self, portal, role):
        """A user's dataset count and the order of organisations by count leave out hidden datasets."""
        visible = sum(role in METADATA[lv] for lv in METADATA) + 1  # and casualty-summary
        shown = call_action("user_show", context=context(role), id="owner-editor", include_datasets=True)
        assert shown["number_created_packages"] == visible
        listed = {u["name"]: u for u in call_action("user_list", context=context(role))}
        assert listed["owner-editor"]["number_created_packages"] == visible
        orgs = call_action("organization_list", context=context(role), all_fields=True, sort="package_count desc")
        counts = [o["package_count"] for o in orgs]
        assert counts == sorted(counts, reverse=True)

    @pytest.mark.parametrize("role", ["no_org", "other_member"])
    def test_resource_search_sorted_by_address(self, portal, role):
        """Sorting resources by address places no gated one among them (an oracle for its address)."""
        found = call_action("resource_search", context=context(role), query="name:", order_by="url")
        for res in found["results"]:
            assert res["url"], res["id"]

    def test_a_move_to_another_organisation_moves_the_history(self, portal):
        """A strictly confidential dataset moved elsewhere: its former owners no longer see its activities."""
        strict = portal["datasets"]["strictly_confidential"]
        call_action(
            "package_owner_org_update", context={"user": "the-sysadmin"}, id=strict["id"], organization_id="partner-ngo"
        )
        stream = json.dumps(call_action("recently_changed_packages_activity_list", context=context("owner_member")))
        assert strict["name"] not in stream
        stream = json.dumps(call_action("recently_changed_packages_activity_list", context=context("other_member")))
        assert strict["name"] in stream
