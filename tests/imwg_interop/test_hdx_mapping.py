"""The mapping between our fields and HDX's, without a database."""

from __future__ import annotations

import pytest
import yaml

from ckanext.imwg_interop.hdx import mapping
from tests.support import ROOT

OURS = {
    "name": "hazards",
    "title": "Hazards MMR001",
    "notes": "Hazardous areas.",
    "source": "National authority",
    "sectors": ["protection", "mine_action"],
    "tags": [{"name": "Casualties"}, {"name": "our-own"}],
    "reference_period_start": "2024-01-01",
    "reference_period_end": "2024-06-30",
    "update_frequency": "monthly",
    "methodology": "sample_survey",
    "methodology_other": "",
    "caveats": "Partial.",
    "license_id": "odc-pddl",
    "resources": [
        {
            "name": "Hazards",
            "url": "https://x.example.org/h.csv",
            "format": "CSV",
            "field_names": "a,b",
            "num_of_rows": "3",
        },
        {"name": "Map", "url": "https://x.example.org/m.geojson", "format": "GeoJSON", "num_of_rows": "4"},
    ],
}


def schema_choices(field: str) -> set[str]:
    schema = yaml.safe_load((ROOT / "schemas" / "dataset.yaml").read_text())
    (found,) = [f for f in schema["dataset_fields"] if f["field_name"] == field]
    return {c["value"] for c in found["choices"]}


def test_tables_cover_every_choice_of_our_schema_one_to_one():
    """Every update frequency, licence, methodology and sector of ours has one HDX code, and back."""
    for field, table in (
        ("update_frequency", mapping.FREQUENCIES),
        ("license_id", mapping.LICENSES),
        ("methodology", mapping.METHODOLOGIES),
        ("sectors", mapping.SECTOR_TAGS),
    ):
        assert set(table) == schema_choices(field), field
        assert len(set(table.values())) == len(table), field


def test_frequency_codes_are_hdx_day_codes():
    """Monthly is 30 days, yearly 365, live 0, never -1, as needed -2."""
    assert mapping.FREQUENCIES["monthly"] == "30"
    assert mapping.FREQUENCIES["yearly"] == "365"
    assert mapping.FREQUENCIES["live"] == "0"
    assert mapping.FREQUENCIES["never"] == "-1"
    assert mapping.FREQUENCIES["adhoc"] == "-2"


def test_dataset_date_both_ways():
    """A closed period, an ongoing one and a single HDX date."""
    assert mapping.dataset_date("2024-01-01", "2024-06-30") == "[2024-01-01T00:00:00 TO 2024-06-30T23:59:59]"
    assert mapping.dataset_date("2024-01-01", None, ongoing=True) == "[2024-01-01T00:00:00 TO *]"
    assert mapping.dataset_date(None, "2024-06-30") is None
    assert mapping.reference_period("[2024-01-01T00:00:00 TO 2024-06-30T23:59:59]") == {
        "reference_period_start": "2024-01-01",
        "reference_period_end": "2024-06-30",
    }
    assert mapping.reference_period("[2024-01-01T00:00:00 TO *]") == {
        "reference_period_start": "2024-01-01",
        "reference_period_ongoing": "yes",
    }
    assert mapping.reference_period("2023-05-02") == {
        "reference_period_start": "2023-05-02",
        "reference_period_end": "2023-05-02",
    }


def test_a_bad_dataset_date_names_the_field():
    """Text that is no date range is a MappingError on dataset_date."""
    with pytest.raises(mapping.MappingError) as raised:
        mapping.reference_period("[last year TO now]")
    assert raised.value.field == "dataset_date"


def test_public_dataset_to_hdx():
    """Codes, lower-case country groups, approved tags only, the files."""
    hdx = mapping.to_hdx(OURS, owner_org="hdx-org", countries=["MMR"], requestable=False)
    assert hdx["data_update_frequency"] == "30"
    assert hdx["license_id"] == "hdx-pddl"
    assert hdx["methodology"] == "Sample Survey"
    assert hdx["groups"] == [{"name": "mmr"}]
    assert {t["name"] for t in hdx["tags"]} == {
        "protection",
        "explosive weapons-landmines-unexploded ordnance-uxo",
        "casualties",
    }
    assert hdx["is_requestdata_type"] == "False"
    assert [r["url"] for r in hdx["resources"]] == ["https://x.example.org/h.csv", "https://x.example.org/m.geojson"]


def test_gated_dataset_to_hdx_has_no_file():
    """A requestable entry: field names, file types and the row count; no resource."""
    hdx = mapping.to_hdx(OURS, owner_org="hdx-org", countries=["MMR"], requestable=True)
    assert hdx["is_requestdata_type"] == "True"
    assert hdx["field_names"] == ["a", "b"]
    assert hdx["file_types"] == ["csv", "geojson"]
    assert hdx["num_of_rows"] == "7"
    assert hdx["resources"] == []
    assert "x.example.org" not in str(hdx)


def test_unknown_licence_is_a_mapping_error():
    """A licence with no HDX id fails on license_id."""
    with pytest.raises(mapping.MappingError) as raised:
        mapping.to_hdx({**OURS, "license_id": "proprietary"}, owner_org="o", countries=[], requestable=False)
    assert raised.value.field == "license_id"


def test_round_trip_of_the_mapping_keeps_mapped_fields():
    """to_hdx then from_hdx gives back every mapped field."""
    hdx = mapping.to_hdx(OURS, owner_org="hdx-org", countries=["MMR"], requestable=False)
    back = mapping.from_hdx(hdx, owner_org="ours", default_sector="coordination")
    for field in ("title", "notes", "source", "sectors", "reference_period_start", "reference_period_end"):
        assert back[field] == OURS[field], field
    for field in ("update_frequency", "methodology", "caveats", "license_id"):
        assert back[field] == OURS[field], field
    assert back["tag_string"] == "casualties"
    assert [r["url"] for r in back["resources"]] == [r["url"] for r in OURS["resources"]]


def test_from_hdx_defaults_and_unknown_codes():
    """No sector tag: the default sector; an unknown licence: other; an unknown methodology: other, kept as text."""
    back = mapping.from_hdx(
        {"name": "x", "tags": [{"name": "hxl"}], "license_id": "hdx-special", "methodology": "Satellite"},
        owner_org="ours",
        default_sector="coordination",
    )
    assert back["sectors"] == ["coordination"]
    assert back["license_id"] == "other"
    assert (back["methodology"], back["methodology_other"]) == ("other", "Satellite")


def test_differs_names_what_changed():
    """Nothing differs against HDX's own answer; a changed caveat and tag are named."""
    wanted = mapping.to_hdx(OURS, owner_org="hdx-org", countries=["MMR"], requestable=False)
    remote = {**wanted, "owner_org": "some-uuid", "organization": {"name": "hdx-org"}, "is_requestdata_type": "false"}
    assert mapping.differs(wanted, remote) == []
    remote = {**remote, "caveats": "Other.", "tags": [{"name": "health"}]}
    assert mapping.differs(wanted, remote) == ["caveats", "tags"]


def test_org_map_and_pcodes_in_text():
    """``ours=theirs`` pairs (a bad pair names org_map); P-codes found in titles and file names."""
    assert mapping.org_map("a=b\n c=d") == {"a": "b", "c": "d"}
    with pytest.raises(mapping.MappingError):
        mapping.org_map("a")
    assert mapping.pcodes_in(["Clinics in MMR001014 and MMR001", "HT0111-01 roads", None]) == [
        "MMR001014",
        "MMR001",
        "HT0111-01",
    ]
    assert mapping.countries_of({"groups": [{"name": "mmr"}, {"name": "world"}]}) == ["MMR"]
