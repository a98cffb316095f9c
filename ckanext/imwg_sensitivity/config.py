"""Typed access to this plugin's configuration: the sharing protocol."""

from __future__ import annotations

import dataclasses
import functools

import ckan.plugins.toolkit as tk

from ckanext.imwg.levels import LEVELS

#: who, from the widest to the narrowest (sysadmins are always included)
AUDIENCES = ("everyone", "logged_in", "members", "owner")
PROTOCOL = "ckanext.imwg_sensitivity.protocol.{level}"
DEFAULT_EXPIRY_DAYS = "ckanext.imwg_sensitivity.default_expiry_days"
MAX_REQUEST_DAYS = "ckanext.imwg_sensitivity.max_request_days"
TERMS = "ckanext.imwg_sensitivity.terms"
FOCAL_POINTS = "ckanext.imwg_sensitivity.focal_points"
EXPIRY_NOTICE_DAYS = "ckanext.imwg_sensitivity.expiry_notice_days"
AGREEMENT_NOTICE_DAYS = "ckanext.imwg_sensitivity.agreement_notice_days"
AGREEMENT_MAX_DOCUMENT_MB = "ckanext.imwg_sensitivity.agreement_max_document_mb"
REMINDER_DAYS = "ckanext.imwg_sensitivity.reminder_days"


class ProtocolError(ValueError):
    """The configured sharing protocol is not valid."""


@dataclasses.dataclass(frozen=True)
class Rule:
    """What one level allows."""

    metadata: str
    data: str
    requests: bool
    #: who may see aggregate-only previews (counts and sums, small cells
    #: suppressed) of data they do not get (``data``'s audience when not written)
    aggregates: str


def parse_rule(level: str, text: str) -> Rule:
    """One level's rule from ``metadata:<who> data:<who> [aggregates:<who>] [requests]``."""
    key = PROTOCOL.format(level=level)
    parts: dict[str, str] = {}
    requests = False
    for word in str(text or "").split():
        name, sep, value = word.partition(":")
        if not sep and name == "requests":
            requests = True
        elif sep and name in ("metadata", "data", "aggregates") and name not in parts:
            if value not in AUDIENCES:
                raise ProtocolError(f"{key}: {value!r} is not one of {', '.join(AUDIENCES)}")
            parts[name] = value
        else:
            raise ProtocolError(
                f"{key}: {word!r} is not understood (metadata:<who> data:<who> [aggregates:<who>] [requests])"
            )
    for name in ("metadata", "data"):
        if name not in parts:
            raise ProtocolError(f"{key}: '{name}:<who>' is missing")
    if AUDIENCES.index(parts["data"]) < AUDIENCES.index(parts["metadata"]):
        raise ProtocolError(f"{key}: the data cannot go to more people than see the metadata")
    if requests and parts["data"] == "everyone":
        raise ProtocolError(f"{key}: 'requests' makes no sense when everyone gets the data")
    if requests and parts["metadata"] == "owner":
        raise ProtocolError(f"{key}: 'requests' needs metadata that others can see")
    aggregates = parts.get("aggregates", parts["data"])
    if AUDIENCES.index(aggregates) < AUDIENCES.index(parts["metadata"]):
        raise ProtocolError(f"{key}: aggregates cannot go to more people than see the metadata")
    if AUDIENCES.index(aggregates) > AUDIENCES.index(parts["data"]):
        raise ProtocolError(f"{key}: aggregates cannot go to fewer people than the data")
    return Rule(parts["metadata"], parts["data"], requests, aggregates)


def protocol() -> dict[str, Rule]:
    """The sharing protocol: level -> rule (raises ``ProtocolError``).

    Read on every access decision, so parsed once per configured text."""
    return _protocol(tuple(str(tk.config[PROTOCOL.format(level=level)]) for level in LEVELS))


@functools.lru_cache(maxsize=8)
def _protocol(texts: tuple[str, ...]) -> dict[str, Rule]:
    rules = {level: parse_rule(level, text) for level, text in zip(LEVELS, texts, strict=True)}
    for looser, stricter in zip(LEVELS, LEVELS[1:], strict=False):
        a, b = rules[looser], rules[stricter]
        if any(
            AUDIENCES.index(getattr(b, f)) < AUDIENCES.index(getattr(a, f)) for f in ("metadata", "data", "aggregates")
        ):
            raise ProtocolError(
                f"{PROTOCOL.format(level=stricter)}: a stricter level cannot allow more than {looser!r}"
            )
    return rules


def check_organisations(rules: dict[str, Rule]) -> None:
    """The ``members`` audience means members of the portal's organisations:
    if any user may create an organisation, anyone can join it. Refused
    unless organisations are created by sysadmins."""
    if not tk.asbool(tk.config.get("ckan.auth.user_create_organizations")):
        return
    for level, rule in rules.items():
        if "members" in (rule.metadata, rule.data, rule.aggregates):
            raise ProtocolError(
                f"{PROTOCOL.format(level=level)} gives to 'members' of any organisation, but "
                "ckan.auth.user_create_organizations lets any user create one (and so become a member): "
                "set it to false, or use another audience"
            )


def default_expiry_days() -> int:
    return tk.config[DEFAULT_EXPIRY_DAYS]


def max_request_days() -> int:
    return tk.config[MAX_REQUEST_DAYS]


def expiry_notice_days() -> int:
    """Days before a grant ends that its end is announced."""
    return tk.config[EXPIRY_NOTICE_DAYS]


def agreement_notice_days() -> int:
    """Days before an agreement ends that both parties' admins are told."""
    return tk.config[AGREEMENT_NOTICE_DAYS]


def agreement_max_document_mb() -> int:
    """The largest signed document of an agreement."""
    return tk.config[AGREEMENT_MAX_DOCUMENT_MB]


def reminder_days() -> int:
    """Days a request waits before its deciders are reminded (escalated after twice as many)."""
    return tk.config[REMINDER_DAYS]


def terms() -> str:
    """The data-sharing terms, in the reader's language when they are the
    declared default (terms set in the configuration are shown as written)."""
    value = tk.config[TERMS]
    default = "I will use the data only for the purpose stated, will not share it further, and will delete it when access ends."
    return (
        tk._(
            "I will use the data only for the purpose stated, will not share it further, and will delete it when access ends."
        )
        if value == default
        else value
    )


def focal_points() -> frozenset[str]:
    """User names of the site's IMWG focal points: they decide access requests for every dataset."""
    return frozenset(tk.config[FOCAL_POINTS])
