"""The matching rule of the data-needs register (no database)."""

from __future__ import annotations

import datetime as dt

from ckanext.imwg_exchange.needs import matching

#: Waingmaw (township) < Myitkyina (district) < Kachin (state) < Myanmar
ANCESTORS = {
    "MMR001014": ["MMR001D001", "MMR001", "MMR"],
    "MMR001D001": ["MMR001", "MMR"],
    "MMR001": ["MMR"],
    "MMR015": ["MMR"],
    "MMR": [],
}


def need(**fields):
    return {"sectors": ["protection"], "pcodes": [], "data_type": None, **fields}


def dataset(**fields):
    return {"sectors": ["protection"], "pcodes": [], **fields}


def test_sectors_must_overlap():
    """A dataset of other sectors does not match."""
    assert matching.match(need(), dataset(sectors=["health"]), ANCESTORS) is None


def test_overlapping_sectors_match_a_need_without_places():
    """Sectors alone match a need that names no place, type or period."""
    assert matching.match(need(), dataset(sectors=["health", "protection"]), ANCESTORS).criteria == ("sectors",)


def test_a_sub_unit_matches_a_need_for_its_state():
    """Roll-up: a township's dataset answers a need for its state."""
    found = matching.match(need(pcodes=["MMR001"]), dataset(pcodes=["MMR001014"]), ANCESTORS)
    assert found.place == matching.INSIDE


def test_an_ancestor_matches_a_need_for_a_township():
    """Roll-up the other way: a state's dataset answers a need for one of its townships."""
    found = matching.match(need(pcodes=["MMR001014"]), dataset(pcodes=["MMR001"]), ANCESTORS)
    assert found.place == matching.AROUND


def test_the_ancestor_distance_is_counted():
    """The state is two levels above the township."""
    found = matching.match(need(pcodes=["MMR001014"]), dataset(pcodes=["MMR001"]), ANCESTORS)
    assert found.distance == 2


def test_an_unrelated_place_does_not_match():
    """Shan's data does not answer a need for Kachin."""
    assert matching.match(need(pcodes=["MMR001"]), dataset(pcodes=["MMR015"]), ANCESTORS) is None


def test_a_dataset_without_places_does_not_match_a_need_with_places():
    """A need's places are a criterion when it names them."""
    assert matching.match(need(pcodes=["MMR001"]), dataset(), ANCESTORS) is None


def test_data_type_must_be_equal_when_given():
    """A need for a 3W is not met by a needs assessment."""
    assert matching.match(need(data_type="3w"), dataset(data_type="needs_assessment"), ANCESTORS) is None


def test_equal_data_type_is_a_criterion():
    """The same data type counts as a criterion met."""
    assert "data_type" in matching.match(need(data_type="3w"), dataset(data_type="3w"), ANCESTORS).criteria


def test_disjoint_periods_do_not_match():
    """Data of 2022 does not answer a need for 2024."""
    found = matching.match(
        need(reference_period_start="2024-01-01", reference_period_end="2024-12-31"),
        dataset(reference_period_start="2022-01-01", reference_period_end="2022-12-31"),
        ANCESTORS,
    )
    assert found is None


def test_an_ongoing_dataset_overlaps_a_later_need():
    """A dataset with no end overlaps any period after its start."""
    found = matching.match(
        need(reference_period_start="2025-01-01", reference_period_end="2025-06-30"),
        dataset(reference_period_start="2023-01-01"),
        ANCESTORS,
    )
    assert "reference_period" in found.criteria


def test_a_dataset_without_period_matches_a_need_with_one():
    """Periods are compared only when both give one."""
    found = matching.match(need(reference_period_start="2024-01-01"), dataset(), ANCESTORS)
    assert found.criteria == ("sectors",)


def test_dates_are_read_from_datetimes():
    """A datetime (as the API may give) is read as its date."""
    assert matching.as_date(dt.datetime(2024, 1, 1, 12)) == dt.date(2024, 1, 1)


def test_periods_touching_on_one_day_overlap():
    """A period ending the day the other starts overlaps it."""
    assert matching.periods_overlap(dt.date(2024, 1, 1), None, None, dt.date(2024, 1, 1)) is True


def test_ranking_prefers_more_criteria_then_the_same_place_then_recency():
    """Best first: more criteria met, then the closer place, then the newer dataset."""
    wanted = need(pcodes=["MMR001"], data_type="3w")
    datasets = [
        dataset(name="around", pcodes=["MMR"], data_type="3w", metadata_modified="2026-01-03"),
        dataset(name="same-old", pcodes=["MMR001"], data_type="3w", metadata_modified="2026-01-01"),
        dataset(name="same-new", pcodes=["MMR001"], data_type="3w", metadata_modified="2026-01-02"),
        dataset(name="inside", pcodes=["MMR001014"], data_type="3w", metadata_modified="2026-01-04"),
        dataset(name="other-type", pcodes=["MMR001"], data_type="geodata"),
    ]
    names = [d["name"] for d, _ in matching.ranked(wanted, datasets, ANCESTORS)]
    assert names == ["same-new", "same-old", "inside", "around"]


def test_stored_lists_as_json_text_are_read():
    """Sectors and places stored as JSON text match as lists do."""
    found = matching.match(need(pcodes=["MMR001"]), dataset(sectors='["protection"]', pcodes='["MMR001"]'), ANCESTORS)
    assert found.place == matching.SAME
