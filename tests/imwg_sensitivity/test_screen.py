"""The personal-data screen: what it finds in files, the job, and the rule
that a file with findings is not public without a confirmation."""

from __future__ import annotations

import ckan.logic as logic
import pytest
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg.reader import TableError
from ckanext.imwg_sensitivity import screen
from tests.support import editor_dataset

PEOPLE = (
    "Victim name,Phone,Township P-code,Latitude,Killed\n"
    "#affected+name,#contact+phone,#adm2+code,#geo+lat,#affected+killed\n"
    "Aung Aung,+95 9 123 456 789,MMR001002,25.38,1\n"
    "Mya Mya,09-451-234-567,MMR001002,25.41,2\n"
)
CLEAN = "Township P-code,Township,Killed,Injured\nMMR001002,Waingmaw,3,5\nMMR001001,Myitkyina,0,1\n"


def kinds(result):
    return {(f.column, f.kind) for f in result.findings}


class TestWhatTheScreenFinds:
    def test_hashtags_headers_and_values(self):
        result = screen.screen_bytes(PEOPLE.encode(), "csv")
        assert kinds(result) == {
            ("Victim name", "personal"),
            ("Phone", "contact"),
            ("Latitude", "coordinates"),
        }
        phone = next(f for f in result.findings if f.column == "Phone")
        assert phone.matches == 2
        assert result.rows == 2
        assert result.suggested == "confidential"

    def test_headers_alone(self):
        text = "Full name,Date of birth,National ID,E-mail,GPS,Admin 1\nx,1990-01-01,123,x,1 2,Kachin\n"
        assert kinds(screen.screen_bytes(text.encode(), "csv")) == {
            ("Full name", "personal"),
            ("Date of birth", "personal"),
            ("National ID", "personal"),
            ("E-mail", "contact"),
            ("GPS", "coordinates"),
        }

    def test_values_alone(self):
        text = "Township,Reported by,Note\nWaingmaw,field.officer@ngo.example.org,x\nMyitkyina,+95 9 765 432 100,y\n"
        result = screen.screen_bytes(text.encode(), "csv")
        assert kinds(result) == {("Reported by", "contact")}
        assert result.findings[0].matches == 2

    def test_coordinates_only_suggest_restricted(self):
        text = "Site,Position\n#loc+name,#geo+coord\nA,25.1 97.4\n"
        result = screen.screen_bytes(text.encode(), "csv")
        assert result.suggested == "restricted"

    def test_aggregates_and_pcodes_are_clean(self):
        result = screen.screen_bytes(CLEAN.encode(), "csv")
        assert result.findings == []
        assert result.suggested == "public"
        assert result.rows == 2

    def test_hashtag_row_further_down(self):
        text = "Casualties 2024\nsource: IMSMA\nName,Township\n#affected+name,#adm2+name\nAung,Waingmaw\n"
        assert kinds(screen.screen_bytes(text.encode(), "csv")) == {("Name", "personal")}

    def test_a_title_row_above_the_header_hides_no_column(self):
        """A one-cell title above the header: every column is still sampled."""
        rows = "".join(f"Person {n},+95 9 450 000 {n:03d},p{n}@example.org\n" for n in range(20))
        text = "Beneficiary list (March 2024)\nName,Phone,Email\n" + rows
        assert kinds(screen.screen_bytes(text.encode(), "csv")) == {("column 2", "contact"), ("column 3", "contact")}

    def test_latin1_and_bom(self, tmp_path):
        latin = tmp_path / "latin.csv"
        latin.write_bytes("Nom complet,Téléphone\nAndré Müller,+33 6 12 34 56 78\n".encode("latin-1"))
        assert kinds(screen.screen_file(latin, "csv")) >= {("Nom complet", "personal")}
        bom = tmp_path / "bom.csv"
        bom.write_bytes("\ufeffEmail,Township\na@b.example.org,Waingmaw\n".encode())
        assert kinds(screen.screen_file(bom, "csv")) == {("Email", "contact")}

    def test_xlsx(self, tmp_path):
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        sheet.append(["Survivor name", "Township", "Count"])
        sheet.append(["#affected+name", "#adm2+name", "#affected"])
        sheet.append(["Aung", "Waingmaw", 1])
        path = tmp_path / "s.xlsx"
        book.save(path)
        assert kinds(screen.screen_file(path, "xlsx")) == {("Survivor name", "personal")}

    @pytest.mark.parametrize(
        "content, kind",
        [(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "csv"), (b"PK\x03\x04 not a zip at all", "xlsx")],
    )
    def test_unreadable_files_are_errors(self, tmp_path, content, kind):
        path = tmp_path / f"bad.{kind}"
        path.write_bytes(content)
        with pytest.raises(TableError):
            screen.screen_file(path, kind)


PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"


@pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestTheJobAndTheRule:
    @pytest.fixture
    def dataset(self):
        factories.User(name="reader")
        return editor_dataset()

    def upload(self, create_with_upload, dataset, content, name="casualties.csv"):
        return create_with_upload(
            content, name, url=name, format="CSV", package_id=dataset["id"], context={"user": "editor"}
        )

    @staticmethod
    def work():
        Worker(["default"]).work(burst=True)

    def test_findings_gate_the_file_until_confirmed(self, app, dataset, create_with_upload):
        res = self.upload(create_with_upload, dataset, PEOPLE)
        self.work()
        screened = call_action("personal_data_screen_show", context={"user": "editor"}, resource_id=res["id"])
        assert screened["status"] == "findings"
        assert screened["suggested"] == "confidential"
        assert {f["column"] for f in screened["findings"]} == {"Victim name", "Phone", "Latitude"}

        # the file is no longer public: its own level was raised
        shown = call_action("resource_show", id=res["id"])
        assert shown["sensitivity"] == "confidential"
        download = f"/dataset/{dataset['id']}/resource/{res['id']}/download/casualties.csv"
        assert app.get(download).status_code == 403

        # the editor sees the findings on the resource page; a reader does not
        token = factories.APIToken(user="editor")["token"]
        page = app.get(f"/dataset/{dataset['name']}/resource/{res['id']}", headers={"Authorization": token})
        body = page.get_data(as_text=True)
        assert "Personal-data screen" in body
        assert "Victim name" in body
        assert "confirm-personal-data" in body
        reader = factories.APIToken(user="reader")["token"]
        body = app.get(f"/dataset/{dataset['name']}/resource/{res['id']}", headers={"Authorization": reader})
        assert "Victim name" not in body.get_data(as_text=True)

        # making it public again needs the confirmation first
        with pytest.raises(logic.ValidationError) as err:
            call_action("resource_patch", context={"user": "editor"}, id=res["id"], sensitivity="")
        assert "Confirm on the resource page" in str(err.value.error_dict["sensitivity"])
        assert call_action("resource_show", id=res["id"])["sensitivity"] == "confidential"

        call_action("personal_data_confirm", context={"user": "editor"}, resource_id=res["id"])
        call_action("resource_patch", context={"user": "editor"}, id=res["id"], sensitivity="")
        assert app.get(download, follow_redirects=False).status_code == 200

        entries = call_action("access_audit_list", context={"user": "editor"}, package_id=dataset["id"])
        events = [e["event"] for e in reversed(entries) if e["event"] != "download"]
        assert events == ["personal_data_screened", "level_raised_by_screen", "personal_data_confirmed"]

    def test_dataset_level_cannot_make_an_unconfirmed_file_public(self, dataset, create_with_upload):
        call_action("package_patch", context={"user": "editor"}, id=dataset["id"], sensitivity="restricted")
        res = self.upload(create_with_upload, dataset, PEOPLE)
        self.work()
        # restricted already: the job leaves the level alone
        assert not call_action("resource_show", id=res["id"]).get("sensitivity")
        with pytest.raises(logic.ValidationError) as err:
            call_action("package_patch", context={"user": "editor"}, id=dataset["id"], sensitivity="public")
        assert "casualties" in str(err.value.error_dict["sensitivity"]).lower()
        assert call_action("package_show", id=dataset["id"])["sensitivity"] == "restricted"

    def test_a_new_file_needs_a_new_confirmation(self, dataset, create_with_upload):
        res = self.upload(create_with_upload, dataset, PEOPLE)
        self.work()
        call_action("personal_data_confirm", context={"user": "editor"}, resource_id=res["id"])
        with pytest.raises(logic.ValidationError):
            call_action("personal_data_confirm", context={"user": "editor"}, resource_id=res["id"])
        create_with_upload(
            PEOPLE + "Hla Hla,+95 9 111 222 333,MMR001001,25.2,1\n",
            "casualties.csv",
            action="resource_update",
            id=res["id"],
            url="casualties.csv",
            format="CSV",
            package_id=dataset["id"],
            context={"user": "editor"},
        )
        self.work()
        again = call_action("personal_data_screen_show", context={"user": "editor"}, resource_id=res["id"])
        assert again["status"] == "findings"
        assert again["confirmed"] is None

    def test_clean_file_stays_public(self, app, dataset, create_with_upload):
        res = self.upload(create_with_upload, dataset, CLEAN)
        self.work()
        screened = call_action("personal_data_screen_show", context={"user": "editor"}, resource_id=res["id"])
        assert screened["status"] == "clean"
        assert screened["findings"] == []
        assert not call_action("resource_show", id=res["id"]).get("sensitivity")
        with pytest.raises(logic.ValidationError):
            call_action("personal_data_confirm", context={"user": "editor"}, resource_id=res["id"])

    def test_a_broken_file_is_a_result_not_a_crash(self, dataset, create_with_upload):
        res = create_with_upload(
            b"\x89PNG\r\n\x1a\n\x00\x00binary",
            "map.csv",
            url="map.csv",
            format="CSV",
            package_id=dataset["id"],
            context={"user": "editor"},
        )
        before = call_action("resource_show", id=res["id"])
        self.work()
        screened = call_action("personal_data_screen_show", context={"user": "editor"}, resource_id=res["id"])
        assert screened["status"] == "error"
        assert "binary" in screened["message"]
        after = call_action("resource_show", id=res["id"])
        assert after.get("sensitivity") == before.get("sensitivity")
        assert after["url"] == before["url"]

    def test_a_workbook_of_several_sheets_waits_for_an_editor(self, dataset, create_with_upload, tmp_path):
        """The screen reads a workbook's first sheet: personal data on another
        is not called clean, an editor confirms the file."""
        from openpyxl import Workbook

        book = Workbook()
        book.active.append(["Township", "Count"])
        book.active.append(["Waingmaw", 3])
        people = book.create_sheet("Survivors")
        people.append(["Survivor name", "Phone"])
        people.append(["Aung Aung", "+95 9 123 456 789"])
        path = tmp_path / "book.xlsx"
        book.save(path)
        assert screen.screen_file(path, "xlsx").findings == []
        res = create_with_upload(
            path.read_bytes(),
            "book.xlsx",
            url="book.xlsx",
            format="XLSX",
            package_id=dataset["id"],
            context={"user": "editor"},
        )
        self.work()
        screened = call_action("personal_data_screen_show", context={"user": "editor"}, resource_id=res["id"])
        assert screened["status"] == "error"
        book.remove(people)
        book.save(path)
        assert screen.reads_whole("xlsx", path)

    def test_json_waits_for_an_editor(self, dataset, create_with_upload):
        """JSON (whose nested values are not columns) is never called clean by
        the screen: an editor confirms it (as XLS, of which one sheet is read)."""
        name = "households.json"
        content = b'[{"id": 1, "household": {"mobile": "+95 9 4500 0001", "mail": "p1@example.org"}}]'
        res = create_with_upload(
            content,
            name,
            url=name,
            format=name.rpartition(".")[2].upper(),
            package_id=dataset["id"],
            context={"user": "editor"},
        )
        self.work()
        screened = call_action("personal_data_screen_show", context={"user": "editor"}, resource_id=res["id"])
        assert screened["status"] == "error"
        assert screened["message"] == "The personal-data screen does not read files of this kind"

    @pytest.mark.parametrize("user", ["", "reader"])
    def test_only_editors_see_and_confirm(self, dataset, create_with_upload, user):
        res = self.upload(create_with_upload, dataset, PEOPLE)
        self.work()
        for action in ("personal_data_screen_show", "personal_data_confirm"):
            with pytest.raises(logic.NotAuthorized):
                call_action(action, context={"user": user, "ignore_auth": False}, resource_id=res["id"])

    def test_a_hidden_dataset_answers_as_a_missing_resource(self, dataset, create_with_upload):
        """For a dataset hidden from the caller, the answer is word for word the
        one for a resource that does not exist (a 403 would confirm it exists)."""
        res = self.upload(create_with_upload, dataset, PEOPLE)
        call_action("package_patch", context={"user": "editor"}, id=dataset["id"], sensitivity="strictly_confidential")
        context = {"user": "reader", "ignore_auth": False}
        for action in ("personal_data_screen_show", "personal_data_confirm"):
            with pytest.raises(logic.NotFound) as hidden:
                call_action(action, context=dict(context), resource_id=res["id"])
            with pytest.raises(logic.NotFound) as missing:
                call_action(action, context=dict(context), resource_id="00000000-0000-0000-0000-000000000000")
            assert str(hidden.value) == str(missing.value)


def test_screen_reads_large_files_in_bounded_rows(tmp_path):
    """Only the first SAMPLE_ROWS rows' values are read; the header is always."""
    path = tmp_path / "big.csv"
    with path.open("w") as f:
        f.write("Township,Count\n")
        for i in range(screen.SAMPLE_ROWS + 10):
            f.write(f"T{i},{i}\n")
        f.write("X,someone@example.org\n")
    result = screen.screen_file(path, "csv")
    assert result.rows == screen.SAMPLE_ROWS
    assert result.findings == []
