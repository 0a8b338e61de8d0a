"""Faults while writing: a full disk, a writer that raises, a conversion killed or interrupted.

Whatever stops a write, the target is absent or its previous version intact, no
temporary file is left beside it, and the message says what happened. SIGKILL gives
the process no chance to clean up: its temporary file stays, named for this host
and that process, and the next write into the folder removes it.
"""

from __future__ import annotations

import builtins
import contextlib
import errno
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import beamio
from beamio import Dataset, File, FrameStack, LazyArray, Spectrum, _source
from beamio._source import atomic_target
from beamio.cli import main
from beamio.errors import PluginFailed

_RNG = np.random.default_rng(8)
#: Frames that do not compress (a CBF packs its differences): 160 kB each as int32.
_FRAMES = _RNG.integers(0, 2**20, (4, 200, 200), dtype=np.int32)
_COUNTS = _RNG.integers(0, 10**6, (64, 2048), dtype=np.int64)
_POINTS = np.linspace(0.0, 1.0, 20_000)

#: Signals, process ids and the removal of stale temporaries (Windows cannot ask whether a pid runs).
posix = pytest.mark.skipif(os.name != "posix", reason="POSIX signals and process ids")

#: Every writer, by the file name that chooses it: each file holds several hundred kB.
TARGETS = ["scan.spec", "spectra.mca", "frames.edf", "frames.tif", "frame.cbf", "frames.h5"]


def _failing(values: np.ndarray, at: int) -> LazyArray:
    """``values`` read lazily, but a read that reaches index ``at`` of the first axis raises."""

    def read(key: Any) -> np.ndarray:
        first = key[0] if isinstance(key, tuple) else key
        reached = range(*first.indices(len(values))) if isinstance(first, slice) else [first]
        if at in reached:
            raise RuntimeError("the detector server went away")
        return values[key]

    return LazyArray(values.shape, values.dtype, read)


def _source_for(name: str, *, fail: bool = False) -> File:
    """What ``name`` is written from; with ``fail``, an array read halfway through raises."""
    if name.endswith(".spec"):
        det = _failing(_POINTS, len(_POINTS) // 2) if fail else _POINTS**2
        scans = [
            Dataset("1", "ascan th 0 1 19999 0.1", columns={"th": _POINTS, "det": _POINTS**2}),
            Dataset("2", "ascan th 0 1 19999 0.1", columns={"th": _POINTS, "det": det}),
        ]
        return File("<memory>", scans)
    if name.endswith(".mca"):
        counts = _failing(_COUNTS, 32) if fail else _COUNTS
        return File("<memory>", [Dataset("1", "mca", spectra={"mca": Spectrum(counts)})])
    frames = _FRAMES[:1] if name.endswith(".cbf") else _FRAMES
    stack = FrameStack.from_array(_failing(frames, len(frames) - 1) if fail else frames)
    return File("<memory>", [Dataset("1", "images", frames=stack)])


def _full_disk_message(target: Path, previous: bool) -> str:
    """The message of a write that filled the disk, as a pattern."""
    kept = f"the previous {target.name} is kept" if previous else f"{target.name} was not created"
    stopped = r"( \(the write stopped after [\d.]+ (bytes|kB|MB)\))?"
    return f"^{re.escape(str(target))}: no space left on device{stopped}; {re.escape(kept)}$"


PREVIOUS = b"the previous version\n"


def _prepare(folder: Path, name: str, previous: bool) -> Path:
    target = folder / name
    if previous:
        target.write_bytes(PREVIOUS)
    return target


def _left(folder: Path, target: Path, previous: bool) -> None:
    """The target absent or as it was, and nothing else in its folder."""
    assert sorted(os.listdir(folder)) == ([target.name] if previous else [])
    if previous:
        assert target.read_bytes() == PREVIOUS


# -- a full disk, for real ------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a filesystem of 128 KiB (tmpfs); skipped where it cannot be mounted."""
    if sys.platform != "linux" or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs Linux and mount(8)")
    folder = tmp_path / "small"
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(folder)], capture_output=True, text=True
    )
    if mounted.returncode:
        pytest.skip(
            f"cannot mount a small tmpfs here (root or CAP_SYS_ADMIN needed): {mounted.stderr.strip()}"
        )
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True, check=False)


@pytest.mark.parametrize("previous", [False, True], ids=["new", "overwrite"])
@pytest.mark.parametrize("name", TARGETS)
def test_a_full_disk_leaves_the_target_absent_or_as_it_was(
    small_disk: Path, name: str, previous: bool
) -> None:
    target = _prepare(small_disk, name, previous)
    with pytest.raises(OSError, match=_full_disk_message(target, previous)) as raised:
        beamio.write(_source_for(name), target, overwrite=previous)
    assert raised.value.errno == errno.ENOSPC
    _left(small_disk, target, previous)


def test_the_command_says_the_disk_is_full(
    small_disk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = beamio.write(_source_for("frames.edf"), tmp_path / "frames.edf")
    target = small_disk / "frames.h5"
    assert main(["convert", str(source), str(target)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert re.fullmatch(
        rf"beamio: {re.escape(str(target))}: no space left on device \(the write stopped after \d+\.\d kB\);"
        r" frames\.h5 was not created\n",
        err,
    ), err
    _left(small_disk, target, previous=False)

    target.write_bytes(PREVIOUS)
    assert main(["convert", str(source), str(target), "--overwrite", "--quiet"]) == 1
    assert capsys.readouterr().err.endswith("; the previous frames.h5 is kept\n")
    _left(small_disk, target, previous=True)


# -- a full disk, injected ------------------------------------------------------------------


class _Disk:
    """Room for ``room`` more bytes in files opened for writing in ``folder``; then ENOSPC."""

    def __init__(self, folder: Path, room: int) -> None:
        self.folder = str(folder.resolve()) + os.sep
        self.room = room
        self.opened: list[Any] = []

    def holds(self, name: Any, mode: str) -> bool:
        """Whether a file opened so is written in the folder."""
        if isinstance(name, int) or not any(c in mode for c in "wax+"):
            return False
        return os.path.abspath(os.fsdecode(name)).startswith(self.folder)

    def take(self, size: int) -> None:
        self.room -= size
        if self.room < 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _Filling:
    """A file whose writes take room on a :class:`_Disk` (a proxy: everything else is the file's)."""

    def __init__(self, file: Any, disk: _Disk) -> None:
        self._file = file
        self._disk = disk

    def write(self, data: Any) -> int:
        self._disk.take(len(data))
        return self._file.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._file)

    def __enter__(self) -> _Filling:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


@contextlib.contextmanager
def _filling_disk(folder: Path, room: int) -> Iterator[None]:
    """Files written in ``folder`` fill the disk after ``room`` bytes: Python's files and h5py's."""
    disk = _Disk(folder, room)
    real_open, real_h5 = builtins.open, h5py.File

    def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        opened = real_open(file, mode, *args, **kwargs)
        return _Filling(opened, disk) if disk.holds(file, mode) else opened

    class FillingH5(real_h5):
        """h5py.File through a Python file object (HDF5's fileobj driver) that fills the disk."""

        def __init__(self, name: Any, mode: str = "r", *args: Any, **kwargs: Any) -> None:
            if isinstance(name, (str, os.PathLike)) and disk.holds(name, "w" if mode != "r" else "r"):
                raw = real_open(name, "r+b" if mode in ("a", "r+") and os.path.exists(name) else "w+b")
                disk.opened.append(raw)
                name = _Filling(raw, disk)
            super().__init__(name, mode, *args, **kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", open_)
        patch.setattr(h5py, "File", FillingH5)
        try:
            yield
        finally:
            for raw in disk.opened:
                raw.close()


@pytest.mark.parametrize("previous", [False, True], ids=["new", "overwrite"])
@pytest.mark.parametrize("name", TARGETS)
def test_an_injected_full_disk_leaves_the_target_absent_or_as_it_was(
    tmp_path: Path, name: str, previous: bool
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = _prepare(folder, name, previous)
    with (
        _filling_disk(folder, room=50_000),
        pytest.raises(OSError, match=_full_disk_message(target, previous)) as raised,
    ):
        beamio.write(_source_for(name), target, overwrite=previous)
    assert raised.value.errno == errno.ENOSPC
    _left(folder, target, previous)


# -- an exception inside a writer -----------------------------------------------------------


@pytest.mark.parametrize("previous", [False, True], ids=["new", "overwrite"])
@pytest.mark.parametrize("name", TARGETS)
def test_an_error_inside_a_writer_leaves_the_target_absent_or_as_it_was(
    tmp_path: Path, name: str, previous: bool
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = _prepare(folder, name, previous)
    entry = beamio.default_registry().entry(
        {"spec": "spec", "mca": "mca", "edf": "edf", "h5": "nexus"}.get(name.rpartition(".")[2], "fabio")
    )
    expected = (
        f"{entry.plugin.label}: the {entry.spec.name} writer failed on {target}:"
        " RuntimeError: the detector server went away"
    )
    with pytest.raises(PluginFailed, match=f"^{re.escape(expected)}$"):
        beamio.write(_source_for(name, fail=True), target, overwrite=previous)
    _left(folder, target, previous)


# -- temporary files: their names, and those killed processes leave ----------------------------


def test_the_temporary_file_is_named_for_the_target_the_host_and_the_process(tmp_path: Path) -> None:
    with atomic_target(tmp_path / "out.h5") as target:
        host, pid = _source._host(), os.getpid()
        assert re.fullmatch(
            rf"\.out\.h5\.beamio-{re.escape(host)}-{pid}-[0-9a-f]{{8}}\.tmp", target.temp.name
        )
        assert target.temp.parent == tmp_path
        target.temp.write_bytes(b"done")
    assert os.listdir(tmp_path) == ["out.h5"]


def _dead_pid() -> int:
    """The process id of a process that has ended (and been waited for)."""
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    return int(done.stdout)


@posix
def test_a_write_removes_the_temporaries_of_dead_processes_of_this_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_source, "_swept", {})
    host, dead, alive = _source._host(), _dead_pid(), os.getpid()
    stale = [f".out.h5.beamio-{host}-{dead}-0123abcd.tmp", f".other.edf.beamio-{host}-{dead}-89abcdef.tmp"]
    kept = [
        f".out.h5.beamio-{host}-{alive}-0123abcd.tmp",  # a process still writing it
        f".out.h5.beamio-elsewhere-{dead}-0123abcd.tmp",  # another host's: its process may be alive
        ".out.h5.beamio-notes.txt",  # not beamio's temporary name
    ]
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"half")
    fabio_folder = tmp_path / f".frames.tif.beamio-{host}-{dead}-01234567.tmp-k2j3h"  # FabioWriter's
    fabio_folder.mkdir()
    (fabio_folder / "frames.tif").write_bytes(b"half")

    beamio.write(_source_for("frames.h5"), tmp_path / "frames.h5")
    assert sorted(os.listdir(tmp_path)) == sorted([*kept, "frames.h5"])

    # A folder is looked at once a minute at most: a temporary left meanwhile waits for the next look.
    (tmp_path / stale[0]).write_bytes(b"half")
    beamio.write(_source_for("frames.h5"), tmp_path / "frames.h5", overwrite=True)
    assert stale[0] in os.listdir(tmp_path)


# -- a conversion killed or interrupted ---------------------------------------------------------

# ``beamio convert``, each array read taking 50 ms: a conversion of 40 frames lasts seconds,
# long enough to be stopped while it writes. SIGINT and SIGTERM as in a terminal, whatever
# the test runner set.
_SLOW_CONVERT = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
signal.signal(signal.SIGTERM, signal.SIG_DFL)
from beamio import _lazy

def slowly(read):
    def wrapper(*args):
        time.sleep(0.05)
        return read(*args)
    return wrapper

_lazy.LazyArray._read_basic = slowly(_lazy.LazyArray._read_basic)
_lazy.LazyArray.read_into = slowly(_lazy.LazyArray.read_into)
from beamio.cli import main
sys.exit(main(sys.argv[1:]))
"""


@pytest.fixture
def many_frames(tmp_path: Path) -> Path:
    """An EDF file of 40 frames, large enough that a writer reads them in ten blocks.

    Each read sleeps 50 ms (``_SLOW_CONVERT``): the conversion is still writing half a
    second after its temporary appears, however slowly a loaded machine sends the signal.
    Frames of 32 × 32 were read in one block and written in 50 ms: a signal sent later
    found the conversion done.
    """
    frames = FrameStack.from_array(
        (np.arange(40 * 256 * 512) % 65521).astype(np.uint16).reshape(40, 256, 512)
    )
    return beamio.write(Dataset("1", "frames", frames=frames), tmp_path / "many.edf")


def _converting(source: Path, target: Path, *flags: str) -> subprocess.Popen[str]:
    command = [sys.executable, "-c", _SLOW_CONVERT, "convert", str(source), str(target), "--quiet", *flags]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _temporaries(folder: Path, target: Path) -> list[str]:
    return [n for n in os.listdir(folder) if n.startswith(f".{target.name}.beamio-")]


def _once_writing(process: subprocess.Popen[str], folder: Path, target: Path) -> list[str]:
    """Wait until the conversion's temporary file (or folder) exists; its names."""
    deadline = time.monotonic() + 60
    while not (found := _temporaries(folder, target)):
        if process.poll() is not None:
            pytest.fail(f"the conversion ended before it wrote: {process.communicate()}")
        assert time.monotonic() < deadline, "the conversion wrote no temporary file in a minute"
        time.sleep(0.01)
    return found


@posix
@pytest.mark.filterwarnings("ignore::beamio.LossyConversionWarning")  # EDF headers in a TIFF
@pytest.mark.parametrize(
    ("name", "previous"),
    [("frames.h5", False), ("frames.edf", True), ("frames.tif", False)],  # the fabio writer's folder
    ids=["nexus-new", "edf-overwrite", "fabio-new"],
)
def test_sigkill_leaves_a_temporary_that_the_next_conversion_removes(
    many_frames: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, previous: bool
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = _prepare(folder, name, previous)
    process = _converting(many_frames, target, *(["--overwrite"] if previous else []))
    found = _once_writing(process, folder, target)
    process.kill()
    process.communicate(timeout=60)
    left = _temporaries(folder, target)
    assert left and set(found) <= set(left)
    host = re.escape(_source._host())
    assert all(
        re.fullmatch(rf"\.{name}\.beamio-{host}-{process.pid}-[0-9a-f]{{8}}\.tmp(-.*)?", n) for n in left
    )
    assert sorted(os.listdir(folder)) == sorted(left + ([name] if previous else []))
    if previous:
        assert target.read_bytes() == PREVIOUS

    monkeypatch.setattr(_source, "_swept", {})  # as in a new process: the folder not looked at yet
    beamio.convert(many_frames, target, overwrite=True)
    assert os.listdir(folder) == [name]
    with beamio.open(target) as file:
        assert file[0].frames.shape == (40, 256, 512)


@posix
@pytest.mark.parametrize(
    ("stop", "code", "said"),
    [(signal.SIGINT, 130, "beamio: interrupted\n"), (signal.SIGTERM, 143, "beamio: terminated\n")],
    ids=["SIGINT", "SIGTERM"],
)
@pytest.mark.parametrize("name", ["frames.h5", "frames.tif"], ids=["nexus", "fabio"])
def test_sigint_and_sigterm_leave_nothing(
    many_frames: Path, tmp_path: Path, name: str, stop: int, code: int, said: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    target = _prepare(folder, name, previous=True)
    process = _converting(many_frames, target, "--overwrite")
    _once_writing(process, folder, target)
    process.send_signal(stop)
    out, err = process.communicate(timeout=60)
    assert (process.returncode, out, err) == (code, "", said)
    _left(folder, target, previous=True)


@posix
@pytest.mark.slow
def test_sigkill_during_a_large_conversion(tmp_path: Path) -> None:
    """No slowing down: 300 frames of 512 x 512 (150 MB) converted to NeXus, killed as it writes."""
    frames = FrameStack.from_array(np.ones((300, 512, 512), dtype=np.uint16))
    source = beamio.write(Dataset("1", "frames", frames=frames), tmp_path / "large.edf")
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "large.h5"
    command = [sys.executable, "-m", "beamio", "convert", str(source), str(target), "--quiet"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _once_writing(process, folder, target)
    process.kill()
    process.communicate(timeout=60)
    assert not target.exists()
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert os.listdir(folder) == ["large.h5"]


def test_a_stop_a_finalizer_swallowed_still_stops_the_write_before_it_is_committed(tmp_path: Path) -> None:
    """SIGTERM handled inside a weakref callback: Python prints 'Exception ignored' and goes on."""
    from beamio import cli

    target = tmp_path / "out.h5"
    with cli._terminable():
        cli._pending.append(cli._Terminated)  # what the handler records before it raises
        with pytest.raises(cli._Terminated):
            beamio.write(Dataset("1", "t", columns={"a": np.arange(3.0)}), target)
    assert os.listdir(tmp_path) == []
    beamio.write(Dataset("1", "t", columns={"a": np.arange(3.0)}), target)  # outside: no stop pending
    assert os.listdir(tmp_path) == ["out.h5"]
