"""What the suite adds to a dataset's index document.

Documents stay valid for CKAN's stock Solr schema: scheming stores
multi-select fields as lists, and Solr's catch-all ``*`` field is
single-valued, so they are indexed as ``vocab_<field>`` (multi-valued
strings, copied into the free-text field), where facets and filters look.
The owning organisation's type is indexed as ``organization_type``.

The document is built by every enabled plugin's ``before_dataset_index``, in
the order of ``ckan.plugins``; the suite's hooks give the same document in
any order. Each reads the dataset as stored (:func:`stored_dataset`, not the
document another hook may have changed) or fields no other hook writes, and
owns the keys it writes: the places plugin sets or removes ``pcodes``,
``extras_pcodes`` and ``vocab_pcodes`` whatever ran before it, so the move of
list-valued fields here leaves alone what is no longer in the document.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import ckan.model as model
import ckan.plugins.toolkit as tk
import sqlalchemy as sa

from ckanext.scheming.helpers import scheming_get_dataset_schema

from . import index_lock
from .interfaces import ChunkCache

#: the ``org_type`` of the owners of a chunk of datasets (``IIndexBatch``), as
#: ``Group.get(owner_org).extras`` gives it
_CHUNK_ORG_TYPES = sa.text(
    "SELECT DISTINCT ON (p.owner_org) p.owner_org, e.value FROM package p"
    " LEFT JOIN group_extra e ON e.group_id = p.owner_org AND e.key = 'org_type'"
    " WHERE p.id = ANY(:ids) AND p.owner_org IS NOT NULL"
)
#: the organisations' types of the chunk being indexed (organisation id -> type or None)
_chunk_org_types: ChunkCache[str | None] = ChunkCache("imwg_chunk_org_types")


def multi_valued_fields(dataset_type: str) -> list[str]:
    """Names of the fields that hold lists in the scheming schema."""
    schema = scheming_get_dataset_schema(dataset_type) or {}
    return [
        f["field_name"]
        for f in schema.get("dataset_fields", [])
        if "multiple" in f.get("preset", "")
        or "scheming_multiple_choice" in f.get("validators", "")
        or "scheming_multiple_choice_output" in f.get("output_validators", "")
    ]


def as_list(value: Any) -> list[str]:
    """A stored multi-value (list or its JSON text) as a list of strings."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return [text]
        else:
            return [text] if text else []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    return [] if value in (None, "") else [str(value)]


def stored_dataset(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The dataset an index document is built from: as ``package_show`` gives
    it (``validated_data_dict``), else as stored (``data_dict``). Shared by
    the hooks of one document: read it, never change it."""
    for key in ("validated_data_dict", "data_dict"):
        value = pkg_dict.get(key)
        if isinstance(value, dict):
            return value
        if isinstance(value, str) and value:
            return _parsed(value)
    return {}


@functools.lru_cache(maxsize=1)
def _parsed(text: str) -> dict[str, Any]:
    # the hooks of one document parse the same text: the last one is kept
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def solr_compatible(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Move list-valued schema fields to ``vocab_<field>`` (dropping the copy
    of their JSON text CKAN makes as ``extras_<field>``: the values are in
    the free-text field once, through ``vocab_<field>``)."""
    for name in multi_valued_fields(pkg_dict.get("dataset_type") or pkg_dict.get("type") or "dataset"):
        pkg_dict.pop(f"extras_{name}", None)
        if name in pkg_dict:
            values = as_list(pkg_dict.pop(name))
            if values:
                pkg_dict[f"vocab_{name}"] = values
    return pkg_dict


def organization_type(owner_org: str | None) -> str | None:
    """The ``org_type`` of an organisation (scheming stores it as an extra)."""
    return _chunk_org_types.get(owner_org, _read_organization_type) if owner_org else None


def _read_organization_type(owner_org: str) -> str | None:
    group = model.Group.get(owner_org)
    return group.extras.get("org_type") if group is not None else None


def before_index_chunk(package_ids: list[str]) -> None:
    """Read the types of a chunk of datasets' organisations at once (``IIndexBatch``)."""
    rows = model.Session.execute(_CHUNK_ORG_TYPES, {"ids": list(package_ids)})
    _chunk_org_types.fill({owner: org_type for owner, org_type in rows})


def after_index_chunk() -> None:
    _chunk_org_types.clear()


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """The suite's additions to the index document."""
    org_type = organization_type(pkg_dict.get("owner_org"))
    if org_type:
        pkg_dict["organization_type"] = org_type
    return solr_compatible(pkg_dict)


def organization_changed(org: model.Group) -> None:
    """Re-index the organisation's datasets (in a background job) when the
    type they were indexed with is no longer the organisation's."""
    if not getattr(org, "is_organization", False):
        return
    result = tk.get_action("package_search")(
        {"ignore_auth": True},
        {
            "fq": f'owner_org:"{org.id}"',
            "rows": 0,
            "include_private": True,
            "include_drafts": True,
            "facet.field": '["organization_type"]',
        },
    )
    indexed = set(result["facets"].get("organization_type", {}))
    current = {org.extras.get("org_type")} - {None}
    if result["count"] and indexed != current:
        tk.enqueue_job(reindex_organization, [org.id], title=f"Re-index the datasets of {org.name}")


#: datasets re-indexed at a time by :func:`reindex_organization` (each time under their index locks)
REINDEX_CHUNK = 200


def reindex_organization(org_id: str) -> int:
    """Background job: re-index every dataset of an organisation, a chunk
    at a time under the datasets' index locks (``index_lock.holding``), so
    that a dataset saved meanwhile keeps the entry of its last commit."""
    import ckan.lib.search as search

    ids = [
        r[0]
        for r in model.Session.query(model.Package.id).filter(
            model.Package.owner_org == org_id, model.Package.state != "deleted"
        )
    ]
    for start in range(0, len(ids), REINDEX_CHUNK):
        part = ids[start : start + REINDEX_CHUNK]
        with index_lock.holding(part):
            search.rebuild(package_ids=part, quiet=True)
    search.commit()
    return len(ids)
