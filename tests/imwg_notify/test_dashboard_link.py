"""The dashboard's tab to the signed-in user's notification preferences."""

from __future__ import annotations

import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

#: the dashboard's page is overridden by imwg_sensitivity, imwg_exchange and activity too: the tab shows beside theirs
PLUGINS = (
    "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_exchange imwg_notify imwg_search"
)


def headers(name):
    return {"Authorization": call_action("api_token_create", context={"user": name}, user=name, name="t")["token"]}


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestDashboardLink:
    @pytest.mark.parametrize("page", ["/dashboard/datasets", "/dashboard/organizations", "/dashboard/"])
    def test_every_dashboard_page_links_to_the_preferences(self, app, page):
        """Each tab of the dashboard has the Notifications tab, to the user's own preferences."""
        factories.User(name="ana")
        body = app.get(page, headers=headers("ana")).get_data(as_text=True)
        assert 'href="/user/ana/notifications"' in body
        assert "Access requests" in body  # the other features' tabs are still there

    def test_the_link_opens_the_preferences(self, app):
        """The link leads to the page where the user chooses how often mail comes."""
        factories.User(name="ana")
        page = app.get("/user/ana/notifications", headers=headers("ana")).get_data(as_text=True)
        assert 'name="access"' in page


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", "activity imwg scheming_datasets scheming_organizations imwg_sensitivity")
def test_no_tab_without_the_plugin(app):
    """Without imwg_notify the dashboard has no such tab."""
    factories.User(name="ana")
    body = app.get("/dashboard/datasets", headers=headers("ana")).get_data(as_text=True)
    assert "/notifications" not in body
