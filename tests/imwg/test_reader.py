"""The suite's one reader of uploaded tables: kinds from the format, the name
or the content; every format; encodings; bad files as one clear error
(pure: files on disk, no CKAN)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ckanext.imwg import reader
from ckanext.imwg.reader import TableError

ROWS = [["State", "Killed"], ["#adm1+name", "#affected+killed"], ["Kachin", "3"], ["Shan", "4.5"]]


def write(tmp_path: Path, name: str, content: bytes | str) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


def read(path: Path, kind: str) -> list[list[str]]:
    return list(reader.rows(path, kind))


class TestKinds:
    @pytest.mark.parametrize(
        ("fmt", "url", "kind"),
        [
            ("CSV", "x", "csv"),
            ("xlsx", "x", "xlsx"),
            ("", "http://a/b.csv", "csv"),
            ("PDF", "b.csv", None),
            ("", "https://example.org/data.tsv?x=1", "tsv"),
            ("", "https://example.org/data.json", "json"),
            ("", "https://example.org/page", None),
            ("TAB", "v.tab", "tsv"),
            ("XLS", "v.xls", "xls"),
            ("text/csv", "x", "csv"),
            ("TXT", "notes.txt", "csv"),
            ("", "csv", None),
        ],
    )
    def test_format_then_extension(self, fmt, url, kind):
        """The format decides; without one, the file's extension."""
        assert reader.kind_of(fmt, url) == kind

    def test_content_when_neither_says(self, tmp_path):
        """A file with no format and no extension is told by its first bytes."""
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(["a", "b"])
        book.save(tmp_path / "book")
        assert reader.detect(tmp_path / "book", "", "upload") == "xlsx"
        assert reader.detect(write(tmp_path, "rows", '[{"a": 1}]'), None, "rows") == "json"
        assert reader.detect(write(tmp_path, "table", "a;b\n1;2\n3;4\n"), "", "table") == "csv"
        assert reader.detect(write(tmp_path, "prose", "A line of words.\nAnother one.\n"), "", "prose") is None
        assert reader.detect(write(tmp_path, "image", b"\x89PNG\r\n\x1a\n\x00\x00"), "", "image") is None

    def test_a_declared_format_is_not_second_guessed(self, tmp_path):
        """What the format or the name says wins: a PDF-named table is not read."""
        path = write(tmp_path, "t", "a,b\n1,2\n")
        assert reader.detect(path, "PDF", "t.pdf") is None
        assert reader.detect(path, "", "t.dat") is None
        assert reader.readable("", "upload")
        assert not reader.readable("", "t.dat")


class TestFormats:
    def test_csv_delimiters(self, tmp_path):
        """Commas, semicolons, tabs and pipes are told apart; quotes are CSV's."""
        for delimiter in ",;\t|":
            text = "\n".join(delimiter.join(r) for r in ROWS) + "\n"
            assert read(write(tmp_path, "t.csv", text), "csv") == ROWS, repr(delimiter)
        quoted = 'Name,Note\n"Aung, Aung","said ""hi"""\n'
        assert read(write(tmp_path, "q.csv", quoted), "csv")[1] == ["Aung, Aung", 'said "hi"']

    def test_tsv(self, tmp_path):
        text = "\n".join("\t".join(r) for r in ROWS) + "\n"
        assert read(write(tmp_path, "t.tsv", text), "tsv") == ROWS

    def test_xlsx(self, tmp_path):
        """Cells as a CSV file would hold them: whole numbers without ``.0``, dates in ISO."""
        import datetime as dt

        from openpyxl import Workbook

        book = Workbook()
        for row in [["State", "Killed", "Date"], ["Kachin", 3.0, dt.datetime(2024, 3, 1)], ["Shan", 4.5, None]]:
            book.active.append(row)
        book.save(tmp_path / "t.xlsx")
        # CKAN stores uploads under names without an extension
        (tmp_path / "t.xlsx").rename(tmp_path / "3f2a9c")
        assert read(tmp_path / "3f2a9c", "xlsx") == [
            ["State", "Killed", "Date"],
            ["Kachin", "3", "2024-03-01"],
            ["Shan", "4.5", ""],
        ]

    def test_xls(self, tmp_path):
        import xlwt

        book = xlwt.Workbook()
        sheet = book.add_sheet("data")
        for r, row in enumerate([["State", "Killed"], ["Kachin", 3], ["Shan", 4.5]]):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
        book.save(str(tmp_path / "t.xls"))
        assert read(tmp_path / "t.xls", "xls") == [["State", "Killed"], ["Kachin", "3"], ["Shan", "4.5"]]

    @pytest.mark.parametrize(
        "document",
        [
            [["State", "Killed"], ["Kachin", 3], ["Shan", 4.5]],
            [{"State": "Kachin", "Killed": 3}, {"State": "Shan", "Killed": 4.5}],
            {"meta": {"source": "x"}, "data": [{"State": "Kachin", "Killed": 3}, {"State": "Shan", "Killed": 4.5}]},
        ],
    )
    def test_json(self, tmp_path, document):
        """A list of rows, a list of objects (their keys make the header), or the one list of an object."""
        path = write(tmp_path, "t.json", json.dumps(document))
        assert read(path, "json") == [["State", "Killed"], ["Kachin", "3"], ["Shan", "4.5"]]

    def test_json_objects_with_different_keys(self, tmp_path):
        """Every key of every object is a column, in the order first seen."""
        path = write(tmp_path, "t.json", json.dumps([{"a": 1}, {"b": True, "a": None}, {"c": [1, 2]}]))
        assert read(path, "json") == [["a", "b", "c"], ["1", "", ""], ["", "true", ""], ["", "", "[1, 2]"]]

    def test_json_is_streamed(self, tmp_path):
        """A long list is read element by element: values cut between two
        blocks are whole, and memory stays far below the file's size."""
        import tracemalloc

        rows = [[i, i * 1.5, "x" * (i % 70)] for i in range(100_000)]
        path = write(tmp_path, "big.json", json.dumps(rows))
        tracemalloc.start()
        try:
            for number, row in enumerate(reader.rows(path, "json")):
                assert row == [str(rows[number][0]), str(rows[number][1]).removesuffix(".0"), rows[number][2]]
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert number == len(rows) - 1
        assert peak < path.stat().st_size / 4

    def test_csv_is_streamed(self, tmp_path):
        """Rows come one by one: the first is there before the file is read."""
        path = write(tmp_path, "big.csv", "a,b\n" + "1,2\n" * 200_000)
        rows = reader.rows(path, "csv")
        assert next(rows) == ["a", "b"]
        rows.close()

    def test_blocks(self):
        assert list(reader.blocks(iter([[1], [2], [3]]), 2)) == [[[1], [2]], [[3]]]


class TestEncodings:
    @pytest.mark.parametrize(
        ("content", "encoding", "noted"),
        [
            ("Région,Tués\nKachin é,3\n".encode(), "utf-8-sig", False),
            ("\ufeffRégion,Tués\nKachin é,3\n".encode(), "utf-8-sig", False),
            ("Région,Tués\nKachin é,3\n".encode("cp1252"), "cp1252", True),
            ("Région,Tués\nKachin é,3\n".encode("utf-16"), "utf-16", False),
        ],
    )
    def test_text_encodings(self, tmp_path, content, encoding, noted):
        """UTF-8 with or without a byte-order mark, UTF-16 with one, else
        Windows-1252 (said in a note)."""
        source = reader.open_table(write(tmp_path, "t.csv", content), "csv")
        assert source.encoding == encoding
        assert bool(source.notes) == noted
        assert list(source.rows()) == [["Région", "Tués"], ["Kachin é", "3"]]

    def test_a_utf8_character_cut_at_the_sample_end_is_utf8(self, tmp_path, monkeypatch):
        """The encoding is told from the start of a long file: a character
        cut where the sample ends does not make it Windows-1252."""
        monkeypatch.setattr(reader, "ENCODING_SAMPLE", 8)
        path = write(tmp_path, "t.csv", "a,b\nxx,é\n")  # é is bytes 8 and 9
        assert reader.open_table(path, "csv").encoding == "utf-8-sig"


class TestBadFiles:
    @pytest.mark.parametrize(
        ("content", "kind", "message"),
        [
            (b"", "csv", "the file is empty"),
            (b"  \n", "csv", "the file is empty"),
            (b"\x89PNG\r\n\x1a\n\x00\x00", "csv", "not a CSV file: this is a PNG image (binary content"),
            (b"a,b\n1,\x00\x00\n", "csv", "not a CSV file: it holds binary data"),
            (b"PK\x03\x04 not a zip at all", "xlsx", "not a readable XLSX file"),
            (b"not a zip", "xlsx", "not an XLSX file: it is not a ZIP-based Office file"),
            (b"%PDF-1.4", "xlsx", "not an XLSX file: a PDF document"),
            (b"\xd0\xcf\x11\xe0 broken", "xls", "not a readable XLS file"),
            (b"a,b\n", "xls", "not an XLS file"),
            (b"{not json", "json", "not valid JSON"),
            (b"[1, 2", "json", "not valid JSON"),
            (b"[1] and more", "json", "not valid JSON"),
            (b"[]", "json", "not a list of rows or of objects"),
            (b'{"a": [1], "b": [2]}', "json", "not a list of rows or of objects"),
            (b'[{"a": 1}, [1, 2]]', "json", "mixes rows"),
            (b"a,b\n", "pdf", "'pdf' files are not read"),
        ],
    )
    def test_one_error_with_a_sentence(self, tmp_path, content, kind, message):
        """Every bad file is a TableError whose message says what is wrong."""
        with pytest.raises(TableError) as error:
            read(write(tmp_path, f"bad.{kind}", content), kind)
        assert message in str(error.value)

    def test_a_missing_file(self, tmp_path):
        with pytest.raises(TableError, match="the file is missing"):
            reader.open_table(tmp_path / "gone.csv", "csv")

    def test_a_cell_too_large_is_an_error_while_reading(self, tmp_path):
        """An error deep in a file comes while the rows are read, as a TableError."""
        path = write(tmp_path, "t.csv", "a,b\n1,2\n" + "x" * 200_000 + ",3\n")
        rows = reader.rows(path, "csv")
        assert next(rows) == ["a", "b"]
        assert next(rows) == ["1", "2"]
        with pytest.raises(TableError, match="not a readable CSV file"):
            next(rows)
