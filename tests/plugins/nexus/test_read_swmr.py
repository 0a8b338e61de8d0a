"""A file written with SWMR opens while it is written, and File.refresh() shows the new points."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import h5py
import numpy as np
import pytest

import beamio

# A writer in its own process (HDF5 shares one open file between handles of one process):
# 3 points, then 2 more each time it reads a line; "swmr" switches SWMR mode on.
_WRITER = """
import sys
import h5py, numpy as np
path, mode = sys.argv[1], sys.argv[2]
f = h5py.File(path, "w", libver="latest")
entry = f.create_group("scan")
entry.attrs["NX_class"] = "NXentry"
entry["title"] = "timescan"
measurement = entry.create_group("measurement")
diode = measurement.create_dataset("diode", shape=(0,), maxshape=(None,), dtype="f8", chunks=(64,))
cam = measurement.create_dataset("cam", shape=(0, 2, 3), maxshape=(None, 2, 3), dtype="u2", chunks=(1, 2, 3))
entry["instrument/cam/data"] = h5py.SoftLink("/scan/measurement/cam")
if mode == "swmr":
    f.swmr_mode = True

def append(n):
    start = diode.shape[0]
    diode.resize((start + n,))
    diode[start:] = np.arange(start, start + n)
    cam.resize((start + n, 2, 3))
    cam[start:] = np.arange(start * 6, (start + n) * 6).reshape(n, 2, 3)
    f.flush()
    print(start + n, flush=True)

append(3)
while sys.stdin.readline().strip():
    append(2)
f.close()
"""


class _Writer:
    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.points = self._written()

    def _written(self) -> int:
        line = self.process.stdout.readline() if self.process.stdout else ""
        assert line, self.process.stderr.read() if self.process.stderr else "the writer stopped"
        return int(line)

    def append(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("more\n")
        self.process.stdin.flush()
        self.points = self._written()


@contextmanager
def _writing(path: Path, mode: str) -> Iterator[_Writer]:
    command = [sys.executable, "-c", _WRITER, str(path), mode]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(command, text=True, **pipes) as process:
        try:
            yield _Writer(process)
        finally:
            process.communicate("\n", timeout=60)


def test_refresh_shows_what_a_swmr_writer_appended(tmp_path: Path) -> None:
    path = tmp_path / "live.h5"
    with _writing(path, "swmr") as writer, beamio.open(path) as f:
        scan = f["scan"]
        before = scan.columns["diode"]
        assert (before.shape, scan.frames.shape) == ((3,), (3, 2, 3))
        np.testing.assert_array_equal(f["/scan/instrument/cam/data"][2], [[12, 13, 14], [15, 16, 17]])
        writer.append()
        assert writer.points == 5
        assert f.refresh() == []
        assert scan is f["scan"] and scan.columns["diode"].shape == (5,)
        np.testing.assert_array_equal(scan.columns["diode"][...], np.arange(5.0))
        assert scan.frames.shape == (5, 2, 3)
        np.testing.assert_array_equal(scan.frames[4], [[24, 25, 26], [27, 28, 29]])
        # Through the soft link too, read before: one HDF5 handle per dataset, or chunks come stale.
        np.testing.assert_array_equal(f["/scan/instrument/cam/data"][3], [[18, 19, 20], [21, 22, 23]])
        assert f["/scan/measurement/diode"].shape == (5,)
        np.testing.assert_array_equal(before[...], np.arange(3.0))  # what was handed out stays whole
        writer.append()
        f.refresh()
        np.testing.assert_array_equal(scan.columns["diode"][5:], [5.0, 6.0])


def test_a_file_written_without_swmr_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "busy.h5"
    with _writing(path, "plain"), pytest.raises(beamio.FormatError) as refused:
        beamio.open(path)
    message = str(refused.value)
    assert message.startswith(f"{path}: HDF5 cannot open it: a program is writing it without SWMR (")
    assert message.endswith(
        f"it opens once that program closes it (or, if that program died, after `h5clear -s {path}`)"
    )


def test_a_file_without_swmr_has_nothing_to_refresh(tmp_path: Path) -> None:
    path = tmp_path / "done.h5"
    with h5py.File(path, "w") as h5:
        h5["scan/measurement/diode"] = np.arange(3.0)
    with beamio.open(path) as f:
        scan = f["scan"]
        columns = scan.columns
        assert f.refresh() == [] and scan.columns is columns and columns["diode"].shape == (3,)
