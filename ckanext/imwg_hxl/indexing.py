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

HASHTAGS = "vocab_hxl_hashtags"
TAGS = "vocab_hxl_tags"

_QUERY = sa.text(
    "SELECT DISTINCT unnest(p.hashtags) FROM imwg_hxl_profile p JOIN resource r ON r.id = p.resource_id"
    " WHERE p.package_id = :id AND r.state = 'active' AND p.hashtags <> '{}'"
)


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    if not pkg_dict.get("id"):
        return pkg_dict
    found = sorted(r[0] for r in model.Session.execute(_QUERY, {"id": pkg_dict["id"]}))
    if found:
        pkg_dict[HASHTAGS] = found
        pkg_dict[TAGS] = sorted({t.split("+", 1)[0] for t in found})
    return pkg_dict
