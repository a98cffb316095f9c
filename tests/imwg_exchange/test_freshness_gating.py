"""Freshness's exits for every role and level: ``freshness_show`` and
``freshness_list_for_user`` never reveal a dataset the role may not see.

The roles differ only in the user (or token) asking, so each exit is checked
for every role on one portal: a test per exit, asserts naming the role."""

from __future__ import annotations

import datetime as dt

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests.helpers import call_action

from ckanext.imwg_exchange.freshness import tracking
from ckanext.imwg_exchange.freshness.model import freshness_table
from tests.imwg_sensitivity.matrix import METADATA, ROLES, build_portal, context, headers

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_search"
#: who may edit the owner's datasets (their dashboards list them)
EDITORS = {"owner_editor", "owner_admin", "sysadmin"}
LEVELS = list(METADATA)


def make_delinquent():
    """Every dataset's data 70 days old and never confirmed, statuses recomputed: monthly
    datasets are delinquent."""
    old = tracking.utcnow() - dt.timedelta(days=70)
    model.Session.execute(freshness_table.update().values(data_changed_at=old, confirmed_at=None, confirmed_by=None))
    model.Session.commit()
    tracking.recompute()


@pytest.fixture
def portal():
    """The gating portal, every dataset monthly and 70 days old: delinquent."""
    built = build_portal()
    for ds in built["datasets"].values():
        call_action("package_patch", context={"user": "the-sysadmin"}, id=ds["id"], update_frequency="monthly")
    make_delinquent()
    return built


def level_of(name):
    return name.removeprefix("hazards-").replace("-", "_")


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestGating:
    def test_freshness_show(self, portal):
        """A role gets the freshness of the datasets it sees, and a refusal for the others."""
        for role in ROLES:
            for level, ds in portal["datasets"].items():
                if role in METADATA[level]:
                    status = call_action("freshness_show", context=context(role), id=ds["name"])["status"]
                    assert status == "delinquent", f"{role} sees {level}"
                else:
                    with pytest.raises((logic.NotFound, logic.NotAuthorized)):
                        call_action("freshness_show", context=context(role), id=ds["name"])

    def test_freshness_list_for_user(self, portal):
        """The dashboard list holds only datasets the role sees, and all of them for those who edit;
        anonymous visitors have no list."""
        with pytest.raises(logic.NotAuthorized):
            call_action("freshness_list_for_user", context=context("anonymous"))
        for role in (r for r in ROLES if r != "anonymous"):
            listed = call_action("freshness_list_for_user", context=context(role))
            levels = {level_of(d["name"]) for d in listed}
            visible = {level for level in LEVELS if role in METADATA[level]}
            assert levels <= visible, f"{role}: only visible datasets"
            assert levels == (visible if role in EDITORS else set()), f"{role}: all of them to editors"

    def test_the_still_current_button_of_a_hidden_dataset(self, app, portal):
        """Posting to a dataset the role may not see answers as for a missing one, and changes nothing
        (each role posts to the delinquent dataset, made delinquent again after an editor's post)."""
        ds = portal["datasets"]["strictly_confidential"]
        for role in ROLES:
            res = app.post(f"/dataset/{ds['name']}/still-current", headers=headers(role), follow_redirects=False)
            if role in METADATA["strictly_confidential"]:
                assert res.status_code in (302, 403), f"{role}: answer"
            else:
                assert res.status_code in (302, 404), f"{role}: answer"
            expected = "fresh" if role in EDITORS else "delinquent"
            status = call_action("freshness_show", context=context("sysadmin"), id=ds["id"])["status"]
            assert status == expected, f"{role}: status after the post"
            make_delinquent()
