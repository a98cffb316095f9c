"""Client-chosen resource ids: the id of a deleted or purged resource (and the
file still stored under it) cannot be taken by another dataset; a dataset's
own ids and fresh ids keep working."""

from __future__ import annotations

import uuid

import ckan.logic as logic
import ckan.model as model
import pytest
from ckan.tests import factories
from ckan.tests.helpers import call_action

from tests.support import editor_dataset

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

SECRET = "Victim name,Phone\nAung Aung,+95 9 123 456 789\n"
TAKEN = "This id belongs to another resource"


def editor():
    """A fresh context for the editor (CKAN fills a context in, so none is shared)."""
    return {"user": "editor"}


def attacker_context():
    """A fresh context for the attacker."""
    return {"user": "attacker"}


def holder(resource_id):
    """The dataset holding a resource row with ``resource_id`` (any state), or None."""
    row = model.Session.query(model.Resource).get(resource_id)
    return row.package_id if row else None


def id_errors(error_dict):
    """The errors on the resource's id field, wherever the action nests them."""
    if "resources" in error_dict:
        return [message for res in error_dict["resources"] for message in res.get("id", [])]
    return error_dict.get("id", [])


def stolen(resource_id):
    """A resource that claims ``resource_id`` and an uploaded file it never sent."""
    return {"id": resource_id, "url": "victims.csv", "url_type": "upload", "name": "x", "format": "CSV"}


def download(app, dataset, resource_id, user):
    """The body of the download of ``resource_id`` through ``dataset``, as ``user``."""
    headers = {"Authorization": factories.APIToken(user=user)["token"]}
    return app.get(f"/dataset/{dataset}/resource/{resource_id}/download/victims.csv", headers=headers)


@pytest.fixture
def victim(create_with_upload):
    """The editor's confidential dataset and the file they uploaded to it."""
    dataset = editor_dataset(sensitivity="confidential")
    resource = create_with_upload(
        SECRET, "victims.csv", url="victims.csv", format="CSV", package_id=dataset["id"], context=editor()
    )
    return {"dataset": dataset, "resource": resource}


def create_as_attacker(org, name, **fields):
    """A public humanitarian dataset of ``org`` created by the attacker (``fields`` change it)."""
    values = {
        "type": "dataset",
        "name": name,
        "owner_org": org["id"],
        "source": "Attacker",
        "sectors": ["protection"],
        "sensitivity": "public",
        **fields,
    }
    return call_action("package_create", context=attacker_context(), **values)


@pytest.fixture
def attacker():
    """A user who may create datasets in their own organisation, and their dataset."""
    factories.User(name="attacker")
    org = factories.Organization(name="other", org_type="ingo", users=[{"name": "attacker", "capacity": "editor"}])
    return {"org": org, "dataset": create_as_attacker(org, "mine")}


@pytest.fixture(params=["deleted", "purged"])
def lost(request, victim):
    """The id of the victim's resource once it is deleted, or its dataset purged."""
    resource_id = victim["resource"]["id"]
    if request.param == "deleted":
        call_action("resource_delete", context=editor(), id=resource_id)
    else:
        call_action("dataset_purge", context={"user": factories.Sysadmin()["name"]}, id=victim["dataset"]["id"])
    return resource_id


def take_by_package_create(attacker, resource_id):
    create_as_attacker(attacker["org"], "stolen", resources=[stolen(resource_id)])
    return "stolen"


def take_by_resource_create(attacker, resource_id):
    call_action(
        "resource_create", context=attacker_context(), package_id=attacker["dataset"]["id"], **stolen(resource_id)
    )
    return "mine"


def take_by_package_update(attacker, resource_id):
    shown = call_action("package_show", context=attacker_context(), id=attacker["dataset"]["id"])
    call_action("package_update", context=attacker_context(), **{**shown, "resources": [stolen(resource_id)]})
    return "mine"


def take_by_package_patch(attacker, resource_id):
    call_action(
        "package_patch", context=attacker_context(), id=attacker["dataset"]["id"], resources=[stolen(resource_id)]
    )
    return "mine"


def take_by_package_revise(attacker, resource_id):
    call_action(
        "package_revise",
        context=attacker_context(),
        match={"id": attacker["dataset"]["id"]},
        update__resources__extend=[stolen(resource_id)],
    )
    return "mine"


TAKEOVERS = [
    take_by_package_create,
    take_by_resource_create,
    take_by_package_update,
    take_by_package_patch,
    take_by_package_revise,
]


class TestTakeover:
    @pytest.mark.parametrize("take", TAKEOVERS, ids=lambda take: take.__name__.removeprefix("take_by_"))
    def test_lost_id_is_refused(self, app, attacker, lost, take):
        """Claiming a deleted or purged resource's id is an error on the id; nothing is saved or served."""
        before = holder(lost)
        with pytest.raises(logic.ValidationError) as err:
            take(attacker, lost)
        assert TAKEN in id_errors(err.value.error_dict)
        assert holder(lost) == before
        assert model.Package.get("stolen") is None
        assert call_action("package_show", id="mine")["resources"] == []
        for dataset in ("stolen", "mine"):
            assert SECRET not in download(app, dataset, lost, "attacker").get_data(as_text=True)

    def test_live_id_of_another_dataset_is_refused(self, attacker, victim):
        """The id of another dataset's live resource cannot be claimed either."""
        with pytest.raises(logic.ValidationError) as err:
            take_by_resource_create(attacker, victim["resource"]["id"])
        assert TAKEN in id_errors(err.value.error_dict)

    def test_sysadmins_are_not_exempt(self, attacker, lost):
        """A sysadmin cannot give a lost id to another dataset."""
        with pytest.raises(logic.ValidationError) as err:
            call_action(
                "resource_create",
                context={"user": factories.Sysadmin()["name"]},
                package_id=attacker["dataset"]["id"],
                **stolen(lost),
            )
        assert TAKEN in id_errors(err.value.error_dict)

    def test_mine_action_datasets_refuse_it_too(self, attacker, lost):
        """The mine-action schema checks resource ids the same way."""
        with pytest.raises(logic.ValidationError) as err:
            create_as_attacker(
                attacker["org"],
                "stolen",
                type="mine-action",
                sectors=["mine_action"],
                themes=["clearance"],
                data_owner_authority="Attacker",
                resources=[stolen(lost)],
            )
        assert TAKEN in id_errors(err.value.error_dict)


class TestOwnResources:
    def test_update_keeps_the_resources(self, victim):
        """Updating a dataset with its own resources (ids given) saves the change."""
        shown = call_action("package_show", context=editor(), id=victim["dataset"]["id"])
        shown["resources"][0]["name"] = "Victims, updated"
        updated = call_action("package_update", context=editor(), **shown)
        assert [r["name"] for r in updated["resources"]] == ["Victims, updated"]

    def test_reorder(self, victim, create_with_upload):
        """Reordering a dataset's uploaded resources works."""
        dataset_id = victim["dataset"]["id"]
        second = create_with_upload(
            "a,b\n1,2\n", "second.csv", url="second.csv", format="CSV", package_id=dataset_id, context=editor()
        )
        order = [second["id"], victim["resource"]["id"]]
        call_action("package_resource_reorder", context=editor(), id=dataset_id, order=order)
        assert [r["id"] for r in call_action("package_show", id=dataset_id)["resources"]] == order

    def test_reupload(self, victim, create_with_upload):
        """Uploading a new file to one's own resource works."""
        resource = create_with_upload(
            "a,b\n1,2\n",
            "victims.csv",
            action="resource_update",
            id=victim["resource"]["id"],
            url="victims.csv",
            format="CSV",
            package_id=victim["dataset"]["id"],
            context=editor(),
        )
        assert resource["size"] == len("a,b\n1,2\n")

    def test_undelete_in_the_same_dataset(self, app, victim):
        """A deleted resource given back to its own dataset returns with its file."""
        resource = victim["resource"]
        call_action("resource_delete", context=editor(), id=resource["id"])
        call_action("package_patch", context=editor(), id=victim["dataset"]["id"], resources=[resource])
        body = download(app, victim["dataset"]["name"], resource["id"], "editor").get_data(as_text=True)
        assert body == SECRET

    @pytest.mark.ckan_config("WTF_CSRF_ENABLED", False)
    def test_resource_edit_form(self, app, victim):
        """The resource edit form still saves (it sends the resource's id)."""
        dataset, resource = victim["dataset"], victim["resource"]
        form = {"id": resource["id"], "name": "Renamed in the form", "url": "victims.csv", "format": "CSV", "save": ""}
        headers = {"Authorization": factories.APIToken(user="editor")["token"]}
        app.post(f"/dataset/{dataset['name']}/resource/{resource['id']}/edit", data=form, headers=headers)
        assert call_action("resource_show", id=resource["id"])["name"] == "Renamed in the form"


class TestFreshIds:
    def test_package_create(self, attacker):
        """A new dataset's resource keeps a fresh id the client chose."""
        fresh = str(uuid.uuid4())
        resources = [{"id": fresh, "url": "http://example.org/a.csv", "format": "CSV"}]
        pkg = create_as_attacker(attacker["org"], "fresh", resources=resources)
        assert [r["id"] for r in pkg["resources"]] == [fresh]

    def test_resource_create(self, attacker):
        """resource_create keeps a fresh id the client chose."""
        fresh = str(uuid.uuid4())
        res = call_action(
            "resource_create",
            context=attacker_context(),
            package_id=attacker["dataset"]["id"],
            id=fresh,
            url="http://example.org/a.csv",
        )
        assert res["id"] == fresh

    def test_blank_id_gets_a_new_one(self, attacker):
        """An empty id is ignored, as CKAN does: the resource gets a new id."""
        res = call_action(
            "resource_create",
            context=attacker_context(),
            package_id=attacker["dataset"]["id"],
            id="",
            url="http://e.org/a",
        )
        assert uuid.UUID(res["id"])

    def test_id_must_be_a_uuid(self, attacker):
        """An id that is not a UUID is refused, as CKAN does."""
        with pytest.raises(logic.ValidationError) as err:
            call_action(
                "package_patch",
                context=attacker_context(),
                id=attacker["dataset"]["id"],
                resources=[{"id": "../../../etc", "url": "http://e.org/a"}],
            )
        assert "Invalid id provided" in id_errors(err.value.error_dict)
