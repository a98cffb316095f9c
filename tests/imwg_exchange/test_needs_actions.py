"""The data-needs register's actions: every state change, every refusal (nothing saved)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from ckan import model
from ckan.logic import NotAuthorized, NotFound, ValidationError
from ckan.tests.helpers import call_action

from ckanext.imwg_exchange.needs.model import answer_table, need_table, notice_table

from .needs_support import NEXT_YEAR, YESTERDAY, as_user, need_fields, portal, post_need, publish

pytestmark = [pytest.mark.usefixtures("with_plugins", "clean_db")]


@pytest.fixture
def site(tmp_path):
    return portal(tmp_path)


def needs_count():
    return model.Session.execute(sa.select(sa.func.count()).select_from(need_table)).scalar()


def notices_for(user_id):
    rows = model.Session.execute(sa.select(notice_table).where(notice_table.c.user_id == user_id)).all()
    return [(r.need_id, r.package_id) for r in rows]


# -- posting ------------------------------------------------------------------------


def test_a_member_posts_an_open_need_that_they_follow(site):
    """A member of the organisation posts a need: it is open, the one who posts it follows
    it, and its history starts with the posting."""
    need = post_need("member", site["cluster"])
    assert need["status"] == "open"
    assert need["following"] is True
    assert [e["event"] for e in need["history"]] == ["created"]


def test_the_organisation_may_be_named(site):
    """owner_org by name is stored as the organisation's id."""
    need = post_need("member", site["cluster"], owner_org="protection-cluster")
    assert need["owner_org"] == site["cluster"]["id"]


def test_refused_posts_save_nothing(site):
    """An editor of another organisation may not post on the cluster's behalf, nor may a
    user of no organisation, nor visitors who are not logged in; after the refusals, no need
    is stored."""
    with pytest.raises(NotAuthorized):
        post_need("editor", site["cluster"])
    with pytest.raises(NotAuthorized):
        post_need("outsider", site["cluster"])
    with pytest.raises(NotAuthorized):
        call_action("need_create", context=as_user(""), **need_fields(site["cluster"]))
    assert needs_count() == 0


def test_a_sysadmin_posts_for_any_organisation(site):
    """Sysadmins post for any organisation."""
    need = post_need("needs-sysadmin", site["operator"])
    assert need["owner_org"] == site["operator"]["id"]


BAD_INPUT = [
    ("sectors", ["protection", "astrology"]),
    ("sectors", []),
    ("data_type", "horoscope"),
    ("pcodes", ["MMR999"]),
    ("pcodes", ["MMR001099"]),
    ("deadline", YESTERDAY),
    ("deadline", "next week"),
    ("sensitivity", "top_secret"),
    ("title", ""),
    ("owner_org", "no-such-organisation"),
    ("reference_period_start", "2024-13-01"),
]


def test_bad_input_is_a_field_error_and_saves_nothing(site):
    """Unknown sectors, types, places, retired places, a past deadline, an unknown level...:
    the field's error (each bad input on one portal); the end of the period may not come
    before its start."""
    for field, value in BAD_INPUT:
        with pytest.raises(ValidationError) as error:
            post_need("member", site["cluster"], **{field: value})
        assert field in error.value.error_dict, (field, value)
        assert needs_count() == 0, (field, value)
    with pytest.raises(ValidationError) as error:
        post_need("member", site["cluster"], reference_period_start="2024-06-01", reference_period_end="2024-01-01")
    assert "reference_period_end" in error.value.error_dict


# -- reading ------------------------------------------------------------------------


def test_who_reads_needs_by_default(site):
    """The register is for logged-in users unless the option is on: need_search and
    need_show refuse visitors who are not logged in; a user of no organisation reads the
    register; need_show of an unknown id: not found."""
    need = post_need("member", site["cluster"])
    with pytest.raises(NotAuthorized):
        call_action("need_search", context=as_user(""))
    with pytest.raises(NotAuthorized):
        call_action("need_show", context=as_user(""), id=need["id"])
    assert call_action("need_search", context=as_user("outsider"))["count"] == 1
    with pytest.raises(NotFound):
        call_action("need_show", context=as_user("member"), id="no-such-need")


@pytest.mark.ckan_config("ckanext.imwg_exchange.needs_public", "true")
def test_the_option_makes_needs_public(site):
    """With needs_public on, visitors see the needs."""
    need = post_need("member", site["cluster"])
    assert call_action("need_show", context=as_user(""), id=need["id"])["title"] == need["title"]


def test_search_rolls_places_up(site):
    """A need for Waingmaw is found from Kachin."""
    need = post_need("member", site["cluster"], pcodes=["MMR001014"])
    result = call_action("need_search", context=as_user("outsider"), pcodes=["MMR001"])
    assert [n["id"] for n in result["results"]] == [need["id"]]


def test_search_does_not_roll_down(site):
    """A need for the whole of Kachin is not one of Waingmaw's."""
    post_need("member", site["cluster"], pcodes=["MMR001"])
    assert call_action("need_search", context=as_user("outsider"), pcodes=["MMR001014"])["count"] == 0


def test_search_facets_count_sectors(site):
    """Facets count needs by sector."""
    post_need("member", site["cluster"], sectors=["protection", "health"])
    post_need("member", site["cluster"], sectors=["health"])
    facets = call_action("need_search", context=as_user("outsider"))["facets"]
    assert facets["sectors"] == {"health": 2, "protection": 1}


def test_search_filters_by_status_and_words(site):
    """Filters combine: status and words."""
    post_need("member", site["cluster"], title="Casualty records")
    closed = post_need("member", site["cluster"], title="Casualty figures")
    call_action("need_close", context=as_user("member"), id=closed["id"], status="closed", outcome="withdrawn")
    result = call_action("need_search", context=as_user("outsider"), q="casualty", status=["open"])
    assert [n["title"] for n in result["results"]] == ["Casualty records"]


# -- changing -----------------------------------------------------------------------


def test_a_member_edits_a_need_and_the_history_names_the_fields(site):
    """need_update records which fields changed."""
    need = post_need("member", site["cluster"])
    updated = call_action("need_update", context=as_user("cluster-admin"), id=need["id"], title="Hazards, Kachin")
    assert updated["history"][-1]["fields"] == ["title"]


def test_need_update_puts_a_need_in_discussion(site):
    """open -> in_discussion through need_update."""
    need = post_need("member", site["cluster"])
    updated = call_action("need_update", context=as_user("member"), id=need["id"], status="in_discussion")
    assert updated["status"] == "in_discussion"


def test_a_non_member_cannot_edit(site):
    """Only members of the need's organisation change it."""
    need = post_need("member", site["cluster"])
    with pytest.raises(NotAuthorized):
        call_action("need_update", context=as_user("editor"), id=need["id"], title="Mine now")


def test_an_edit_with_bad_input_saves_nothing(site):
    """A period end before the stored start is refused; the title stays."""
    need = post_need("member", site["cluster"], reference_period_start="2024-06-01")
    with pytest.raises(ValidationError):
        call_action(
            "need_update", context=as_user("member"), id=need["id"], title="Changed", reference_period_end="2024-01-01"
        )
    assert call_action("need_show", context=as_user("member"), id=need["id"])["title"] == need["title"]


# -- answers ------------------------------------------------------------------------


def test_the_first_answer_puts_the_need_in_discussion(site):
    """Any logged-in user answers; the need goes in discussion."""
    need = post_need("member", site["cluster"])
    call_action("need_answer", context=as_user("outsider"), id=need["id"], kind="plan", text="We collect it in Q3")
    assert call_action("need_show", context=as_user("member"), id=need["id"])["status"] == "in_discussion"


def test_a_dataset_answer_names_the_dataset(site):
    """A "we have this" answer shows the dataset."""
    need = post_need("member", site["cluster"])
    ds = publish("editor", site["operator"], "hazards-waingmaw")
    call_action("need_answer", context=as_user("editor"), id=need["id"], kind="dataset", package_id=ds["name"])
    answer = call_action("need_show", context=as_user("member"), id=need["id"])["answers"][0]
    assert answer["package"]["id"] == ds["id"]


def test_refused_answers_save_nothing(site):
    """A private dataset the answerer cannot see gives the error a missing one gives; a plan
    or comment without text is refused on ``text``; answers are datasets, plans or comments;
    answers come from logged-in users. No answer is stored and the need stays open."""
    need = post_need("member", site["cluster"])
    hidden = publish("editor", site["operator"], "private-hazards", private=True)
    errors = []
    for package_id in (hidden["id"], "no-such-dataset"):
        with pytest.raises(ValidationError) as error:
            call_action(
                "need_answer", context=as_user("outsider"), id=need["id"], kind="dataset", package_id=package_id
            )
        errors.append(error.value.error_dict)
    assert errors[0] == errors[1]
    with pytest.raises(ValidationError) as error:
        call_action("need_answer", context=as_user("outsider"), id=need["id"], kind="plan")
    assert "text" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        call_action("need_answer", context=as_user("outsider"), id=need["id"], kind="rumour", text="x")
    assert "kind" in error.value.error_dict
    with pytest.raises(NotAuthorized):
        call_action("need_answer", context=as_user(""), id=need["id"], kind="comment", text="hi")
    assert model.Session.execute(sa.select(sa.func.count()).select_from(answer_table)).scalar() == 0
    assert call_action("need_show", context=as_user("member"), id=need["id"])["status"] == "open"


# -- closing ------------------------------------------------------------------------


def test_a_member_marks_a_need_fulfilled_by_a_dataset(site):
    """fulfilled, with the dataset that met the need."""
    need = post_need("member", site["cluster"])
    ds = publish("editor", site["operator"], "hazards-waingmaw")
    closed = call_action(
        "need_close", context=as_user("member"), id=need["id"], status="fulfilled", package_ids=[ds["name"]]
    )
    assert [d["id"] for d in closed["fulfilled_by"]] == [ds["id"]]
    assert closed["status"] == "fulfilled"


def test_refused_closings_leave_the_need_open(site):
    """Fulfilled without a dataset is refused on package_ids; a dataset the closer cannot see
    is as a missing one; closed without an outcome is refused on outcome; only the
    organisation's members close its needs. The need stays open."""
    need = post_need("member", site["cluster"])
    hidden = publish("editor", site["operator"], "private-hazards", private=True)
    with pytest.raises(ValidationError) as error:
        call_action("need_close", context=as_user("member"), id=need["id"], status="fulfilled")
    assert "package_ids" in error.value.error_dict
    with pytest.raises(ValidationError):
        call_action(
            "need_close", context=as_user("member"), id=need["id"], status="fulfilled", package_ids=[hidden["id"]]
        )
    with pytest.raises(ValidationError) as error:
        call_action("need_close", context=as_user("member"), id=need["id"], status="closed")
    assert "outcome" in error.value.error_dict
    with pytest.raises(NotAuthorized):
        call_action("need_close", context=as_user("outsider"), id=need["id"], status="closed", outcome="withdrawn")
    assert call_action("need_show", context=as_user("member"), id=need["id"])["status"] == "open"


def test_closed_with_an_outcome(site):
    """closed: will be collected."""
    need = post_need("member", site["cluster"])
    closed = call_action(
        "need_close", context=as_user("member"), id=need["id"], status="closed", outcome="will_be_collected"
    )
    assert (closed["status"], closed["outcome"]) == ("closed", "will_be_collected")


def test_a_closed_need_cannot_be_closed_again(site):
    """Reopen first."""
    need = post_need("member", site["cluster"])
    call_action("need_close", context=as_user("member"), id=need["id"], status="closed", outcome="duplicate")
    with pytest.raises(ValidationError):
        call_action("need_close", context=as_user("member"), id=need["id"], status="closed", outcome="withdrawn")


def test_a_closed_need_takes_no_answers(site):
    """Answers go to open needs."""
    need = post_need("member", site["cluster"])
    call_action("need_close", context=as_user("member"), id=need["id"], status="closed", outcome="duplicate")
    with pytest.raises(ValidationError):
        call_action("need_answer", context=as_user("outsider"), id=need["id"], kind="comment", text="late")


def test_a_member_reopens_a_closed_need(site):
    """Reopened: open again, the outcome cleared, in the history."""
    need = post_need("member", site["cluster"])
    call_action("need_close", context=as_user("member"), id=need["id"], status="closed", outcome="withdrawn")
    reopened = call_action("need_update", context=as_user("cluster-admin"), id=need["id"], status="open")
    assert (reopened["status"], reopened["outcome"]) == ("open", None)
    assert [e["event"] for e in reopened["history"]] == ["created", "closed", "reopened"]


def test_a_non_member_cannot_reopen(site):
    """Reopening is for the organisation's members."""
    need = post_need("member", site["cluster"])
    call_action("need_close", context=as_user("member"), id=need["id"], status="closed", outcome="withdrawn")
    with pytest.raises(NotAuthorized):
        call_action("need_update", context=as_user("editor"), id=need["id"], status="open")


# -- matches and notices ----------------------------------------------------------------


def test_matches_roll_up_both_ways(site):
    """A need for Kachin lists Waingmaw's and Myanmar's datasets, not Shan's."""
    need = post_need("member", site["cluster"])
    publish("editor", site["operator"], "waingmaw-hazards", pcodes=["MMR001014"])
    publish("editor", site["operator"], "myanmar-hazards", pcodes=["MMR"])
    publish("editor", site["operator"], "shan-hazards", pcodes=["MMR015"])
    publish("editor", site["operator"], "kachin-health", pcodes=["MMR001"], sectors=["health"])
    found = call_action("need_matches", context=as_user("member"), id=need["id"])
    assert [d["name"] for d in found["results"]] == ["waingmaw-hazards", "myanmar-hazards"]


def test_a_matching_dataset_is_announced_to_followers_only(site):
    """The member who posted the need is told of the editor's new dataset; need_notice_list
    gives the follower the dataset and the need; someone who does not follow the need gets
    no notice."""
    need = post_need("member", site["cluster"])
    ds = publish("editor", site["operator"], "waingmaw-hazards")
    assert notices_for(site["users"]["member"]["id"]) == [(need["id"], ds["id"])]
    notices = call_action("need_notice_list", context=as_user("member"))
    assert [(n["need"]["id"], n["package"]["id"]) for n in notices] == [(need["id"], ds["id"])]
    assert notices_for(site["users"]["outsider"]["id"]) == []


def test_a_follower_is_told(site):
    """Anyone logged-in may follow; then they are told."""
    need = post_need("member", site["cluster"])
    call_action("need_follow", context=as_user("outsider"), id=need["id"])
    ds = publish("editor", site["operator"], "waingmaw-hazards")
    assert notices_for(site["users"]["outsider"]["id"]) == [(need["id"], ds["id"])]


def test_an_unfollower_is_not_told(site):
    """After need_unfollow, no notice."""
    need = post_need("member", site["cluster"])
    call_action("need_unfollow", context=as_user("member"), id=need["id"])
    publish("editor", site["operator"], "waingmaw-hazards")
    assert notices_for(site["users"]["member"]["id"]) == []


def test_a_closed_need_announces_nothing(site):
    """Only open and in-discussion needs are matched on publication."""
    need = post_need("member", site["cluster"])
    call_action("need_close", context=as_user("member"), id=need["id"], status="closed", outcome="withdrawn")
    publish("editor", site["operator"], "waingmaw-hazards")
    assert notices_for(site["users"]["member"]["id"]) == []


def test_a_dataset_made_visible_later_is_announced_once(site):
    """Private at first: no notice; made public: one notice; updated again: still one."""
    need = post_need("member", site["cluster"])
    ds = publish("editor", site["operator"], "waingmaw-hazards", private=True)
    member = site["users"]["member"]["id"]
    assert notices_for(member) == []
    call_action("package_patch", context=as_user("editor"), id=ds["id"], private=False)
    call_action("package_patch", context=as_user("editor"), id=ds["id"], notes="Updated")
    assert notices_for(member) == [(need["id"], ds["id"])]


def test_a_period_outside_the_need_s_is_not_announced(site):
    """Data of 2020 does not answer a need for 2024."""
    post_need("member", site["cluster"], reference_period_start="2024-01-01", reference_period_end="2024-12-31")
    publish(
        "editor",
        site["operator"],
        "old-hazards",
        reference_period_start="2020-01-01",
        reference_period_end="2020-12-31",
    )
    assert notices_for(site["users"]["member"]["id"]) == []


def test_a_dataset_of_another_type_is_not_announced(site):
    """A need for geodata is not met by a 3W."""
    post_need("member", site["cluster"], data_type="geodata", deadline=NEXT_YEAR)
    publish("editor", site["operator"], "hazards-3w", data_type="3w")
    assert notices_for(site["users"]["member"]["id"]) == []
