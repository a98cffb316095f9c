"""``ckan hdx push``: publish datasets on HDX, or bring HDX's copies up to date.

Datasets are read as an anonymous visitor (``package_show`` with no user), so
only what the sharing protocol shows everyone can leave: a dataset anonymous
visitors do not see is not found, a strictly confidential one is withheld
whatever the protocol shows, and a gated dataset (not public, or with a file
the visitor does not get) leaves as an HDX "requestable" entry: metadata with
its files' field names, types and row counts, never a file or its address.

A dataset whose HDX copy already holds every mapped field as it is is left
alone, so a second run changes nothing. Each dataset is sent on its own; a
failure is reported for that dataset and the others go on. Nothing is written
here."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk

from . import config, mapping
from .remote import FAILURES, Outcome, Remote, describe

#: the level that never leaves, whatever the protocol shows
WITHHELD = "strictly_confidential"
HARVEST_SOURCE, HARVESTED_FROM = mapping.HARVEST_SOURCE, mapping.HARVESTED_FROM


def anonymous() -> dict[str, Any]:
    """A context in which CKAN's actions answer as to an anonymous visitor."""
    return {"user": "", "ignore_auth": False}


def public_names() -> Iterator[str]:
    """The names of every dataset an anonymous visitor finds."""
    start, rows = 0, 500
    while True:
        result = tk.get_action("package_search")(
            anonymous(), {"q": "*:*", "rows": rows, "start": start, "fl": "name", "sort": "name asc"}
        )
        names = [r["name"] for r in result["results"]]
        yield from names
        start += rows
        if len(names) < rows:
            return


def harvested(pkg: dict[str, Any]) -> bool:
    """Whether a dataset came from HDX (a pull)."""
    extras = {e.get("key"): e.get("value") for e in pkg.get("extras") or [] if isinstance(e, dict)}
    return (pkg.get(HARVEST_SOURCE) or extras.get(HARVEST_SOURCE)) == HARVESTED_FROM


def gated(pkg: dict[str, Any]) -> bool:
    """Not public, or with a file an anonymous visitor does not get."""
    resources = [r for r in pkg.get("resources") or [] if isinstance(r, dict)]
    return (pkg.get("sensitivity") or "public") != "public" or any(
        r.get("access_controlled") or not r.get("url") for r in resources
    )


def countries(pkg: dict[str, Any]) -> list[str]:
    """ISO3 codes of the dataset's places (its ``countries``, else the gazetteer's answer)."""
    found = [str(c).upper() for c in pkg.get("countries") or []]
    if not found and pkg.get("pcodes"):
        try:
            units = tk.get_action("pcode_lookup")(anonymous(), {"ids": pkg["pcodes"]})
        except KeyError:  # the gazetteer plugin is not enabled
            units = {}
        found = [u["country"] for u in units.values() if u.get("country")]
    return sorted(set(found))


def hdx_dataset(pkg: dict[str, Any], organisations: dict[str, str]) -> dict[str, Any]:
    """The HDX dataset for ``pkg`` (raises ``MappingError``)."""
    org = (pkg.get("organization") or {}).get("name") or ""
    if org not in organisations:
        raise mapping.MappingError("owner_org", f"organisation {org!r} has no HDX organisation in {config.ORG_MAP}")
    return mapping.to_hdx(pkg, owner_org=organisations[org], countries=countries(pkg), requestable=gated(pkg))


def push_one(remote: Remote, name: str, organisations: dict[str, str]) -> Outcome:
    """Send one dataset (by name or id) and say what happened."""
    try:
        pkg = tk.get_action("package_show")(anonymous(), {"id": name})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        local = model.Package.get(name)
        if local is None or local.state == "deleted":
            return Outcome(name, "failed", "no dataset with this name")
        return withdraw(remote, local.name, organisations, "not shown to anonymous visitors")
    name = pkg["name"]
    if pkg.get("sensitivity") == WITHHELD or pkg.get("private"):
        return withdraw(remote, name, organisations, "strictly confidential: never leaves the portal")
    if harvested(pkg):
        return Outcome(name, "withheld", "taken from HDX: not sent back")
    try:
        wanted = hdx_dataset(pkg, organisations)
    except mapping.MappingError as error:
        return Outcome(name, "failed", str(error))
    try:
        current = remote.show(name)
        if current is None:
            remote.call("package_create", **wanted)
            return Outcome(name, "created", "requestable (metadata only)" if gated(pkg) else "")
        held_by = ((current.get("organization") or {}).get("name")) or ""
        if held_by and held_by not in organisations.values():
            # another publisher's dataset of the same name: never overwritten
            return Outcome(name, "failed", f"HDX's dataset of this name belongs to {held_by}, not to our organisations")
        changed = mapping.differs(wanted, current)
        if not changed:
            return Outcome(name, "unchanged")
        remote.call("package_update", **_keep_resource_ids(wanted, current), id=current["id"])
        return Outcome(name, "updated", ", ".join(changed))
    except FAILURES as error:
        return Outcome(name, "failed", describe(error))


def _keep_resource_ids(wanted: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """The update with HDX's resource ids kept where a resource of the same name stays."""
    ids = {r.get("name"): r.get("id") for r in current.get("resources") or []}
    resources = [{**r, "id": ids[r["name"]]} if ids.get(r["name"]) else r for r in wanted.get("resources") or []]
    return {**wanted, "resources": resources}


def withdraw(remote: Remote, name: str, organisations: dict[str, str], why: str) -> Outcome:
    """A dataset that may not leave (any more): its HDX copy, if one of our
    HDX organisations holds it, is deleted there."""
    try:
        current = remote.show(name)
        theirs = (current or {}).get("organization") or {}
        if current is None or current.get("state") == "deleted" or theirs.get("name") not in organisations.values():
            return Outcome(name, "withheld", why)
        remote.call("package_delete", id=current["id"])
        return Outcome(name, "withdrawn", why)
    except FAILURES as error:
        return Outcome(name, "failed", f"{why}; its HDX copy could not be withdrawn: {describe(error)}")


def remote_names(remote: Remote, organisations: dict[str, str]) -> list[str]:
    """The names of the datasets our HDX organisations hold on HDX."""
    names: list[str] = []
    for org in sorted(set(organisations.values())):
        start, rows = 0, 500
        while True:
            result = remote.call("package_search", fq=f"organization:{org}", rows=rows, start=start, fl="name")
            names += [r["name"] for r in result["results"]]
            start += rows
            if start >= result["count"] or not result["results"]:
                break
    return names


def push(names: Iterable[str] | None = None, remote: Remote | None = None, progress: Any = None) -> list[Outcome]:
    """Push the named datasets (default: every dataset anonymous visitors find,
    and withdraw from HDX the copies of our datasets they no longer find).
    ``progress`` (optional) is told ``planned(n)`` datasets to go and each one
    ``done(outcome)``."""
    remote = remote or Remote()
    organisations = config.org_map()
    planned = progress.planned if progress is not None else (lambda n: None)
    done = progress.done if progress is not None else (lambda outcome: None)

    def one(name: str) -> Outcome:
        outcome = push_one(remote, name, organisations)
        done(outcome)
        return outcome

    if names:
        names = list(names)
        planned(len(names))
        return [one(name) for name in names]
    chosen = list(public_names())
    planned(len(chosen))
    outcomes = [one(name) for name in chosen]
    try:
        theirs = remote_names(remote, organisations)
    except FAILURES as error:
        return [*outcomes, Outcome("(withdrawals)", "failed", describe(error))]
    gone = sorted(set(theirs) - set(chosen))
    planned(len(gone))
    for name in gone:
        local = model.Package.get(name)
        if (
            local is not None
            and local.state != "deleted"
            and (local.extras or {}).get(HARVEST_SOURCE) != HARVESTED_FROM
        ):
            outcomes.append(one(name))
        else:
            done(None)
    return outcomes
