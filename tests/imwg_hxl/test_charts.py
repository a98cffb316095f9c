"""Charts chosen from hashtags, suppression of small cells, the choropleth
join and validation issues (pure: a profile and a gazetteer function)."""

from __future__ import annotations

from pathlib import Path

from ckanext.imwg_hxl import charts, profile, tables, validation
from tests.imwg_hxl.tables_support import gazetteer


def prof(tmp_path: Path, text: str) -> tuple[dict, tables.Table]:
    path = tmp_path / "t.csv"
    path.write_text(text)
    table = tables.read(path, "csv")
    return profile.profile(table), table


CASUALTIES = (
    "State,District,Date,Sector,Org,Killed,Injured,People in need\n"
    "#adm1+code,#adm2+code,#date,#sector,#org,#affected+killed,#affected+injured,#inneed\n"
    + "".join(
        f"MMR00{1 + i % 2},MMR00{1 + i % 2}D00{1 + i % 3},2024-0{1 + i % 3}-15,{['Protection', 'Health'][i % 2]},"
        f"NGO {'ABC'[i % 3]},{i % 4},{i % 5},{10 * i}\n"
        for i in range(30)
    )
)


class TestChartsFromHashtags:
    def test_key_figures_bars_timeline(self, tmp_path):
        result, _ = prof(tmp_path, CASUALTIES)
        drawn = charts.build(result, gazetteer)
        assert [f["hashtag"] for f in drawn["key_figures"]] == ["#inneed", "#affected+killed", "#affected+injured"]
        assert drawn["key_figures"][1]["value"] == sum(i % 4 for i in range(30))
        assert [b["by"] for b in drawn["bars"]] == ["#adm1+code", "#adm2+code", "#sector", "#org"]
        # the first measure is summed; codes are shown with their names
        state = drawn["bars"][0]
        assert {i["label"]: i["value"] for i in state["items"]} == {
            "Kachin": sum(i % 4 for i in range(0, 30, 2)),
            "Kayah": sum(i % 4 for i in range(1, 30, 2)),
        }
        assert [p["label"] for p in drawn["timeline"]["points"]] == ["2024-01", "2024-02", "2024-03"]

    def test_no_measure_counts_rows(self, tmp_path):
        result, _ = prof(tmp_path, "Org,Sector\n#org,#sector\nA,WASH\nA,Health\nB,WASH\n")
        drawn = charts.build(result, gazetteer)
        assert drawn["key_figures"] == []
        assert drawn["timeline"] is None
        assert drawn["map"] is None
        assert drawn["bars"][0]["measure"] == "rows"
        assert [b["by"] for b in drawn["bars"]] == ["#sector", "#org"]
        assert {i["label"]: i["value"] for i in drawn["bars"][1]["items"]} == {"A": 2, "B": 1}

    def test_choropleth_joins_by_pcode_at_the_deepest_level_with_boundaries(self, tmp_path):
        result, _ = prof(tmp_path, CASUALTIES)
        drawn = charts.build(result, gazetteer)["map"]
        assert drawn["level"] == "adm2"
        assert [u["pcode"] for u in drawn["units"]] == ["MMR001D001"]
        killed = sum(i % 4 for i in range(30) if i % 2 == 0 and i % 3 == 0)
        assert drawn["units"][0]["value"] == killed
        assert drawn["units"][0]["name"] == "Myitkyina"
        assert drawn["units"][0]["path"].startswith("M")
        assert "MMR001D002" in drawn["unmatched"]

    def test_no_gazetteer_no_map(self, tmp_path):
        result, _ = prof(tmp_path, CASUALTIES)
        assert charts.build(result, lambda codes, geometry=False: None)["map"] is None


class TestAggregateOnly:
    def test_small_cells_are_suppressed_and_records_withheld(self, tmp_path):
        text = "District,Killed\n#adm2+code,#affected+killed\n" + "A,1\n" * 7 + "B,1\n" * 6 + "C,1\n" * 2
        result, _ = prof(tmp_path, text)
        seen = charts.as_seen(result, "aggregates", 5)
        assert seen["sample"] == []
        assert seen["aggregate_only"] is True
        assert all("top" not in c and "min" not in c for c in seen["columns"])
        by = seen["aggregates"]["by"][0]
        # C (2) is below 5; B, the next smallest, goes too so that C is not total - A - B
        assert [g["key"] for g in by["groups"]] == ["A"]
        assert by["suppressed"] == 2
        assert "C" not in repr(by)
        assert "B" not in repr(by)
        # those who get the data see everything
        assert charts.as_seen(result, "data", 5) is result

    def test_a_table_smaller_than_the_threshold_shows_no_sum(self, tmp_path):
        result, _ = prof(tmp_path, "District,Killed\n#adm2+code,#affected+killed\nA,3\nA,4\n")
        seen = charts.as_seen(result, "aggregates", 5)
        assert seen["aggregates"]["by"][0]["groups"] == []
        assert seen["aggregates"]["measures"][0]["sum"] is None
        assert charts.build(seen, gazetteer)["key_figures"] == []

    def test_no_column_counts_the_records_of_a_breakdowns_cell(self, tmp_path):
        """A place column's empty cells are the rest of its breakdown: not counted in the column profile."""
        text = "District,Killed\n#adm2+code,#affected+killed\n" + "A,1\n" * 7 + "B,1\n" * 6 + ",1\n" * 2
        result, _ = prof(tmp_path, text)
        district, killed = charts.as_seen(result, "aggregates", 5)["columns"]
        assert not {"non_empty", "empty"} & set(district)
        assert (killed["non_empty"], killed["sum"]) == (15, 15)

    def test_validation_issues_are_not_counted(self, tmp_path):
        """An issue's count would add up cells (unknown P-codes): aggregate-only previews name issues only."""
        text = "District,Killed\n#adm2+code,#affected+killed\n" + "A,1\n" * 7 + "B,x\n" * 6
        result, table = prof(tmp_path, text)
        result["validation"] = validation.validate(table, result, 100, gazetteer)
        table.close()
        seen = charts.as_seen(result, "aggregates", 5)["validation"]
        assert seen["issues"]
        assert all(i["count"] is None for i in seen["issues"])
        assert seen["errors"] is None


class TestValidation:
    def test_issues_per_column(self, tmp_path):
        text = (
            "State,Killed,Date,Org,Formula,Bad\n#adm1+code,#affected+killed,#date,#org,#description,#Bad Tag\n"
            'MMR001 ,3,2024-01-02,NGO A,=HYPERLINK("http://x"),a\n'
            "MMR999,many,yesterday,NGO A,ok,b\n"
            "MMR001D001,2,2024-02-03,NGO A,ok,c\n"
        )
        result, table = prof(tmp_path, text)
        found = validation.validate(table, result, 1000, gazetteer)
        issues = {(i["header"], i["rule"], i["message"]): i for i in found["issues"]}
        assert issues[("Killed", "hxl-schema", "Expected a number")]["examples"][0] == {
            "row": 4,
            "value": "many",
            "suggestion": None,
        }
        assert ("Date", "hxl-schema", "Expected a date") in issues
        assert ("State", "hxl-schema", "Found extra whitespace") in issues
        assert issues[("State", "pcode-unknown", "P-code not in the gazetteer")]["examples"] == [
            {"row": None, "value": "MMR999"}
        ]
        assert ("State", "pcode-level", "P-code of another admin level than 1") in issues
        assert issues[("Formula", "formula", next(k[2] for k in issues if k[1] == "formula"))]["count"] == 1
        assert issues[("Bad", "hashtag", next(k[2] for k in issues if k[1] == "hashtag"))]["severity"] == "error"
        assert found["errors"] >= 4
        assert found["schema_rows_checked"] == 3
        table.close()

    def test_types_are_counted_over_the_whole_file(self, tmp_path):
        text = "Killed\n#affected+killed\n" + "1\n" * 50 + "x\n" * 3
        result, table = prof(tmp_path, text)
        found = validation.validate(table, result, 10, gazetteer)
        issue = next(i for i in found["issues"] if i["message"] == "Expected a number")
        assert issue["count"] == 3
        assert found["schema_rows_checked"] == 10
