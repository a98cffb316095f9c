"""Data-sharing agreements at the exits that serve data: the download gate,
``package_show``'s resource addresses, the audit log; in force, out of force,
in and out of scope, and never beyond the protocol."""

from __future__ import annotations

import datetime as dt

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_sensitivity.access import Access
from ckanext.imwg_sensitivity.agreements import agreement_table
from ckanext.imwg_sensitivity.model import audit_table
from tests.imwg_sensitivity.matrix import SECRET, build_portal, context, headers

#: imwg_pcode: the gazetteer behind the places of a rule
PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search imwg_pcode"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

#: members of the receiving organisation (partner-ngo) that no grant reaches
RECEIVERS = ["other_member", "other_admin"]
#: everyone else without data of a confidential dataset
OUTSIDERS = ["third_member", "no_org", "anonymous"]


@pytest.fixture
def portal():
    portal = build_portal()
    factories.User(name="third-member")
    factories.Organization(name="third-org", org_type="ingo", users=[{"name": "third-member", "capacity": "member"}])
    return portal


def agree(**scope):
    """An agreement from imsma-authority to partner-ngo, recorded by its admin."""
    values = {
        "provider_id": "imsma-authority",
        "receiver_id": "partner-ngo",
        "purpose": "Protection monitoring of contaminated areas",
        "ends": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        **scope,
    }
    return call_action("access_agreement_create", context={"user": "owner-admin", "ignore_auth": False}, **values)


def ctx(role):
    if role == "third_member":
        return {"user": "third-member", "ignore_auth": False}
    return context(role)


def auth(role):
    if role == "third_member":
        return {"Authorization": factories.APIToken(user="third-member")["token"]}
    return headers(role)


def download(app, role, ds):
    res = ds["resources"][0]
    return app.get(f"/dataset/{ds['id']}/resource/{res['id']}/download", headers=auth(role), follow_redirects=False)


def served(app, role, ds):
    """Whether the role gets the data: the gate's download and package_show's address agree."""
    resp = download(app, role, ds)
    pkg = call_action("package_show", context=ctx(role), id=ds["id"])
    shown = pkg["resources"][0]["url"] == SECRET
    got = resp.status_code == 302 and resp.headers["Location"] == SECRET
    assert got == shown, (role, resp.status_code, shown)
    if not got:
        assert resp.status_code == 403
    return got


def set_dates(agreement_id, starts, ends):
    model.Session.execute(
        agreement_table.update().where(agreement_table.c.id == agreement_id).values(starts=starts, ends=ends)
    )
    model.Session.commit()


@pytest.mark.parametrize("role", RECEIVERS + OUTSIDERS)
def test_without_agreement_confidential_data_is_refused(app, portal, role):
    assert not served(app, role, portal["datasets"]["confidential"])


@pytest.mark.parametrize("role", RECEIVERS)
def test_agreement_in_force_gives_receivers_the_data(app, portal, role):
    agree(by_rule=True)
    assert served(app, role, portal["datasets"]["confidential"])


@pytest.mark.parametrize("role", OUTSIDERS)
def test_agreement_gives_nothing_to_third_parties(app, portal, role):
    agree(by_rule=True)
    assert not served(app, role, portal["datasets"]["confidential"])


def test_datasets_created_later_are_covered(app, portal):
    agree(sectors=["protection"])
    later = call_action(
        "package_create",
        context={"user": "owner-editor"},
        type="dataset",
        name="victims-later",
        title="Victims later",
        owner_org=portal["owner"]["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity="confidential",
        resources=[{"url": SECRET, "name": "Export", "format": "CSV"}],
    )
    assert served(app, "other_member", later)


def test_expired_not_started_and_terminated_agreements_give_nothing(app, portal):
    ds = portal["datasets"]["confidential"]
    agreement = agree(by_rule=True)
    assert served(app, "other_member", ds)
    today = dt.date.today()
    set_dates(agreement["id"], today - dt.timedelta(days=40), today - dt.timedelta(days=1))
    assert not served(app, "other_member", ds)
    set_dates(agreement["id"], today + dt.timedelta(days=1), today + dt.timedelta(days=40))
    assert not served(app, "other_member", ds)
    set_dates(agreement["id"], today, today)  # the last day is still in force
    assert served(app, "other_member", ds)
    call_action("access_agreement_terminate", context={"user": "owner-admin", "ignore_auth": False}, id=agreement["id"])
    assert not served(app, "other_member", ds)


def test_other_sector_is_out_of_scope(app, portal):
    agree(sectors=["health", "education"])
    assert not served(app, "other_member", portal["datasets"]["confidential"])


def test_named_datasets_cover_only_those(app, portal):
    ds = portal["datasets"]["confidential"]
    other = call_action(
        "package_create",
        context={"user": "owner-editor"},
        type="dataset",
        name="victims-other",
        title="Victims other",
        owner_org=portal["owner"]["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity="confidential",
        resources=[{"url": SECRET, "name": "Export", "format": "CSV"}],
    )
    agree(package_ids=[ds["name"]])
    assert served(app, "other_member", ds)
    assert not served(app, "other_member", other)


def test_dataset_of_another_organisation_is_not_covered(app, portal):
    factories.User(name="third-editor")
    third = model.Group.get("third-org")
    call_action("member_create", id=third.id, object="third-editor", object_type="user", capacity="editor")
    foreign = call_action(
        "package_create",
        context={"user": "third-editor"},
        type="dataset",
        name="third-confidential",
        title="Third confidential",
        owner_org=third.id,
        source="Third",
        sectors=["protection"],
        sensitivity="confidential",
        resources=[{"url": SECRET, "name": "Export", "format": "CSV"}],
    )
    agree(by_rule=True)
    assert not served(app, "other_member", foreign)


def test_strictly_confidential_is_never_covered(app, portal):
    """The protocol allows no requests for strictly confidential data: no agreement reaches it."""
    ds = portal["datasets"]["strictly_confidential"]
    agree(by_rule=True, max_level="strictly_confidential", package_ids=[ds["id"]])
    pkg = model.Package.get(ds["id"])
    access = Access("other-member")
    assert not access.gets_data(pkg)
    assert not access.gets_data(pkg, pkg.resources[0])
    assert download(app, "other_member", ds).status_code == 404  # not even its metadata


@pytest.mark.ckan_config(
    "ckanext.imwg_sensitivity.protocol.restricted", "metadata:everyone data:owner aggregates:members requests"
)
def test_level_above_max_level_is_out_of_scope(app, portal):
    agree(by_rule=True, max_level="restricted")
    assert served(app, "other_member", portal["datasets"]["restricted"])
    assert not served(app, "other_member", portal["datasets"]["confidential"])


def test_download_audit_names_the_agreement(app, portal):
    agreement = agree(by_rule=True)
    ds = portal["datasets"]["confidential"]
    assert served(app, "other_member", ds)
    rows = model.Session.execute(
        sa.select(audit_table).where(audit_table.c.event == "download", audit_table.c.package_id == ds["id"])
    ).all()
    assert len(rows) == 1
    assert rows[0].detail["agreement_id"] == agreement["id"]
    # the owner's own download names no agreement
    download(app, "owner_member", ds)
    rows = model.Session.execute(
        sa.select(audit_table).where(audit_table.c.event == "download", audit_table.c.package_id == ds["id"])
    ).all()
    assert sorted("agreement_id" in r.detail for r in rows) == [False, True]


def test_search_results_show_covered_addresses(portal):
    agree(by_rule=True)
    result = call_action("package_search", context=ctx("other_member"), rows=100)
    urls = {p["name"]: p["resources"][0]["url"] for p in result["results"]}
    assert urls["hazards-confidential"] == SECRET
    result = call_action("package_search", context=ctx("third_member"), rows=100)
    urls = {p["name"]: p["resources"][0]["url"] for p in result["results"]}
    assert urls["hazards-confidential"] == ""


def test_receivers_may_not_request_what_they_get(portal):
    pkg = model.Package.get(portal["datasets"]["confidential"]["id"])
    assert Access("other-member").may_request(pkg)
    agree(by_rule=True)
    assert not Access("other-member").may_request(pkg)
    assert Access("third-member").may_request(pkg)


def test_agreements_are_read_once_per_access(portal):
    """One query for the agreements, however many datasets are judged."""
    agree(by_rule=True)
    access = Access("other-member")
    pkgs = [model.Package.get(ds["id"]) for ds in portal["datasets"].values()]
    statements = []

    def count(conn, cursor, statement, *args):
        if "imwg_sensitivity_agreement" in statement:
            statements.append(statement)

    engine = model.Session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        for _ in range(3):
            for pkg in pkgs:
                access.gets_data(pkg)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1


class TestPlaces:
    @pytest.fixture
    def gazetteer(self, tmp_path):
        from tests.imwg_pcode import places

        places.load(tmp_path)

    @pytest.fixture
    def township(self, gazetteer, portal):
        return call_action(
            "package_create",
            context={"user": "owner-editor"},
            type="dataset",
            name="waingmaw-hazards",
            title="Waingmaw hazards",
            owner_org=portal["owner"]["id"],
            source="National authority",
            sectors=["protection"],
            pcodes=["MMR001014"],
            sensitivity="confidential",
            resources=[{"url": SECRET, "name": "Export", "format": "CSV"}],
        )

    def test_a_place_covers_the_places_within_it(self, app, township):
        agree(places=["MMR001"])  # Kachin, the township's state
        assert served(app, "other_member", township)

    def test_another_place_is_out_of_scope(self, app, township):
        agree(places=["MMR015"])  # Shan (North)
        assert not served(app, "other_member", township)

    def test_unknown_place_is_a_field_error(self, township):
        import ckan.logic as logic

        with pytest.raises(logic.ValidationError) as e:
            agree(places=["MMR001", "XX999"])
        assert "places" in e.value.error_dict
        assert model.Session.execute(sa.select(sa.func.count()).select_from(agreement_table)).scalar() == 0
