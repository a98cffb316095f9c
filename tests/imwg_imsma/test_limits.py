"""Sizes refused before anything is read: the upload by its declared length
(web page, action) or its size (command line), against one limit (the
import's, or the portal's resource limit when smaller, as the page says);
zips by what they would unpack to and how many files they hold."""

from __future__ import annotations

import io
import zipfile

import ckan.logic as logic
import pytest
from ckan.tests.helpers import call_action

from ckanext.imwg_imsma import config, read
from tests.imwg_imsma import exports_support as exports
from tests.imwg_imsma.portal_support import PLUGINS, authority, do_import

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues", "colombia"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

TWO_GB = 2 * 1024**3


def token(user):
    return {"Authorization": call_action("api_token_create", user=user, name="t")["token"]}


class Endless(io.RawIOBase):
    """A 2 GB body that fails the test if anything reads it."""

    position = 0

    def readable(self):
        return True

    def seekable(self):  # the test client measures the body: where it starts, where it ends
        return True

    def seek(self, offset, whence=0):
        self.position = TWO_GB if whence == io.SEEK_END else offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        raise AssertionError("the body was read")


@pytest.mark.ckan_config("ckan.max_resource_size", "100")
@pytest.mark.ckan_config("ckanext.imwg_imsma.max_bytes", str(200 * 1024 * 1024))
def test_the_limit_is_the_smaller_of_the_imports_and_the_portals_and_the_page_says_it(app):
    """The raw export is stored as a resource: the portal's 100 MB is the import's limit too."""
    authority()
    assert config.max_bytes() == 100 * 1024 * 1024
    body = app.get("/dataset/mine-action-col/imsma", headers=token("nma-editor")).get_data(as_text=True)
    assert "The largest export accepted is 100 MB." in body


def test_a_2_gb_web_upload_is_refused_by_its_length_unread(app):
    """Content-Length of 2 GB: 413 with the field's message; the body is never read."""
    authority()
    answer = app.post(
        "/dataset/mine-action-col/imsma",
        headers={
            **token("nma-editor"),
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(TWO_GB),
        },
        input_stream=Endless(),
    )
    assert answer.status_code == 413
    assert "the largest accepted is" in answer.get_data(as_text=True)


def test_a_2_gb_api_upload_is_refused_by_its_length_unread(app):
    authority()
    answer = app.post(
        "/api/3/action/imsma_import",
        headers={
            **token("nma-editor"),
            "Content-Type": "multipart/form-data; boundary=x",
            "Content-Length": str(TWO_GB),
        },  # fmt: skip
        input_stream=Endless(),
    )
    assert answer.status_code in (409, 413)  # refused by the hook (413) or the action (409), unread
    assert "the largest accepted is" in answer.json["error"]["upload"][0]


@pytest.mark.ckan_config("ckanext.imwg_imsma.max_bytes", "1000")
def test_the_action_refuses_a_file_past_the_limit_while_copying(tmp_path):
    authority()
    path = exports.csv_with_coordinates(tmp_path / "victims.csv")
    path.write_text(path.read_text() + "\n" * 2000)
    with pytest.raises(logic.ValidationError) as raised:
        do_import(path)
    assert "the largest accepted is 1000 bytes" in raised.value.error_dict["upload"][0]
    assert call_action("package_show", id="mine-action-col")["resources"] == []


def test_the_command_refuses_a_big_file_by_its_size(cli, ckan_config, tmp_path):
    """A sparse 2 GB file: refused at once, exit 1, one summary line."""
    from ckan.cli.cli import ckan

    authority()
    big = tmp_path / "big.csv"
    with open(big, "wb") as f:
        f.truncate(TWO_GB)
    result = cli.invoke(ckan, ["-c", ckan_config["__file__"], "imsma", "import", str(big), "--dataset",
                               "mine-action-col"])  # fmt: skip
    assert result.exit_code == 1
    assert "the largest accepted is" in result.output
    assert result.output.strip().splitlines()[-1] == "big.csv: refused, nothing changed"


def bomb(path, members=1, size=0):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for i in range(members):
            z.writestr(f"f{i}.txt", b"\0" * size)
    return path


def test_zip_bombs_are_refused_from_the_zips_directory(tmp_path):
    """Too much unpacked, or too many files: a clear error, nothing unpacked."""
    with pytest.raises(read.ReadError) as raised:
        read.read(bomb(tmp_path / "a.zip", size=5_000_000), max_unzipped=1_000_000)
    assert raised.value.code == "zip_too_big"
    with pytest.raises(read.ReadError) as raised:
        read.read(bomb(tmp_path / "b.zip", members=30), max_members=20)
    assert raised.value.code == "zip_too_many"
    with pytest.raises(read.ReadError) as raised:  # a spreadsheet is a zip too
        read.read(bomb(tmp_path / "c.xlsx", size=5_000_000), max_unzipped=1_000_000)
    assert raised.value.code == "zip_too_big"


@pytest.mark.ckan_config("ckanext.imwg_imsma.max_unzipped_bytes", "1000000")
def test_a_zip_bomb_is_a_field_error_of_the_import(tmp_path):
    authority()
    with pytest.raises(logic.ValidationError) as raised:
        do_import(bomb(tmp_path / "export.zip", size=5_000_000))
    assert "would unpack to 5000000 bytes" in raised.value.error_dict["upload"][0]


def test_a_2_gb_anonymous_upload_is_refused_by_its_length_unread(app):
    """Not signed in: the same 413, before the CSRF check would read the body (and before the login page)."""
    authority()
    for page in ("/dataset/mine-action-col/imsma", "/dataset/mine-action-col/imsma/confirm"):
        answer = app.post(
            page,
            headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(TWO_GB)},
            input_stream=Endless(),
            follow_redirects=False,
        )
        assert answer.status_code == 413, page
        assert "the largest accepted is" in answer.get_data(as_text=True)


def broken_spreadsheet(path):
    """A spreadsheet whose zip end record is intact and whose central directory is broken."""
    return exports.broken_directory(exports.xlsx_with_codes(path))


def test_a_spreadsheet_with_a_broken_directory_is_a_field_error(app, tmp_path):
    """The action and the upload page: the spreadsheet's field error, not a crash."""
    authority()
    path = broken_spreadsheet(tmp_path / "codes.xlsx")
    with pytest.raises(logic.ValidationError) as raised:
        do_import(path)
    assert "The spreadsheet cannot be read" in raised.value.error_dict["upload"][0]
    with open(path, "rb") as f:
        page = app.post(
            "/dataset/mine-action-col/imsma",
            data={"upload": (f, "codes.xlsx")},
            headers=token("nma-editor"),
            content_type="multipart/form-data",
        )
    assert page.status_code == 200
    assert "The spreadsheet cannot be read" in page.get_data(as_text=True)
