"""What a dataset's HXL-tagged resources add to its index document.

Fields stay valid for CKAN's stock Solr schema (multi-valued strings are
``vocab_*``):

- ``vocab_hxl_hashtags``: every hashtag of its resources, with attributes
  (``#affected+killed``);
- ``vocab_hxl_tags``: the same without attributes (``#affected``, ``#adm2``),
  the facet. Every dataset with killed casualties at district level:
  ``fq=vocab_hxl_hashtags:"#affected+killed" AND vocab_hxl_tags:"#adm2"``.
"""

from __future__ import annotations

from typing import Any

import ckan.model as model
import sqlalchemy as sa

from ckanext.imwg.interfaces import ChunkCache

HASHTAGS = "vocab_hxl_hashtags"
TAGS = "vocab_hxl_tags"

_QUERY = sa.text(
    "SELECT DISTINCT unnest(p.hashtags) FROM imwg_hxl_profile p JOIN resource r ON r.id = p.resource_id"
    " WHERE p.package_id = :id AND r.state = 'active' AND p.hashtags <> '{}'"
)
#: the same for a chunk of datasets (``IIndexBatch``)
_CHUNK_QUERY = sa.text(
    "SELECT p.package_id, array_agg(DISTINCT t.tag) FROM imwg_hxl_profile p"
    " JOIN resource r ON r.id = p.resource_id CROSS JOIN LATERAL unnest(p.hashtags) AS t(tag)"
    " WHERE p.package_id = ANY(:ids) AND r.state = 'active' AND p.hashtags <> '{}' GROUP BY p.package_id"
)
#: the hashtags of the datasets of the chunk being indexed
_chunk: ChunkCache[list[str]] = ChunkCache("imwg_hxl_chunk_hashtags")


def hashtags(package_id: str) -> list[str]:
    """The distinct hashtags of a dataset's active resources."""
    return [r[0] for r in model.Session.execute(_QUERY, {"id": package_id})]


def before_index_chunk(package_ids: list[str]) -> None:
    """Read the hashtags of a chunk of datasets at once (``IIndexBatch``)."""
    found: dict[str, list[str]] = {i: [] for i in package_ids}
    found.update((r[0], list(r[1])) for r in model.Session.execute(_CHUNK_QUERY, {"ids": list(package_ids)}))
    _chunk.fill(found)


def after_index_chunk() -> None:
    _chunk.clear()


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if not pkg_dict.get("id"):
        return pkg_dict
    found = sorted(_chunk.get(pkg_dict["id"], hashtags))
    if found:
        pkg_dict[HASHTAGS] = found
        pkg_dict[TAGS] = sorted({t.split("+", 1)[0] for t in found})
    return pkg_dict
