"""Following places: the actions, their refusals, the page's button, and who
is told of a dataset's change (roll-up of places, no self-notification)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.logic import NotAuthorized, ValidationError
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_notify.follows import fanout
from ckanext.imwg_notify.follows.model import place_follow_table
from tests.imwg_notify.follows_support import (
    KACHIN,
    MYITKYINA_DISTRICT,
    SHAN,
    WAINGMAW,
    as_user,
    changes,
    messages,
    publish,
    told,
)
from tests.imwg_pcode import places

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]

# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture
def site(tmp_path):
    places.load(tmp_path)
    users = {n: factories.User(name=n) for n in ("follower", "editor", "stranger")}
    org = factories.Organization(
        name="demining-operator", org_type="ingo", users=[{"name": "editor", "capacity": "editor"}]
    )
    return {"users": users, "org": org}


# -- following a place --------------------------------------------------------------------


def test_follow_a_place_lists_it_and_counts_it(site):
    """A user follows a state: it is in their list (with its gazetteer name) and counted."""
    done = call_action("notify_place_follow", context=as_user("follower"), pcode="mmr001")
    assert done == {"pcode": KACHIN, "following": True}
    listed = call_action("notify_place_followee_list", context=as_user("follower"))
    assert [(p["pcode"], p["name"], p["level"]) for p in listed] == [(KACHIN, "Kachin", 1)]
    assert call_action("notify_place_follower_count", context={"user": ""}, pcode=KACHIN) == 1


def test_unfollow_a_place(site):
    """Unfollowing removes the follow; the count goes back to zero."""
    call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    assert call_action("notify_place_unfollow", context=as_user("follower"), pcode=KACHIN)["following"] is False
    assert call_action("notify_place_followee_list", context=as_user("follower")) == []
    assert call_action("notify_place_follower_count", context={"user": ""}, pcode=KACHIN) == 0


def test_following_twice_is_a_clear_field_error(site):
    """Following a place already followed is refused on the field."""
    call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    with pytest.raises(ValidationError) as e:
        call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    assert "already" in e.value.error_dict["pcode"][0]


def test_unfollowing_a_place_not_followed_is_a_field_error(site):
    """Unfollowing a place one does not follow is refused on the field."""
    with pytest.raises(ValidationError) as e:
        call_action("notify_place_unfollow", context=as_user("follower"), pcode=KACHIN)
    assert "pcode" in e.value.error_dict


@pytest.mark.parametrize(
    "pcode", ["XX999", "", "   ", None, 42, ["MMR001"], {"a": 1}, "MMR\x00001", "M" * 500, "MMR001' OR 1=1 --"]
)
def test_bad_pcodes_are_field_errors_and_store_nothing(site, pcode):
    """Unknown, empty, non-text, NUL or overlong codes: a ValidationError on ``pcode``, nothing stored."""
    data = {} if pcode is None else {"pcode": pcode}
    with pytest.raises(ValidationError) as e:
        call_action("notify_place_follow", context=as_user("follower"), **data)
    assert "pcode" in e.value.error_dict
    assert model.Session.execute(sa.select(sa.func.count()).select_from(place_follow_table)).scalar() == 0


def test_missing_pcode_on_count_is_a_field_error(site):
    """The count of an unknown place is refused on the field."""
    with pytest.raises(ValidationError) as e:
        call_action("notify_place_follower_count", context={"user": ""}, pcode="XX999")
    assert "pcode" in e.value.error_dict


def test_anonymous_cannot_follow(site):
    """An anonymous caller may not follow or list follows."""
    with pytest.raises(NotAuthorized):
        call_action("notify_place_follow", context={"user": "", "ignore_auth": False}, pcode=KACHIN)
    with pytest.raises(NotAuthorized):
        call_action("notify_place_followee_list", context={"user": "", "ignore_auth": False})


# -- the location page ----------------------------------------------------------------------


def test_location_page_has_a_follow_button_and_login_for_anonymous(site, app):
    """A signed-in user sees Follow (a form with the CSRF token); an anonymous visitor a link to log in."""
    token = factories.APIToken(user="follower")["token"]
    page = app.get(f"/location/{KACHIN}", headers={"Authorization": token})
    assert f"/location/{KACHIN}/follow" in page.body
    assert "_csrf_token" in page.body
    anonymous = app.get(f"/location/{KACHIN}")
    assert "/user/login" in anonymous.body
    assert f"/location/{KACHIN}/follow" not in anonymous.body


def test_follow_button_posts_and_then_shows_unfollow(site, app):
    """POST follow (token-authenticated, as an API client may) follows; the page then offers Unfollow."""
    token = factories.APIToken(user="follower")["token"]
    resp = app.post(f"/location/{KACHIN}/follow", headers={"Authorization": token}, follow_redirects=False)
    assert resp.status_code == 302
    assert call_action("notify_place_followee_list", context=as_user("follower"))[0]["pcode"] == KACHIN
    page = app.get(f"/location/{KACHIN}", headers={"Authorization": token})
    assert f"/location/{KACHIN}/unfollow" in page.body


def test_follow_post_without_csrf_token_is_refused(site, app):
    """A browser POST (cookie session, no token) without the CSRF token is refused, nothing stored."""
    resp = app.post(f"/location/{KACHIN}/follow", follow_redirects=False)
    # anonymous without a token: refused by the CSRF check before anything else
    assert resp.status_code in (302, 400)
    assert model.Session.execute(sa.select(sa.func.count()).select_from(place_follow_table)).scalar() == 0


def test_anonymous_follow_post_goes_to_login(site, app):
    """An anonymous visitor who posts Follow (with a valid CSRF token) is sent to log in."""
    app.get(f"/location/{KACHIN}")  # a session
    resp = app.post(f"/location/{KACHIN}/follow", data={}, follow_redirects=False)
    assert resp.status_code in (302, 400)
    if resp.status_code == 302:
        assert "/user/login" in resp.headers["Location"]


def test_unknown_place_post_flashes_no_500(site, app):
    """Following an unknown code through the page answers a redirect with the error, never a 500."""
    token = factories.APIToken(user="follower")["token"]
    resp = app.post("/location/XX999/follow", headers={"Authorization": token}, follow_redirects=False)
    assert resp.status_code == 302


def test_followed_places_page(site, app):
    """The signed-in user's list of followed places, with Unfollow forms."""
    call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    token = factories.APIToken(user="follower")["token"]
    page = app.get("/dashboard/places", headers={"Authorization": token})
    assert "Kachin" in page.body
    assert f"/location/{KACHIN}/unfollow" in page.body


# -- who is told ----------------------------------------------------------------------------
#
# Each test runs twice: with followers told at once (a message each, stored
# with the change) and with followers who chose the daily digest (the change
# stored once, its recipients found when the digest is built).


@pytest.fixture(params=["immediate", "daily"])
def how(request, monkeypatch):
    from ckanext.imwg_notify import outbox

    monkeypatch.setitem(outbox.KINDS["changes"], "default", request.param)
    return request.param


def test_following_a_state_covers_its_townships(site, how):
    """A dataset placed in a township reaches the followers of the township's state and district,
    not those of another state."""
    users = {code: factories.User() for code in (KACHIN, MYITKYINA_DISTRICT, WAINGMAW, SHAN)}
    for code, user in users.items():
        call_action("notify_place_follow", context=as_user(user["name"]), pcode=code)
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    for code in (KACHIN, MYITKYINA_DISTRICT, WAINGMAW):
        (msg,) = told(users[code]["id"], how)
        assert msg["package_id"] == ds["id"]
        assert msg["event"] == "new"
        assert msg["reason"] == "place"
        assert msg["pcode"] == code
    assert told(users[SHAN]["id"], how) == []


def test_dataset_and_organisation_followers_are_told(site, how):
    """Followers of the organisation hear of a new dataset; followers of the dataset of a new resource."""
    call_action("follow_group", context=as_user("follower"), id=site["org"]["id"])
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    (msg,) = told(site["users"]["follower"]["id"], how)
    assert (msg["event"], msg["reason"]) == ("new", "organization")
    call_action("follow_dataset", context=as_user("stranger"), id=ds["id"])
    call_action("resource_create", context=as_user("editor"), package_id=ds["id"], url="http://x.example/a.csv")
    told_stranger = told(site["users"]["stranger"]["id"], how)
    assert [(m["event"], m["reason"]) for m in told_stranger] == [("resource_new", "dataset")]


def test_no_self_notification(site, how):
    """The one who makes the change is not told of it, whatever they follow."""
    call_action("notify_place_follow", context=as_user("editor"), pcode=KACHIN)
    call_action("follow_group", context=as_user("editor"), id=site["org"]["id"])
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    call_action("resource_create", context=as_user("editor"), package_id=ds["id"], url="http://x.example/a.csv")
    assert told(site["users"]["editor"]["id"], how) == []


def test_a_burst_of_edits_is_one_notification_per_resource_and_day(site, how):
    """Ten updates of the same resource on one day: one notification for it, one change stored."""
    call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    res = call_action("resource_create", context=as_user("editor"), package_id=ds["id"], url="http://x.example/a")
    for i in range(10):
        call_action("resource_patch", context=as_user("editor"), id=res["id"], description=f"edit {i}")
    events = sorted(m["event"] for m in told(site["users"]["follower"]["id"], how))
    assert events == ["new", "resource_changed", "resource_new"]
    assert sorted(c["event"] for c in changes(ds["id"])) == events


def test_a_draft_is_not_announced_until_active(site, how):
    """A draft tells nobody; made active (as the web form does) it is new to the followers, once."""
    call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    ds = publish("editor", site["org"], pcodes=[WAINGMAW], state="draft")
    assert told(site["users"]["follower"]["id"], how) == []
    call_action("package_patch", context=as_user("editor"), id=ds["id"], state="active")
    call_action("package_patch", context=as_user("editor"), id=ds["id"], notes="again")
    assert [m["event"] for m in told(site["users"]["follower"]["id"], how)] == ["new"]


def test_a_dataset_is_new_only_to_those_who_followed_before_it(site, how):
    """Who follows a place after a dataset in it was published is not told it is new."""
    publish("editor", site["org"], pcodes=[WAINGMAW])
    call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    assert told(site["users"]["follower"]["id"], how) == []


def test_followers_who_cannot_see_the_dataset_are_not_told(site, how):
    """A strictly confidential dataset: a follower of its place outside the organisation is not told."""
    call_action("notify_place_follow", context=as_user("stranger"), pcode=KACHIN)
    publish("editor", site["org"], pcodes=[WAINGMAW], sensitivity="strictly_confidential")
    assert told(site["users"]["stranger"]["id"], how) == []


def test_no_resource_address_is_stored(site, how):
    """What is stored for the mail holds ids and plain values, never a resource's address."""
    call_action("notify_place_follow", context=as_user("follower"), pcode=KACHIN)
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    call_action("resource_create", context=as_user("editor"), package_id=ds["id"], url="https://secret.example.org/x")
    stored = told(site["users"]["follower"]["id"], how) + changes(ds["id"])
    assert stored
    assert "secret.example.org" not in str(stored)


def test_need_matched_signal_notifies_the_followers(site):
    """NEED_MATCHED: each follower named gets a "needs" notification about the dataset."""
    from ckanext.imwg import interfaces

    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    follower = site["users"]["follower"]["id"]
    interfaces.signal(interfaces.NEED_MATCHED).send("need-1", package_id=ds["id"], followers=[follower])
    interfaces.signal(interfaces.NEED_MATCHED).send("need-1", package_id=ds["id"], followers=[follower])
    (msg,) = messages(follower, kind="needs")
    assert msg["data"] == {"need_id": "need-1", "package_id": ds["id"]}


def test_level_changed_signal_tells_followers_who_still_see_it(site, how):
    """LEVEL_CHANGED: followers of the dataset who still see it are told, the changer is not."""
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    call_action("follow_dataset", context=as_user("follower"), id=ds["id"])
    stored = fanout.fan_out({"user": "editor"}, ds["id"], fanout.LEVEL, extra={"old": "public", "new": "restricted"})
    assert stored == (1 if how == "immediate" else 0)  # a digest's reader gets no message of their own
    (msg,) = [m for m in told(site["users"]["follower"]["id"], how) if m["event"] == "level"]
    assert (msg["old"], msg["new"]) == ("public", "restricted")
    assert told(site["users"]["editor"]["id"], how) == []


def test_a_level_change_tells_the_followers(site, how):
    """Raising a dataset's level (imwg_sensitivity's LEVEL_CHANGED) tells its followers who still see it."""
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    call_action("follow_dataset", context=as_user("follower"), id=ds["id"])
    call_action("package_patch", context=as_user("editor"), id=ds["id"], sensitivity="confidential")
    (msg,) = [m for m in told(site["users"]["follower"]["id"], how) if m["event"] == "level"]
    assert (msg["old"], msg["new"]) == ("public", "confidential")
    assert told(site["users"]["editor"]["id"], how) == []


def test_a_matched_need_tells_its_followers(site):
    """A dataset matching an open need (imwg_exchange's NEED_MATCHED): the need's follower gets a "needs" message."""
    call_action("organization_member_create", id=site["org"]["id"], username="follower", role="member")
    need = call_action(
        "need_create",
        context=as_user("follower"),
        title="Hazardous areas in Kachin",
        notes="Polygons",
        sectors=["protection"],
        pcodes=[KACHIN],
        owner_org=site["org"]["id"],
        purpose="Plan safe routes",
        deadline=(dt.date.today() + dt.timedelta(days=300)).isoformat(),
    )
    ds = publish("editor", site["org"], pcodes=[WAINGMAW])
    (msg,) = messages(site["users"]["follower"]["id"], kind="needs")
    assert msg["data"] == {"need_id": need["id"], "package_id": ds["id"]}
