"""The HXL gating matrix shared by the preview tests: the suite's plugins,
the roles, what each role sees of the data at each level (the default
protocol), and a portal with one profiled file at a level."""

from __future__ import annotations

from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_hxl imwg_sensitivity imwg_search"

ROLES = ["anonymous", "no_org", "other_member", "grant", "owner_member", "sysadmin"]
#: what each role sees of the data at each level (the default protocol)
MODE = {
    "public": dict.fromkeys(ROLES, "data"),
    "restricted": {
        "anonymous": "none",
        "no_org": "aggregates",
        "other_member": "data",
        "grant": "data",
        "owner_member": "data",
        "sysadmin": "data",
    },
    "confidential": {
        "anonymous": "none",
        "no_org": "none",
        "other_member": "aggregates",
        "grant": "data",
        "owner_member": "data",
        "sysadmin": "data",
    },
    "strictly_confidential": {
        "anonymous": "none",
        "no_org": "none",
        "other_member": "none",
        "grant": "none",
        "owner_member": "data",
        "sysadmin": "data",
    },
}
#: 7, 6 and 2 records per district: the 2 is suppressed, and the 6 with it
ROWS = [("MMR001D001", 7), ("MMR001D002", 6), ("MMR015D001", 2)]
CSV = "District,Killed,Note\n#adm2+code,#affected+killed,#description\n" + "".join(
    f"{code},{i + 1},record-note-{code}-{i}\n" for code, n in ROWS for i in range(n)
)
RECORD = "record-note-"
HIDDEN = ("MMR001D002", "MMR015D001")


def user(role):
    return "" if role == "anonymous" else ("the-sysadmin" if role == "sysadmin" else role.replace("_", "-"))


def headers(role):
    return {} if role == "anonymous" else {"Authorization": factories.APIToken(user=user(role))["token"]}


def gated(level):
    """The roles, and an empty dataset at ``level`` of the organisation ``owner-member`` edits."""
    for role in ROLES:
        if role not in ("anonymous", "sysadmin"):
            factories.User(name=user(role))
    factories.Sysadmin(name="the-sysadmin")
    owner = factories.Organization(
        name="imsma-authority", org_type="government", users=[{"name": "owner-member", "capacity": "editor"}]
    )
    factories.Organization(
        name="partner-ngo",
        org_type="ingo",
        users=[{"name": "other-member", "capacity": "member"}, {"name": "grant", "capacity": "member"}],
    )
    return call_action(
        "package_create",
        context={"user": "owner-member"},
        type="dataset",
        name=f"casualties-{level.replace('_', '-')}",
        title=f"Casualties {level}",
        owner_org=owner["id"],
        source="National authority",
        sectors=["protection"],
        sensitivity=level,
    )


def portal(create_with_upload, level):
    """The roles, and one dataset at ``level`` with an uploaded, profiled file."""
    ds = gated(level)
    res = create_with_upload(
        CSV, "casualties.csv", url="casualties.csv", format="CSV", package_id=ds["id"], context={"user": "owner-member"}
    )
    Worker(["default"]).work(burst=True)
    if level in ("restricted", "confidential"):  # the levels that take requests and grants
        call_action(
            "access_grant_create",
            context={"user": "the-sysadmin"},
            package_id=ds["id"],
            user_id="grant",
            reason="Planning clearance",
        )
    return ds, res
