"""Previews that do not depend on hashtags, column types that are never
numbers, workbooks of several sheets, and charts titled in words (pure:
the reader, the profile and the charts; titles under a test request)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ckanext.imwg_hxl import analysis, charts, hashtags, preview, profile, tables, words
from tests.imwg_hxl.tables_support import UNTAGGED, gazetteer, workbook

FRENCH = "Code de la province,Nom de la province,Date,Ménages,Blessés\n" + "".join(
    f"MMR00{1 + i % 2},{['Kachin', 'Kayah'][i % 2]},{1 + i % 28:02d}/0{1 + i % 3}/2024,{10 + i},{i % 3}\n"
    for i in range(30)
)
SPANISH = "Código del departamento,Fecha,Hogares,Heridos\n" + "".join(
    f"MMR00{1 + i % 2},2024-0{1 + i % 3}-15,{10 + i},{i % 3}\n" for i in range(30)
)
#: the same rows under English and Arabic headers (harakat, tatweel, hamza forms and "عدد ..." included)
TWIN_ROWS = "".join(
    f"{['Kachin', 'Kayah'][i % 2]},MMR00{1 + i % 2},MMR00{1 + i % 2}D001,2024-0{1 + i % 3}-15,2024,{1 + i % 3},"
    f"{10 + i},{100 + i},{i % 3},{i % 2},{50 + i},{50 - i}\n"
    for i in range(30)
)
ENGLISH_TWIN = (
    "Governorate,Governorate P-code,District P-code,Date,Year,Month,Households,Population,Killed,Injured,Males,Females\n"
    + TWIN_ROWS
)
ARABIC_TWIN = (
    "المُحافَظة,رمز المحافظة,المـديرية - الرمز,التاريخ,السنة,الشهر,عدد الأُسَر,السكان,القتلى,الجرحى,ذكور,إناث\n" + TWIN_ROWS
)
IDENTIFIERS = (
    "Survey ID,Phone,Sex,Location,Org,Age,Killed\n"
    "#meta+id,#contact+phone,#sex,#loc,#org,#affected+age,#affected+killed\n"
    + "".join(f"{100 + i},{5550100 + i},{i % 2},{i % 4},{i % 3},{20 + i},{i % 3}\n" for i in range(20))
)


def prof(tmp_path: Path, text: str) -> dict:
    path = tmp_path / "t.csv"
    path.write_text(text)
    with tables.read(path, "csv") as table:
        return profile.profile(table)


def by_header(result: dict) -> dict:
    return {c["header"]: c for c in result["columns"]}


class TestWithoutHashtags:
    def test_an_untagged_table_gets_places_dates_figures_and_a_map(self, tmp_path):
        result = prof(tmp_path, UNTAGGED)
        assert not result["hxl"]
        cols = by_header(result)
        assert cols["Township P-code"]["type"] == "code"
        assert cols["Date"]["type"] == "date"
        assert cols["Households"]["type"] == "number"
        agg = result["aggregates"]
        assert [b["header"] for b in agg["by"]] == ["State", "Township P-code"]
        assert all(b["inferred"] for b in agg["by"])
        assert [m["hashtag"] for m in agg["measures"]] == ["#population+hh", "#affected+killed"]
        assert len(agg["months"]["groups"]) == 3
        drawn = charts.build(result, gazetteer)
        assert [f["hashtag"] for f in drawn["key_figures"]] == ["#affected+killed", "#population+hh"]
        assert drawn["map"] is not None and drawn["map"]["level"] == "adm3"
        assert drawn["timeline"] is not None

    @pytest.mark.parametrize("text", [FRENCH, SPANISH], ids=["fr", "es"])
    def test_french_and_spanish_headers_are_recognised(self, tmp_path, text):
        result = prof(tmp_path, text)
        agg = result["aggregates"]
        assert agg["by"][0]["tag"] == "adm1" and agg["by"][0]["type"] == "code"
        assert agg["measures"][0]["hashtag"] == "#population+hh"
        assert agg["months"] is not None and len(agg["months"]["groups"]) == 3
        assert charts.build(result, gazetteer)["map"] is not None

    def test_arabic_headers_get_the_roles_of_their_english_twin(self, tmp_path):
        """An untagged table under Arabic headers is read as the same table under English ones."""
        english, arabic = prof(tmp_path, ENGLISH_TWIN), prof(tmp_path, ARABIC_TWIN)
        roles = lambda result: [(c["type"], c["suggested"]) for c in result["columns"]]  # noqa: E731
        assert roles(arabic) == roles(english)
        assert all(suggested for _type, suggested in roles(arabic))
        aggregates = lambda result: (  # noqa: E731
            [(b["tag"], b["type"]) for b in result["aggregates"]["by"]],
            [m["hashtag"] for m in result["aggregates"]["measures"]],
            len(result["aggregates"]["months"]["groups"]),
        )
        assert aggregates(arabic) == aggregates(english)
        assert aggregates(arabic)[0][0] == ("adm1", "code")
        assert charts.build(arabic, gazetteer)["map"] is not None

    @pytest.mark.parametrize(
        ("header", "tag"),
        [
            ("المحافظة", "#adm1+name"),
            ("محافظة", "#adm1+name"),
            ("رمز الناحية", "#adm3+code"),
            ("اسم القرية", "#adm4+name"),
            ("القضاء (الرمز)", "#adm2+code"),
            ("التـاريخ", "#date"),
            ("عدد السكان", "#population"),
            ("الرمز", "#loc+code"),
            ("ملاحظات", None),
            ("ADM2_PCODE", "#adm2+code"),
            ("Nom de la province", "#adm1+name"),
            ("Código del municipio", "#adm2+code"),
            ("admin1Name_en", "#adm1+name"),
            ("Ménages", "#population+hh"),
            ("Fecha", "#date"),
            ("Sexe", "#sex"),
            ("Phone", "#contact+phone"),
            ("Notes", None),
        ],
    )
    def test_headers_suggest_hashtags(self, header, tag):
        assert hashtags.suggest(header) == tag

    def test_arabic_columns_in_words_without_their_form(self):
        """A chart names "رمز المحافظة" and "المديرية - الرمز" by the place alone."""
        assert words.label("رمز المحافظة", "#adm1+code") == "المحافظة"
        assert words.label("المديرية - الرمز", "#adm2+code") == "المديرية"

    def test_numeric_codes_of_an_untagged_pcode_column_are_codes(self, tmp_path):
        result = prof(tmp_path, "ADM1_PCODE,Value\n" + "".join(f"{10 + i % 3},{i}\n" for i in range(20)))
        assert by_header(result)["ADM1_PCODE"]["type"] == "code"


class TestNeverNumbers:
    def test_identifiers_categories_and_ages(self, tmp_path):
        result = prof(tmp_path, IDENTIFIERS)
        cols = by_header(result)
        for header in ("Survey ID", "Phone", "Sex", "Location", "Org"):
            assert cols[header]["type"] != "number", header
        assert cols["Age"]["type"] == "number"  # measured (min, max)...
        sums = [m["header"] for m in result["aggregates"]["measures"]]
        assert sums == ["Killed"]  # ...but never summed into a key figure
        assert [f["hashtag"] for f in charts.build(result, gazetteer)["key_figures"]] == ["#affected+killed"]

    def test_an_untagged_age_column_is_not_summed(self, tmp_path):
        result = prof(tmp_path, "Age,Killed\n" + "".join(f"{20 + i},{i % 2}\n" for i in range(20)))
        assert [m["header"] for m in result["aggregates"]["measures"]] == ["Killed"]


class TestWorkbooks:
    def test_the_first_sheet_with_hashtags_is_read(self, tmp_path):
        path = workbook(tmp_path / "book.xlsx")
        found = tables.sheets(path)
        assert [(s.index, s.name, s.hxl) for s in found] == [
            (0, "Read me", False),
            (1, "Data", True),
            (2, "Sites", False),
        ]
        with tables.read(path, "xlsx") as table:
            assert table.layout.hashtags == ["#adm1+code", "#affected+killed"]

    def test_every_sheet_is_profiled_for_the_view_to_switch(self, tmp_path):
        path = workbook(tmp_path / "book.xlsx")
        result = analysis.analyse(str(path), "xlsx", 100, 1000)
        assert result["sheet"] == 1 and result["hxl"] and result["rows"] == 12
        assert [s["name"] for s in result["sheets"]] == ["Read me", "Data", "Sites"]
        assert set(result["other_sheets"]) == {"0", "2"}
        assert result["other_sheets"]["2"]["rows"] == 6
        main, sheets, shown = preview._sheet(result, None)
        assert shown == 1 and main["rows"] == 12 and "other_sheets" not in main
        other, _, shown = preview._sheet(result, 2)
        assert shown == 2 and other["columns"][1]["header"] == "Households"
        assert preview._sheet(result, 7)[2] == 1  # a sheet it does not know: the default


@pytest.mark.usefixtures("with_request_context")
class TestInWords:
    def test_titles_from_headers_with_hashtags_as_hints(self, tmp_path):
        result = prof(tmp_path, UNTAGGED)
        drawn = preview._in_words(charts.build(result, gazetteer))
        titles = [b["title"] for b in drawn["bars"]]
        assert titles == ["Households by state", "Households by township"]
        assert drawn["bars"][0]["measure_column"]["hashtag"] == "#population+hh"
        assert drawn["timeline"]["title"] == "Households by month"
        assert [p["label"] for p in drawn["timeline"]["points"]] == ["Jan 2024", "Feb 2024", "Mar 2024"]
        assert all(p["labelled"] for p in drawn["timeline"]["points"])
        assert drawn["timeline"]["ticks"][-1]["label"] == drawn["timeline"]["ticks"][-1]["label"].strip()

    def test_code_like_headers_fall_back_to_the_hashtags_meaning(self):
        assert words.label("ADM1_PCODE", "#adm1+code") == "admin level 1"
        assert words.label("HH", "#population+hh") == "households"
        assert words.label("State P-code", "#adm1+code", lower=True) == "state"
        assert words.title(None, {"header": "", "hashtag": "#sector"}) == "Records by sector"

    def test_numbers_and_types(self):
        assert words.number(12345) == "12,345"
        assert words.number(1234.5) == "1,234.5"
        assert words.number(None) == "–"
        assert words.column_type("number") == "number"
