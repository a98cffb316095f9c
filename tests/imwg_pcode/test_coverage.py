"""Coverage of the data itself: P-code columns of CSV and XLSX files, checked
against the gazetteer by a background job, said plainly on the dataset page."""

from __future__ import annotations

import re

import ckan.model as model
import pytest
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg.reader import TableError
from ckanext.imwg_pcode import coverage, jobs

from . import places

HXL_CSV = """Township,Township P-code,State P-code,Affected
#adm3+name,#adm3+code,#adm1+code,#affected
Waingmaw,MMR001014,MMR001,120
Myitkyina,MMR001001,MMR001,80
Waingmaw,mmr001014 ,MMR001,5
Lashio,MMR015001,MMR015,40
Nowhere,MMR001777,MMR001,1
Old,MMR001099,MMR001,2
"""


def scan_text(text: str, tmp_path, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return coverage.scan(path, "csv")


class TestColumns:
    @pytest.mark.parametrize(
        "header, level",
        [("ADM1_PCODE", 1), ("admin1Pcode", 1), ("adm2_pcode", 2), ("ADM3_PCODE ", 3), ("Pcode", None)],
    )
    def test_headers(self, header, level):
        """COD-style headers announce a P-code column and its level."""
        assert coverage.column_level(header, None) == (True, level)

    @pytest.mark.parametrize("header", ["ADM1_EN", "name", "admin1Name", "code_postal"])
    def test_other_headers(self, header):
        """Names and other codes are not P-code columns."""
        assert coverage.column_level(header, None) == (False, None)

    def test_hxl_hashtags(self):
        """#adm1+code .. #adm5+code and #country+code; #adm1+name is not a code."""
        assert coverage.column_level("x", "#adm2 +code") == (True, 2)
        assert coverage.column_level("x", "#country+code") == (True, 0)
        assert coverage.column_level("x", "#adm1+name") == (False, None)

    def test_hxl_file(self, tmp_path):
        """The hashtag row is found, skipped, and its columns' distinct codes kept."""
        scan = scan_text(HXL_CSV, tmp_path)
        assert scan.rows == 6
        assert [(c.hashtag, c.level) for c in scan.columns] == [("#adm3+code", 3), ("#adm1+code", 1)]
        assert scan.codes() == {"MMR001014", "MMR001001", "MMR015001", "MMR001777", "MMR001099", "MMR001", "MMR015"}

    def test_plain_headers_semicolons_and_bom(self, tmp_path):
        """A European CSV (semicolons, BOM) with COD headers."""
        scan = scan_text("\ufeffADM1_PCODE;ADM2_PCODE;valeur\nHT01;HT0111;3\nHT01;HT0111;4\n", tmp_path)
        assert scan.rows == 2
        assert scan.codes() == {"HT01", "HT0111"}

    def test_single_byte_encoding(self, tmp_path):
        """A Windows-1252 file is read, not rejected."""
        scan = scan_text("adm1_pcode,adm1_name\nHT01,Ouest é\n", tmp_path, encoding="cp1252")
        assert scan.codes() == {"HT01"}

    def test_no_pcode_column(self, tmp_path):
        """A file without P-code columns is not read further."""
        scan = scan_text("a,b\n1,2\n", tmp_path)
        assert scan.columns == []
        assert scan.rows is None

    def test_distinct_values_are_bounded(self, tmp_path, monkeypatch):
        """Past the bound a column stops collecting and says it was truncated."""
        monkeypatch.setattr(coverage, "MAX_DISTINCT", 3)
        scan = scan_text("pcode\n" + "\n".join(f"X{i}" for i in range(10)) + "\n", tmp_path)
        assert scan.rows == 10
        assert len(scan.columns[0].values) == 3
        assert scan.columns[0].truncated

    def test_xlsx(self, tmp_path):
        """XLSX sheets are read like CSV files."""
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        for row in [["State", "Code"], ["#adm1+name", "#adm1+code"], ["Kachin", "MMR001"], ["Ouest", "HT01"]]:
            sheet.append(row)
        path = tmp_path / "data.xlsx"
        book.save(path)
        scan = coverage.scan(path, "xlsx")
        assert scan.rows == 2
        assert scan.codes() == {"MMR001", "HT01"}
        # CKAN stores uploads under names without an extension
        stored = tmp_path / "3f2a9c"
        path.rename(stored)
        assert coverage.scan(stored, "xlsx").codes() == {"MMR001", "HT01"}

    def test_broken_xlsx(self, tmp_path):
        """A broken XLSX file is the reader's TableError, not a crash."""
        path = tmp_path / "broken.xlsx"
        path.write_bytes(b"not a zip")
        with pytest.raises(TableError):
            coverage.scan(path, "xlsx")


def upload_townships(create_with_upload, dataset):
    """The editor uploads HXL_CSV as townships.csv."""
    return create_with_upload(
        HXL_CSV,
        "townships.csv",
        url="townships.csv",
        format="CSV",
        package_id=dataset["id"],
        context={"user": "editor"},
    )


@pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer")
class TestJob:
    @pytest.fixture
    def gazetteer(self, tmp_path):
        places.load(tmp_path)

    @pytest.fixture
    def dataset(self):
        user = factories.User(name="editor")
        org = factories.Organization(
            name="cccm", org_type="un_agency", users=[{"name": "editor", "capacity": "editor"}]
        )
        return call_action(
            "package_create",
            context={"user": "editor"},
            type="dataset",
            name="idp-sites",
            title="IDP sites",
            owner_org=org["id"],
            source="CCCM Cluster",
            sensitivity="public",
            sectors=["cccm"],
            pcodes=["MMR001001"],
        ) | {"user": user}

    def test_classify(self, tmp_path):
        """Matched codes per level, the places that contain them, unknown and retired codes."""
        result = jobs.classify(scan_text(HXL_CSV, tmp_path), model.Session)
        assert result["levels"] == {"1": ["MMR001", "MMR015"], "3": ["MMR001001", "MMR001014", "MMR015001"]}
        assert result["within"]["1"] == ["MMR001", "MMR015"]
        assert result["within"]["2"] == ["MMR001D001", "MMR015D001"]
        assert result["unknown"] == ["MMR001777"]
        assert result["unknown_count"] == 1
        assert result["retired"] == ["MMR001099"]
        assert result["countries"] == ["MMR"]

    def test_upload_runs_the_job_and_the_page_says_it(self, app, dataset, create_with_upload):
        """Uploading a CSV queues the job; the dataset page then says what it covers
        and offers to add the places, which adds them."""
        upload_townships(create_with_upload, dataset)
        assert Worker(["default"]).work(burst=True)
        token = call_action("api_token_create", context={"user": "editor"}, user="editor", name="t")["token"]
        body = app.get("/dataset/idp-sites", headers={"Authorization": token}).body
        sentence = re.search(r'<p class="imwg-coverage-sentence[^>]*>([^<]*)</p>', body).group(1)
        assert sentence == (
            "The data covers 3 admin-3 units in 2 admin-1 units; 1 code unknown: MMR001777; "
            "1 code retired: MMR001099."
        )
        assert "Add the 2 covered places" in body
        csrf = re.search(r'name="_csrf_token" value="([^"]+)"', body).group(1)
        app.post(
            "/dataset/idp-sites/places/add-covered",
            data={"_csrf_token": csrf},
            headers={"Authorization": token},
            follow_redirects=False,
        )
        assert call_action("package_show", id="idp-sites")["pcodes"] == ["MMR001001", "MMR001014", "MMR015001"]

    def test_anonymous_sees_the_sentence_without_the_offer(self, app, dataset, create_with_upload):
        """Readers see the coverage; only editors get the button."""
        create_with_upload(
            HXL_CSV, "t.csv", url="t.csv", format="CSV", package_id=dataset["id"], context={"user": "editor"}
        )
        Worker(["default"]).work(burst=True)
        body = app.get("/dataset/idp-sites").body
        assert "The data covers 3 admin-3 units" in body
        assert "add-covered" not in body

    def test_anonymous_cannot_add_places(self, app, dataset):
        """The add action refuses who may not edit the dataset."""
        app.post("/dataset/idp-sites/places/add-covered", status=403)

    def test_linked_files_are_not_fetched(self, dataset):
        """Only uploaded files are read: a link is left alone."""
        resource = call_action(
            "resource_create",
            context={"user": "editor"},
            package_id=dataset["id"],
            url="http://example.org/a.csv",
            format="CSV",
        )
        assert jobs.check_resource(resource["id"]) == "not an uploaded CSV or XLSX file"

    def test_metadata_edit_does_not_read_the_file_again(self, dataset, create_with_upload):
        """A file already read since its upload is not read again; a new upload is."""
        resource = create_with_upload(
            HXL_CSV, "t.csv", url="t.csv", format="CSV", package_id=dataset["id"], context={"user": "editor"}
        )
        assert jobs.check_resource(resource["id"]) == "done"
        call_action("resource_patch", context={"user": "editor"}, id=resource["id"], description="Edited")
        assert jobs.check_resource(resource["id"]) == "unchanged"
        create_with_upload(HXL_CSV, "t.csv", action="resource_patch", id=resource["id"], context={"user": "editor"})
        assert jobs.check_resource(resource["id"]) == "done"

    def test_broken_upload_is_recorded(self, dataset, create_with_upload):
        """An unreadable upload is recorded as failed with the reason."""
        resource = create_with_upload(
            b"not a zip",
            "broken.xlsx",
            url="broken.xlsx",
            format="XLSX",
            package_id=dataset["id"],
            context={"user": "editor"},
        )
        assert jobs.check_resource(resource["id"]) == "failed"
        row = model.Session.execute(
            jobs.coverage_table.select().where(jobs.coverage_table.c.resource_id == resource["id"])
        ).first()
        assert row.status == "failed"
        assert "XLSX" in row.message


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
@pytest.mark.ckan_config(
    "ckan.plugins", "activity imwg scheming_datasets scheming_organizations imwg_pcode imwg_sensitivity imwg_search"
)
@pytest.mark.parametrize("level", ["public", "confidential"])
def test_coverage_shows_the_data_only_to_those_who_get_it(app, create_with_upload, tmp_path, level):
    """The coverage sentence names codes found in the file (unknown ones
    too): it is shown only to those who get that file's data."""
    from tests.imwg_pcode import places as gazetteer
    from tests.support import editor_dataset

    gazetteer.load(tmp_path)
    factories.User(name="outsider")
    dataset = editor_dataset(name="townships", sensitivity=level)
    upload_townships(create_with_upload, dataset)
    Worker(["default"]).work(burst=True)
    for user, sees in (("editor", True), ("outsider", level == "public"), ("", level == "public")):
        headers = {"Authorization": factories.APIToken(user=user)["token"]} if user else {}
        body = app.get("/dataset/townships", headers=headers).body
        assert ("imwg-coverage-sentence" in body) == sees, (user, level)
        assert ("MMR001777" in body) == sees, (user, level)
