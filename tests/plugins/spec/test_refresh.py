"""Following a growing SPEC file: refresh() and `beamio follow`."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import beamio

from .samples import HEADER, write


def test_refresh_picks_up_points_and_scans_and_waits_for_whole_lines(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n#S 1  ascan th 0 1 3 1\n#L th  det\n0 10\n")
    with beamio.open(path) as f:
        scan = f["1.1"]
        np.testing.assert_array_equal(scan.columns["det"], [10])
        with path.open("a") as out:
            out.write("1 11\n2 1")  # the last line is still being written
        assert f.refresh() == []
        np.testing.assert_array_equal(scan.columns["det"], [10, 11])
        with path.open("a") as out:
            out.write("2\n\n#S 2  ct 1\n#L det\n5\n")
        new = f.refresh()
        assert [ds.key for ds in new] == ["2.1"]
        np.testing.assert_array_equal(scan.columns["det"], [10, 11, 12])
        np.testing.assert_array_equal(f["2.1"].columns["det"], [5])
        assert f.refresh() == []


def test_refresh_reads_only_when_the_file_changed(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n#S 1  ct\n#L a\n1\n")
    with beamio.open(path) as f:
        scan = f["1.1"]
        columns = scan.columns
        assert f.refresh() == []
        assert f["1.1"] is scan and scan.columns is columns


def test_follow_prints_new_points_and_scans(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "\n#S 1  ascan th 0 1 3 1\n#L th  det\n0 10\n")
    command = [sys.executable, "-m", "beamio", "follow", str(path), "--interval", "0.2"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)
        with path.open("a") as out:
            out.write("1 11\n\n#S 2  ct 1\n#L det\n5\n")
        time.sleep(1.5)
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    lines = out.splitlines()
    assert lines[0].startswith(f"following {path} (1 scans so far")
    assert lines[1:] == [
        "#S 1.1  ascan th 0 1 3 1",
        "#L th  det",
        "0.0 10.0",
        "1.0 11.0",
        "#S 2.1  ct 1",
        "#L det",
        "5.0",
    ]
