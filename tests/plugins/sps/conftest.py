"""Fixtures of the sps plugin's tests: SPEC sessions published by fake SPEC processes.

Each session lives in its own process (:mod:`.fakespec`), ended by the fixture's
finalizer: the kernel then removes its segments. Where System V shared memory or
PyMca's ``sps`` is missing, the tests are skipped with the reason.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator

import pytest

from beamio_sps._sysv import segment_table, unavailable

from .fakespec import FakeSpec

pytest.importorskip(
    "PyMca5.PyMcaIO.sps", reason="PyMca's sps module (PyMca5, a test dependency) writes the arrays"
)

_numbers = itertools.count()


def _shared_memory_works() -> str | None:
    reason = unavailable()
    if reason is not None:
        return reason
    try:
        segment_table()
    except OSError as error:
        return f"the System V shared-memory table cannot be read ({error})"
    return None


@pytest.fixture(autouse=True)
def _needs_shared_memory() -> None:
    reason = _shared_memory_works()
    if reason is not None:
        pytest.skip(f"System V shared memory is unavailable here: {reason}")


@pytest.fixture
def spec_session() -> Iterator[Callable[..., FakeSpec]]:
    """Start fake SPEC sessions with unique names (``bio<pid>_<n>``); all end with the test."""
    started: list[FakeSpec] = []

    def start(name: str | None = None) -> FakeSpec:
        session = FakeSpec(name or f"bio{os.getpid()}_{next(_numbers)}")
        started.append(session)
        return session

    yield start
    for session in started:
        session.close()
    left = {s.name: segments_of(s.pid) for s in started if segments_of(s.pid)}
    assert not left, f"segments left attached after the test (shmid: attachments): {left}"


@pytest.fixture
def fourc(spec_session: Callable[..., FakeSpec]) -> FakeSpec:
    """One fake SPEC session."""
    return spec_session()


def segments_of(pid: int) -> dict[int, int]:
    """The segments SPEC process ``pid`` created that still exist: shmid → attachments (from ipcs' table)."""
    with open("/proc/sysvipc/shm", encoding="ascii") as table:
        lines = table.read().splitlines()
    column = {name: i for i, name in enumerate(lines[0].split())}
    out = {}
    for line in lines[1:]:
        words = line.split()
        if int(words[column["cpid"]]) == pid:
            out[int(words[column["shmid"]])] = int(words[column["nattch"]])
    return out
