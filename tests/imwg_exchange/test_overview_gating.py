"""The overview counts only what each visitor may see: every role of the
gating matrix, every sensitivity level, on the action and the home page.

The roles differ only in the user (or token) asking, so each exit is checked
for every role on one portal: a test per exit, asserts naming the role."""

from __future__ import annotations

import re

import pytest
from ckan.tests.helpers import call_action

from tests.imwg_sensitivity.matrix import METADATA, ROLES, build_portal, context, headers

from . import overview_gazetteer

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


@pytest.fixture
def portal(tmp_path):
    """The matrix portal, its datasets tagged with a Kachin district."""
    overview_gazetteer.load(tmp_path)
    built = build_portal()
    for ds in built["datasets"].values():
        call_action(
            "package_patch", context={"user": "owner-editor", "ignore_auth": False}, id=ds["id"], pcodes=["MMR001D001"]
        )
    return built


def seen(role: str) -> int:
    return sum(1 for level in METADATA if role in METADATA[level])


def test_action_counts_what_the_role_may_see(portal):
    """Datasets, the map's counts and the latest datasets include only what the role may see."""
    for role in ROLES:
        result = call_action("exchange_overview", context=context(role), latest=20)
        units = {u["pcode"]: u["datasets"] for u in result["units"]}
        assert result["datasets"] == seen(role), f"{role}: datasets"
        assert units["MMR001"] == seen(role), f"{role}: map count"
        names = {d["name"] for d in result["latest"]}
        strict = role in METADATA["strictly_confidential"]
        assert ("hazards-strictly-confidential" in names) == strict, f"{role}: latest"


def test_home_page_counts_what_the_role_may_see(app, portal):
    """The home page's map count and latest datasets follow the protocol for the role."""
    for role in ROLES:
        body = app.get("/", headers=headers(role)).get_data(as_text=True)
        kachin = re.search(r'<a [^>]*data-pcode="MMR001"[^>]*>', body).group(0)
        assert f'data-count="{seen(role)}"' in kachin, f"{role}: map count"
        assert f"<title>Kachin: {seen(role)} datasets</title>" in body, f"{role}: hover title"
        strict = role in METADATA["strictly_confidential"]
        assert ("Hazardous areas strictly_confidential" in body) == strict, f"{role}: latest"


def test_location_page_counts_what_the_role_may_see(app, portal):
    """The location page's map shades the district by what the role may see."""
    for role in ROLES:
        body = app.get("/location/MMR001", headers=headers(role)).get_data(as_text=True)
        district = re.search(r'<a [^>]*data-pcode="MMR001D001"[^>]*>', body).group(0)
        assert f'data-count="{seen(role)}"' in district, role
