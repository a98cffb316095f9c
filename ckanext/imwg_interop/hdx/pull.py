"""``ckan hdx pull --country ISO3``: a country's HDX datasets as harvested
datasets of this portal.

Each pulled dataset carries the extras ``harvest_source = hdx``,
``hdx_name``, ``hdx_url`` and ``hdx_modified``; only sysadmins (the pull
itself runs as the site user) may change it here, and the next pull brings
HDX's changes. Its places are the gazetteer's units for its country groups
and for the P-codes written in its title and its files' names.

Each dataset is written in its own transaction (one CKAN action): one that
HDX answers badly for, or that our schema refuses, is reported and leaves
nothing behind; the others are written. A run can be repeated."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import config, mapping
from .remote import FAILURES, Outcome, Remote, describe

#: the extras of a pulled dataset besides ``harvest_source``
HDX_NAME = "hdx_name"
HDX_URL = "hdx_url"
HDX_MODIFIED = "hdx_modified"


def site_context() -> dict[str, Any]:
    site_user = tk.get_action("get_site_user")({"ignore_auth": True}, {})
    return {"user": site_user["name"]}


def remote_datasets(remote: Remote, country: str) -> Iterator[dict[str, Any]]:
    """HDX's public datasets in the country's group (its lower-case ISO3 code)."""
    start, rows = 0, 100
    while True:
        result = remote.call("package_search", fq=f"groups:{country.lower()}", rows=rows, start=start, sort="name asc")
        yield from result["results"]
        start += rows
        if start >= result["count"] or not result["results"]:
            return


def places(remote_pkg: dict[str, Any]) -> list[str]:
    """Known P-codes: the country groups' units and the codes in the title and the files' names."""
    candidates = mapping.countries_of(remote_pkg) + mapping.pcodes_in(mapping.place_texts(remote_pkg))
    if not candidates:
        return []
    try:
        found = tk.get_action("pcode_lookup")({"user": ""}, {"ids": candidates})
    except KeyError:  # the gazetteer plugin is not enabled: no places
        return []
    return [code for code in candidates if code in found]


def local_owner(remote_pkg: dict[str, Any]) -> str:
    """Our organisation for an HDX dataset (the table read backwards, else ``pull_org``)."""
    theirs = (remote_pkg.get("organization") or {}).get("name") or ""
    backwards = {hdx: ours for ours, hdx in config.org_map().items()}
    owner = backwards.get(theirs) or config.pull_org()
    if not owner:
        raise mapping.MappingError(
            "owner_org", f"HDX organisation {theirs!r} is not in {config.ORG_MAP} and {config.PULL_ORG} is empty"
        )
    return owner


def local_dataset(remote_pkg: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Our dataset for an HDX one, with its places and marks."""
    ours = mapping.from_hdx(remote_pkg, owner_org=local_owner(remote_pkg), default_sector=config.default_sector())
    ours["pcodes"] = places(remote_pkg)
    ours["extras"] = [
        {"key": mapping.HARVEST_SOURCE, "value": mapping.HARVESTED_FROM},
        {"key": HDX_NAME, "value": remote_pkg["name"]},
        {"key": HDX_URL, "value": f"{base_url}/dataset/{remote_pkg['name']}"},
        {"key": HDX_MODIFIED, "value": str(remote_pkg.get("metadata_modified") or "")},
    ]
    return ours


def _extras(pkg: model.Package) -> dict[str, str]:
    return dict(pkg.extras or {})


def pull_one(remote_pkg: dict[str, Any], base_url: str) -> Outcome:
    """Write one HDX dataset here (create or update) and say what happened."""
    name = str(remote_pkg.get("name") or "?")
    try:
        ours = local_dataset(remote_pkg, base_url)
    except (mapping.MappingError, KeyError) as error:
        return Outcome(name, "failed", str(error))
    existing = model.Package.get(name)
    if existing is not None:
        marks = _extras(existing)
        # a dataset of this portal (even a deleted one: its grants, members and history
        # would come back with HDX's content) is never taken over
        if marks.get(mapping.HARVEST_SOURCE) != mapping.HARVESTED_FROM:
            return Outcome(name, "failed", "a dataset of this portal already has this name")
        if (
            existing.state != "deleted"
            and marks.get(HDX_MODIFIED)
            and marks.get(HDX_MODIFIED) == str(remote_pkg.get("metadata_modified") or "")
        ):
            return Outcome(name, "unchanged")
    try:
        if existing is None or existing.state == "deleted":
            if existing is not None:  # a deleted pulled one keeps its name: take it back
                ours["id"] = existing.id
                ours["state"] = "active"
                tk.get_action("package_update")(site_context(), ours)
            else:
                tk.get_action("package_create")(site_context(), ours)
            return Outcome(name, "created")
        tk.get_action("package_update")(site_context(), {**ours, "id": existing.id})
        return Outcome(name, "updated")
    except tk.ValidationError as error:
        model.Session.rollback()
        fields = "; ".join(f"{k}: {v}" for k, v in (error.error_dict or {}).items())
        return Outcome(name, "failed", f"refused by this portal's schema: {fields}")
    except Exception as error:  # a database error: this dataset only, nothing kept
        model.Session.rollback()
        return Outcome(name, "failed", f"{type(error).__name__}: {error}"[:300])


def pull(country: str, remote: Remote | None = None, progress: Any = None) -> list[Outcome]:
    """Pull every HDX dataset of a country (ISO3). ``progress`` (optional) is
    told ``planned(n)`` datasets to go and each one ``done(outcome)``."""
    remote = remote or Remote(token="")
    try:
        found = list(remote_datasets(remote, country))
    except FAILURES as error:
        return [Outcome(f"groups:{country.lower()}", "failed", describe(error))]
    if progress is not None:
        progress.planned(len(found))
    outcomes = []
    for pkg in found:
        outcomes.append(pull_one(pkg, remote.url))
        if progress is not None:
            progress.done(outcomes[-1])
    return outcomes
