"""``ckan hdx push`` and ``ckan hdx pull`` against a second CKAN (its own
database, HDX's field names) served on loopback: publish, re-run, a gated
dataset field by field, pull a country, update on the next pull, the round
trip ours -> HDX -> ours, and a failing HDX."""

from __future__ import annotations

import http.server
import json
import re
import socket
import threading

import ckan.logic as logic
import ckan.model as model
import ckanapi
import pytest
from ckan.cli.cli import ckan
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests import support
from tests.imwg_pcode import places
from tests.support import free_port, running_ini, write_ini

from .hdx_support import HDX_ORG, hdx_standin, purge_datasets
from .support import PLUGINS, PUBLIC_FILE, full_dataset

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "gazetteer"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]
SECRET = "https://secret.example.org/imsma-export.csv"
#: the fields of ours that the exchange maps (and a round trip keeps)
MAPPED = (
    "title",
    "notes",
    "source",
    "sectors",
    "reference_period_start",
    "reference_period_end",
    "update_frequency",
    "methodology",
    "methodology_other",
    "caveats",
    "license_id",
)


@pytest.fixture(scope="module")
def hdx(tmp_path_factory):
    """The stand-in for HDX, started once for the module: (URL, API token, the suite's ini)."""
    suite_ini = running_ini()
    with hdx_standin(tmp_path_factory.mktemp("hdx")) as (url, token):
        yield url, token, suite_ini


@pytest.fixture
def remote(hdx):
    """The stand-in, emptied of datasets, through ckanapi as its sysadmin."""
    purge_datasets(hdx[0], hdx[1])
    with ckanapi.RemoteCKAN(hdx[0], apikey=hdx[1]) as api:
        yield api


@pytest.fixture(autouse=True)
def suite_ini(hdx, monkeypatch):
    """Configurations written for ``ckan -c`` extend the suite's (a command run in
    this process makes its own configuration the running one)."""
    monkeypatch.setattr(support, "running_ini", lambda: hdx[2])


@pytest.fixture
def gazetteer(tmp_path):
    places.load(tmp_path)


@pytest.fixture
def owner():
    factories.User(name="owner-editor")
    return factories.Organization(
        name="imsma-authority", org_type="government", users=[{"name": "owner-editor", "capacity": "editor"}]
    )


def dataset(owner, name, sensitivity="public", **extra):
    """support.full_dataset with a P-code in its title, tags, and a file with field names and a row count."""
    resource = {
        "url": PUBLIC_FILE if sensitivity == "public" else SECRET,
        "name": "Hazards by township MMR001D001",
        "format": "CSV",
        "field_names": "township,pcode,hazards",
        "num_of_rows": "120",
    }
    fields = {"tag_string": "casualties,local-only-tag", "resources": [resource], **extra}
    return full_dataset(
        owner["id"], name=name, title=f"Hazardous areas in Kachin MMR001 ({name})", sensitivity=sensitivity, **fields
    )


def run(cli, tmp_path, hdx, *args, **options):
    """``ckan hdx ARGS`` with a configuration pointing at the stand-in; (exit code, output)."""
    settings = {
        "ckan.plugins": PLUGINS,
        "ckanext.imwg_interop.hdx.url": hdx[0],
        "ckanext.imwg_interop.hdx.api_token": hdx[1],
        "ckanext.imwg_interop.hdx.org_map": f"imsma-authority={HDX_ORG}",
        "ckanext.imwg_interop.hdx.timeout": "5",
        **options,
    }
    ini = write_ini(tmp_path / "local.ini", **settings)
    result = cli.invoke(ckan, ["-c", str(ini), "hdx", *args])
    model.Session.remove()
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def statuses(output: str) -> dict[str, str]:
    """Each dataset's status from a run's report."""
    lines = [line.split(None, 2) for line in output.splitlines() if line and not line[0].isdigit()]
    return {parts[1].rstrip(":"): parts[0] for parts in lines if len(parts) >= 2}


# -- push -----------------------------------------------------------------------------------


def test_push_publishes_and_a_second_run_changes_nothing(cli, tmp_path, hdx, remote, owner):
    """Public datasets are created on HDX with HDX's codes; a second run leaves them as they are."""
    dataset(owner, "hazards-public")
    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 0, out
    assert statuses(out) == {"hazards-public": "created"}
    pushed = remote.action.package_show(id="hazards-public")
    assert pushed["dataset_date"] == "[2024-01-01T00:00:00 TO 2024-06-30T23:59:59]"
    assert pushed["data_update_frequency"] == "30"
    assert [g["name"] for g in pushed["groups"]] == ["mmr"]
    assert pushed["dataset_source"] == "National Mine Action Authority"
    assert pushed["methodology"] == "Other"
    assert pushed["methodology_other"] == "Non-technical survey"
    assert pushed["caveats"] == "Areas cleared since June are still listed."
    assert pushed["license_id"] == "cc-by"
    assert pushed["organization"]["name"] == HDX_ORG
    assert {t["name"] for t in pushed["tags"]} == {
        "protection",
        "explosive weapons-landmines-unexploded ordnance-uxo",
        "casualties",
    }
    assert [(r["url"], r["format"]) for r in pushed["resources"]] == [(PUBLIC_FILE, "CSV")]
    assert pushed["is_requestdata_type"] == "False"

    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 0, out
    assert statuses(out) == {"hazards-public": "unchanged"}
    assert remote.action.package_show(id="hazards-public")["metadata_modified"] == pushed["metadata_modified"]


def test_push_brings_a_changed_dataset_up_to_date(cli, tmp_path, hdx, remote, owner):
    """A change here updates HDX's copy on the next push (resources keep their ids)."""
    ds = dataset(owner, "hazards-public")
    assert run(cli, tmp_path, hdx, "push", "hazards-public")[0] == 0
    before = remote.action.package_show(id="hazards-public")
    call_action("package_patch", context={"user": "owner-editor"}, id=ds["id"], caveats="Revised in July.")
    code, out = run(cli, tmp_path, hdx, "push", "hazards-public")
    assert code == 0, out
    assert statuses(out) == {"hazards-public": "updated"}
    after = remote.action.package_show(id="hazards-public")
    assert after["caveats"] == "Revised in July."
    assert after["resources"][0]["id"] == before["resources"][0]["id"]


def test_gated_dataset_leaves_as_requestable_metadata_only(cli, tmp_path, hdx, remote, owner):
    """A restricted dataset goes as an HDX requestable entry: field by field, with no file and no address."""
    dataset(owner, "hazards-restricted", sensitivity="restricted")
    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 0, out
    pushed = remote.action.package_show(id="hazards-restricted")
    assert pushed["is_requestdata_type"] == "True"
    assert pushed["field_names"] == ["hazards", "pcode", "township"]
    assert pushed["file_types"] == ["csv"]
    assert pushed["num_of_rows"] == "120"
    assert pushed["resources"] == []
    assert pushed["title"] == "Hazardous areas in Kachin MMR001 (hazards-restricted)"
    assert pushed["dataset_date"] == "[2024-01-01T00:00:00 TO 2024-06-30T23:59:59]"
    assert pushed["data_update_frequency"] == "30"
    assert pushed["dataset_source"] == "National Mine Action Authority"
    assert pushed["license_id"] == "cc-by"
    assert [g["name"] for g in pushed["groups"]] == ["mmr"]
    assert SECRET not in json.dumps(pushed)
    assert run(cli, tmp_path, hdx, "push")[1].split()[0] == "unchanged"


def test_strictly_confidential_and_private_datasets_never_leave(cli, tmp_path, hdx, remote, owner):
    """Neither a strictly confidential nor a private dataset reaches HDX, even named; one that
    becomes strictly confidential is withdrawn from HDX on the next push."""
    dataset(owner, "hazards-strict", sensitivity="strictly_confidential")
    dataset(owner, "hazards-private", private=True)
    dataset(owner, "hazards-confidential", sensitivity="confidential")
    later = dataset(owner, "hazards-later")
    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 0, out
    assert statuses(out) == {"hazards-confidential": "created", "hazards-later": "created"}
    code, out = run(cli, tmp_path, hdx, "push", "hazards-strict", "hazards-private")
    assert code == 0, out
    assert statuses(out) == {"hazards-strict": "withheld", "hazards-private": "withheld"}
    assert sorted(remote.action.package_list()) == ["hazards-confidential", "hazards-later"]
    assert remote.action.package_show(id="hazards-confidential")["resources"] == []

    call_action("package_patch", context={"user": "owner-editor"}, id=later["id"], sensitivity="strictly_confidential")
    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 0, out
    assert statuses(out) == {"hazards-confidential": "unchanged", "hazards-later": "withdrawn"}
    assert remote.action.package_list() == ["hazards-confidential"]


def test_push_of_an_organisation_without_hdx_organisation_is_reported(cli, tmp_path, hdx, remote, owner):
    """A dataset whose organisation is not in the table fails alone; the others go."""
    dataset(owner, "hazards-public")
    factories.Organization(name="unmapped", org_type="ingo", users=[{"name": "owner-editor", "capacity": "editor"}])
    call_action(
        "package_create",
        context={"user": "owner-editor"},
        **{**dataset_fields("other-org"), "owner_org": "unmapped"},
    )
    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 1, out
    assert statuses(out) == {"hazards-public": "created", "other-org": "failed"}
    assert "org_map" in out


def dataset_fields(name):
    return {
        "type": "dataset",
        "name": name,
        "title": name,
        "source": "Field teams",
        "sectors": ["protection"],
        "sensitivity": "public",
    }


# -- pull -----------------------------------------------------------------------------------


def hdx_dataset(remote, name, **fields):
    values = {
        "name": name,
        "title": f"Clinics in Waingmaw MMR001014 ({name})",
        "notes": "Health facilities.",
        "owner_org": HDX_ORG,
        "dataset_date": "[2023-03-01T00:00:00 TO *]",
        "data_update_frequency": "90",
        "dataset_source": "Health cluster",
        "methodology": "Census",
        "caveats": "Private clinics are missing.",
        "license_id": "odc-odbl",
        "groups": [{"name": "mmr"}],
        "tags": [{"name": "health"}, {"name": "hxl"}],
        "resources": [{"url": "https://hdx.example.org/clinics.csv", "name": "Clinics MMR001D001", "format": "CSV"}],
        **fields,
    }
    return remote.action.package_create(**values)


def test_pull_imports_a_country_as_harvested_datasets(cli, tmp_path, hdx, remote, owner):
    """HDX's datasets of the country arrive marked, with our codes and places from groups and P-codes."""
    hdx_dataset(remote, "clinics-mmr")
    hdx_dataset(remote, "clinics-hti", groups=[{"name": "hti"}], title="Clinics in Haiti")
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR")
    assert code == 0, out
    assert statuses(out) == {"clinics-mmr": "created"}
    pulled = call_action("package_show", id="clinics-mmr")
    extras = {e["key"]: e["value"] for e in pulled["extras"]}
    assert extras["harvest_source"] == "hdx"
    assert extras["hdx_name"] == "clinics-mmr"
    assert extras["hdx_url"] == f"{hdx[0]}/dataset/clinics-mmr"
    assert pulled["organization"]["name"] == "imsma-authority"
    assert pulled["source"] == "Health cluster"
    assert pulled["sectors"] == ["health"]
    assert [t["name"] for t in pulled["tags"]] == ["hxl"]
    assert pulled["reference_period_start"] == "2023-03-01"
    assert pulled["reference_period_ongoing"] == "yes"
    assert pulled["update_frequency"] == "quarterly"
    assert pulled["methodology"] == "census"
    assert pulled["license_id"] == "odc-odbl"
    assert set(pulled["pcodes"]) == {"MMR", "MMR001014", "MMR001D001"}
    assert [r["url"] for r in pulled["resources"]] == ["https://hdx.example.org/clinics.csv"]
    with pytest.raises(logic.NotFound):
        call_action("package_show", id="clinics-hti")


def test_next_pull_updates_and_harvested_datasets_are_not_editable_here(cli, tmp_path, hdx, remote, owner):
    """A change on HDX arrives on the next pull, an unchanged one is left alone, and an editor here may not edit it."""
    hdx_dataset(remote, "clinics-mmr")
    assert run(cli, tmp_path, hdx, "pull", "--country", "mmr")[0] == 0
    remote.action.package_patch(id="clinics-mmr", caveats="Updated list.")
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR")
    assert code == 0, out
    assert statuses(out) == {"clinics-mmr": "updated"}
    assert call_action("package_show", id="clinics-mmr")["caveats"] == "Updated list."
    assert statuses(run(cli, tmp_path, hdx, "pull", "--country", "MMR")[1]) == {"clinics-mmr": "unchanged"}
    for action, data in (
        ("package_patch", {"id": "clinics-mmr", "title": "Mine"}),
        ("package_delete", {"id": "clinics-mmr"}),
        ("resource_create", {"package_id": "clinics-mmr", "url": "https://x.example.org/a.csv"}),
    ):
        with pytest.raises(logic.NotAuthorized):
            call_action(action, context={"user": "owner-editor", "ignore_auth": False}, **data)


def test_pull_reports_a_remote_dataset_our_schema_refuses(cli, tmp_path, hdx, remote, owner):
    """A dataset without source fails alone, nothing of it is written, and the run can be repeated."""
    hdx_dataset(remote, "clinics-mmr")
    hdx_dataset(remote, "no-source", dataset_source="")
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR")
    assert code == 1, out
    assert statuses(out) == {"clinics-mmr": "created", "no-source": "failed"}
    assert "source" in out
    assert model.Package.get("no-source") is None
    remote.action.package_patch(id="no-source", dataset_source="Health cluster")
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR")
    assert code == 0, out
    assert statuses(out) == {"clinics-mmr": "unchanged", "no-source": "created"}


def test_round_trip_keeps_every_mapped_field(cli, tmp_path, hdx, remote, owner):
    """Ours -> HDX -> ours: every mapped field comes back as it was, the places with their country."""
    original = dataset(owner, "hazards-public")
    assert run(cli, tmp_path, hdx, "push")[0] == 0
    call_action("dataset_purge", id="hazards-public")
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR")
    assert code == 0, out
    back = call_action("package_show", id="hazards-public")
    for field in MAPPED:
        assert back.get(field) == original.get(field), field
    assert back["organization"]["name"] == original["organization"]["name"]
    assert {t["name"] for t in back["tags"]} == {"casualties"}
    assert set(original["pcodes"]) | {"MMR"} == set(back["pcodes"])
    keys = ("name", "url", "format")
    assert [{k: r[k] for k in keys} for r in back["resources"]] == [
        {k: r[k] for k in keys} for r in original["resources"]
    ]


# -- a failing HDX --------------------------------------------------------------------------


class _Failing(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        self.send_response(503)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(b"<html>down for maintenance</html>")

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_hdx():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Failing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def silent_hdx():
    """A port that accepts connections and never answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(16)
        yield f"http://127.0.0.1:{s.getsockname()[1]}"


def test_push_to_an_unreachable_refusing_or_silent_hdx_fails_per_dataset(
    cli, tmp_path, hdx, remote, owner, failing_hdx, silent_hdx
):
    """Refused connection, a 5xx, a timeout, an invalid token: each dataset reported, exit 1, repeatable."""
    dataset(owner, "hazards-public")
    dataset(owner, "hazards-restricted", sensitivity="restricted")
    cases = {
        f"http://127.0.0.1:{free_port()}": "cannot be reached",
        failing_hdx: "answered with an error",
        silent_hdx: "did not answer in time",
    }
    for url, message in cases.items():
        code, out = run(
            cli, tmp_path, hdx, "push", **{"ckanext.imwg_interop.hdx.url": url, "ckanext.imwg_interop.hdx.timeout": "1"}
        )
        assert code == 1, out
        assert statuses(out) == {
            "hazards-public": "failed",
            "hazards-restricted": "failed",
            "(withdrawals)": "failed",
        }, url
        assert out.count(message) == 3, out
    code, out = run(cli, tmp_path, hdx, "push", **{"ckanext.imwg_interop.hdx.api_token": "not-a-token"})
    assert code == 1, out
    assert statuses(out) == {"hazards-public": "failed", "hazards-restricted": "failed"}
    assert remote.action.package_list() == []
    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 0, out
    assert sorted(remote.action.package_list()) == ["hazards-public", "hazards-restricted"]


def test_pull_from_a_failing_hdx_writes_nothing(cli, tmp_path, hdx, remote, owner, failing_hdx):
    """A 5xx or a refused connection on pull: reported, exit 1, no dataset written here."""
    hdx_dataset(remote, "clinics-mmr")
    for url in (failing_hdx, f"http://127.0.0.1:{free_port()}"):
        code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR", **{"ckanext.imwg_interop.hdx.url": url})
        assert code == 1, out
        assert "failed" in out
    assert model.Package.get("clinics-mmr") is None
    assert run(cli, tmp_path, hdx, "pull", "--country", "MMR")[0] == 0
    assert model.Package.get("clinics-mmr") is not None


def test_bad_country_is_refused(cli, tmp_path, hdx, owner):
    """``--country`` must be an ISO3 code."""
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "Myanmar")
    assert code == 2
    assert "ISO3" in out


# -- what is never taken over or overwritten ---------------------------------------------------


def test_push_never_overwrites_another_publishers_dataset_of_the_same_name(cli, tmp_path, hdx, remote, owner):
    """A dataset of the same name held on HDX by an organisation that is not ours fails, untouched."""
    try:
        remote.action.organization_create(name="someone-else", title="Someone else")
    except ckanapi.ValidationError:  # made by an earlier test of the module
        pass
    hdx_dataset(remote, "hazards-public", owner_org="someone-else", caveats="Theirs.")
    dataset(owner, "hazards-public")
    code, out = run(cli, tmp_path, hdx, "push", "hazards-public")
    assert code == 1, out
    assert statuses(out) == {"hazards-public": "failed"}
    assert "someone-else" in out
    theirs = remote.action.package_show(id="hazards-public")
    assert theirs["caveats"] == "Theirs." and theirs["organization"]["name"] == "someone-else"


def test_pull_never_takes_over_a_deleted_dataset_of_this_portal(cli, tmp_path, hdx, remote, owner):
    """HDX's dataset named like a deleted dataset of ours fails: the deleted one stays deleted, confidential."""
    ours = dataset(owner, "clinics-mmr", sensitivity="confidential")
    call_action("package_delete", context={"user": "owner-editor"}, id=ours["id"])
    hdx_dataset(remote, "clinics-mmr")
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR")
    assert code == 1, out
    assert statuses(out) == {"clinics-mmr": "failed"}
    kept = model.Package.get(ours["id"])
    assert kept.state == "deleted" and kept.extras.get("sensitivity") == "confidential"


def test_push_is_refused_without_the_sharing_protocol(cli, tmp_path, hdx, remote, owner):
    """With imwg_sensitivity not enabled nothing would gate what leaves: the push refuses, HDX is untouched."""
    dataset(owner, "hazards-public")
    plugins = " ".join(p for p in PLUGINS.split() if p != "imwg_sensitivity")
    code, out = run(cli, tmp_path, hdx, "push", **{"ckan.plugins": plugins})
    assert code != 0 and "imwg_sensitivity is not enabled" in out
    assert remote.action.package_search(q="name:hazards-public")["count"] == 0


TOOK = r" \(in (\d+\.\d s|\d+ s|\d+ min \d\d s|\d+ h \d\d min)\)"


def test_push_and_pull_end_with_a_summary(cli, tmp_path, hdx, remote, owner):
    hdx_dataset(remote, "clinics-mmr")
    code, out = run(cli, tmp_path, hdx, "pull", "--country", "MMR")
    assert code == 0, out
    assert re.fullmatch("1 created" + TOOK, out.splitlines()[-1]), out

    dataset(owner, "hazards-public")
    dataset(owner, "hazards-second")
    code, out = run(cli, tmp_path, hdx, "push", "--quiet")
    assert code == 0, out
    # (the pulled dataset is not sent back)
    assert re.fullmatch("2 created, 1 withheld" + TOOK, out.splitlines()[-1]), out
    code, out = run(cli, tmp_path, hdx, "push")
    assert code == 0, out
    assert re.fullmatch("2 unchanged, 1 withheld" + TOOK, out.splitlines()[-1]), out
