"""Guard: the token that tells lazy data its file has been closed."""

from __future__ import annotations

import pytest

from beamio import Guard
from beamio.errors import ClosedFileError


def test_an_open_guard_lets_reads_through() -> None:
    guard = Guard("scan.h5")
    guard.check()
    assert not guard.closed


def test_a_closed_guard_names_the_file() -> None:
    guard = Guard("/data/scan.h5")
    guard.close()
    assert guard.closed
    with pytest.raises(ClosedFileError) as info:
        guard.check()
    assert str(info.value) == "/data/scan.h5 is closed: open it again to read its data"
    assert isinstance(info.value, ValueError)


def test_a_guard_without_a_path() -> None:
    guard = Guard()
    guard.close()
    with pytest.raises(ClosedFileError, match="the file is closed"):
        guard.check()
