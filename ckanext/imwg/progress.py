"""Progress of long command-line work (gazetteer loads, back-fills, the demo
content, HDX exchanges, exports).

While the work runs, a bar with its position and an estimate of the time
left is drawn on standard error, only when standard error is a terminal and
``--quiet`` is not given: piped or logged runs get no control characters.
When it ends, the command prints one summary line on standard output, with
the time it took (:func:`summary`).

    with progress(len(items), "Analysing files", quiet=quiet) as bar:
        for item in items:
            ...
            bar.update(1)
    click.echo(summary("12 files analysed: 11 done, 1 failed", bar.started))
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

import click

__all__ = ["Progress", "duration", "progress", "summary"]


class Progress:
    """What the work updates: ``update(n)`` steps done, ``label`` (what is
    being done now); a no-op when no bar is drawn."""

    def __init__(self, bar: Any = None) -> None:
        self._bar = bar
        self.started = time.monotonic()
        self.done = 0

    @property
    def shown(self) -> bool:
        """A bar is being drawn."""
        return self._bar is not None

    def update(self, steps: int = 1, label: str | None = None) -> None:
        self.done += steps
        if self._bar is not None:
            if label is not None:
                self._bar.label = label
            self._bar.update(steps)

    def extend(self, steps: int) -> None:
        """More steps to go than planned (the bar's length grows)."""
        if self._bar is not None:
            self._bar.length += steps


def _terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


@contextmanager
def progress(length: int, label: str, quiet: bool = False, file: IO[str] | None = None) -> Iterator[Progress]:
    """A bar of ``length`` steps on ``file`` (standard error), drawn only on
    a terminal and when not ``quiet``."""
    stream = file if file is not None else click.get_text_stream("stderr")
    if quiet or length <= 0 or not _terminal(stream):
        yield Progress()
        return
    with click.progressbar(
        length=length, label=label, file=stream, show_eta=True, show_pos=True, show_percent=True
    ) as bar:
        yield Progress(bar)


def duration(seconds: float) -> str:
    """``0.4 s``, ``12 s``, ``3 min 05 s``, ``1 h 02 min``."""
    if seconds < 10:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def summary(text: str, started: float) -> str:
    """The one line a command ends with: what it did, and in how long."""
    return f"{text} (in {duration(time.monotonic() - started)})"
