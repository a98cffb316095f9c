"""``pcode_units``: a whole branch of the gazetteer in one answer (what an
importer placing records by name needs: every unit under a country, with
its parent and its names in every language), instead of one ``pcode_show``
per unit."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
import sqlalchemy as sa
from ckan.logic import validate
from ckan.logic.schema import validator_args
from ckan.types import Context, DataDict, Schema, Validator, ValidatorFactory

from ckanext.imwg.guard import boolean, no_nul

from .. import gazetteer
from ..model import name_table

#: how deep the branch is walked (the gazetteer's levels go to 5)
DEPTH = 10


@validator_args
def schema(not_empty: Validator, unicode_safe: Validator, default: ValidatorFactory) -> Schema:
    return {
        "id": [not_empty, unicode_safe, no_nul],
        "include_names": [default(False), boolean],
        "include_retired": [default(False), boolean],
    }


@tk.side_effect_free
@validate(schema)
def pcode_units(context: Context, data_dict: DataDict) -> list[dict[str, Any]]:
    """The unit ``id`` and every unit under it (a country: the whole
    country), parents before their children.

    :param id: the P-code of the branch's top (case and surrounding spaces do not matter)
    :type id: string
    :param include_names: add each unit's ``names`` (language -> name; default: false)
    :type include_names: bool
    :param include_retired: include retired units and what is under them (default: false)
    :type include_retired: bool

    :returns: a list of ``pcode``, ``name``, ``level``, ``parent``, ``country``,
        ``retired`` (and ``names`` when asked)
    """
    tk.check_access("pcode_units", context, data_dict)
    session = context["session"]
    code = gazetteer.normalise(data_dict["id"])
    active = "" if data_dict["include_retired"] else " AND u.retired_at IS NULL"
    rows = session.execute(
        sa.text(
            "WITH RECURSIVE down AS ("
            " SELECT u.pcode, 0 AS depth FROM imwg_pcode_unit u WHERE u.pcode = :p" + active + ""
            " UNION ALL SELECT u.pcode, down.depth + 1 FROM imwg_pcode_unit u"
            " JOIN down ON u.parent = down.pcode WHERE down.depth < :depth" + active + ")"
            " SELECT u.pcode, u.name, u.level, u.parent, u.country, u.retired_at"
            " FROM imwg_pcode_unit u JOIN down ON u.pcode = down.pcode ORDER BY down.depth, u.pcode"
        ),
        {"p": code, "depth": DEPTH},
    ).all()
    if not rows:
        raise tk.ObjectNotFound(tk._("No administrative unit with P-code {code}").format(code=code))
    units = [
        {
            "pcode": r.pcode,
            "name": r.name,
            "level": r.level,
            "parent": r.parent if r.pcode != code else None,
            "country": r.country,
            "retired": r.retired_at is not None,
        }
        for r in rows
    ]
    if data_dict["include_names"]:
        names: dict[str, dict[str, str]] = {}
        codes = [u["pcode"] for u in units]
        for start in range(0, len(codes), 5000):
            query = sa.select(name_table.c.pcode, name_table.c.lang, name_table.c.name).where(
                name_table.c.pcode.in_(codes[start : start + 5000])
            )
            for row in session.execute(query):
                names.setdefault(row.pcode, {})[row.lang] = row.name
        for unit in units:
            unit["names"] = names.get(unit["pcode"], {})
    return units
