"""The profile job on real uploads, the stored result, the view, the API,
search by hashtag, and every bad input (real CKAN, PostgreSQL, Redis jobs)."""

from __future__ import annotations

import os
import zipfile

import ckan.model as model
import pytest
from ckan.lib.jobs import Worker
from ckan.tests import factories
from ckan.tests.helpers import call_action

from ckanext.imwg_hxl import jobs, profile
from ckanext.imwg_hxl.model import profile_table
from tests.imwg_pcode.places import load
from tests.support import editor_dataset

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_pcode imwg_hxl imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

CASUALTIES = (
    "State,Township,Date,Org,Killed,Injured\n"
    "#adm1+code,#adm3+code,#date,#org,#affected+killed,#affected+injured\n"
    + "".join(
        f"{['MMR001', 'MMR015'][i % 2]},{['MMR001014', 'MMR015001'][i % 2]},2024-0{1 + i % 3}-10,NGO {'AB'[i % 2]},{i % 3},{i % 4}\n"
        for i in range(20)
    )
)


def work():
    Worker(["default"]).work(burst=True)


@pytest.fixture
def dataset(tmp_path):
    load(tmp_path)
    return editor_dataset()


def view_page(app, dataset, res):
    """The resource page showing a new hxl_preview view of the resource."""
    view = call_action(
        "resource_view_create", context={"user": "editor"}, resource_id=res["id"], view_type="hxl_preview", title="HXL"
    )
    return app.get(f"/dataset/{dataset['name']}/resource/{res['id']}?view_id={view['id']}").body


def upload(create_with_upload, dataset, content, name="casualties.csv", fmt="CSV"):
    return create_with_upload(content, name, url=name, format=fmt, package_id=dataset["id"], context={"user": "editor"})


class TestTheJob:
    def test_an_hxl_upload_is_profiled_flagged_viewed_and_searchable(self, app, dataset, create_with_upload):
        res = upload(create_with_upload, dataset, CASUALTIES)
        work()
        stored = jobs.stored(res["id"])
        assert stored["status"] == "done"
        assert stored["result"]["rows"] == 20
        shown = call_action("resource_show", id=res["id"])
        assert shown["hxl_tagged"] is True
        assert shown["hxl_hashtags"] == sorted(
            ["#adm1+code", "#adm3+code", "#date", "#org", "#affected+killed", "#affected+injured"]
        )
        views = call_action("resource_view_list", id=res["id"])
        assert [v["view_type"] for v in views].count("hxl_preview") == 1
        found = call_action(
            "package_search",
            fq='vocab_hxl_hashtags:"#affected+killed" AND vocab_hxl_tags:"#adm3"',
            **{"facet.field": '["vocab_hxl_tags"]'},
        )
        assert [p["name"] for p in found["results"]] == ["casualties-2024"]
        assert {i["name"] for i in found["search_facets"]["vocab_hxl_tags"]["items"]} >= {"#adm1", "#affected", "#date"}
        assert call_action("package_search", fq='vocab_hxl_tags:"#inneed"')["count"] == 0
        page = app.get("/dataset/").body
        assert "imwg-hxl-badge" in page

    def test_api_returns_profile_validation_and_charts(self, dataset, create_with_upload):
        res = upload(create_with_upload, dataset, CASUALTIES)
        work()
        shown = call_action("hxl_preview_show", context={"user": "", "ignore_auth": False}, id=res["id"])
        assert shown["status"] == "done"
        assert shown["access"] == "data"
        assert shown["hxl"] is True
        killed = next(c for c in shown["profile"]["columns"] if c["hashtag"] == "#affected+killed")
        assert killed["sum"] == sum(i % 3 for i in range(20))
        assert len(shown["profile"]["sample"]) == 20
        assert [f["hashtag"] for f in shown["charts"]["key_figures"]] == ["#affected+killed", "#affected+injured"]
        bars = {b["by"]: {i["label"]: i["value"] for i in b["items"]} for b in shown["charts"]["bars"]}
        assert bars["#adm1+code"] == {
            "Kachin": sum(i % 3 for i in range(0, 20, 2)),
            "Shan (North)": sum(i % 3 for i in range(1, 20, 2)),
        }
        # the gazetteer has boundaries at admin 1 only: the map is by state
        assert shown["charts"]["map"]["level"] == "adm1"
        assert {u["name"]: u["value"] for u in shown["charts"]["map"]["units"]} == bars["#adm1+code"]
        assert {u["pcode"] for u in shown["charts"]["map"]["units"]} == {"MMR001", "MMR015"}
        assert shown["validation"]["issues"] == []

    def test_pcode_columns_are_checked_against_the_gazetteer(self, dataset, create_with_upload):
        text = "Township,Killed\n#adm3+code,#affected+killed\nMMR001014,1\nMMR001099,2\nMMR999999,3\nMMR001,4\n"
        res = upload(create_with_upload, dataset, text)
        work()
        issues = {i["rule"]: i for i in call_action("hxl_preview_show", id=res["id"])["validation"]["issues"]}
        assert [e["value"] for e in issues["pcode-unknown"]["examples"]] == ["MMR999999"]
        assert [e["value"] for e in issues["pcode-retired"]["examples"]] == ["MMR001099"]
        assert [e["value"] for e in issues["pcode-level"]["examples"]] == ["MMR001"]

    def test_the_view_renders_table_profiles_charts_and_map(self, app, dataset, create_with_upload):
        res = upload(create_with_upload, dataset, CASUALTIES)
        work()
        view = next(v for v in call_action("resource_view_list", id=res["id"]) if v["view_type"] == "hxl_preview")
        body = app.get(f"/dataset/{dataset['name']}/resource/{res['id']}?view_id={view['id']}").body
        for part in (
            "imwg-hxl-hashtag-row",
            '<code class="imwg-hxl-tag" dir="ltr">#affected+killed</code>',
            "imwg-hxl-figure",
            "imwg-hxl-bars",
            "imwg-hxl-timeline",
            'data-pcode="MMR001"',
            "imwg-hxl-profiles",
            "Kachin",
        ):
            assert part in body, part
        french = app.get(f"/fr/dataset/{dataset['name']}/resource/{res['id']}?view_id={view['id']}").body
        assert "Premières lignes" in french
        assert "Chiffres clés" in french

    def test_results_are_reused_and_the_view_never_reads_the_file(self, app, dataset, create_with_upload):
        res = upload(create_with_upload, dataset, CASUALTIES)
        work()
        assert jobs.run(res["id"]) == "unchanged"
        from ckan.lib import uploader

        os.remove(uploader.get_resource_uploader(res).get_path(res["id"]))
        shown = call_action("hxl_preview_show", id=res["id"])
        assert shown["status"] == "done"
        assert len(shown["profile"]["sample"]) == 20

    def test_a_profile_of_an_older_shape_is_made_again(self, dataset, create_with_upload):
        """A stored profile without links (made by an older version) is not reused as unchanged."""
        res = upload(create_with_upload, dataset, CASUALTIES)
        work()
        old = {k: v for k, v in jobs.stored(res["id"])["result"].items() if k not in ("links", "version")}
        model.Session.execute(profile_table.update().where(profile_table.c.resource_id == res["id"]).values(result=old))
        model.Session.commit()
        assert jobs.run(res["id"]) == "done"
        assert jobs.stored(res["id"])["result"]["version"] == profile.VERSION

    def test_the_served_profile_carries_no_links(self, dataset, create_with_upload):
        """The links between breakdowns are the suppression's own: the API leaves them out."""
        res = upload(create_with_upload, dataset, CASUALTIES)
        work()
        shown = call_action("hxl_preview_show", id=res["id"])
        assert shown["status"] == "done"
        assert not {"links", "version"} & set(shown["profile"])

    def test_an_untagged_table_gets_suggestions_and_no_automatic_view(self, dataset, create_with_upload):
        res = upload(create_with_upload, dataset, "ADM1_PCODE,Province,Organisation\nMMR001,Kachin,NGO A\n")
        work()
        assert [v["view_type"] for v in call_action("resource_view_list", id=res["id"])].count("hxl_preview") == 0
        assert "hxl_tagged" not in call_action("resource_show", id=res["id"])
        shown = call_action("hxl_preview_show", id=res["id"])
        assert shown["hxl"] is False
        assert [s["hashtag"] for s in shown["profile"]["suggestions"]] == ["#adm1+code", "#adm1+name", "#org"]

    def test_missing_id_and_unknown_resource(self):
        import ckan.logic as logic

        with pytest.raises(logic.ValidationError) as e:
            call_action("hxl_preview_show")
        assert "id" in e.value.error_dict
        with pytest.raises(logic.NotFound):
            call_action("hxl_preview_show", id="nope")


def xlsx_bytes(rows):
    import io

    from openpyxl import Workbook

    book = Workbook()
    for r in rows:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes():
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


class TestBadInput:
    @pytest.mark.parametrize(
        ("content", "name", "fmt", "status", "message"),
        [
            (b"PK\x03\x04broken beyond repair", "broken.xlsx", "XLSX", "failed", "not a readable XLSX file"),
            (PNG, "image.csv", "CSV", "failed", "this is a PNG image"),
            (zip_bytes(), "archive.xlsx", "XLSX", "failed", "not a readable XLSX file"),
            (b"%PDF-1.4 something", "doc.xlsx", "XLSX", "failed", "not an XLSX file: a PDF document"),
            (b"", "empty.csv", "CSV", "failed", "the file is empty"),
            (b'[{"a": 1}, [1, 2]]', "mixed.json", "JSON", "failed", "mixes rows"),
            (b"{not json", "bad.json", "JSON", "failed", "not valid JSON"),
        ],
    )
    def test_unreadable_files_are_a_message(self, dataset, create_with_upload, content, name, fmt, status, message):
        res = upload(create_with_upload, dataset, content, name=name, fmt=fmt)
        before = call_action("resource_show", id=res["id"])
        work()
        stored = jobs.stored(res["id"])
        assert stored["status"] == status
        assert message in stored["message"]
        after = call_action("resource_show", id=res["id"])
        assert after == before
        shown = call_action("hxl_preview_show", id=res["id"])
        assert shown["status"] == status
        assert message in shown["message"]

    def test_a_message_in_the_view(self, app, dataset, create_with_upload):
        res = upload(create_with_upload, dataset, PNG, name="image.csv")
        work()
        # a file the personal-data screen cannot read is public once an editor confirms it
        call_action("personal_data_confirm", context={"user": "editor"}, resource_id=res["id"])
        assert "this is a PNG image" in view_page(app, dataset, res)

    @pytest.mark.parametrize(
        ("content", "expected_note", "first"),
        [
            ("Région,Tués\n#adm1+name,#affected+killed\nKachin é,3\n".encode("latin-1"), "Windows-1252", "Kachin é"),
            ("\ufeffState,Killed\n#adm1+name,#affected+killed\nKachin,3\n".encode(), None, "Kachin"),
        ],
    )
    def test_encodings(self, dataset, create_with_upload, content, expected_note, first):
        res = upload(create_with_upload, dataset, content)
        work()
        result = jobs.stored(res["id"])["result"]
        assert result["hxl"] is True
        assert result["sample"][0][0] == first
        assert (expected_note is None) == (not result["notes"])
        if expected_note:
            assert expected_note in result["notes"][0]

    def test_ragged_rows(self, dataset, create_with_upload):
        text = (
            "State,Killed,Injured\n#adm1+name,#affected+killed,#affected+injured\nKachin,1\nShan,2,3,extra\nKayin,4,5\n"
        )
        res = upload(create_with_upload, dataset, text)
        work()
        result = jobs.stored(res["id"])["result"]
        assert result["rows"] == 3
        killed, injured = result["columns"][1], result["columns"][2]
        assert (killed["sum"], injured["sum"], injured["non_empty"]) == (7, 8, 2)

    def test_invalid_hashtags_and_formulas(self, dataset, create_with_upload):
        text = 'State,Note,Killed\n#adm1+name,#Not A Tag,#affected+killed\nKachin,"=HYPERLINK(""http://x"")",1\n'
        res = upload(create_with_upload, dataset, text)
        work()
        issues = {i["rule"]: i for i in call_action("hxl_preview_show", id=res["id"])["validation"]["issues"]}
        assert issues["hashtag"]["hashtag"] == "#Not A Tag"
        assert issues["formula"]["count"] == 1
        assert issues["formula"]["header"] == "Note"

    def test_a_file_over_the_limit_is_not_read(self, dataset, create_with_upload):
        res = upload(create_with_upload, dataset, CASUALTIES)
        from ckan.lib import uploader

        path = uploader.get_resource_uploader(res).get_path(res["id"])
        with open(path, "r+b") as f:
            f.truncate(2 * 1024**3)  # a sparse 2 GB file
        work()
        stored = jobs.stored(res["id"])
        assert stored["status"] == "skipped"
        assert "larger than" in stored["message"]

    @pytest.mark.ckan_config("ckanext.imwg_hxl.profile_max_memory", str(64 * 1024**2))
    def test_the_worker_survives_a_reader_that_runs_out_of_memory(self, dataset, create_with_upload, monkeypatch):
        import ckan.plugins.toolkit as tk

        res = upload(create_with_upload, dataset, CASUALTIES)
        other = upload(create_with_upload, dataset, CASUALTIES, name="again.csv")
        monkeypatch.setitem(tk.config, "ckanext.imwg_hxl.profile_max_memory", 64 * 1024**2)
        jobs.run(res["id"])
        stored = jobs.stored(res["id"])
        assert stored["status"] == "failed"
        assert "cannot be previewed" in stored["message"]
        # the same worker goes on with the next file
        monkeypatch.setitem(tk.config, "ckanext.imwg_hxl.profile_max_memory", 0)
        work()
        assert jobs.stored(other["id"])["status"] == "done"

    def test_xlsx_with_a_title_row(self, dataset, create_with_upload):
        content = xlsx_bytes([["Casualties"], ["State", "Killed"], ["#adm1+name", "#affected+killed"], ["Kachin", 2]])
        res = upload(create_with_upload, dataset, content, name="c.xlsx", fmt="XLSX")
        work()
        stored = jobs.stored(res["id"])
        assert stored["status"] == "done", stored["message"]
        result = stored["result"]
        assert result["hashtag_row"] == 2
        assert result["columns"][1]["sum"] == 2


class TestRemoteFiles:
    def test_link_to_a_private_address_is_refused_with_a_reason(self, app, dataset):
        res = call_action(
            "resource_create",
            context={"user": "editor"},
            package_id=dataset["id"],
            url="http://127.0.0.1:9/data.csv",
            format="CSV",
            name="remote",
        )
        work()
        shown = call_action("hxl_preview_show", id=res["id"])
        assert shown["status"] == "refused"
        assert "loopback" in shown["message"]
        # a public link: its readers get the reason, only its editors the address it resolved to
        anonymous = view_page(app, dataset, res)
        assert "the address is on a private network" in anonymous and "loopback" not in anonymous
        editor = app.get(
            f"/dataset/{dataset['name']}/resource/{res['id']}",
            headers={"Authorization": factories.APIToken(user="editor")["token"]},
        ).body
        assert "loopback" in editor

    @pytest.mark.ckan_config("ckanext.imwg_hxl.fetch_allowed_networks", "127.0.0.1/32")
    def test_link_in_an_allowed_network_is_fetched_and_profiled(self, dataset):
        import http.server
        import threading

        from tests.imwg_hxl.remote import Handler

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            res = call_action(
                "resource_create",
                context={"user": "editor"},
                package_id=dataset["id"],
                url=f"http://127.0.0.1:{httpd.server_port}/data.csv",
                format="CSV",
                name="remote",
            )
            work()
        finally:
            httpd.shutdown()
        stored = jobs.stored(res["id"])
        assert stored["status"] == "done"
        assert stored["result"]["sample"] == [["MMR001", "3"]]
        views = model.Session.query(model.ResourceView).filter_by(resource_id=res["id"], view_type="hxl_preview")
        assert views.count() == 1
