"""Work on a Dask cluster: arrays that travel as their address, and conversions whose reading runs on workers.

A lazy array reads through open handles (a file descriptor, an mmap, an h5py
dataset) that cannot leave the process. :func:`beamio.open` therefore records how
it opened the file (:class:`Opened`: the paths, the format, the reader options and
each file's size and modification time) and stamps each Dataset's frame stack and
spectra with their :class:`Origin`. Pickled, such an array is its origin; a worker
opens the file by path once (:func:`reopened` keeps a few files open per process)
and reads there.

A conversion on a cluster (``convert(..., scheduler=...)``) keeps one writer, this
process (an HDF5 file has one writer), and sends the reading to the workers: one
task per input file of a series (its frames), or per output entry (a scan's
columns and spectra, parsed on the worker), a bounded number in flight so that
memory stays bounded however large the input. The writer receives the same values
it would read itself, so the output equals the serial conversion's.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs
import numpy as np

from .errors import BeamioError, ClusterError, FormatError, OptionError

if TYPE_CHECKING:
    from ._dataset import Dataset
    from ._file import File
    from ._lazy import LazyArray

__all__ = [
    "Opened",
    "Origin",
    "client_for",
    "distributed_view",
    "reopened",
    "stamp_origins",
    "through_cluster",
]

#: Files a worker process keeps open for the tasks that read them.
_KEEP_OPEN = 16
#: The frames one task reads from a single file that is not a series (bytes).
_BLOCK_BYTES = 64 << 20


def _stamp(path: str) -> tuple[int, int]:
    status = os.stat(path)
    return status.st_size, status.st_mtime_ns


@attrs.frozen
class Opened:
    """How a File was opened, enough for another process to open it again and know it is the same."""

    paths: tuple[str, ...]
    format: str | None
    options: tuple[tuple[str, Any], ...]
    stamps: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, paths: list[str], format: str | None, options: Mapping[str, Any]) -> Opened:
        """Record the files (absolute paths, sizes and times), the format (None: detected) and the options."""
        absolute = tuple(os.path.abspath(p) for p in paths)
        return cls(absolute, format, tuple(sorted(options.items())), tuple(_stamp(p) for p in absolute))

    def open(self) -> File:
        """Open the same files with the same reader; FormatError when one changed since."""
        from ._api import open as open_

        for path, stamp in zip(self.paths, self.stamps, strict=True):
            try:
                now = _stamp(path)
            except OSError as error:
                raise FormatError(f"it cannot be opened again here: {error.strerror}", path) from None
            if now != stamp:
                raise FormatError(
                    "it changed since it was opened (size or modification time differ): reading it"
                    " again would not give the same data",
                    path,
                )
        # The list of files opens exactly the files of the first opening, even of a glob.
        target: Any = self.paths[0] if len(self.paths) == 1 else list(self.paths)
        return open_(target, self.format, **dict(self.options))

    def token(self) -> str:
        """A short stable name for these files as they were (dask task names)."""
        return hashlib.sha1(repr(self).encode()).hexdigest()[:16]


@attrs.frozen
class Origin:
    """The address of a lazy array: the opened files, the Dataset's key, the member's path."""

    opened: Opened
    dataset: str
    member: tuple[str, ...]

    def resolve(self) -> LazyArray:
        """The array in this process, its file opened here once and kept open."""
        ds = reopened(self.opened)[self.dataset]
        kind = self.member[0]
        if kind == "frames" and ds.frames is not None:
            return ds.frames
        if kind == "spectra" and self.member[1] in ds.spectra:
            return ds.spectra[self.member[1]].counts
        raise FormatError(f"{'/'.join(self.member)} of {self.dataset} is not there when opened again", None)

    def token(self) -> str:
        """A short stable name for this array (dask task names)."""
        return hashlib.sha1(repr(self).encode()).hexdigest()[:16]


_open_files: OrderedDict[Opened, File] = OrderedDict()
_open_lock = threading.Lock()


def reopened(opened: Opened) -> File:
    """The File ``opened`` names, opened once in this process (a few kept, the oldest closed)."""
    with _open_lock:
        file = _open_files.pop(opened, None)
        if file is None or file.closed:
            file = opened.open()
        _open_files[opened] = file
        while len(_open_files) > _KEEP_OPEN:
            _open_files.popitem(last=False)[1].close()
        return file


def stamp_origins(file: File) -> None:
    """Give the frame stacks and spectra of ``file``'s Datasets their origin (as each is built)."""
    opened = getattr(file, "opened", None)
    if opened is None:
        return

    def stamp(ds: Dataset) -> None:
        if ds.frames is not None and ds.frames.origin is None:
            ds.frames.origin = Origin(opened, ds.key, ("frames",))
        for name, spectrum in ds.spectra.items():
            if spectrum.counts.origin is None:
                spectrum.counts.origin = Origin(opened, ds.key, ("spectra", name))

    file.each_dataset(stamp)


# -- conversions on a cluster -------------------------------------------------------------------


def client_for(scheduler: Any) -> tuple[Any, Callable[[], None]]:
    """A ``distributed.Client`` for ``scheduler`` (a Client, an address, "local"), and how to let go of it."""
    try:
        import distributed
    except ImportError as error:
        raise OptionError("a scheduler needs dask.distributed: pip install 'beamio[dask]'") from error
    if isinstance(scheduler, distributed.Client):
        return scheduler, lambda: None
    if not isinstance(scheduler, str) or not scheduler:
        raise OptionError(f"scheduler={scheduler!r}: give a distributed.Client, an address or 'local'")
    if scheduler == "local":
        cluster = distributed.LocalCluster(processes=True, dashboard_address=None)
        client = distributed.Client(cluster)

        def stop() -> None:
            client.close()
            cluster.close()

        return client, stop
    try:
        client = distributed.Client(scheduler)  # waits distributed.comm.timeouts.connect
    except OSError as error:
        raise ClusterError(f"scheduler {scheduler}: no Dask scheduler answers there ({error})") from None
    return client, client.close


Unit = tuple[Any, ...]


def _work(opened: Opened, unit: Unit) -> Any:
    """A task on a worker: the columns and spectra of one Dataset, or frames start:stop of one."""
    file = reopened(opened)
    ds = file[unit[1]]
    if unit[0] == "table":
        return (
            {name: np.asarray(column) for name, column in ds.columns.items()},
            {name: np.asarray(spectrum.counts) for name, spectrum in ds.spectra.items()},
        )
    assert ds.frames is not None
    return ds.frames[unit[2] : unit[3]]


class _Feed:
    """The tasks of a conversion, in the order the writer needs them, ``window`` of them in flight."""

    def __init__(self, client: Any, opened: Opened, plan: Iterator[Unit], window: int) -> None:
        self._client = client
        self._opened = opened
        self._plan = plan
        self._order: list[Unit] = []
        self._position: dict[Unit, int] = {}
        self._futures: dict[Unit, Any] = {}
        self._done: OrderedDict[Unit, Any] = OrderedDict()
        self._window = window

    def _extend(self) -> bool:
        unit = next(self._plan, None)
        if unit is None:
            return False
        self._position[unit] = len(self._order)
        self._order.append(unit)
        return True

    def _submit(self, unit: Unit) -> None:
        if unit not in self._futures and unit not in self._done:
            name = "-".join(str(part) for part in unit)
            key = f"beamio-read-{self._opened.token()}-{name}"
            self._futures[unit] = self._client.submit(_work, self._opened, unit, key=key)

    def get(self, unit: Unit) -> Any:
        """The result of ``unit``, the next units of the plan started meanwhile."""
        if unit in self._done:
            self._done.move_to_end(unit)
            return self._done[unit]
        while unit not in self._position and self._extend():
            pass
        start = self._position.get(unit, len(self._order))
        while len(self._order) < start + self._window and self._extend():
            pass
        self._submit(unit)
        for ahead in self._order[start : start + self._window]:
            self._submit(ahead)
        future = self._futures.pop(unit)
        try:
            result = future.result()
        except (BeamioError, OSError, MemoryError):
            raise
        except Exception as error:
            what = f"frames {unit[2]}:{unit[3]} of" if unit[0] == "frames" else "the columns and spectra of"
            raise ClusterError(
                f"{self._opened.paths[0]}: the Dask task reading {what} {unit[1]} failed:"
                f" {type(error).__name__}: {error}"
            ) from error
        self._done[unit] = result
        while len(self._done) > 4:  # a block of frames may span two units; a scan's table serves its spectra
            self._done.popitem(last=False)
        return result

    def cancel(self) -> None:
        """Drop the tasks still in flight (a failed or finished conversion)."""
        for future in self._futures.values():
            future.cancel()
        self._futures.clear()


def _frame_units(ds: Dataset) -> list[Unit]:
    """One unit per input file of a series (consecutive frames of one source), else ~64 MiB of frames."""
    frames = ds.frames
    if frames is None or not len(frames):
        return []
    sources = [frames.frame(j).source for j in range(len(frames))]
    units: list[Unit] = []
    if len(set(sources)) > 1:
        start = 0
        for j in range(1, len(sources) + 1):
            if j == len(sources) or sources[j] != sources[start]:
                units.append(("frames", ds.key, start, j))
                start = j
        return units
    per = max(1, _BLOCK_BYTES // max(1, frames.nbytes // len(frames)))
    return [("frames", ds.key, s, min(s + per, len(frames))) for s in range(0, len(frames), per)]


def distributed_view(file: File, client: Any) -> tuple[File, Callable[[], None]]:
    """A view of ``file`` whose columns, spectra and frames are read by the cluster's workers.

    Returns the view and a function that cancels the tasks still in flight.
    """
    from ._dataset import LazyDatasets, LazyMapping
    from ._file import File
    from ._frames import Frame, FrameStack
    from ._lazy import LazyArray

    opened = getattr(file, "opened", None)
    if opened is None:
        raise OptionError(f"{file.path} was not opened from files by beamio.open: no worker could read it")
    units_of: dict[int, list[Unit]] = {}

    def units(i: int) -> list[Unit]:
        if i not in units_of:
            ds = file[i]
            units_of[i] = [("table", ds.key), *_frame_units(ds)]
        return units_of[i]

    def plan() -> Iterator[Unit]:
        for i in range(len(file)):
            yield from units(i)

    workers = sum(client.nthreads().values()) or 1
    feed = _Feed(client, opened, plan(), window=2 * workers)

    def remote(i: int) -> Dataset:
        ds = file[i]
        table = ("table", ds.key)

        def columns() -> dict[str, Any]:
            return feed.get(table)[0]

        def counts(name: str, array: LazyArray) -> LazyArray:
            return LazyArray(array.shape, array.dtype, lambda key: feed.get(table)[1][name][key])

        spectra = {name: attrs.evolve(s, counts=counts(name, s.counts)) for name, s in ds.spectra.items()}
        changes: dict[str, Any] = {"columns": LazyMapping(columns), "spectra": spectra}
        stack = ds.frames
        if stack is not None:
            spans = [u for u in units(i) if u[0] == "frames"]
            unit_of = [0] * len(stack)
            for n, (_, _, start, stop) in enumerate(spans):
                unit_of[start:stop] = [n] * (stop - start)

            def frame_of(j: int, stack: FrameStack = stack) -> Frame:
                unit = spans[unit_of[j]]
                start = unit[2]
                original = stack.frame(j)

                def read(key: Any) -> np.ndarray:
                    index = (j - start, *key)
                    return feed.get(unit)[index]

                return original.read_through(LazyArray(original.shape, original.dtype, read))

            changes["frames"] = FrameStack.from_reader(
                len(stack), frame_of, stack.shape[1:], stack.dtype, name=stack.name
            )
        return attrs.evolve(ds, **changes)

    view = File(
        file.path,
        LazyDatasets(list(file), remote),
        header=file.header,
        format=file.format,
        diagnostics=file.diagnostics,
        guard=file.guard,
    )
    view.paths = file.paths
    return view, feed.cancel


def through_cluster(file: File, scheduler: Any) -> File:
    """``file`` itself without a scheduler; else its view read by the cluster's workers.

    Closing ``file`` cancels the tasks still in flight and lets go of the client
    (and of the cluster, for ``"local"``).
    """
    if scheduler is None:
        return file
    client, release = client_for(scheduler)
    file.add_closer(release)
    try:
        view, cancel = distributed_view(file, client)
    except BaseException:
        file.close()
        raise
    file.add_closer(cancel)
    return view
