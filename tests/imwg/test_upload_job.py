"""One job per uploaded file: the P-code coverage, the personal-data screen
and the HXL profile over one read, each stored on its own, none lost to
another's failure (real CKAN, PostgreSQL, Redis jobs)."""

from __future__ import annotations

import ckan.model as model
import pytest
import sqlalchemy as sa
from ckan.lib.jobs import Worker
from ckan.tests.helpers import call_action

from ckanext.imwg import uploads
from ckanext.imwg.reader import TableError
from ckanext.imwg_hxl import jobs as hxl_jobs
from ckanext.imwg_pcode.model import coverage_table
from ckanext.imwg_sensitivity import screening
from tests.imwg_pcode.places import load
from tests.support import editor_dataset

PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_pcode imwg_hxl imwg_sensitivity imwg_search"
pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db", "clean_queues"),
    pytest.mark.ckan_config("ckan.plugins", PLUGINS),
]

PEOPLE = (
    "Victim name,Phone,Township P-code,Killed\n"
    "#affected+name,#contact+phone,#adm3+code,#affected+killed\n"
    "Aung Aung,+95 9 123 456 789,MMR001014,1\n"
    "Mya Mya,09-451-234-567,MMR015001,2\n"
)
#: more rows than the job hands over at a time
LONG = "ADM3_PCODE,Killed\n" + "".join(f"{['MMR001014', 'MMR015001'][i % 2]},{i}\n" for i in range(2500))


@pytest.fixture
def dataset(tmp_path):
    load(tmp_path)
    return editor_dataset()


def upload(create_with_upload, dataset, content, name="casualties.csv", **extra):
    return create_with_upload(
        content, name, url=name, format="CSV", package_id=dataset["id"], context={"user": "editor"}, **extra
    )


def queued() -> list[str]:
    return [job["title"] for job in call_action("job_list")]


def coverage_of(resource_id: str):
    return model.Session.execute(sa.select(coverage_table).where(coverage_table.c.resource_id == resource_id)).first()


def test_one_upload_queues_one_job_that_leaves_all_three_results(dataset, create_with_upload):
    """An upload queues one job; it stores the coverage, the screen and the profile."""
    res = upload(create_with_upload, dataset, PEOPLE)
    assert queued() == [f"Analyses of the file of resource {res['id']}"]
    Worker(["default"]).work(burst=True)

    covered = coverage_of(res["id"])
    assert covered.status == "done"
    assert covered.result["levels"] == {"3": ["MMR001014", "MMR015001"]}
    screened = screening.show(res["id"])
    assert screened["status"] == "findings"
    assert screened["suggested"] == "confidential"
    profiled = hxl_jobs.stored(res["id"])
    assert profiled["status"] == "done"
    assert profiled["result"]["hxl"] is True
    assert profiled["result"]["rows"] == 2
    # the screen's findings raised the file's level, in the same job
    assert call_action("resource_show", id=res["id"])["sensitivity"] == "confidential"


def test_a_replaced_file_queues_one_job_again(dataset, create_with_upload):
    """A new upload of the resource is one new job, and each analysis reads the new file."""
    res = upload(create_with_upload, dataset, LONG)
    Worker(["default"]).work(burst=True)
    assert coverage_of(res["id"]).result["rows"] == 2500
    upload(create_with_upload, dataset, PEOPLE, action="resource_update", id=res["id"])
    assert queued() == [f"Analyses of the file of resource {res['id']}"]
    Worker(["default"]).work(burst=True)
    assert coverage_of(res["id"]).result["rows"] == 2
    assert screening.show(res["id"])["status"] == "findings"
    assert hxl_jobs.stored(res["id"])["result"]["rows"] == 2


def test_the_jobs_own_update_queues_no_job(dataset, create_with_upload):
    """The level the screen raises is the job's own update: no job follows it."""
    res = upload(create_with_upload, dataset, PEOPLE)
    call_action("job_clear")
    outcome = uploads.run(res["id"])
    assert outcome["screen"]["status"] == "findings"
    assert outcome["coverage"] == "done"
    assert outcome["profile"] == "done"
    assert call_action("resource_show", id=res["id"])["sensitivity"] == "confidential"
    assert queued() == []


def test_every_analysis_gets_every_row_of_the_one_read(dataset, create_with_upload):
    """The analyses that read rows get the same rows, block by block, from one read."""
    res = upload(create_with_upload, dataset, LONG)

    class Count(uploads.UploadAnalysis):
        name = "count"
        blocks = 0

        def start(self, upload):
            self.outcome = 0
            return True

        def consume(self, rows):
            self.blocks += 1
            self.outcome += len(rows)
            return True

    count, coverage, screen = Count(), *(p.upload_analysis() for p in plugins("imwg_pcode", "imwg_sensitivity"))
    uploads.analyse(res["id"], [count, coverage, screen])
    assert count.outcome == 2501
    assert count.blocks == -(-2501 // uploads.BLOCK)  # the header and 2,500 rows
    assert coverage.outcome == "done"
    assert coverage_of(res["id"]).result["rows"] == 2500
    assert screen.outcome["status"] == "clean"


def plugins(*names):
    import ckan.plugins as p

    return [p.get_plugin(name) for name in names]


class TestOneFailureLosesNothingElse:
    def test_an_analysis_that_cannot_store(self, dataset, create_with_upload):
        """The coverage's table is missing: its store fails, is rolled back, and
        the screen and the profile are stored all the same."""
        res = upload(create_with_upload, dataset, PEOPLE)
        # (renamed, not dropped: the next tests' clean_db does not make it again)
        model.Session.execute(sa.text("ALTER TABLE imwg_pcode_coverage RENAME TO imwg_pcode_coverage_away"))
        model.Session.commit()
        try:
            outcome = uploads.run(res["id"])
        finally:
            model.Session.rollback()
            model.Session.execute(sa.text("ALTER TABLE imwg_pcode_coverage_away RENAME TO imwg_pcode_coverage"))
            model.Session.commit()
        assert outcome["coverage"] == "crashed (ProgrammingError)"
        assert coverage_of(res["id"]) is None
        assert screening.show(res["id"])["status"] == "findings"
        assert hxl_jobs.stored(res["id"])["status"] == "done"
        assert call_action("resource_show", id=res["id"])["sensitivity"] == "confidential"

    def test_an_analysis_that_breaks_while_reading(self, dataset, create_with_upload):
        """An analysis that raises on the rows is told the file failed it; the
        others read on to the end and store their results."""
        res = upload(create_with_upload, dataset, LONG)

        class Broken(uploads.UploadAnalysis):
            name = "broken"

            def start(self, upload):
                return True

            def consume(self, rows):
                return 1 / 0

            def finish(self, upload):
                self.outcome = "finished"

            def failed(self, upload, error):
                assert isinstance(error, TableError)
                self.outcome = str(error)

        broken = Broken()
        others = [p.upload_analysis() for p in plugins("imwg_pcode", "imwg_sensitivity", "imwg_hxl")]
        uploads.analyse(res["id"], [broken, *others])
        assert broken.outcome == "the file could not be read (ZeroDivisionError)"
        assert [a.outcome if isinstance(a.outcome, str) else a.outcome["status"] for a in others] == [
            "done",
            "clean",
            "done",
        ]
        assert coverage_of(res["id"]).result["rows"] == 2500
        assert hxl_jobs.stored(res["id"])["result"]["rows"] == 2500

    def test_an_unreadable_file_is_each_analysis_own_result(self, dataset, create_with_upload):
        """A file that is not a table: each analysis stores that as its result."""
        res = upload(create_with_upload, dataset, b"\x89PNG\r\n\x1a\n\x00\x00binary", name="map.csv")
        outcome = uploads.run(res["id"])
        assert outcome["coverage"] == "failed"
        assert "PNG image" in coverage_of(res["id"]).message
        assert outcome["screen"]["status"] == "error"
        assert "binary" in outcome["screen"]["message"]
        assert outcome["profile"] == "failed"
        assert "PNG image" in hxl_jobs.stored(res["id"])["message"]
