"""Typed access to the mine-action imports' configuration."""

from __future__ import annotations

from typing import Any

import ckan.plugins.toolkit as tk

from ckanext.imwg.levels import LEVELS

MAX_BYTES = "ckanext.imwg_imsma.max_bytes"
SUPPRESS_BELOW = "ckanext.imwg_imsma.suppress_below"
AREA_ROUND = "ckanext.imwg_imsma.area_round"
MAX_UNZIPPED = "ckanext.imwg_imsma.max_unzipped_bytes"
MAX_MEMBERS = "ckanext.imwg_imsma.max_zip_members"
RUNNING_TIMEOUT = "ckanext.imwg_imsma.running_timeout"
RAW_LEVEL = "ckanext.imwg_imsma.raw_level"
AGGREGATE_LEVEL = "ckanext.imwg_imsma.aggregate_level"
#: the sensitivity plugin's action answering the sharing protocol
PROTOCOL_ACTION = "imwg_sensitivity_protocol_show"
#: the protocol's audiences, widest first
AUDIENCES = ("everyone", "logged_in", "members", "owner")


def max_bytes() -> int:
    """The largest export accepted, in bytes: ``ckanext.imwg_imsma.max_bytes``,
    or the portal's ``ckan.max_resource_size`` when that is smaller (the raw
    export is stored as a resource: a file the portal would refuse is
    refused before it is read)."""
    limit = tk.config[MAX_BYTES]
    portal = tk.config.get("ckan.max_resource_size")
    if portal:
        limit = min(limit, int(portal) * 1024 * 1024) if limit else int(portal) * 1024 * 1024
    return limit


def zip_limits() -> dict[str, int]:
    """What a zip may hold: ``read.read``'s ``max_unzipped`` and ``max_members``."""
    return {"max_unzipped": tk.config[MAX_UNZIPPED], "max_members": tk.config[MAX_MEMBERS]}


def running_timeout() -> int:
    """Seconds without a sign of life after which an import still said to be running has failed (its worker died)."""
    return tk.config[RUNNING_TIMEOUT]


def suppress_below() -> int:
    """Casualty figures above zero and below this are hidden."""
    return tk.config[SUPPRESS_BELOW]


def area_round() -> int:
    """Areas are rounded to a multiple of this (m²)."""
    return tk.config[AREA_ROUND]


def raw_level() -> str:
    """The raw export's default sensitivity level."""
    return tk.config[RAW_LEVEL]


def aggregate_level() -> str:
    """The aggregates' requested sensitivity level."""
    return tk.config[AGGREGATE_LEVEL]


def _audiences(rule: Any) -> tuple[str, str] | None:
    """(data, aggregates) audiences of one protocol rule, or None when it
    cannot be read."""
    if not isinstance(rule, dict):
        return None
    data = rule.get("data")
    aggregates = rule.get("aggregates") or data
    if data not in AUDIENCES or aggregates not in AUDIENCES:
        return None
    return data, aggregates


def protocol_rules() -> dict[str, Any] | None:
    """The sharing protocol's rules (level -> rule), asked of the
    sensitivity plugin's action as the portal itself; None when that plugin
    is not loaded or its protocol cannot be read."""
    try:
        action = tk.get_action(PROTOCOL_ACTION)
    except KeyError:
        return None
    try:
        answer = action({"ignore_auth": True}, {})
    except (tk.ValidationError, tk.ObjectNotFound, tk.NotAuthorized):
        return None
    rules = answer.get("rules") if isinstance(answer, dict) else None
    return rules if isinstance(rules, dict) else None


def protocol_level(raw_level: str) -> str | None:
    """The loosest level whose data and whose own aggregates (the previews
    of aggregates-only readers) both go to no one beyond those the sharing
    protocol gives the aggregates of ``raw_level``'s data (its rule's
    ``aggregates:``, else ``data:``); None without a readable protocol."""
    answer = protocol_rules()
    if answer is None:
        return None
    rules = {level: _audiences(answer.get(level)) for level in LEVELS}
    if raw_level not in rules or any(rule is None for rule in rules.values()):
        return None
    allowed = AUDIENCES.index(rules[raw_level][1])  # type: ignore[index]
    for level in LEVELS:
        data, aggregates = rules[level]  # type: ignore[misc]
        if AUDIENCES.index(data) >= allowed and AUDIENCES.index(aggregates) >= allowed:
            return level
    return LEVELS[-1]


def aggregates_allowed(raw_level: str, asked: str | None = None) -> str:
    """The aggregates' level: what the importer asks (default
    ``ckanext.imwg_imsma.aggregate_level``), never looser than the protocol
    lets the aggregates of ``raw_level``'s data go; without a readable
    protocol, never looser than ``raw_level`` itself (fail closed)."""
    asked = asked or aggregate_level()
    allowed = protocol_level(raw_level) or raw_level
    return max(asked, allowed, key=lambda lvl: LEVELS.index(lvl) if lvl in LEVELS else len(LEVELS))
