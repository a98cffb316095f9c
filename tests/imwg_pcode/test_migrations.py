"""The P-code migrations keep existing datasets whole and searchable."""

from __future__ import annotations

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.tests import factories
from ckan.tests.helpers import call_action

from . import places

pytestmark = pytest.mark.usefixtures("with_plugins", "clean_db")


def extra_keys(package_id: str) -> set[str]:
    rows = model.Session.execute(sa.text("SELECT key FROM package_extra WHERE package_id = :id"), {"id": package_id})
    return {row[0] for row in rows}


def indexed(name: str) -> dict:
    """The dataset as the search index holds it."""
    (result,) = call_action("package_search", fq=f"name:{name}")["results"]
    return result


def test_countries_move_from_the_old_field_name_with_the_index(migrate_db_for, tmp_path):
    """Datasets tagged when the field was `locations` hold `countries` after
    the upgrade, and the search index holds them so without a rebuild."""
    places.load(tmp_path)
    factories.User(name="editor")
    org = factories.Organization(org_type="un_agency", users=[{"name": "editor", "capacity": "editor"}])
    pkg = call_action(
        "package_create",
        context={"user": "editor"},
        name="idp-sites",
        title="IDP sites",
        owner_org=org["id"],
        source="CCCM Cluster",
        sectors=["cccm"],
        pcodes=["MMR001014", "HT0111"],
    )
    assert pkg["countries"] == ["HTI", "MMR"]
    try:
        migrate_db_for("imwg_pcode", "imwg_pcode_0006", False)
        model.Session.remove()
        assert "locations" in extra_keys(pkg["id"])
        assert "countries" not in extra_keys(pkg["id"])
        assert "countries" not in indexed("idp-sites")
        assert call_action("package_search", fq="extras_locations:MMR")["count"] == 1
    finally:
        migrate_db_for("imwg_pcode")
    model.Session.remove()
    assert "countries" in extra_keys(pkg["id"])
    assert "locations" not in extra_keys(pkg["id"])
    assert indexed("idp-sites")["countries"] == ["HTI", "MMR"]
    assert call_action("package_search", fq="extras_locations:MMR")["count"] == 0
    assert call_action("package_show", id="idp-sites")["countries"] == ["HTI", "MMR"]
