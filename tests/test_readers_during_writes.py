"""Reading a file while another process writes it: never a half-written row or frame as data.

A SPEC file grows a line at a time, and a line can be caught half written; an HDF5
file written under SWMR grows a frame at a time, a frame in more than one chunk. The
writer runs in its own process; this process reads with :func:`beamio.open` and
:meth:`File.refresh`, and checks that everything it is shown is whole.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import beamio

# -- SPEC: appended line by line, lines cut in two ---------------------------------------------

_HEADER = "#F live.spec\n#E 1700000000\n#D Tue Nov 14 22:13:20 2023\n#O0 th  tth\n"


def _scan_text(number: int, rows: int) -> str:
    """Scan ``number``: rows ``n  2n  n²`` from n = 1000·number, each row checkable on its own."""
    first = 1000 * number
    lines = [
        f"\n#S {number}  timescan 0.1",
        "#D Tue Nov 14 22:13:21 2023",
        "#P0 1.5 3",
        "#N 3",
        "#L n  double  square",
    ]
    lines += [f"{n} {2 * n} {n * n}" for n in range(first, first + rows)]
    return "\n".join(lines) + "\n"


# The writer: the rest of the text in pieces, their ends given on the command line. "step": a piece each
# time a line comes on stdin, "ok" printed once it is flushed; "free": all at once, as fast as
# it goes, "done" at the end.
_SPEC_WRITER = """
import os, sys, time
path, plan, mode = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(plan, "rb").read()
cuts = [int(c) for c in sys.argv[4:]]
with open(path, "ab", buffering=0) as out:
    start = os.path.getsize(path)  # the file holds the text up to there
    for cut in cuts:
        if mode == "step" and not sys.stdin.readline():
            break
        out.write(text[start:cut])
        start = cut
        if mode == "step":
            print("ok", flush=True)
        else:
            time.sleep(0.001)
print("done", flush=True)
"""


@contextmanager
def _spec_writer(path: Path, text: str, cuts: list[int], mode: str) -> Iterator[subprocess.Popen[str]]:
    plan = path.with_name("plan.txt")
    plan.write_bytes(text.encode())
    command = [sys.executable, "-c", _SPEC_WRITER, str(path), str(plan), mode, *map(str, cuts)]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(command, text=True, **pipes) as process:
        try:
            yield process
        finally:
            process.communicate(timeout=60)
    assert process.returncode == 0, process.stderr


def _whole_scans(written: str) -> list[list[tuple[int, int, int]]]:
    """The rows of each scan whose lines are complete in ``written``: what a reader may show."""
    scans: list[list[tuple[int, int, int]]] = []
    for line in written[: written.rfind("\n") + 1].splitlines():
        if line.startswith("#S "):
            scans.append([])
        elif line and not line.startswith("#") and scans:
            n, double, square = map(int, line.split())
            scans[-1].append((n, double, square))
    return scans


def _shown(file: beamio.File) -> list[np.ndarray]:
    """The rows each scan of ``file`` shows, as an (n, 3) array (none before its #L line is whole)."""
    shown = []
    for ds in file.datasets:
        columns = ds.columns
        if "n" not in columns:
            shown.append(np.empty((0, 3)))
            continue
        shown.append(np.column_stack([np.asarray(columns[c]) for c in ("n", "double", "square")]))
    return shown


def _check_whole(rows: np.ndarray, number: int) -> None:
    """Rows of scan ``number`` as written, in order from the first: none cut short."""
    n = rows[:, 0]
    np.testing.assert_array_equal(n, np.arange(1000 * number, 1000 * number + len(rows)))
    np.testing.assert_array_equal(rows[:, 1], 2 * n)
    np.testing.assert_array_equal(rows[:, 2], n * n)


def test_a_spec_file_read_after_every_half_line_shows_whole_rows_only(tmp_path: Path) -> None:
    text = _HEADER + _scan_text(1, 4) + _scan_text(2, 3)
    path = tmp_path / "live.spec"
    first = text.index("#N")  # the file opens with scan 1 up to its #N line
    path.write_text(text[:first])
    # Then each line in two halves: the reader looks after each half.
    cuts = []
    for end in (i + 1 for i, c in enumerate(text) if c == "\n" and i >= first):
        start = cuts[-1] if cuts else first
        cuts += [(start + end) // 2, end] if end - start > 1 else [end]
    with _spec_writer(path, text, cuts, "step") as writer, beamio.open(path) as file:
        assert writer.stdin is not None and writer.stdout is not None
        for cut in cuts:
            writer.stdin.write("next\n")
            writer.stdin.flush()
            assert writer.stdout.readline() == "ok\n"
            file.refresh()
            expected = _whole_scans(text[:cut])
            shown = _shown(file)
            assert len(shown) == len(expected), f"after {text[:cut]!r}"
            for rows, want in zip(shown, expected, strict=True):
                assert rows.tolist() == [list(r) for r in want], f"after {text[:cut]!r}"
        assert [len(rows) for rows in _shown(file)] == [4, 3]


def test_a_spec_file_appended_as_fast_as_it_goes_never_shows_half_a_row(tmp_path: Path) -> None:
    scans = 3
    text = _HEADER + "".join(_scan_text(k, 150) for k in range(1, scans + 1))
    path = tmp_path / "live.spec"
    start = text.index("#N")
    path.write_text(text[:start])
    pick = random.Random(7)
    cuts = []
    while start < len(text):  # pieces of 1 to 40 bytes: numbers and lines cut anywhere
        start = min(start + pick.randint(1, 40), len(text))
        cuts.append(start)
    states = set()
    with _spec_writer(path, text, cuts, "free") as writer, beamio.open(path) as file:
        while True:
            finished = writer.poll() is not None
            file.refresh()
            shown = _shown(file)
            for number, rows in enumerate(shown, 1):
                _check_whole(rows, number)
            states.add(tuple(len(rows) for rows in shown))
            if finished:
                break
    assert [len(rows) for rows in shown] == [150] * scans
    assert len(states) > 5, "the reader should have seen the file grow, not only its end"


# -- HDF5 under SWMR: frames appended while a reader refreshes --------------------------------

# The writer (its own process: HDF5 shares one open file between the handles of a process).
# Frame i holds i + 1 everywhere, in two chunks of half a frame; the diode reads i + 1 too.
# Nothing reads as 0, HDF5's fill value: a frame shown before it is written would.
_SWMR_WRITER = """
import sys, time
import h5py, numpy as np
path, count = sys.argv[1], int(sys.argv[2])
with h5py.File(path, "w", libver="latest") as f:
    entry = f.create_group("scan")
    entry.attrs["NX_class"] = "NXentry"
    entry["title"] = "timescan"
    measurement = entry.create_group("measurement")
    diode = measurement.create_dataset("diode", (0,), maxshape=(None,), dtype="f8", chunks=(16,))
    cam = measurement.create_dataset(
        "cam", (0, 32, 32), maxshape=(None, 32, 32), dtype="u4", chunks=(1, 16, 32)
    )
    f.swmr_mode = True
    f.flush()
    print("ready", flush=True)
    sys.stdin.readline()
    for i in range(count):
        cam.resize((i + 1, 32, 32))
        cam[i] = i + 1
        diode.resize((i + 1,))
        diode[i] = i + 1
        f.flush()
        time.sleep(0.002)
print("done", flush=True)
"""


def test_frames_appended_under_swmr_are_shown_whole(tmp_path: Path) -> None:
    pytest.importorskip("h5py")
    path = tmp_path / "live.h5"
    count = 80
    command = [sys.executable, "-c", _SWMR_WRITER, str(path), str(count)]
    pipes = {"stdin": subprocess.PIPE, "stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    with subprocess.Popen(command, text=True, **pipes) as writer:
        assert writer.stdin is not None and writer.stdout is not None
        assert writer.stdout.readline() == "ready\n", writer.stderr.read() if writer.stderr else ""
        checked = points = 0
        lengths = set()
        with beamio.open(path) as file:
            scan = file["scan"]
            writer.stdin.write("go\n")
            writer.stdin.flush()
            while True:
                finished = writer.poll() is not None
                file.refresh()
                frames = scan.frames
                assert frames is not None
                shown = frames.shape[0]
                # Each frame when it first shows, the moment it is likeliest to be half written.
                for index, frame in enumerate(frames[checked:shown], checked):
                    assert (frame == index + 1).all(), f"frame {index} shown before it was whole"
                checked = shown
                diode = np.asarray(scan.columns["diode"])
                np.testing.assert_array_equal(diode[points:], np.arange(points + 1, len(diode) + 1))
                points = len(diode)
                lengths.add(shown)
                if finished:
                    break
        writer.communicate(timeout=60)
    assert writer.returncode == 0
    assert (checked, points) == (count, count)
    assert len(lengths) > 5, "the reader should have seen the file grow, not only its end"
