"""When a dataset matches a data need, and how well: the rule, with no
database, so that it can be tested alone.

A dataset matches a need when

- their sectors overlap;
- when the need names places: a place of the dataset is one of the need's,
  or lies inside one (roll-up: a township's data answers a need for its
  state), or contains one (a state's data answers a need for one of its
  townships);
- when the need names a data type: the dataset's is the same;
- when both give a reference period: the periods overlap (an ongoing
  dataset has no end).

Matches are ranked by the number of criteria that the need sets and the
dataset meets, then by how closely the places fit (the same place, a place
inside, a place around: nearer ancestors first), then by how many sectors
they share, then by recency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ckanext.imwg.indexing import as_list

#: how a dataset's place stands to the need's (best first)
SAME, INSIDE, AROUND = "same", "inside", "around"


@dataclass(frozen=True)
class Match:
    """Why a dataset matches a need (``criteria``: what the need sets and the dataset meets)."""

    criteria: tuple[str, ...]
    place: str | None = None
    #: for ``around``: how many levels above the need's place (1: its parent)
    distance: int = 0
    sectors: tuple[str, ...] = field(default_factory=tuple)

    def rank(self) -> tuple[int, int, int]:
        """Larger is better (recency is the caller's tie-break)."""
        place = {SAME: 300, INSIDE: 200, AROUND: 100 - self.distance, None: 0}[self.place]
        return (len(self.criteria), place, len(self.sectors))


def as_date(value: Any) -> dt.date | None:
    """A date from a date, a datetime or ISO text (its first ten characters); None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and value.strip():
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def periods_overlap(
    need_start: dt.date | None, need_end: dt.date | None, start: dt.date | None, end: dt.date | None
) -> bool | None:
    """Whether two periods overlap; None when either gives no period at all."""
    if (need_start is None and need_end is None) or (start is None and end is None):
        return None
    if need_end is not None and start is not None and need_end < start:
        return False
    if end is not None and need_start is not None and end < need_start:
        return False
    return True


def place_fit(
    need_codes: Iterable[str], dataset_codes: Iterable[str], ancestors: Mapping[str, list[str]]
) -> tuple[str, int] | None:
    """The best relation of a dataset's places to a need's (``SAME``,
    ``INSIDE``, ``AROUND`` with the distance in levels), or None.
    ``ancestors``: each code's ancestors, nearest first."""
    need_codes = list(need_codes)
    best: tuple[str, int] | None = None
    order = {SAME: 0, INSIDE: 1, AROUND: 2}
    for code in dataset_codes:
        for wanted in need_codes:
            if code == wanted:
                return (SAME, 0)
            if wanted in ancestors.get(code, []):
                candidate = (INSIDE, 0)
            elif code in ancestors.get(wanted, []):
                candidate = (AROUND, ancestors[wanted].index(code) + 1)
            else:
                continue
            if best is None or (order[candidate[0]], candidate[1]) < (order[best[0]], best[1]):
                best = candidate
    return best


def match(need: Mapping[str, Any], dataset: Mapping[str, Any], ancestors: Mapping[str, list[str]]) -> Match | None:
    """How ``dataset`` (a dataset dict) matches ``need`` (a need dict), or None.

    ``ancestors`` maps the need's and the dataset's codes to their ancestors
    (nearest first); a code missing from it has none known.
    """
    shared = tuple(sorted(set(as_list(need.get("sectors"))) & set(as_list(dataset.get("sectors")))))
    if not shared:
        return None
    criteria = ["sectors"]
    place, distance = None, 0
    need_codes = as_list(need.get("pcodes"))
    if need_codes:
        fit = place_fit(need_codes, as_list(dataset.get("pcodes")), ancestors)
        if fit is None:
            return None
        place, distance = fit
        criteria.append("places")
    if need.get("data_type"):
        if dataset.get("data_type") != need["data_type"]:
            return None
        criteria.append("data_type")
    overlap = periods_overlap(
        as_date(need.get("reference_period_start")),
        as_date(need.get("reference_period_end")),
        as_date(dataset.get("reference_period_start")),
        as_date(dataset.get("reference_period_end")),
    )
    if overlap is False:
        return None
    if overlap:
        criteria.append("reference_period")
    return Match(criteria=tuple(criteria), place=place, distance=distance, sectors=shared)


def ranked(
    need: Mapping[str, Any], datasets: Iterable[Mapping[str, Any]], ancestors: Mapping[str, list[str]]
) -> list[tuple[Mapping[str, Any], Match]]:
    """The datasets that match, best first (recency, ``metadata_modified``, breaks ties)."""
    found = [(d, m) for d in datasets if (m := match(need, d, ancestors)) is not None]
    found.sort(key=lambda pair: (pair[1].rank(), str(pair[0].get("metadata_modified") or "")), reverse=True)
    return found
