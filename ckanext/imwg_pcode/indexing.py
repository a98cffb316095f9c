"""What a dataset's P-codes add to its index document, and how searches reach them.

Fields stay valid for CKAN's stock Solr schema (multi-valued strings are
``vocab_*``):

- ``vocab_pcodes``: the dataset's own codes;
- ``vocab_pcode_adm0`` .. ``vocab_pcode_adm5``: its codes and all their
  ancestors, per admin level. ``fq=pcodes:MMR001`` is rewritten to
  ``vocab_pcode_adm1:"MMR001"`` (the level comes from the gazetteer), which
  finds datasets tagged with Kachin or any place inside it: the roll-up. The
  same fields give the facets and the counts of the location pages;
- ``text``: the names of all those places in every stored language, so that
  a free-text search for "Kachin" finds its townships' data;
- ``minx``/``miny``/``maxx``/``maxy``/``bbox_area``: the extent of the tagged
  places, for ckanext-spatial's map search, when the dataset has no
  ``spatial`` extent of its own and the gazetteer has boundaries.

The codes and the ``spatial`` extent are read from the dataset as stored, not
from the document, and ``pcodes``, ``extras_pcodes`` and ``vocab_pcodes`` are
set or removed here whatever ran before: the document is the same whether
this hook runs before or after the shared one (``ckanext.imwg.indexing``) or
ckanext-spatial's.
"""

from __future__ import annotations

import re
from typing import Any

import ckan.model as model
import ckan.plugins as p

from ckanext.imwg.guard import check_clauses
from ckanext.imwg.indexing import stored_dataset
from ckanext.imwg.logic.validators import place_codes

from . import places

FIELD = "pcodes"
INDEX_FIELD = "vocab_pcodes"
LEVEL_FIELD = "vocab_pcode_adm{level}"
TEXT_FIELD = "text"
LEVELS = range(6)


def tagged_codes(dataset: dict[str, Any]) -> list[str]:
    """The P-codes of a dataset as stored."""
    return place_codes(dataset.get(FIELD))


def has_own_extent(dataset: dict[str, Any]) -> bool:
    """Whether a dataset as stored has a ``spatial`` extent (a field, or the
    extra ckanext-spatial indexes)."""
    if dataset.get("spatial"):
        return True
    extras = dataset.get("extras")
    return isinstance(extras, list) and any(
        isinstance(e, dict) and e.get("key") == "spatial" and e.get("value") for e in extras
    )


def before_index(pkg_dict: dict[str, Any]) -> dict[str, Any]:
    """Add ancestors, per-level codes, names and extent of the dataset's places."""
    dataset = stored_dataset(pkg_dict)
    codes = tagged_codes(dataset)
    for key in (FIELD, f"extras_{FIELD}", INDEX_FIELD):
        pkg_dict.pop(key, None)
    if not codes:
        return pkg_dict
    found = places.lookup(model.Session, codes)
    pkg_dict[INDEX_FIELD] = codes
    by_level: dict[int, list[str]] = {}
    names: set[str] = set()
    for unit in found.with_ancestors():
        by_level.setdefault(unit.level, []).append(unit.pcode)
        names.add(unit.name)
        names.update(unit.other_names)
    for level in LEVELS:
        if level in by_level:
            pkg_dict[LEVEL_FIELD.format(level=level)] = by_level[level]
    if names:
        text = pkg_dict.get(TEXT_FIELD) or []
        pkg_dict[TEXT_FIELD] = ([text] if isinstance(text, str) else list(text)) + sorted(names)
    if not has_own_extent(dataset):
        extent = _extent(found)
        if extent:
            minx, miny, maxx, maxy = extent
            pkg_dict.update(minx=minx, miny=miny, maxx=maxx, maxy=maxy, bbox_area=(maxx - minx) * (maxy - miny))
    return pkg_dict


def _extent(found: places.Places) -> tuple[float, float, float, float] | None:
    """The union of the tagged places' boxes (a place without a boundary
    counts as its nearest ancestor that has one)."""
    if not any(unit.bbox for unit in found.units.values()):  # a gazetteer without boundaries
        return None
    boxes = []
    for code, unit in found.found.items():
        box = unit.bbox or next((a.bbox for a in found.ancestors(code) if a.bbox), None)
        if box:
            boxes.append(box)
    if not boxes:
        return None
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# ``pcodes:X`` in a filter, quoted or not, as CKAN's search page writes it
# (``pcodes:"MMR001"``) or a person types it; several codes in one quoted value
# (what a multi-place filter sends: "MMR001, MMR015") mean any of them.
_FILTER = re.compile(r'(?<![\w.])(-?)pcodes:(?:"([^"]*)"|([^\s)"]+))')


def _target(code: str, found: places.Places) -> str:
    """The clause that finds a code and everything below it."""
    unit = found.found.get(code)
    if unit is None:  # not in the gazetteer: the datasets tagged with it as such
        return f'{INDEX_FIELD}:"{code}"'
    return f'{LEVEL_FIELD.format(level=unit.level)}:"{code}"'


def _rewrite(fq: str) -> str:
    matches = list(_FILTER.finditer(fq))
    groups = [place_codes(m.group(2) if m.group(3) is None else m.group(3)) for m in matches]
    if p.plugin_loaded("imwg"):  # its guard (and the options of its limits) are on
        # each code becomes a clause of its own: the search's limit holds for them
        check_clauses(sum(len(g) for g in groups))
    found = places.lookup(model.Session, [c for g in groups for c in g])
    out, last = [], 0
    for match, codes in zip(matches, groups, strict=True):
        clauses = [_target(c, found) for c in codes] or [f'{INDEX_FIELD}:""']
        clause = clauses[0] if len(clauses) == 1 else "(" + " OR ".join(clauses) + ")"
        out += [fq[last : match.start()], match.group(1), clause]
        last = match.end()
    return "".join(out) + fq[last:]


def before_search(search_params: dict[str, Any]) -> dict[str, Any]:
    """Let filters name ``pcodes`` (the field people know), rolled up."""
    if isinstance(search_params.get("fq"), str) and "pcodes:" in search_params["fq"]:
        search_params["fq"] = _rewrite(search_params["fq"])
    if isinstance(search_params.get("fq_list"), list):
        search_params["fq_list"] = [
            _rewrite(f) if isinstance(f, str) and "pcodes:" in f else f for f in search_params["fq_list"]
        ]
    return search_params
