"""Reading, profiling and validating one file, in a process of its own.

The job runs it in a freshly started interpreter (``spawn``): polars' thread
pool does not survive ``fork`` (the way CKAN's worker starts each job); a
reader that crashes, runs out of memory or hangs takes only that process
down; and the memory of a large file is handed back as soon as it is done.
Pure: no CKAN, no database (P-codes are checked by the job afterwards).
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path
from typing import Any

from . import profile, tables, validation


class AnalysisError(Exception):
    """The file could not be analysed (the message is for the publisher)."""


def analyse(path: str, kind: str, preview_rows: int, validate_rows: int) -> dict[str, Any]:
    """The profile of a file with its validation (P-codes left out)."""
    try:
        with tables.read(Path(path), kind) as table:
            result = profile.profile(table, preview_rows)
            result["validation"] = validation.validate(table, result, validate_rows, lambda codes: None)
    except tables.TableError as error:
        raise AnalysisError(str(error)) from None
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


def analyse_apart(
    path: str, kind: str, preview_rows: int, validate_rows: int, timeout: float, max_memory: int = 0
) -> dict[str, Any]:
    """``analyse`` in a spawned process, given ``timeout`` seconds and at
    most ``max_memory`` bytes of address space (0: no limit)."""
    context = multiprocessing.get_context("spawn")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(
        target=_child, args=(sender, (path, kind, preview_rows, validate_rows), max_memory), daemon=True
    )
    process.start()
    sender.close()
    try:
        if not receiver.poll(timeout):
            raise AnalysisError(f"reading the file took longer than {timeout:g} seconds")
        try:
            ok, payload = receiver.recv()
        except EOFError:
            process.join(5)
            raise AnalysisError(f"the reader stopped (exit code {process.exitcode})") from None
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()
        process.join()
    if not ok:
        raise AnalysisError(payload)
    return payload
