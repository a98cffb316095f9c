"""Time spent inside functions the benchmarked code calls (shared by the benchmarks)."""

from __future__ import annotations

import time
from typing import Any


def time_calls(owner: Any, name: str, label: str, totals: dict[str, float]) -> None:
    """Replace ``owner.name`` by a wrapper that adds the seconds each call takes to
    ``totals[label]`` (the benchmark's process only; nothing else is changed)."""
    original = getattr(owner, name)

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] = totals.get(label, 0.0) + time.perf_counter() - start

    setattr(owner, name, timed)
