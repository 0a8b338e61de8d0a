"""Following a running SPEC: refresh() re-reads what SPEC changed, `beamio follow` prints new points."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
import pytest

import beamio
from beamio.cli import main
from beamio.errors import ClosedFileError

from .conftest import segments_of
from .fakespec import DOUBLE, STRING, TAG_MCA, TAG_SCAN, UINT, FakeSpec

LABELS = {"0": "th", "1": "det"}


def _scan(spec: FakeSpec, rows: list[list[float]], title: str = "ascan th 0 1 9 1") -> None:
    spec.create("SCAN_D", 10, 2, DOUBLE, TAG_SCAN)
    spec.metadata("SCAN_D", [LABELS, {"title": title}])
    for i, row in enumerate(rows):
        spec.put_row("SCAN_D", i, row)
    spec.info("SCAN_D", f"[{len(rows)}]")


def test_refresh_reads_again_only_when_the_update_counter_moved(fourc: FakeSpec) -> None:
    _scan(fourc, [[0, 10], [1, 11]])
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        scan = f["SCAN_D"]
        columns = scan.columns
        np.testing.assert_array_equal(columns["det"], [10, 11])
        assert f.refresh() == []
        assert f["SCAN_D"] is scan and scan.columns is columns  # nothing changed: nothing read
        fourc.write("SCAN_D", 0, [0, 99])  # in memory, the counter left as it was
        assert f.refresh() == [] and scan.columns is columns
        np.testing.assert_array_equal(scan.columns["det"], [10, 11])
        fourc.touch("SCAN_D")
        assert f.refresh() == []
        assert scan.columns is not columns
        np.testing.assert_array_equal(scan.columns["det"], [99, 11])
        assert scan.header["utime"] == "3"  # two rows put, one touch (the info moves no counter)


def test_refresh_sees_new_points(fourc: FakeSpec) -> None:
    _scan(fourc, [[0, 10]])
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        scan = f["SCAN_D"]
        np.testing.assert_array_equal(scan.columns["th"], [0])
        fourc.put_row("SCAN_D", 1, [1, 11])
        fourc.put_row("SCAN_D", 2, [2, 12])
        fourc.info("SCAN_D", "[3]")
        f.refresh()
        np.testing.assert_array_equal(scan.columns["th"], [0, 1, 2])
        np.testing.assert_array_equal(scan.columns["det"], [10, 11, 12])
        assert f.header[f"sps://{fourc.name}/SCAN_D"].startswith("scan, 10×2 double, 3 points, update ")


def test_a_new_count_of_points_is_seen_without_a_new_counter(fourc: FakeSpec) -> None:
    _scan(fourc, [[0, 10], [1, 11], [2, 12]])
    fourc.info("SCAN_D", "[1]")
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        assert len(f[0].columns["th"]) == 1
        fourc.info("SCAN_D", "[3]")  # SPEC's info text moves no counter
        f.refresh()
        np.testing.assert_array_equal(f[0].columns["det"], [10, 11, 12])


def test_an_array_spec_creates_again_is_attached_again(fourc: FakeSpec) -> None:
    _scan(fourc, [[0, 10]])
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        old = int(f[0].header["shmid"])
        np.testing.assert_array_equal(f[0].columns["det"], [10])
        new = fourc.create("SCAN_D", 4, 3, DOUBLE, TAG_SCAN)  # a scan with three columns
        fourc.put("SCAN_D", [[1, 2, 3], [4, 5, 6], [7, 8, 9], [0, 0, 0]])
        assert new != old
        assert f.refresh() == []
        scan = f["SCAN_D"]
        assert int(scan.header["shmid"]) == new
        assert list(scan.columns) == ["column_1", "column_2", "column_3"]
        np.testing.assert_array_equal(scan.columns["column_2"], [2, 5, 8, 0])
        assert old not in segments_of(fourc.pid)  # let go: the kernel removed it


def test_new_arrays_of_a_session_are_new_datasets(fourc: FakeSpec) -> None:
    _scan(fourc, [[0, 10]])
    with beamio.open(f"sps://{fourc.name}") as f:
        assert list(f) == ["SCAN_D"]
        fourc.create("MCA", 1, 4, UINT, TAG_MCA)
        fourc.put("MCA", [[1, 2, 3, 4]])
        new = f.refresh()
        assert [ds.key for ds in new] == ["MCA"]
        np.testing.assert_array_equal(f["MCA"].spectra["MCA"].counts, [1, 2, 3, 4])
        assert f.refresh() == []


def test_the_last_values_stay_readable_when_spec_ends(fourc: FakeSpec) -> None:
    _scan(fourc, [[0, 10], [1, 11]])
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        fourc.close()
        assert f.refresh() == []
        np.testing.assert_array_equal(f[0].columns["det"], [10, 11])
        messages = [d.message for d in f.diagnostics]
        assert messages == [
            f"SPEC session {fourc.name} (pid {fourc.pid}) has ended; its arrays keep their last values"
        ]
        assert f.header[f"sps://{fourc.name}"].endswith(", ended")
        assert segments_of(fourc.pid)  # still attached here
    assert segments_of(fourc.pid) == {}  # detached: gone


def test_closing_detaches_every_segment(fourc: FakeSpec) -> None:
    _scan(fourc, [[0, 10]])
    fourc.create("SCAN_D_ENV", 4, 64, STRING)
    fourc.env("SCAN_D_ENV", "title", "x")
    before = segments_of(fourc.pid)
    assert set(before.values()) == {1}  # SPEC's own attachment
    f = beamio.open(f"sps://{fourc.name}/SCAN_D")
    scan = f["SCAN_D"]
    attached = segments_of(fourc.pid)
    assert sum(attached.values()) - sum(before.values()) == 3  # the STATUS, SCAN_D and its _ENV
    f.close()
    assert segments_of(fourc.pid) == before
    with pytest.raises(ClosedFileError):
        scan.columns["det"]
    with pytest.raises(ClosedFileError):
        f.refresh()


def test_follow_prints_new_points_and_a_scan_started_again(
    fourc: FakeSpec, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _scan(fourc, [[0, 10]])

    def new_points() -> None:
        fourc.put_row("SCAN_D", 1, [1, 11])
        fourc.put_row("SCAN_D", 2, [2, 12])
        fourc.info("SCAN_D", "[3]")

    def next_scan() -> None:
        fourc.metadata("SCAN_D", [LABELS, {"title": "dscan th -1 1 9 1"}])
        fourc.put_row("SCAN_D", 0, [-1, 20])
        fourc.info("SCAN_D", "[1] ")

    steps: list[Callable[[], None]] = [new_points, lambda: None, next_scan]

    def sleep(seconds: float) -> None:  # SPEC measures while `follow` waits
        if not steps:
            raise KeyboardInterrupt
        steps.pop(0)()

    monkeypatch.setattr(time, "sleep", sleep)
    assert main(["follow", f"sps://{fourc.name}/SCAN_D", "--interval", "0"]) == 130
    assert capsys.readouterr().out.splitlines() == [
        f"following sps://{fourc.name}/SCAN_D (1 scans so far; Ctrl-C stops)",
        "#S SCAN_D  ascan th 0 1 9 1",
        "#L th  det",
        "0.0 10.0",
        "1.0 11.0",
        "2.0 12.0",
        "#S SCAN_D  dscan th -1 1 9 1",
        "#L th  det",
        "-1.0 20.0",
    ]
