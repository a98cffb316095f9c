"""Detection of the hashtag row, suggestions, the profile and the aggregates
(pure: files on disk, no CKAN). Expected figures are computed here with the
csv module, independently of the profiler."""

from __future__ import annotations

import csv
import random
from collections import Counter
from pathlib import Path

import pytest

from ckanext.imwg_hxl import hashtags, profile, tables


def write(tmp_path: Path, text: str, name: str = "t.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def prof(path: Path, kind: str = "csv") -> dict:
    with tables.read(path, kind) as table:
        return profile.profile(table)


class TestHashtags:
    @pytest.mark.parametrize(
        ("cell", "display"),
        [
            ("#adm1+code", "#adm1+code"),
            ("#Affected +Killed", "#affected+killed"),
            ("  #org  ", "#org"),
            ("#sector+cluster+i_fr", "#sector+cluster+i_fr"),
        ],
    )
    def test_valid(self, cell, display):
        assert hashtags.parse(cell).display == display

    @pytest.mark.parametrize("cell", ["#", "#1abc", "#bad tag", "adm1", "#adm1+", "#adm1++code", "#é"])
    def test_invalid(self, cell):
        assert hashtags.parse(cell) is None

    @pytest.mark.parametrize(
        ("header", "suggested"),
        [
            ("ADM1_PCODE", "#adm1+code"),
            ("admin2Pcode", "#adm2+code"),
            ("adm2_name", "#adm2+name"),
            ("ADM1_FR", "#adm1+name+i_fr"),
            ("Province", "#adm1+name"),
            ("District P-code", "#adm2+code"),
            ("Township", "#adm3+name"),
            ("Organisation", "#org"),
            ("Organización", "#org"),
            ("Sector", "#sector"),
            ("Killed", "#affected+killed"),
            ("Date", "#date"),
            ("Latitude", "#geo+lat"),
            ("Remarks", None),
        ],
    )
    def test_suggestions_from_headers(self, header, suggested):
        assert hashtags.suggest(header) == suggested


class TestLayout:
    @pytest.mark.parametrize(
        ("text", "header_rows", "hashtag_row", "first"),
        [
            ("#adm1+code,#affected\nMMR001,3\n", 0, 0, "MMR001"),
            ("State,Killed\n#adm1+code,#affected\nMMR001,3\n", 1, 1, "MMR001"),
            ("Casualties 2024,\nState,Killed\n#adm1+code,#affected\nMMR001,3\n", 2, 2, "MMR001"),
            ("Report\nsource: IMSMA\n\nState,Killed\n,\n#adm1+code,#affected\nMMR001,3\n", 3, 5, "MMR001"),
        ],
    )
    def test_hashtag_row_anywhere_in_the_first_rows(self, tmp_path, text, header_rows, hashtag_row, first):
        result = prof(write(tmp_path, text))
        assert result["hxl"] is True
        assert result["hashtag_row"] == hashtag_row
        assert len(result["header_rows"]) == header_rows
        assert result["sample"][0][0] == first
        assert result["rows"] == 1
        assert [c["hashtag"] for c in result["columns"]] == ["#adm1+code", "#affected"]

    def test_untagged_table_gets_suggestions(self, tmp_path):
        result = prof(write(tmp_path, "ADM1_PCODE,Province,Organisation,Remarks\nMMR001,Kachin,NGO A,x\n"))
        assert result["hxl"] is False
        assert result["hashtag_row"] is None
        assert [(s["header"], s["hashtag"]) for s in result["suggestions"]] == [
            ("ADM1_PCODE", "#adm1+code"),
            ("Province", "#adm1+name"),
            ("Organisation", "#org"),
        ]
        # the suggestions are used to aggregate even without hashtags
        assert [b["tag"] for b in result["aggregates"]["by"]] == ["adm1", "org"]

    def test_invalid_hashtags_are_kept_apart(self, tmp_path):
        result = prof(write(tmp_path, "State,Killed,Note\n#adm1+code,#Killed People,#1x\nMMR001,3,a\n"))
        cols = result["columns"]
        assert [c["invalid_hashtag"] for c in cols] == [False, True, True]
        assert cols[1]["hashtag"] is None
        assert cols[1]["raw_hashtag"] == "#Killed People"


def generated(tmp_path: Path, rows: int = 3000) -> tuple[Path, list[dict[str, str]]]:
    rng = random.Random(7)
    header = ["State P-code", "District P-code", "Date", "Organisation", "Killed", "Injured", "Note"]
    tags = ["#adm1+code", "#adm2+code", "#date", "#org", "#affected+killed", "#affected+injured", "#description"]
    records = []
    for _ in range(rows):
        s = rng.randint(1, 4)
        records.append(
            {
                "State P-code": f"MMR00{s}",
                "District P-code": f"MMR00{s}D00{rng.randint(1, 3)}",
                "Date": f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                "Organisation": rng.choice(["NGO A", "NGO B", "Agency C", ""]),
                "Killed": str(rng.randint(0, 5)),
                "Injured": rng.choice([str(rng.randint(0, 9)), "", "n/a"]),
                "Note": rng.choice(["", "checked", "to verify"]),
            }
        )
    path = tmp_path / "generated.csv"
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerow(tags)
        for r in records:
            w.writerow([r[h] for h in header])
    return path, records


class TestProfileFigures:
    def test_every_column_against_an_independent_count(self, tmp_path):
        path, records = generated(tmp_path)
        result = prof(path)
        cols = {c["header"]: c for c in result["columns"]}
        assert result["rows"] == len(records)
        for header, col in cols.items():
            values = [r[header] for r in records if r[header] != ""]
            assert col["non_empty"] == len(values), header
            assert col["distinct"] == len(set(values)), header
            top = Counter(values).most_common()
            assert [n for _, n in col["top"]] == [n for _, n in top[: len(col["top"])]], header
        killed = [int(r["Killed"]) for r in records]
        assert cols["Killed"]["type"] == "number"
        assert (cols["Killed"]["sum"], cols["Killed"]["min"], cols["Killed"]["max"]) == (sum(killed), 0, 5)
        injured = [int(r["Injured"]) for r in records if r["Injured"].isdigit()]
        assert cols["Injured"]["sum"] == sum(injured)
        assert cols["Injured"]["not_number"] == sum(r["Injured"] == "n/a" for r in records)
        dates = sorted(r["Date"] for r in records)
        assert cols["Date"]["type"] == "date"
        assert (cols["Date"]["min"], cols["Date"]["max"]) == (dates[0], dates[-1])
        assert cols["State P-code"]["type"] == "code"
        assert cols["Note"]["type"] == "text"

    def test_aggregates_by_place_and_month(self, tmp_path):
        path, records = generated(tmp_path)
        agg = prof(path)["aggregates"]
        assert [m["header"] for m in agg["measures"]] == ["Killed", "Injured"]
        by_state = next(b for b in agg["by"] if b["tag"] == "adm1")
        expected = Counter(r["State P-code"] for r in records)
        assert {g["key"]: g["n"] for g in by_state["groups"]} == dict(expected)
        killed = Counter()
        for r in records:
            killed[r["State P-code"]] += int(r["Killed"])
        assert {g["key"]: g["sums"][0] for g in by_state["groups"]} == dict(killed)
        months = Counter(r["Date"][:7] for r in records)
        assert {g["key"][:7]: g["n"] for g in agg["months"]["groups"]} == dict(months)
        by_org = next(b for b in agg["by"] if b["tag"] == "org")
        # empty cells are not a group: they are what the groups leave out
        assert by_org["other"]["n"] == sum(r["Organisation"] == "" for r in records)

    def test_records_without_a_date_are_the_months_rest(self, tmp_path):
        """The months' rest counts and sums the records whose date is empty or unreadable."""
        text = "Date,Killed\n#date,#affected+killed\n2024-01-05,1\n2024-02-05,2\n,4\nyesterday,8\n"
        months = prof(write(tmp_path, text))["aggregates"]["months"]
        assert months["other"] == {"n": 2, "sums": [12]}

    def test_links_join_the_groups_that_share_records(self, tmp_path):
        """Each district is linked to its state; an organisation working in two states joins them."""
        text = (
            "State,District,Org\n#adm1+code,#adm2+code,#org\n"
            "S1,S1D1,NGO A\nS1,S1D1,NGO A\nS1,S1D2,NGO B\nS2,S2D1,NGO C\nS2,S2D1,NGO A\nS3,S3D1,NGO D\n"
        )
        result = prof(write(tmp_path, text))
        by = {b["header"]: b for b in result["aggregates"]["by"]}
        links = {(link["a"], link["b"]): link for link in result["links"]}

        def together(a, b):
            """The groups of ``a`` and ``b`` (rest ``None``) in each linked part."""
            link = links[by[a]["index"], by[b]["index"]]
            parts = {}
            for name, side in ((a, "a_parts"), (b, "b_parts")):
                keys = [g["key"] for g in by[name]["groups"]] + [None]
                for key, part in zip(keys, link[side], strict=True):
                    parts.setdefault(part, set()).add((name, key))
            return sorted(sorted(p, key=str) for p in parts.values() if len(p) > 1)

        assert together("State", "District") == [
            [("District", "S1D1"), ("District", "S1D2"), ("State", "S1")],
            [("District", "S2D1"), ("State", "S2")],
            [("District", "S3D1"), ("State", "S3")],
        ]
        assert together("State", "Org") == [
            [("Org", "NGO A"), ("Org", "NGO B"), ("Org", "NGO C"), ("State", "S1"), ("State", "S2")],
            [("Org", "NGO D"), ("State", "S3")],
        ]

    def test_formats_read_alike(self, tmp_path):
        from openpyxl import Workbook

        rows = [["State", "Killed"], ["#adm1+name", "#affected+killed"], ["Kachin", 3], ["Shan", 4.5]]
        book = Workbook()
        for r in rows:
            book.active.append(r)
        book.save(tmp_path / "t.xlsx")
        (tmp_path / "t.tsv").write_text("\n".join("\t".join(map(str, r)) for r in rows) + "\n")
        import json

        (tmp_path / "t.json").write_text(json.dumps(rows))
        (tmp_path / "o.json").write_text(
            json.dumps(
                [{"#adm1+name": "Kachin", "#affected+killed": 3}, {"#adm1+name": "Shan", "#affected+killed": 4.5}]
            )
        )
        import xlwt

        old = xlwt.Workbook()
        sheet = old.add_sheet("data")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        old.save(str(tmp_path / "t.xls"))
        for name, kind in (
            ("t.xlsx", "xlsx"),
            ("t.xls", "xls"),
            ("t.tsv", "tsv"),
            ("t.json", "json"),
            ("o.json", "json"),
        ):
            result = prof(tmp_path / name, kind)
            killed = next(c for c in result["columns"] if c["hashtag"] == "#affected+killed")
            assert result["rows"] == 2, name
            assert killed["sum"] == 7.5, name
            assert result["hxl"] is True, name

    def test_thousands_and_month_formats(self, tmp_path):
        result = prof(write(tmp_path, 'Month,People\n#date+month,#inneed\n2024-01,"1,200"\n2024-02,"2,300.5"\n'))
        month, people = result["columns"]
        assert month["type"] == "date"
        assert month["min"] == "2024-01-01"
        assert people["type"] == "number"
        assert people["sum"] == 3500.5
