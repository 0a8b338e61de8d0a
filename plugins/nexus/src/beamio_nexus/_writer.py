"""NexusWriter: one NXentry per Dataset, in the layout ESRF tools read (DESIGN.md §5).

::

    /                      NXroot  @default @file_name @file_time @creator @HDF5_Version
      file_header          NXcollection: the source file's header, entry by entry
      <entry>              NXentry @default="plot"
        title, start_time, end_time          scalar strings
        header             NXcollection: the Dataset's header (keys, values, raw lines, rows), even empty
        instrument         NXinstrument
          positioners      NXcollection: one dataset per motor
          <image>          NXdetector: data (@interpretation="image"), header/<key> per frame
          mca_0 …          NXdetector: data (@interpretation="spectrum"), channels, calibration, times
        measurement        NXcollection: every counter; links to detector data, <name>_info links
        sample             NXsample (unit_cell and ub_matrix from SPEC #G1 / #G3 lines of numbers)
        plot               NXdata @signal @axes (a scan: first column against the last)

Names that are not valid NeXus names are mapped (:func:`nexus_name`), the original
kept in ``@original_name``. Stacks are written in blocks of whole chunks, read one
block at a time from the source, so memory stays bounded.

What NeXus has no place for is kept in plain HDF5 for the way back (``_restore.py``
reads it): a header as four parallel datasets (:func:`write_header`); a frame's
header as one dataset of text per key, a value per frame (``@absent``, ``@occurrence``,
``order``: :func:`_frame_headers`). What HDF5's strings cannot hold — a value that
is not text, text holding NUL — is written as JSON text, and said so: ``@json``
lists those values (on a header's group, the entries of ``values``; on any other
dataset, its own elements, flattened: ``[0]`` for a scalar such as ``title``), and
an attribute whose text holds NUL (the ``@original_name`` of such a name) is
written as ``@<name>_json`` instead. Plain text stays plain text.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar

import h5py
import numpy as np

import beamio
from beamio import Dataset, File, FormatWriter, Header, LazyArray, Option, Spectrum, Target
from beamio.errors import FormatError, OptionError, TargetExistsError, UnsupportedOperation

from ._layout import CHUNK_POLICIES, chunk_shape, compression_arguments, slabs
from ._link import LINK_MODES, Linker
from ._write_tree import Group, json_texts, set_attr

__all__ = ["NexusWriter", "write_header"]


def _check_chunks(value: Any) -> None:
    if isinstance(value, (tuple, list)):
        if not value or not all(isinstance(c, int) and c > 0 for c in value):
            raise ValueError("a chunk shape is positive integers, one per axis")
    elif value not in CHUNK_POLICIES:
        raise ValueError(f"expected one of {', '.join(CHUNK_POLICIES)} or a shape")


def _check_compression(value: Any) -> None:
    compression_arguments(value, None)  # a filter that is not installed is said before writing


def _check_level(value: Any) -> None:
    if value is not None and not 0 <= value <= 22:
        raise ValueError("a compression level is 0 to 9 for gzip (0 to 22 for zstd)")


def _check_group(value: Any) -> None:
    if value is not None and not str(value).startswith("/"):
        raise ValueError("the group is an absolute HDF5 path, like /scan_7")


class NexusWriter(FormatWriter):
    """Writes NeXus HDF5: one NXentry per Dataset, chunked by role, optionally compressed."""

    options: ClassVar[dict[str, Option]] = {
        "chunks": Option(
            "frame",
            (str, tuple, list),
            "image stacks: frame (a frame per chunk), spectrum (a pixel's spectrum per chunk),"
            " balanced, or a chunk shape",
            check=_check_chunks,
        ),
        "compression": Option(
            None, str, "compress stacks and spectra: gzip (with shuffle), or bitshuffle, lz4, zstd, blosc2"
            " (hdf5plugin)", check=_check_compression,
        ),
        "compression_level": Option(None, int, "gzip 0-9 (default 4), zstd 1-22", check=_check_level),
        "append": Option(False, bool, "add the Datasets as new entries of an existing file"),
        "group": Option(None, str, "write the entries under this group (created if missing): /scan_7",
                        check=_check_group),
        "replace_entries": Option(False, bool, "when appending, replace entries of the same name"),
        "link": Option(False, (bool, str), "image stacks reference the frames in their files (HDF5 external"
                       " storage), no copy: True, or 'auto' to copy the frames that cannot be",
                       choices=LINK_MODES),
        "relative": Option(False, bool, "linked files named relative to the HDF5 file (readers then need"
                           " HDF5_EXTFILE_PREFIX='${ORIGIN}')"),
    }  # fmt: skip

    def write(self, file: File, target: Target) -> None:
        """Write each Dataset as an NXentry of ``target.temp`` (to append: a copy of the old file)."""
        compression = compression_arguments(self.settings["compression"], self.settings["compression_level"])
        if self.settings["relative"] and not self.settings["link"]:
            raise OptionError("relative=True is for linked stacks: give link=True or link='auto' with it")
        folder = os.path.dirname(os.path.abspath(target.path)) if self.settings["relative"] else None
        linker = Linker(self.settings["link"], folder) if self.settings["link"] else None
        appending = bool(self.settings["append"]) and target.path.exists()
        if appending:
            shutil.copyfile(target.path, target.temp)
        with h5py.File(target.temp, "a" if appending else "w", track_order=True) as h5:
            parent = h5.require_group(self.settings["group"]) if self.settings["group"] else h5
            if not appending:
                _root_attributes(h5, target)
                if file.header.entries:
                    write_header(Group.of(h5), "file_header", file.header)
            entries = Group.of(parent)
            for i in range(len(file)):  # one Dataset at a time: a file's scans are not all held
                ds = file[i]
                name = self._entry_name(parent, entries, ds.key, target.path)
                entry = _Entry(self, entries.group(name), ds, compression, linker)
                if name != ds.key:
                    entry.group.attr("original_name", ds.key)
                entry.write()
                if i == 0:  # the first entry sets @default up the tree; later ones find it set
                    _default_chain(h5py.Group(entry.group.id))
        if linker is not None:
            target.notes.extend(linker.report())

    def _entry_name(self, parent: h5py.Group, entries: Group, key: str, path: os.PathLike[str]) -> str:
        """The entry's name: its key made valid; an existing entry of that name replaced only if asked.

        Two keys of one valid name ("a b", "a_b") are two entries (``a_b``, ``a_b_2``): the
        names of this write are unique among themselves; only an entry the file held
        before is replaced. ``path`` is the file the user named (the writer writes a temporary copy).
        """
        name = entries.valid_name(key)
        if name in parent:
            if not self.settings["replace_entries"]:
                raise TargetExistsError(
                    f"{os.fspath(path)}: entry {parent.name.rstrip('/')}/{name} exists;"
                    " pass replace_entries=True to replace it"
                )
            del parent[name]
        return name


def _default_chain(entry: h5py.Group) -> None:
    """@default from the root down to ``entry`` where a group has none yet (the first entry wins)."""
    node = entry
    while node.name != "/":
        parent = node.parent
        if "default" not in parent.attrs:
            parent.attrs["default"] = node.name.rsplit("/", 1)[-1]
        node = parent


def _root_attributes(h5: h5py.File, target: Target) -> None:
    h5.attrs["NX_class"] = "NXroot"
    h5.attrs["file_name"] = os.path.basename(target.path)
    h5.attrs["file_time"] = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    h5.attrs["creator"] = f"beamio {beamio.__version__}"
    h5.attrs["HDF5_Version"] = h5py.version.hdf5_version
    h5.attrs["h5py_version"] = h5py.version.version


def write_header(parent: Group, name: str, header: Header) -> Group:
    """A Header as an NXcollection of four parallel datasets: keys, values, raw lines, rows.

    ``raw`` holds each entry's source text verbatim (a SPEC line, an EDF ``key = value``);
    values that are not text are JSON (``@json`` lists which); ``rows`` is -1 where None;
    ``has_raw``, when present, says which entries had source text at all.
    """
    group = parent.group(name, "NXcollection")
    entries = header.entries
    values, encoded = json_texts(e.value for e in entries)
    group.texts("keys", [e.key for e in entries])
    group.texts("values", values)
    group.texts("raw", [e.raw or "" for e in entries])
    group.dataset("rows", np.array([-1 if e.row is None else e.row for e in entries], np.int64))
    if any(e.raw is None for e in entries):  # else every entry has its source text
        group.dataset("has_raw", np.array([e.raw is not None for e in entries], np.bool_))
    if encoded:  # on the group, not on ``values``: where the first files put it
        group.attr("json", np.array(encoded, np.int64))
    if header.origin:
        group.attr("origin", header.origin)
    return group


class _Entry:
    """One Dataset written as one NXentry."""

    def __init__(
        self,
        writer: NexusWriter,
        group: Group,
        ds: Dataset,
        compression: dict[str, Any],
        linker: Linker | None,
    ):
        self.writer, self.group, self.ds, self.compression = writer, group, ds, compression
        self.linker = linker
        # Model name → path of what measurement holds: a column and a detector may share a name.
        self.measured: dict[str, str] = {}  # columns
        self.detected: dict[str, str] = {}  # frame stacks and spectra
        self.energies: dict[str, str] = {}  # spectrum name → path of its energy axis

    def write(self) -> None:
        ds, group = self.ds, self.group
        group.attr("NX_class", "NXentry")
        group.dataset("title", ds.title)
        for name in ("start_time", "end_time"):
            value = getattr(ds, name)
            if value is not None:  # an empty time too: it comes back as it was, not as None
                group.dataset(name, value)
        # Even empty: an entry without ``header`` reads as another program's, its attributes as header.
        write_header(group, "header", ds.header)
        instrument = group.group("instrument", "NXinstrument")
        positioners = instrument.group("positioners", "NXcollection")
        for name, value in ds.positioners.items():
            _named(positioners, name, value)
        measurement = group.group("measurement", "NXcollection")
        for name, values in ds.columns.items():
            self.measured[name] = measurement.path_of(_named(measurement, name, values))
        if ds.frames is not None:
            self._frames(instrument, measurement)
        for name, spectrum in ds.spectra.items():
            self._spectrum(instrument, measurement, name, spectrum)
        for name, values in ds.instrument.items():
            _mapping(instrument, name, values)
        self._sample()
        self._plot()

    def _frames(self, instrument: Group, measurement: Group) -> None:
        frames = self.ds.frames
        assert frames is not None
        name = frames.name or "image"
        detector = instrument.group(instrument.valid_name(name), "NXdetector", name)
        interpretation = "spectrum" if frames.ndim == 2 else "image"
        data = None
        if self.linker is not None and frames.shape[0]:
            data = self.linker.stack(detector, "data", frames, self._stack)
        if data is None:
            data = self._stack(detector, "data", frames)
        set_attr(data.id, "interpretation", interpretation)
        headers = [frame.header for frame in frames] if frames.shape[0] else []
        if any(h.entries for h in headers):
            _frame_headers(detector, headers)
        self._measure(measurement, detector, name, data)

    def _spectrum(self, instrument: Group, measurement: Group, name: str, spectrum: Spectrum) -> None:
        detector = instrument.group(instrument.valid_name(name), "NXdetector", name)
        data = self._stack(detector, "data", spectrum.counts, spectra=True)
        set_attr(data.id, "interpretation", "spectrum")
        channels = detector.dataset("channels", np.asarray(spectrum.channels))
        if spectrum.channels_ is None:
            set_attr(channels, "default", True)  # 0..n-1: the source gave none
        calibration = spectrum.calibration
        detector.dataset("calibration", np.array([calibration.a, calibration.b, calibration.c]))
        detector.dataset("energy", spectrum.energy)
        self.energies[name] = detector.path_of("energy")
        for time in ("preset_time", "live_time", "real_time"):
            value = getattr(spectrum, time)
            if value is not None:
                detector.dataset(time, value)
        if spectrum.start_time is not None:
            detector.dataset("start_time", spectrum.start_time)
        if spectrum.rois:
            rois = detector.group("roi", "NXcollection")
            for roi in spectrum.rois:
                _named(rois, roi.name, [roi.first, roi.last])
        if spectrum.header.entries:
            write_header(detector, "header", spectrum.header)
        self._measure(measurement, detector, name, data)

    def _measure(self, measurement: Group, detector: Group, name: str, data: h5py.Dataset) -> None:
        """measurement/<name> → the detector's data, measurement/<name>_info → the detector."""
        link = measurement.valid_name(name)
        measurement.link(link, data.name)
        measurement.link(measurement.valid_name(f"{link}_info"), detector.path)
        self.detected[name] = measurement.path_of(link)

    def _policy(self, where: str, shape: tuple[int, ...], spectra: bool) -> Any:
        """The chunk policy of a stack: the option's, but spectra keep a spectrum per chunk.

        An explicit chunk shape is for the image stacks; one of another rank is an error.
        """
        policy = self.writer.settings["chunks"]
        if spectra and (policy in ("spectrum", "balanced") or isinstance(policy, (tuple, list))):
            return "frame"
        if isinstance(policy, (tuple, list)) and len(policy) != len(shape):
            raise UnsupportedOperation(
                f"chunks={tuple(policy)} has {len(policy)} axes, but the stack {where} has"
                f" {len(shape)} axes {shape}: give a chunk shape of its rank"
            )
        return policy

    def _stack(self, parent: Group, name: str, source: Any, *, spectra: bool = False) -> h5py.Dataset:
        """A stack written block by block, each block whole chunks, read from the source as it goes."""
        shape, dtype = tuple(source.shape), np.dtype(source.dtype)
        policy = self._policy(f"{parent.path}/{name}", shape, spectra)
        chunks = chunk_shape(shape, dtype.itemsize, policy) if shape else None
        storage = {} if chunks is None and not self.compression else {"chunks": chunks, **self.compression}
        dataset = parent.stack(name, shape, dtype, **storage)
        if not shape:
            dataset[()] = np.asarray(source[()] if isinstance(source, LazyArray) else source)
            return dataset
        raw = dataset.chunks is not None and dataset.dtype.kind in "biufc"
        if raw and not self.compression:
            _write_raw(dataset, _chunks_of(dataset, source))
        elif raw and self.compression.get("compression") == "gzip":
            level = int(self.compression["compression_opts"])
            _write_raw(dataset, _chunks_of(dataset, source), _gzip(level, dataset.dtype.itemsize))
        else:  # the hdf5plugin filters: through HDF5's own pipeline
            for block in slabs(shape, dataset.chunks, dtype.itemsize):
                dataset[block] = np.asarray(source[block])
        return dataset

    def _sample(self) -> None:
        sample = dict(self.ds.sample)
        cell, ub = _numbers(self.ds.header, "G1"), _numbers(self.ds.header, "G3")
        if len(cell) >= 6 and "unit_cell" not in sample:
            sample["unit_cell"] = np.array(cell[:6])
        if len(ub) >= 9 and "ub_matrix" not in sample:
            sample["ub_matrix"] = np.array(ub[:9]).reshape(3, 3)
        if sample:
            _mapping(self.group, "sample", sample, "NXsample")

    def _plot(self) -> None:
        """NXdata ``plot``: the Dataset's own plot, else a scan's first column against its last."""
        signal, axes = self._plot_members()
        if signal is None:
            return
        plot = self.group.group("plot", "NXdata")
        names: list[str] = []
        for path in [signal, *[a for a in axes if a]]:
            name = plot.valid_name(path.rsplit("/", 1)[-1])
            plot.link(name, path)
            names.append(name)
        plot.attr("signal", names[0])
        axis_names = iter(names[1:])
        labels = [next(axis_names) if axis else "." for axis in axes]
        if labels:
            plot.attr("axes", np.array(labels, dtype=object))
        for dimension, label in enumerate(labels):
            if label != ".":
                plot.attr(f"{label}_indices", np.int64(dimension))
        if self.ds.title:
            plot.attr("title", self.ds.title)
        self.group.attr("default", "plot")

    def _plot_members(self) -> tuple[str | None, list[str | None]]:
        """Paths in this file of the plot's signal and axes (None for an axis without coordinates)."""
        ds = self.ds
        if ds.plot is not None:
            signal = self._path_of(ds.plot.signal)
            if signal is not None:
                return signal, [self._path_of(a) if a else None for a in ds.plot.axes]
        columns = list(ds.columns)
        if len(columns) >= 2:
            return self.measured[columns[-1]], [self.measured[columns[0]]]
        if len(columns) == 1:
            return self.measured[columns[0]], []
        if ds.frames is not None:
            return self.detected.get(ds.frames.name or "image"), []
        if ds.spectra:  # counts against energy (points × channels: the points have no axis)
            name, spectrum = next(iter(ds.spectra.items()))
            return self.detected[name], [None] * (spectrum.counts.ndim - 1) + [self.energies[name]]
        return None, []

    def _path_of(self, view_path: str) -> str | None:
        """Where a path-view path (``/1.1/measurement/det``) was written, when it is measured data."""
        last = view_path.rstrip("/").rsplit("/", 1)[-1]
        return self.measured.get(last) or self.detected.get(last)


def _numbers(header: Header, key: str) -> list[float]:
    """The numbers of a SPEC lattice line (#G1, #G3); none where it is absent or not numbers.

    A line of words ("not measured") stays in the header as it is; it only makes no
    ``unit_cell`` or ``ub_matrix``.
    """
    try:
        return list(header.get_floats(key, []))
    except FormatError:
        return []


def _chunks_of(dataset: h5py.Dataset, source: Any) -> Iterator[tuple[tuple[int, ...], np.ndarray]]:
    """Each chunk of the stack (its offset, its values in the file's type), read a block at a time.

    A chunk that overhangs the dataset's edge is padded to its full size, as HDF5 stores it.
    """
    chunks = dataset.chunks
    for block in slabs(dataset.shape, chunks, dataset.dtype.itemsize):
        data = np.asarray(np.asarray(source[block]), dtype=dataset.dtype)  # in the file's byte order
        starts = [b.start for b in block] + [0] * (data.ndim - len(block))
        counts = [-(-n // c) for n, c in zip(data.shape, chunks, strict=True)]
        for index in np.ndindex(*counts):
            low = [i * c for i, c in zip(index, chunks, strict=True)]
            part = data[tuple(slice(lo, lo + c) for lo, c in zip(low, chunks, strict=True))]
            if part.shape != chunks:
                full = np.zeros(chunks, dataset.dtype)
                full[tuple(slice(0, n) for n in part.shape)] = part
                part = full
            yield tuple(s + lo for s, lo in zip(starts, low, strict=True)), np.ascontiguousarray(part)


def _write_raw(
    dataset: h5py.Dataset,
    chunks: Iterator[tuple[tuple[int, ...], np.ndarray]],
    encode: Callable[[np.ndarray], bytes] | None = None,
) -> None:
    """Write chunks as HDF5 stores them, encoded (compressed) on every core when there is a filter.

    ``dataset[block] = data`` goes through HDF5's type conversion, chunk cache and
    filters on one core: twice the time of a file copy for a stack of frames, and
    compression on one core. A raw chunk is one write; encoding runs in a thread pool
    (zlib releases the GIL), a few chunks ahead of the writes, which stay in order.
    """
    if encode is None:
        for offset, part in chunks:
            dataset.id.write_direct_chunk(offset, part)
        return
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(workers) as pool:
        pending: deque[tuple[tuple[int, ...], Future[bytes]]] = deque()
        for offset, part in chunks:
            pending.append((offset, pool.submit(encode, part)))
            if len(pending) > 2 * workers:
                done, payload = pending.popleft()
                dataset.id.write_direct_chunk(done, payload.result())
        for done, payload in pending:
            dataset.id.write_direct_chunk(done, payload.result())


def _gzip(level: int, itemsize: int) -> Callable[[np.ndarray], bytes]:
    """HDF5's shuffle then deflate filters, as h5py's ``compression="gzip", shuffle=True`` applies them."""

    def encode(part: np.ndarray) -> bytes:
        data = part.reshape(-1).view(np.uint8)
        if itemsize > 1:  # shuffle: the first byte of every value, then every second byte, …
            data = np.ascontiguousarray(data.reshape(-1, itemsize).T)
        return zlib.compress(data.data, level)

    return encode


def _named(group: Group, name: str, value: Any) -> str:
    """``value`` written under ``name`` made a valid NeXus name (the original in ``@original_name``).

    A scalar or array keeps its own type (an int32 stays a scalar int32); text is UTF-8.
    Returns the name written.
    """
    written = group.valid_name(name)
    group.dataset(written, value.read() if isinstance(value, LazyArray) else value, original=name)
    return written


def _mapping(parent: Group, name: str, values: Any, nx_class: str = "NXcollection") -> None:
    """A nested mapping as groups of datasets (instrument parameters, mnemonics, a sample)."""
    if not isinstance(values, Mapping):
        _named(parent, name, values)
        return
    group = parent.group(parent.valid_name(name), nx_class, name)
    for key, value in values.items():
        _mapping(group, str(key), value)


#: A frame without the key: its place in the key's dataset holds "" and is listed in ``@absent``.
_ABSENT = object()
#: Names in a frame header group that the reader reads otherwise: ``order``, and ``keys`` with
#: ``raw`` (a stored Header's). A key of such a name is stored as ``order_2`` …, like a taken name.
_FRAME_HEADER_NAMES = ("order", "keys", "raw")


def _frame_headers(detector: Group, headers: list[Header]) -> None:
    """Per-frame headers, one dataset per key (a value per frame; ``@absent`` lists frames without it).

    Values that are not text are JSON, ``@json`` listing the frames that hold one.
    A key repeated within a frame is stored as its own dataset (``key_2``…) with
    ``@original_name`` and ``@occurrence``; ``order`` in the group gives each
    frame's keys in its own order, so every frame's header comes back as it was.
    """
    group = detector.group("header", "NXcollection")
    group.names.update(_FRAME_HEADER_NAMES)
    columns: dict[tuple[str, int], list[Any]] = {}
    orders: list[list[int]] = []
    slots: dict[tuple[str, int], int] = {}
    for i, header in enumerate(headers):
        seen: dict[str, int] = {}
        order = []
        for entry in header.entries:
            occurrence = seen.get(entry.key, 0)
            seen[entry.key] = occurrence + 1
            slot = (entry.key, occurrence)
            if slot not in columns:
                columns[slot] = [_ABSENT] * len(headers)
                slots[slot] = len(slots)
            columns[slot][i] = entry.value
            order.append(slots[slot])
        orders.append(order)
    for (key, occurrence), values in columns.items():
        name = group.valid_name(key if occurrence == 0 else f"{key}_{occurrence + 1}")
        dataset = group.texts(name, ["" if v is _ABSENT else v for v in values], original=key)
        if occurrence:
            set_attr(dataset, "occurrence", occurrence)
        absent = [i for i, v in enumerate(values) if v is _ABSENT]
        if absent:
            set_attr(dataset, "absent", np.array(absent, np.int64))
    if any(order != sorted(order) for order in orders):  # else: each frame's keys in storage order
        group.dataset("order", json.dumps(orders))
