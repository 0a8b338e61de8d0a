"""FormatTests: the conformance kit every format plugin subclasses, in-tree and outside.

Usage, in a plugin's tests::

    from beamio.testing import FormatTests

    class TestChi(FormatTests):
        format = "chi"
        samples = ["tests/data/lab6.chi"]

Every ``test_*`` method is a pytest test; each loops over the samples and
names the sample and the variant in its failure message.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .._dataset import Dataset, LazyMapping
from .._file import File
from .._lazy import LazyArray
from .._registry import FormatEntry, Registry, default_registry
from .._source import read_head
from ..errors import ClosedFileError, FormatError, NotThisFormat
from ._compare import assert_equal

__all__ = ["KIT_SAMPLES", "FormatTests", "kit_samples"]

_SAMPLES = Path(__file__).with_name("samples")

#: The kit's own samples and the format each belongs to (None: no beamio format).
KIT_SAMPLES: dict[str, str | None] = {
    "sample.spec": "spec",
    "sample.edf": "edf",
    "sample.h5": "nexus",
    "sample.mca": "mca",
    "sample.spe": "mca",
    "sample.tif": "fabio",
    "sample.png": None,
    "sample.csv": None,
    "empty.bin": None,
    "random.bin": None,
}

_HEAVY = ("numpy", "h5py", "fabio")


def kit_samples(excluding: str | None = None) -> list[Path]:
    """The kit's sample files, without those of the format ``excluding``."""
    return [_SAMPLES / name for name, fmt in KIT_SAMPLES.items() if excluding is None or fmt != excluding]


def _fd_count() -> int | None:
    for folder in ("/proc/self/fd", "/dev/fd"):
        if os.path.isdir(folder):
            return len(os.listdir(folder))
    return None


def read_everything(file: File) -> None:
    """Touch every value a file holds: headers, columns, positioners, frames, spectra."""
    list(file.header.items())
    for ds in file.datasets:
        list(ds.header.items())
        for value in ds.columns.values():
            np.asarray(value)
        for value in ds.positioners.values():
            np.asarray(value)
        if ds.frames is not None:
            for frame in ds.frames:
                np.asarray(frame.array)
                list(frame.header.items())
        for spectrum in ds.spectra.values():
            np.asarray(spectrum.counts)


class _Hang(BaseException):
    """Raised by the kit's alarm: a BaseException, so that no plugin's ``except Exception`` hides it."""


@contextlib.contextmanager
def _time_limit(seconds: float, what: str) -> Iterator[None]:
    """Fail with a message if the block runs longer than ``seconds`` (main thread, POSIX only)."""
    if not hasattr(signal, "setitimer") or not _main_thread():
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise _Hang(f"{what} took more than {seconds} s (a hang?)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def corrupted_variants(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Truncations at structural points and damaged copies of a sample's bytes."""
    n = len(data)
    for cut in sorted({0, 1, 16, n // 8, n // 4, n // 2, (3 * n) // 4, n - 1}):
        if 0 <= cut < n:
            yield f"truncated to {cut} bytes", data[:cut]
    if n:
        head = bytearray(data)
        for i in range(0, min(n, 512), 7):
            head[i] = 0
        yield "NUL bytes sprinkled over the first 512 bytes", bytes(head)
        digits = bytes(b if not 48 <= b <= 57 else 57 - (b - 48) for b in data)
        yield "every digit replaced by its complement", digits
        letters = data.replace(b"0", b"O").replace(b"1", b"l")
        yield "digits 0 and 1 replaced by the letters O and l", letters
        yield "a huge number in place of every 2", data.replace(b"2", b"99999999999999")
        yield "the whole file repeated and cut in the middle", (data * 2)[: n + n // 2]
        yield "random bytes after the first quarter", data[: n // 4] + os.urandom(n - n // 4)


class FormatTests:
    """Subclass with ``format`` and ``samples`` to check a plugin against beamio's contract.

    Class attributes
    ----------------
    format
        The format's name.
    samples
        Files of this format (paths).
    registry
        The registry to use; default: the process-wide one (entry points).
    installed
        Whether the plugin is installed as a distribution (its entry point is checked).
    time_limit
        Seconds one corrupted input may take to be read or refused.
    """

    format: ClassVar[str]
    samples: ClassVar[Sequence[str | os.PathLike[str]]] = ()
    registry: ClassVar[Registry | None] = None
    installed: ClassVar[bool] = True
    time_limit: ClassVar[float] = 10.0

    # -- helpers -------------------------------------------------------------
    def _registry(self) -> Registry:
        return self.registry if self.registry is not None else default_registry()

    def _entry(self) -> FormatEntry:
        return self._registry().entry(self.format)

    def _samples(self) -> list[Path]:
        paths = [Path(p) for p in self.samples]
        assert paths, f"{type(self).__name__}.samples is empty: give at least one {self.format} file"
        for path in paths:
            assert path.is_file(), f"sample {path} does not exist"
        return paths

    # -- the spec and its plugin ----------------------------------------------
    def test_spec_is_valid_and_in_use(self) -> None:
        """The format is registered, in use, and its reader (and writer) import."""
        entry = self._entry()
        assert entry.status == "ok", f"{self.format} is {entry.status} (by {entry.replaced_by})"
        assert entry.plugin.status == "ok"
        registry = self._registry()
        if entry.spec.capabilities.read:
            registry.reader_class(entry)
        if entry.spec.capabilities.write:
            registry.writer_class(entry)

    def _entry_point(self) -> importlib.metadata.EntryPoint:
        entry = self._entry()
        for ep in importlib.metadata.entry_points(group="beamio"):
            if ep.name == entry.plugin.name:
                return ep
        raise AssertionError(
            f"no entry point named {entry.plugin.name!r} in the group 'beamio': is the plugin installed?"
        )

    def test_spec_loads_through_entry_point(self) -> None:
        """The plugin is installed with an entry point whose hooks offer this format."""
        if not self.installed:
            return
        ep = self._entry_point()
        module = ep.load()
        names = [spec.name for spec in module.beamio_formats()]
        assert self.format in names, f"entry point {ep.value} offers {names}, not {self.format!r}"

    def test_hook_module_import_is_cheap(self) -> None:
        """Importing the hook module imports neither numpy, h5py nor fabio (checked in a subprocess)."""
        module = self._entry_point().value if self.installed else self._entry().plugin.module
        assert module, "the plugin's hook module is unknown"
        code = (
            f"import sys, importlib; importlib.import_module({module.split(':')[0]!r});"
            f" print(','.join(m for m in {_HEAVY!r} if m in sys.modules))"
        )
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, f"importing {module} failed:\n{done.stderr}"
        heavy = done.stdout.strip()
        assert not heavy, f"importing the hook module {module} imports {heavy}: import them in the reader"

    # -- detection --------------------------------------------------------------
    def test_samples_are_detected(self) -> None:
        """Each sample opens, detected as this format."""
        for path in self._samples():
            with self._registry().open(path) as file:
                assert file.format == self.format, f"{path} was detected as {file.format!r}"

    def test_other_formats_are_not_claimed(self) -> None:
        """The kit's samples of other formats are refused by the sniffer or the reader."""
        registry = self._registry()
        entry = self._entry()
        cls = registry.reader_class(entry)
        for path in kit_samples(excluding=self.format):
            try:
                cls.sniff(read_head(path))
            except NotThisFormat:
                continue
            try:
                with registry.open(path, self.format) as file:
                    read_everything(file)
            except NotThisFormat:
                continue
            except FormatError as error:
                raise AssertionError(
                    f"{self.format} treats {path.name} (not its format) as a broken {self.format} file:"
                    f" raise NotThisFormat instead ({error})"
                ) from error
            raise AssertionError(f"{self.format} claims {path.name}, which is not its format")

    def test_forced_format_refuses_other_formats(self) -> None:
        """``open(other, format=this)`` raises NotThisFormat, never falls back."""
        for path in kit_samples(excluding=self.format):
            try:
                with self._registry().open(path, self.format) as file:
                    read_everything(file)
            except NotThisFormat:
                continue
            raise AssertionError(f"open({path.name}, format={self.format!r}) did not raise NotThisFormat")

    # -- reading ------------------------------------------------------------------
    def test_reading_is_lazy(self) -> None:
        """Opening reads no frame, spectrum or column data: shapes and dtypes are free."""
        if not self._entry().spec.capabilities.lazy:
            return
        for path in self._samples():
            with self._registry().open(path) as file:
                for ds in file.datasets:
                    self._assert_lazy(ds, path)

    @staticmethod
    def _assert_lazy(ds: Dataset, path: Path) -> None:
        where = f"{path.name} dataset {ds.key}"
        arrays: list[tuple[str, Any]] = []
        if ds.frames is not None:
            arrays.append(("frames", ds.frames))
        arrays.extend((f"spectrum {n}", s.counts) for n, s in ds.spectra.items())
        for name, array in arrays:
            assert isinstance(array, LazyArray), f"{where}: {name} is not a LazyArray"
            assert array.shape is not None and array.dtype is not None
            assert array.reads == 0, f"{where}: {name} data was read by opening"
        if isinstance(ds.columns, LazyMapping):
            list(ds.columns)
            assert not ds.columns.loaded, f"{where}: listing the columns parsed their data"

    def test_handles_are_closed(self) -> None:
        """Closing the file closes every descriptor it opened; later reads raise ClosedFileError."""
        for path in self._samples():
            before = _fd_count()
            file = self._registry().open(path)
            with file:
                read_everything(file)
                datasets = file.datasets
            after = _fd_count()
            if before is not None and after is not None:
                assert after == before, f"{path.name}: {after - before} file descriptors left open"
            lazy = [ds.frames for ds in datasets if ds.frames is not None and len(ds.frames)]
            for array in lazy:
                try:
                    array[0]
                except ClosedFileError:
                    continue
                raise AssertionError(f"{path.name}: frames still read after close")

    def test_corrupted_inputs_give_format_errors(self) -> None:
        """Truncated and damaged samples open or raise FormatError: no other exception, no hang."""
        registry = self._registry()
        with tempfile.TemporaryDirectory() as folder:
            for path in self._samples():
                data = path.read_bytes()
                for n, (what, variant) in enumerate(corrupted_variants(data)):
                    broken = Path(folder) / f"{n}_{path.name}"
                    broken.write_bytes(variant)
                    for strict in (False, True):
                        label = f"{path.name} {what} (strict={strict})"
                        try:
                            with (
                                _time_limit(self.time_limit, label),
                                registry.open(broken, self.format, strict=strict) as file,
                            ):
                                read_everything(file)
                        except FormatError:
                            pass
                        except _Hang as hang:
                            raise AssertionError(f"{hang} — a broken file must not hang a reader") from None
                        except Exception as error:
                            raise AssertionError(
                                f"{label}: {type(error).__name__}: {error} — a broken file must give"
                                " a FormatError naming the file and the place"
                            ) from error

    # -- writing ------------------------------------------------------------------
    def test_round_trip(self) -> None:
        """Where the plugin writes: read → write → read gives equal files."""
        entry = self._entry()
        if not entry.spec.capabilities.write:
            return
        registry = self._registry()
        with tempfile.TemporaryDirectory() as folder:
            for path in self._samples():
                # Each sample in its own kind where the format writes it (a TIFF stays a TIFF).
                own = path.suffix.lower()
                extension = own if own in entry.spec.extensions else (entry.spec.extensions or (".out",))[0]
                target = Path(folder) / f"{path.stem}.roundtrip{extension}"
                with registry.open(path) as original:
                    registry.write(original, target, self.format)
                    with registry.open(target, self.format) as again:
                        assert_equal(original, again)
