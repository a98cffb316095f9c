"""The one background job of a resource's file: every analysis that the
plugins register through ``IUploadAnalysis`` (the P-code coverage, the
personal-data screen, the HXL profile), over one read of the file.

When a resource is created or updated, each analysing plugin calls
``resource_changed`` from its resource hooks (so that each works alone);
the first of them queues one job when any of them wants the file. The job
reads an uploaded file once with ``reader`` and hands the same rows, block
by block, to every analysis that reads rows; an analysis that reads the
file its own way (the HXL profile, polars in a process of its own) gets the
path, and may start at once so that it runs while the rows are read.

Each analysis stores its results in its own tables and commits them. One
that fails is rolled back, logged and left out: it never takes the others'
results with it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import reader
from .interfaces import IUploadAnalysis
from .reader import TableError

log = logging.getLogger(__name__)

#: rows handed to the analyses at a time (small blocks stay in the processor's
#: cache: 100 rows cost little more than reading row by row, 1,000 a fifth more)
BLOCK = 100
#: in the context of an update the job makes itself: no new job for it
OWN_UPDATE = "imwg_upload_job"


@dataclass
class Upload:
    """The file a job analyses."""

    #: the resource (``ckan.model.Resource``)
    resource: Any
    #: the uploaded file on disk (None: a link; it may be missing)
    path: Path | None
    #: what the reader reads it as: its format's or name's kind, else its
    #: content's (None: not a table the reader reads)
    kind: str | None


class UploadAnalysis:
    """One plugin's analysis of one file, made fresh for each run of the job.

    The job calls ``start``; when it returns True, an analysis that reads
    ``rows`` gets the rows of the one read through ``consume`` until it
    returns False or the file ends, then ``finish`` (or ``failed`` when
    the file cannot be read as a table); one that does not read rows gets
    ``finish`` once the others have read. ``close`` is always called last.
    ``finish`` and ``failed`` store the result in the plugin's own tables
    and commit; ``outcome`` is what the job reports for the analysis.
    A step that raises is rolled back and ends the analysis (``error``
    names the exception); the other analyses go on.
    """

    #: the analysis's name in the job's report
    name = "analysis"
    #: True: it reads the rows of the one read; False: it reads ``Upload.path`` itself
    rows = True
    outcome: Any = None
    #: the exception that ended the analysis, if one did
    error: str | None = None

    def start(self, upload: Upload) -> bool:
        """Whether there is anything to read (False: the analysis is over,
        its outcome set: unchanged since it last ran, not its kind of file,
        a missing file recorded)."""
        return False

    def consume(self, rows: list[list[str]]) -> bool:
        """The next rows of the file (lists of text); False when it has read enough."""
        return False

    def finish(self, upload: Upload) -> None:
        """Store the result."""

    def failed(self, upload: Upload, error: TableError) -> None:
        """The file cannot be read as a table: store that."""

    def close(self) -> None:
        """Give back what the analysis holds (a process, a temporary file)."""


def resource_changed(plugin: Any, context: dict[str, Any], resource: dict[str, Any]) -> None:
    """For each analysing plugin's ``after_resource_create`` and
    ``after_resource_update``: the first of them queues the one job."""
    import ckan.plugins as p

    if context.get(OWN_UPDATE):
        return
    analysts = list(p.PluginImplementations(IUploadAnalysis))
    if analysts and analysts[0] is plugin and any(a.upload_wanted(resource) for a in analysts):
        enqueue(resource["id"])


#: times the job runs again when it fails or its worker dies midway (each analysis stores its
#: results whole, so a second run is safe)
RETRIES = 2


def enqueue(resource_id: str) -> None:
    import ckan.plugins.toolkit as tk
    from rq import Retry

    tk.enqueue_job(
        run,
        [resource_id],
        title=f"Analyses of the file of resource {resource_id}",
        rq_kwargs={"retry": Retry(max=RETRIES)},
    )


def run(resource_id: str) -> dict[str, Any]:
    """The job: every plugin's analysis of one resource's file. Returns each
    analysis's outcome by name."""
    import ckan.plugins as p

    analyses = [plugin.upload_analysis() for plugin in p.PluginImplementations(IUploadAnalysis)]
    analyse(resource_id, analyses)
    return {a.name: report(a) for a in analyses}


def report(analysis: UploadAnalysis) -> Any:
    """What the job says of an analysis: its outcome, or the exception that ended it."""
    return f"crashed ({analysis.error})" if analysis.error else analysis.outcome


def upload_of(res: Any) -> Upload:
    """What the job reads of a resource (``ckan.model.Resource``)."""
    from ckan.lib import uploader

    if res.url_type != "upload":
        return Upload(res, None, reader.kind_of(res.format, res.url))
    path = Path(uploader.get_resource_uploader({"id": res.id, "url_type": "upload", "url": res.url}).get_path(res.id))
    return Upload(res, path, reader.detect(path, res.format, res.url))


def analyse(resource_id: str, analyses: list[UploadAnalysis]) -> None:
    """Run ``analyses`` over one read of a resource's file (nothing for a
    resource that is gone); each outcome is the analysis's own."""
    import ckan.model as model

    res = model.Resource.get(resource_id)
    if res is None or res.state != "active" or res.package is None:
        return
    try:
        upload = upload_of(res)
        started = [a for a in analyses if _guarded(a, a.start, upload)]
        failed = _read(upload, [a for a in started if a.rows])
        # the readers' results first: the screen's answer does not wait for a profile
        for analysis in sorted(started, key=lambda a: not a.rows):
            if analysis not in failed:
                _guarded(analysis, analysis.finish, upload)
    finally:
        for analysis in analyses:
            try:
                analysis.close()
            except Exception:
                log.exception("Closing the %s of resource %s failed", analysis.name, resource_id)


def _read(upload: Upload, analyses: list[UploadAnalysis]) -> set[UploadAnalysis]:
    """Hand the rows of one read to ``analyses``; those the file failed
    (their ``failed`` called) are returned."""
    failed: set[UploadAnalysis] = set()
    reading = list(analyses)
    if not reading:
        return failed

    def fail(group: list[UploadAnalysis], error: TableError) -> None:
        for analysis in group:
            failed.add(analysis)
            _guarded(analysis, analysis.failed, upload, error)

    try:
        if upload.path is None or upload.kind is None:
            raise TableError("the file is not a table the portal reads")
        for block in reader.open_table(upload.path, upload.kind).blocks(BLOCK):
            for analysis in list(reading):
                try:
                    more = analysis.consume(block)
                except Exception as error:  # noqa: BLE001 - one analysis's fault is its own
                    log.exception("The %s of resource %s failed", analysis.name, upload.resource.id)
                    reading.remove(analysis)
                    fail([analysis], TableError(f"the file could not be read ({type(error).__name__})"))
                    continue
                if not more:
                    reading.remove(analysis)
            if not reading:
                break
    except TableError as error:
        fail(reading, error)
    except Exception as error:  # noqa: BLE001 - a file that breaks a reader never breaks the worker
        log.exception("Reading the file of resource %s failed", upload.resource.id)
        fail(reading, TableError(f"the file could not be read ({type(error).__name__})"))
    return failed


def _guarded(analysis: UploadAnalysis, step: Any, *args: Any) -> Any:
    """Run one step of an analysis; a failure is rolled back and logged, and
    the analysis is over (the others go on)."""
    import ckan.model as model

    try:
        return step(*args)
    except Exception as error:  # noqa: BLE001 - one analysis's fault is its own
        model.Session.rollback()
        log.exception("The %s of resource %s failed", analysis.name, args[0].resource.id)
        analysis.error = type(error).__name__
        return False
