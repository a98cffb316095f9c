"""Demo content: organisations of different kinds, users with known
passwords, groups and datasets of each dataset type.

Idempotent and non-destructive: what exists (by name) is left as it is.
The datasets' places are Myanmar P-codes; with the imwg_pcode plugin enabled
they must be in the gazetteer (``make demo`` loads a small one first).
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
from werkzeug.datastructures import FileStorage

from . import config, interfaces

ORGANIZATIONS = [
    {
        "name": "nmaa",
        "title": "National Mine Action Authority",
        "acronym": "NMAA",
        "org_type": "nmaa",
        "description": "Owns the national mine action database (IMSMA) and accredits operators.",
        "clusters": ["mine_action", "protection"],
        "website": "https://nmaa.example.org",
        "contact_email": "im@nmaa.example.org",
    },
    {
        "name": "ocha",
        "title": "OCHA Country Office",
        "acronym": "OCHA",
        "org_type": "un_agency",
        "description": "Coordinates the humanitarian response and chairs the IMWG.",
        "clusters": ["coordination"],
        "contact_email": "imwg@ocha.example.org",
    },
    {
        "name": "demining-action-group",
        "title": "Demining Action Group",
        "acronym": "DAG",
        "org_type": "ingo",
        "description": "International humanitarian demining operator.",
        "clusters": ["mine_action"],
    },
    {
        "name": "community-health-network",
        "title": "Community Health Network",
        "acronym": "CHN",
        "org_type": "nngo",
        "description": "National NGO running mobile clinics and trauma care.",
        "clusters": ["health", "protection"],
    },
]

GROUPS = [
    {"name": "contamination", "title": "Explosive ordnance contamination"},
    {"name": "displacement", "title": "Displacement"},
]

#: (user name, display name, sysadmin, {organisation: role})
USERS = [
    ("imwg_admin", "Portal administrator", True, {}),
    ("nmaa_editor", "NMAA information officer", False, {"nmaa": "editor"}),
    ("ocha_admin", "OCHA information manager", False, {"ocha": "admin"}),
    ("dag_editor", "DAG information officer", False, {"demining-action-group": "editor"}),
    ("chn_member", "CHN data officer", False, {"community-health-network": "member"}),
    ("analyst", "Independent analyst", False, {}),
]

COMMON = {"update_frequency": "monthly", "methodology": "registry", "license_id": "cc-by-igo"}

DATASETS: list[dict[str, Any]] = [
    {
        "type": "dataset",
        "name": "idp-sites-master-list",
        "sensitivity": "public",
        "pcodes": ["MMR001001", "MMR001002", "MMR015001", "MMR012D001", "MMR005D002"],
        "title": "IDP sites master list",
        "owner_org": "ocha",
        "source": "CCCM Cluster",
        "sectors": ["cccm", "shelter"],
        "data_type": "baseline",
        "population_groups": ["idps"],
        "data_languages": ["en"],
        "notes": "Sites hosting internally displaced people, with households and managing agency.",
        "tags": ["displacement", "camps"],
        "groups": ["displacement"],
        "reference_period_start": "2024-01-01",
        "reference_period_end": "2024-06-30",
        "files": [("idp_sites.csv", "IDP sites (CSV)")],
    },
    {
        "type": "dataset",
        "name": "4w-who-does-what-where",
        "sensitivity": "public",
        "pcodes": ["MMR001", "MMR003", "MMR015", "MMR012", "MMR005", "MMR017", "MMR013"],
        "title": "4W: who does what where",
        "owner_org": "ocha",
        "source": "Cluster information managers",
        "sectors": ["coordination"],
        "data_type": "3w",
        "notes": "Operational presence of humanitarian partners by township.",
        "reference_period_start": "2023-01-01",
        "reference_period_ongoing": "yes",
        "tags": ["3w", "presence"],
    },
    {
        "type": "dataset",
        "name": "trauma-casualties-health-facilities",
        "sensitivity": "confidential",
        "sensitivity_assessment": ["personal_data", "victims_survivors", "precise_locations"],
        "pcodes": ["MMR001001", "MMR015001"],
        "title": "Trauma casualties treated at health facilities",
        "owner_org": "community-health-network",
        "source": "Community Health Network clinics",
        "sectors": ["health", "mine_action"],
        "data_type": "casualty",
        "notes": "Weekly counts of trauma cases, including explosive-ordnance injuries.",
        "tags": ["trauma", "casualties"],
    },
    {
        "type": "mine-action",
        "name": "confirmed-hazardous-areas",
        "sensitivity": "confidential",
        "sensitivity_assessment": ["hazard_locations"],
        "pcodes": ["MMR001001", "MMR001002", "MMR003001", "MMR015001"],
        "title": "Confirmed and suspected hazardous areas",
        "owner_org": "nmaa",
        "source": "National Mine Action Authority",
        "sectors": ["mine_action"],
        "themes": ["contamination", "land_release_nts"],
        "ordnance_types": ["ap_mines", "uxo", "cmr"],
        "data_owner_authority": "National Mine Action Authority",
        "source_system": "imsma_core",
        "source_export_date": "2024-06-01",
        "aggregation_level": "adm2",
        "units": ["sqm"],
        "sadd": "no",
        "notes": "Hazardous areas recorded in IMSMA, aggregated by township.",
        "reference_period_start": "1999-01-01",
        "reference_period_end": "2024-06-01",
        "caveats": "Suspected areas are not surveyed yet: their extent is an estimate.",
        "tags": ["landmines", "contamination"],
        "groups": ["contamination"],
        "files": [("hazardous_areas.csv", "Hazardous areas by township (CSV)")],
    },
    {
        "type": "mine-action",
        "name": "explosive-ordnance-casualties",
        "sensitivity": "restricted",
        "sensitivity_assessment": ["victims_survivors"],
        "pcodes": ["MMR001001", "MMR001002", "MMR003001", "MMR015001"],
        "title": "Explosive ordnance casualties",
        "owner_org": "nmaa",
        "source": "National Mine Action Authority",
        "sectors": ["mine_action", "health"],
        "themes": ["casualties"],
        "ordnance_types": ["ap_mines", "ied", "uxo"],
        "data_owner_authority": "National Mine Action Authority",
        "source_system": "imsma_core",
        "aggregation_level": "adm2",
        "units": ["people"],
        "sadd": "yes",
        "notes": "Monthly casualties (killed and injured) by township and device type.",
        "tags": ["casualties", "landmines"],
        "groups": ["contamination"],
        "files": [("casualties.csv", "Casualties by township and month (CSV)")],
    },
    {
        "type": "mine-action",
        "name": "eore-sessions-delivered",
        "sensitivity": "public",
        "pcodes": ["MMR001D001"],
        "title": "Explosive ordnance risk education sessions",
        "owner_org": "demining-action-group",
        "source": "Demining Action Group",
        "sectors": ["mine_action", "education"],
        "themes": ["eore"],
        "data_owner_authority": "National Mine Action Authority",
        "source_system": "survey",
        "aggregation_level": "adm2",
        "units": ["people"],
        "sadd": "yes",
        "notes": "Risk education sessions and participants by township.",
        "tags": ["eore"],
    },
    {
        "type": "dataset",
        "name": "population-estimates-by-district",
        "sensitivity": "public",
        "pcodes": [
            "MMR002",
            "MMR004",
            "MMR006",
            "MMR007",
            "MMR009",
            "MMR010",
            "MMR013",
            "MMR014",
            "MMR017",
            "MMR018",
        ],
        "title": "Population estimates by district",
        "owner_org": "ocha",
        "source": "Population estimates of the humanitarian response",
        "sectors": ["coordination"],
        "data_type": "baseline",
        "population_groups": ["general"],
        "notes": "Estimated population by district and sex, the denominator of the response's indicators.",
        "reference_period_start": "2024-01-01",
        "reference_period_end": "2024-12-31",
        "update_frequency": "yearly",
        "tags": ["population"],
    },
    {
        "type": "dataset",
        "name": "water-points-assessment",
        "sensitivity": "restricted",
        "sensitivity_assessment": ["precise_locations"],
        "pcodes": ["MMR012D002", "MMR012D005", "MMR004", "MMR011"],
        "title": "Water points functionality assessment",
        "owner_org": "community-health-network",
        "source": "Community Health Network field teams",
        "sectors": ["wash", "health"],
        "data_type": "needs_assessment",
        "notes": "Functionality of water points assessed by the mobile clinic teams, by village tract.",
        "reference_period_start": "2024-03-01",
        "reference_period_end": "2024-05-31",
        "update_frequency": "quarterly",
        "tags": ["water"],
    },
]

#: data needs (with the needs register of imwg_exchange): (user who posts it, need)
NEEDS: list[tuple[str, dict[str, Any]]] = [
    (
        "chn_member",
        {
            "title": "Hazardous areas near health facilities in Kachin",
            "notes": "Confirmed and suspected hazardous areas within 5 km of the clinics we run in Kachin.",
            "sectors": ["mine_action", "health"],
            "pcodes": ["MMR001"],
            "data_type": "geodata",
            "sensitivity": "confidential",
            "owner_org": "community-health-network",
            "purpose": "Plan safe routes for the mobile clinics and brief the teams.",
            "reference_period_start": "2024-01-01",
            "reference_period_end": "2024-12-31",
        },
    ),
    (
        "dag_editor",
        {
            "title": "Displacement figures by township in Shan (North)",
            "notes": "IDPs and returnees by township, monthly, to prioritise non-technical survey.",
            "sectors": ["cccm", "protection"],
            "pcodes": ["MMR015"],
            "data_type": "baseline",
            "sensitivity": "restricted",
            "owner_org": "demining-action-group",
            "purpose": "Prioritise survey and risk education where people return.",
        },
    ),
]
#: days from the demo's load to each need's deadline (a deadline may not be in the past)
NEED_DEADLINE_DAYS = 90


def _exists(action: str, name: str) -> bool:
    try:
        tk.get_action(action)({"ignore_auth": True}, {"id": name})
        return True
    except tk.ObjectNotFound:
        return False


def _sysadmin_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"], "ignore_auth": True}


def known_places(codes: list[str]) -> list[str]:
    """The codes the gazetteer knows (all of them without an ``IPlaces`` plugin),
    so that the demo loads before any gazetteer does, only without places."""
    found = interfaces.places(codes)
    if found is None:
        return codes
    return [c for c in codes if c in found]


def password_for(user: str) -> str:
    return user + config.demo_password_suffix()


def steps() -> int:
    """How many steps ``load`` reports to its ``progress``."""
    return len(USERS) + len(ORGANIZATIONS) + len(GROUPS) + len(USERS) + len(DATASETS) + 1


def load(echo: Callable[[str], None] = print, progress: Callable[[str], None] = lambda _: None) -> dict[str, int]:
    """Create what is missing; return how many of each kind were created.
    ``progress`` is called as each of the ``steps()`` steps starts, with what it does."""
    created = {"organizations": 0, "groups": 0, "users": 0, "datasets": 0, "needs": 0}
    for user, full_name, sysadmin, _roles in USERS:
        progress(f"user {user}")
        if not _exists("user_show", user):
            tk.get_action("user_create")(
                _sysadmin_context(),
                {"name": user, "fullname": full_name, "email": f"{user}@example.org", "password": password_for(user)},
            )
            if sysadmin:
                obj = model.User.get(user)
                obj.sysadmin = True
                model.Session.commit()
            created["users"] += 1
    for org in ORGANIZATIONS:
        progress(f"organisation {org['name']}")
        if not _exists("organization_show", org["name"]):
            tk.get_action("organization_create")(_sysadmin_context(), dict(org))
            created["organizations"] += 1
    for group in GROUPS:
        progress(f"group {group['name']}")
        if not _exists("group_show", group["name"]):
            tk.get_action("group_create")(_sysadmin_context(), dict(group))
            created["groups"] += 1
    for user, _full, _sys, roles in USERS:
        progress(f"memberships of {user}")
        for org, role in roles.items():
            tk.get_action("organization_member_create")(
                _sysadmin_context(), {"id": org, "username": user, "role": role}
            )
    warned = False
    for spec in DATASETS:
        progress(f"dataset {spec['name']}")
        if _exists("package_show", spec["name"]):
            continue
        data = {**COMMON, **{k: v for k, v in spec.items() if k not in ("files", "tags", "groups")}}
        places = known_places(spec.get("pcodes", []))
        if len(places) < len(spec.get("pcodes", [])) and not warned:
            echo("Some demo places are not in the gazetteer: load one first (make demo does) to tag the datasets.")
            warned = True
        data["pcodes"] = places or None
        data["tags"] = [{"name": t} for t in spec.get("tags", [])]
        data["groups"] = [{"name": g} for g in spec.get("groups", [])]
        data["resources"] = []
        pkg = tk.get_action("package_create")(_sysadmin_context(), data)
        for filename, title in spec.get("files", []):
            path = os.path.join(os.path.dirname(__file__), "demo_data", filename)
            with open(path, "rb") as f:
                upload = FileStorage(stream=io.BytesIO(f.read()), filename=filename, content_type="text/csv")
            tk.get_action("resource_create")(
                _sysadmin_context(),
                {"package_id": pkg["id"], "name": title, "format": "CSV", "url": filename, "upload": upload},
            )
        created["datasets"] += 1
    progress("data needs")
    created["needs"] = _load_needs()
    return created


def _load_needs() -> int:
    """Post the demo's data needs when the needs register is there (the
    imwg_exchange plugin), each once (found again by title and organisation)."""
    try:
        need_create = tk.get_action("need_create")
        need_search = tk.get_action("need_search")
    except KeyError:
        return 0
    deadline = (dt.date.today() + dt.timedelta(days=NEED_DEADLINE_DAYS)).isoformat()
    count = 0
    for user, need in NEEDS:
        found = need_search(_sysadmin_context(), {"q": need["title"], "owner_org": [need["owner_org"]]})
        if any(n.get("title") == need["title"] for n in found.get("results", [])):
            continue
        data = {**need, "deadline": deadline, "pcodes": known_places(need["pcodes"]) or None}
        need_create({"user": user}, data)
        count += 1
    return count


def credentials() -> list[tuple[str, str, str]]:
    """(user, password, what the user can do) for the demo users."""
    rows = []
    for user, _full, sysadmin, roles in USERS:
        role = (
            "sysadmin"
            if sysadmin
            else (", ".join(f"{r} of {o}" for o, r in roles.items()) or "logged in, no organisation")
        )
        rows.append((user, password_for(user), role))
    return rows
