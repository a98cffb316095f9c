"""Reading, profiling and validating one file, in a process of its own.

The job runs it in a freshly started interpreter (``spawn``): polars' thread
pool does not survive ``fork`` (the way CKAN's worker starts each job); a
reader that crashes, runs out of memory or hangs takes only that process
down; and the memory of a large file is handed back as soon as it is done.
Pure: no CKAN, no database (P-codes are checked by the job afterwards).
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path
from typing import Any

from ckanext.imwg.reader import TableError

from . import profile, tables, validation


class AnalysisError(Exception):
    """The file could not be analysed (the message is for the publisher)."""


def analyse(path: str, kind: str, preview_rows: int, validate_rows: int) -> dict[str, Any]:
    """The profile of a file with its validation (P-codes left out).

    A workbook's sheets are each profiled: the result is the one of the
    sheet the preview opens on (the first with hashtags, as libhxl reads
    it), with ``sheets`` (each sheet's position, name, whether it carries
    hashtags), ``sheet`` (the one shown) and ``other_sheets`` (the others'
    profiles, by position)."""
    try:
        if kind != "xlsx":
            return _one(Path(path), kind, None, preview_rows, validate_rows)
        found = tables.sheets(Path(path))
        chosen = tables.chosen_sheet(found)
        others: dict[str, Any] = {}
        for sheet in found:
            if sheet.index == chosen:
                continue
            try:
                others[str(sheet.index)] = _one(Path(path), kind, sheet.index, preview_rows, validate_rows)
            except TableError as error:  # one sheet that is not a table does not hide the others
                others[str(sheet.index)] = {"error": str(error)}
        result = _one(Path(path), kind, chosen, preview_rows, validate_rows)
    except TableError as error:
        raise AnalysisError(str(error)) from None
    result["sheets"] = [{"index": s.index, "name": s.name, "hxl": s.hxl} for s in found]
    result["sheet"] = chosen
    result["other_sheets"] = others
    return result


def _one(path: Path, kind: str, sheet: int | None, preview_rows: int, validate_rows: int) -> dict[str, Any]:
    with tables.read(path, kind, sheet) as table:
        result = profile.profile(table, preview_rows)
        result["validation"] = validation.validate(table, result, validate_rows, lambda codes: None)
    return result


def _child(conn: Any, args: tuple[Any, ...], max_memory: int) -> None:
    if max_memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (max_memory, max_memory))
    try:
        conn.send((True, analyse(*args)))
    except AnalysisError as error:
        conn.send((False, str(error)))
    except MemoryError:
        conn.send((False, "the file needs more memory than a preview may use"))
    except Exception as error:  # noqa: BLE001 - reported to the job, which stores it
        conn.send((False, f"the file could not be read ({type(error).__name__})"))
    finally:
        conn.close()


class Apart:
    """``analyse`` started in a spawned process, given ``timeout`` seconds
    from now and at most ``max_memory`` bytes of address space (0: no
    limit). The caller goes on meanwhile (the upload job reads the rows
    for the other analyses); ``result()`` waits for the answer, ``close()``
    ends the process."""

    def __init__(
        self, path: str, kind: str, preview_rows: int, validate_rows: int, timeout: float, max_memory: int = 0
    ):
        context = multiprocessing.get_context("spawn")
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.receiver, sender = context.Pipe(duplex=False)
        self.process = context.Process(
            target=_child, args=(sender, (path, kind, preview_rows, validate_rows), max_memory), daemon=True
        )
        self.process.start()
        sender.close()

    def result(self) -> dict[str, Any]:
        try:
            if not self.receiver.poll(max(0.0, self.deadline - time.monotonic())):
                raise AnalysisError(f"reading the file took longer than {self.timeout:g} seconds")
            try:
                ok, payload = self.receiver.recv()
            except EOFError:
                self.process.join(5)
                raise AnalysisError(f"the reader stopped (exit code {self.process.exitcode})") from None
        finally:
            self.close()
        if not ok:
            raise AnalysisError(payload)
        return payload

    def close(self) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.kill()
        self.process.join()


def analyse_apart(
    path: str, kind: str, preview_rows: int, validate_rows: int, timeout: float, max_memory: int = 0
) -> dict[str, Any]:
    """``analyse`` in a spawned process, given ``timeout`` seconds and at
    most ``max_memory`` bytes of address space (0: no limit)."""
    return Apart(path, kind, preview_rows, validate_rows, timeout, max_memory).result()
