"""A bound on what a block of code allocates: header values that promise gigabytes must not be believed."""

from __future__ import annotations

import contextlib
import tracemalloc
from collections.abc import Iterator

__all__ = ["allocating_at_most"]


@contextlib.contextmanager
def allocating_at_most(limit: int) -> Iterator[None]:
    """Fail when the block's traced allocations (tracemalloc: numpy and Python) peak above ``limit``."""
    tracemalloc.start()
    try:
        yield
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < limit, f"reading allocated {peak} bytes at its peak, more than {limit}"
