"""A small portal for the holdings matrix and completeness grid tests: three
organisations of three types, datasets over sectors, places (the pcode tests'
gazetteer) and sensitivity levels, and the users who see more or less of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.imwg_pcode import places

#: name -> (organisation, type, sectors, pcodes, sensitivity, data_type, themes)
DATASETS = {
    "a-casualties": ("ngo-a", "dataset", ["protection", "health"], ["MMR001014"], "public", "casualty", []),
    "a-3w": ("ngo-a", "dataset", ["protection"], ["MMR015001"], "public", "3w", []),
    "a-health": ("ngo-a", "dataset", ["health"], ["MMR001"], "restricted", "indicators", []),
    "b-sites": ("ngo-b", "dataset", ["cccm"], ["MMR001008"], "public", "baseline", []),
    "b-hazards": (
        "ngo-b",
        "mine-action",
        ["mine_action"],
        ["MMR015"],
        "strictly_confidential",
        "geodata",
        ["contamination"],
    ),
    "g-haiti": ("gov", "dataset", ["protection"], ["HT01"], "confidential", "3w", []),
}
ORGS = {"ngo-a": ("NGO Alpha", "ingo"), "ngo-b": ("NGO Beta", "nngo"), "gov": ("Ministry", "government")}


def build(tmp_path: Path) -> dict[str, Any]:
    """The gazetteer, the organisations, the users and the datasets."""
    places.load(tmp_path)
    factories.Sysadmin(name="admin")
    factories.User(name="alpha-editor")
    factories.User(name="beta-member")
    factories.User(name="outsider")
    orgs = {}
    for name, (title, org_type) in ORGS.items():
        users = {
            "ngo-a": [{"name": "alpha-editor", "capacity": "editor"}],
            "ngo-b": [{"name": "beta-member", "capacity": "member"}],
        }
        orgs[name] = factories.Organization(name=name, title=title, org_type=org_type, users=users.get(name, []))
    datasets = {}
    for name, (org, kind, sectors, pcodes, level, data_type, themes) in DATASETS.items():
        fields = {
            "type": kind,
            "name": name,
            "title": name.replace("-", " ").title(),
            "owner_org": orgs[org]["id"],
            "source": "Field teams",
            "sectors": sectors,
            "pcodes": pcodes,
            "sensitivity": level,
            "data_type": data_type,
        }
        if themes:
            fields.update(themes=themes, data_owner_authority="National mine action authority")
        datasets[name] = call_action("package_create", context={"user": "admin"}, **fields)
    return {"orgs": orgs, "datasets": datasets}


def cells(result: dict[str, Any]) -> dict[tuple[str, str], int]:
    """The non-empty cells of a matrix by (row value, column value)."""
    return {
        (row["value"], column["value"]): cell["count"]
        for row, row_cells in zip(result["rows"], result["cells"], strict=True)
        for column, cell in zip(result["columns"], row_cells, strict=True)
        if cell["count"]
    }


def as_user(name: str) -> dict[str, Any]:
    """A context that is checked as ``name`` (call_action ignores auth unless told not to)."""
    return {"user": name, "ignore_auth": False}
