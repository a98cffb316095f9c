"""The sharing protocol, read through an action: how other feature packages
learn it (they never read this plugin's configuration keys themselves)."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk
from ckan.types import Context, DataDict

from ckanext.imwg.levels import LEVELS

from .. import config


@tk.side_effect_free
def imwg_sensitivity_protocol_show(context: Context, data_dict: DataDict) -> dict[str, Any]:
    """The portal's sharing protocol, parsed: ``levels`` (loosest first) and
    ``rules``: level -> ``metadata``, ``data``, ``aggregates`` (audiences:
    everyone, logged_in, members, owner) and ``requests``. Portal policy:
    anyone may read it. A protocol that cannot be read is a ValidationError
    on ``protocol`` (those who rely on it then fail closed)."""
    tk.check_access("imwg_sensitivity_protocol_show", context, data_dict)
    try:
        rules = config.protocol()
    except config.ProtocolError as e:
        # the configuration's own message, for the operator (as at start-up; the portal refuses to start with it)
        raise tk.ValidationError({"protocol": [str(e)]}) from None
    return {
        "levels": list(LEVELS),
        "rules": {
            level: {
                "metadata": rule.metadata,
                "data": rule.data,
                "aggregates": rule.aggregates,
                "requests": rule.requests,
            }
            for level, rule in rules.items()
        },
    }


@tk.auth_allow_anonymous_access
def imwg_sensitivity_protocol_show_auth(context: Context, data_dict: DataDict | None) -> dict[str, bool]:
    """The protocol is the portal's published policy: anyone may read it."""
    return {"success": True}


def actions() -> dict[str, Any]:
    return {"imwg_sensitivity_protocol_show": imwg_sensitivity_protocol_show}


def auth_functions() -> dict[str, Any]:
    return {"imwg_sensitivity_protocol_show": imwg_sensitivity_protocol_show_auth}
