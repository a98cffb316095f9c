"""The suite's dataset fields and HDX's, both ways: pure functions and the
tables of HDX's codes (no database, no network).

``to_hdx`` turns a dataset as an anonymous visitor sees it into the dict HDX's
``package_create`` takes; ``from_hdx`` turns an HDX dataset into the fields of
the suite's schema. What one side has and the other cannot hold is listed in
the README ("HDX exchange: what maps to what")."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

#: our update frequencies and HDX's day codes (``data_update_frequency``)
FREQUENCIES = {
    "live": "0",
    "daily": "1",
    "weekly": "7",
    "biweekly": "14",
    "monthly": "30",
    "quarterly": "90",
    "semiannual": "180",
    "yearly": "365",
    "adhoc": "-2",
    "never": "-1",
}
#: our licence ids and HDX's
LICENSES = {
    "cc-by-igo": "cc-by-igo",
    "cc-by": "cc-by",
    "cc-by-sa": "cc-by-sa",
    "odc-odbl": "odc-odbl",
    "odc-by": "odc-by",
    "odc-pddl": "hdx-pddl",
    "other-pd-nr": "other-pd-nr",
    "multiple": "hdx-multi",
    "other": "hdx-other",
}
#: our methodology codes and HDX's
METHODOLOGIES = {
    "census": "Census",
    "sample_survey": "Sample Survey",
    "direct_observational": "Direct Observational Data/Anecdotal Data",
    "registry": "Registry",
    "other": "Other",
}
#: our sectors and the HDX approved tags that name them
SECTOR_TAGS = {
    "cccm": "camp coordination and camp management-cccm",
    "early_recovery": "early recovery",
    "education": "education",
    "etc": "emergency telecommunications",
    "food_security": "food security",
    "health": "health",
    "logistics": "logistics",
    "nutrition": "nutrition",
    "protection": "protection",
    "shelter": "shelter",
    "wash": "water sanitation and hygiene-wash",
    "child_protection": "child protection",
    "gbv": "gender-based violence-gbv",
    "hlp": "housing land and property-hlp",
    "mine_action": "explosive weapons-landmines-unexploded ordnance-uxo",
    "coordination": "coordination",
    "cash": "cash based interventions-cbi",
    "disability": "disability",
}
#: HDX approved tags besides the sectors' that a free tag of ours may match
#: (compared without case)
APPROVED_TAGS = frozenset(
    (
        *SECTOR_TAGS.values(),
        "affected area",
        "affected population",
        "administrative boundaries-divisions",
        "casualties",
        "conflict-violence",
        "displacement",
        "earthquake-tsunami",
        "facilities-infrastructure",
        "flooding",
        "hxl",
        "internally displaced persons-idp",
        "livelihoods",
        "needs assessment",
        "operational presence",
        "population",
        "refugees",
        "returnees",
        "roads",
        "schools",
        "who is doing what and where-3w-4w-5w",
    )
)
#: HDX's mark of a metadata-only ("requestable") dataset and its fields
REQUESTABLE = "is_requestdata_type"
REQUESTABLE_FIELDS = ("field_names", "file_types", "num_of_rows")
#: the fields ``to_hdx`` writes: what a push compares to decide whether to update
COMPARED = (
    "name",
    "title",
    "notes",
    "owner_org",
    "license_id",
    "dataset_date",
    "data_update_frequency",
    "dataset_source",
    "methodology",
    "methodology_other",
    "caveats",
    "private",
    REQUESTABLE,
    *REQUESTABLE_FIELDS,
)
#: the mark of a dataset this portal took from HDX (``pull``): never sent back, changed only by a pull
HARVEST_SOURCE = "harvest_source"
HARVESTED_FROM = "hdx"
#: a resource's fields that go to HDX (a public file's only)
RESOURCE_FIELDS = ("name", "description", "url", "format")
#: a P-code in free text: an ISO3 country code followed by digits and letters
PCODE_IN_TEXT = re.compile(r"\b([A-Z]{2,3}\d[0-9A-Z]*(?:-\d+)?)\b")
_DATE = re.compile(r"^\s*\[\s*(\S+)\s+TO\s+(\S+)\s*\]\s*$")


class MappingError(ValueError):
    """A field that cannot be mapped (``field``: which, ``message``: why)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# -- small parts, both ways ------------------------------------------------------------------


def dataset_date(start: str | None, end: str | None, ongoing: bool = False) -> str | None:
    """HDX's ``[start TO end]`` (``*`` for an open end) from our reference period."""
    if not start:
        return None
    last = "*" if ongoing or not end else f"{_day(end)}T23:59:59"
    return f"[{_day(start)}T00:00:00 TO {last}]"


def reference_period(value: str | None) -> dict[str, str]:
    """Our reference period from HDX's ``dataset_date`` (``[a TO b]`` or one date)."""
    if not value:
        return {}
    match = _DATE.match(value)
    start, end = (match.group(1), match.group(2)) if match else (value.strip(), value.strip())
    if not re.match(r"^\d{4}-\d{2}-\d{2}", start):
        raise MappingError("dataset_date", f"not a date range: {value!r}")
    period = {"reference_period_start": _day(start)}
    if end == "*":
        period["reference_period_ongoing"] = "yes"
    elif re.match(r"^\d{4}-\d{2}-\d{2}", end):
        period["reference_period_end"] = _day(end)
    else:
        raise MappingError("dataset_date", f"not a date range: {value!r}")
    return period


def _day(value: str) -> str:
    return str(value)[:10]


def _reverse(table: Mapping[str, str]) -> dict[str, str]:
    return {theirs: ours for ours, theirs in table.items()}


def tags_to_hdx(sectors: Iterable[str], tags: Iterable[str]) -> list[str]:
    """HDX approved tags: the sectors' and our own tags that are approved."""
    names = [SECTOR_TAGS[s] for s in sectors if s in SECTOR_TAGS]
    names += [t.lower() for t in tags if t.lower() in APPROVED_TAGS]
    return sorted(set(names))


def tags_from_hdx(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Our sectors and free tags from HDX tags (sector tags become sectors)."""
    names = set(names)
    sectors = [sector for sector, tag in SECTOR_TAGS.items() if tag in names]  # in our schema's order
    tags = sorted(names - set(SECTOR_TAGS.values()))
    return sectors, tags


def org_map(text: str | None) -> dict[str, str]:
    """Our organisation names to HDX's from ``ours=theirs`` pairs (spaces or new lines between)."""
    pairs: dict[str, str] = {}
    for item in (text or "").split():
        ours, sep, theirs = item.partition("=")
        if not sep or not ours or not theirs:
            raise MappingError("org_map", f"not ours=theirs: {item!r}")
        pairs[ours] = theirs
    return pairs


def pcodes_in(texts: Iterable[str | None]) -> list[str]:
    """Candidate P-codes written in free text (titles, file names), in order."""
    found: list[str] = []
    for text in texts:
        for code in PCODE_IN_TEXT.findall(text or ""):
            if code not in found:
                found.append(code)
    return found


def _tag_names(pkg: Mapping[str, Any]) -> list[str]:
    return [t["name"] if isinstance(t, dict) else str(t) for t in pkg.get("tags") or []]


def _as_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value]


def truthy(value: Any) -> bool:
    return str(value).lower() in ("true", "1", "yes", "on")


# -- ours to HDX -----------------------------------------------------------------------------


def to_hdx(
    pkg: Mapping[str, Any],
    *,
    owner_org: str,
    countries: Iterable[str],
    requestable: bool,
) -> dict[str, Any]:
    """The HDX dataset for one of ours, as an anonymous visitor sees it.

    Args:
        pkg: our dataset (``package_show`` as an anonymous visitor).
        owner_org: the HDX organisation (from the configured table).
        countries: ISO3 codes of the places (HDX's groups, in lower case).
        requestable: a gated dataset: metadata only, with its resources'
            field names, file types and row counts and never their files.
    """
    license_id = pkg.get("license_id")
    if license_id and license_id not in LICENSES:
        raise MappingError("license_id", f"no HDX licence for {license_id!r}")
    frequency = pkg.get("update_frequency")
    if frequency and frequency not in FREQUENCIES:
        raise MappingError("update_frequency", f"no HDX code for {frequency!r}")
    methodology = pkg.get("methodology")
    hdx: dict[str, Any] = {
        "name": pkg["name"],
        "title": pkg.get("title") or pkg["name"],
        "notes": pkg.get("notes") or "",
        "owner_org": owner_org,
        "private": False,
        "license_id": LICENSES.get(license_id or "", ""),
        "dataset_date": dataset_date(
            pkg.get("reference_period_start"),
            pkg.get("reference_period_end"),
            pkg.get("reference_period_ongoing") == "yes",
        )
        or "",
        "data_update_frequency": FREQUENCIES.get(frequency or "", ""),
        "dataset_source": pkg.get("source") or "",
        "methodology": METHODOLOGIES.get(methodology or "", ""),
        "methodology_other": pkg.get("methodology_other") or "",
        "caveats": pkg.get("caveats") or "",
        "groups": [{"name": c.lower()} for c in sorted(set(countries))],
        "tags": [{"name": t} for t in tags_to_hdx(_as_list(pkg.get("sectors")), _tag_names(pkg))],
    }
    resources = [r for r in pkg.get("resources") or [] if isinstance(r, dict)]
    if requestable:
        hdx[REQUESTABLE] = "True"
        hdx["field_names"] = sorted(
            {f for r in resources for f in _as_list(r.get("field_names") or r.get("hxl_hashtags"))}
        )
        hdx["file_types"] = sorted({str(r["format"]).lower() for r in resources if r.get("format")})
        rows = [int(r["num_of_rows"]) for r in resources if str(r.get("num_of_rows") or "").isdigit()]
        hdx["num_of_rows"] = str(sum(rows)) if rows else ""
        hdx["resources"] = []
    else:
        hdx[REQUESTABLE] = "False"
        hdx["resources"] = [{k: r.get(k) or "" for k in RESOURCE_FIELDS} for r in resources]
    return hdx


def differs(wanted: Mapping[str, Any], remote: Mapping[str, Any]) -> list[str]:
    """The fields of ``wanted`` (from ``to_hdx``) that ``remote`` does not hold as they are."""
    remote = {**remote, "owner_org": (remote.get("organization") or {}).get("name") or remote.get("owner_org")}
    changed = [key for key in COMPARED if key in wanted and _norm(key, wanted.get(key)) != _norm(key, remote.get(key))]
    if {g["name"] for g in wanted.get("groups") or []} != {g["name"] for g in remote.get("groups") or []}:
        changed.append("groups")
    if set(_tag_names(wanted)) != set(_tag_names(remote)):
        changed.append("tags")
    mine = [tuple(r.get(k) or "" for k in RESOURCE_FIELDS) for r in wanted.get("resources") or []]
    theirs = [tuple(r.get(k) or "" for k in RESOURCE_FIELDS) for r in remote.get("resources") or []]
    if mine != theirs:
        changed.append("resources")
    return changed


def _norm(key: str, value: Any) -> Any:
    if key in ("private", REQUESTABLE):
        return truthy(value)
    if key in ("field_names", "file_types"):
        return sorted(_as_list(value))
    return "" if value is None else str(value)


# -- HDX to ours -----------------------------------------------------------------------------


def from_hdx(remote: Mapping[str, Any], *, owner_org: str, default_sector: str) -> dict[str, Any]:
    """Our dataset's fields from an HDX dataset (without places and markers,
    which need the gazetteer and the run). Raises ``MappingError``."""
    tags = _tag_names(remote)
    sectors, free_tags = tags_from_hdx(tags)
    frequency = str(remote.get("data_update_frequency") or "")
    licence = remote.get("license_id") or ""
    requestable = truthy(remote.get(REQUESTABLE))
    ours: dict[str, Any] = {
        "type": "dataset",
        "name": remote["name"],
        "title": remote.get("title") or remote["name"],
        "notes": remote.get("notes") or "",
        "owner_org": owner_org,
        "source": remote.get("dataset_source") or "",
        "sectors": sectors or [default_sector],
        "tag_string": ",".join(free_tags),
        "update_frequency": _reverse(FREQUENCIES).get(frequency, ""),
        "methodology": _reverse(METHODOLOGIES).get(remote.get("methodology") or "", ""),
        "methodology_other": remote.get("methodology_other") or "",
        "caveats": remote.get("caveats") or "",
        "license_id": _reverse(LICENSES).get(licence, "other" if licence else ""),
        "sensitivity": "public",
        **reference_period(remote.get("dataset_date")),
    }
    if remote.get("methodology") and not ours["methodology"]:
        ours["methodology"] = "other"
        ours["methodology_other"] = ours["methodology_other"] or str(remote["methodology"])
    ours["resources"] = (
        []
        if requestable
        else [
            {k: r.get(k) or "" for k in RESOURCE_FIELDS}
            for r in remote.get("resources") or []
            if isinstance(r, dict) and r.get("url")
        ]
    )
    return ours


def countries_of(remote: Mapping[str, Any]) -> list[str]:
    """ISO3 codes (upper case) of an HDX dataset's country groups."""
    names = [g.get("name") if isinstance(g, dict) else g for g in remote.get("groups") or []]
    return sorted({str(n).upper() for n in names if n and len(str(n)) == 3})


def place_texts(remote: Mapping[str, Any]) -> list[str]:
    """The texts whose P-codes become places: the title and the resources' names."""
    return [remote.get("title") or ""] + [
        r.get("name") or "" for r in remote.get("resources") or [] if isinstance(r, dict)
    ]
