"""Image stacks referenced in place: HDF5 external storage over the frames' own files.

An uncompressed EDF data block is raw values at a known offset, in a known byte
order: what HDF5 calls external storage, a list of (file, offset, size) segments
behind a contiguous dataset. With ``link=True`` the NeXus writer writes each image
stack so: no byte is copied, and any HDF5 reader (h5py, silx, h5dump) reads the EDF
values, in the EDF's byte order. ``link="auto"`` copies the frames that cannot be
referenced (compressed, or of another byte order than the first) and links the rest.

Layout. One HDF5 object-header message holds at most 64 KiB: an external file list
of about 2 700 segments. A stack of at most :data:`MAX_SEGMENTS` segments is one
external dataset; a longer one, or one of linked and copied frames, is a virtual
dataset over parts (``<detector>/data_parts/linked_0``, ``copied_1`` …), whose
virtual sources name ``.`` (this file).

Paths are absolute unless ``relative=True``, which writes them relative to the HDF5
file's folder. HDF5 resolves a relative name against the working directory unless it
is given a prefix: start plain readers with ``HDF5_EXTFILE_PREFIX='${ORIGIN}'`` (the
HDF5 file's folder), or from that folder. beamio's reader does it itself.

For the way back, ``<detector>/linked_files`` (NXcollection) records each referenced
file: ``name`` as the segments name it, ``size`` in bytes and ``mtime_ns``; every
dataset that references them names that group in ``@linked_files``, and beamio's
reader compares them with the files when it opens the stack (:mod:`._read_link`).
Plain HDF5 readers cannot know: they read whatever the files hold now.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from itertools import groupby
from typing import Any

import attrs
import h5py
import numpy as np

from beamio import Extent, FrameStack
from beamio.errors import FormatError, UnsupportedOperation

from ._write_tree import Group, set_attr

__all__ = ["LINK_MODES", "MAX_SEGMENTS", "RECORD", "Linker", "changed", "segments"]

LINK_MODES = (False, True, "auto")
#: Segments of one external dataset: 2 048 × 24 bytes stay well within an object header's 64 KiB.
MAX_SEGMENTS = 2048
#: The record's name beside the stack, and the attribute that points at it.
RECORD = "linked_files"


@attrs.frozen
class _Placed:
    """One frame of a stack: where its values are (None: to be copied), or why they cannot be linked."""

    extent: Extent | None
    source: str
    why: str = ""


def segments(extents: list[Extent], name_of: Callable[[str], str]) -> list[tuple[str, int, int]]:
    """HDF5 external segments (name, offset, size) of consecutive extents, adjacent ones merged."""
    out: list[tuple[str, int, int]] = []
    last: Extent | None = None
    for extent in extents:
        name = name_of(extent.path)
        if last is not None and out[-1][0] == name and last.end == extent.offset:
            out[-1] = (name, out[-1][1], out[-1][2] + extent.nbytes)
        else:
            out.append((name, extent.offset, extent.nbytes))
        last = extent
    return out


class _Rows:
    """Frames ``start:stop`` of a stack in ``dtype``: the source of a copied part."""

    def __init__(self, stack: FrameStack, start: int, stop: int, dtype: np.dtype) -> None:
        self.stack, self.start, self.dtype = stack, start, dtype
        self.shape = (stop - start, *stack.shape[1:])

    def __getitem__(self, key: tuple[slice, ...]) -> np.ndarray:
        first = key[0]
        rows = slice(first.start + self.start, first.stop + self.start)
        index = (rows, *key[1:])
        return np.asarray(self.stack[index], self.dtype)


class Linker:
    """Links the image stacks of one write and keeps what it did, for the closing report.

    ``mode`` is ``True`` (every frame linked, else an error naming the first that
    cannot be) or ``"auto"``; ``folder`` is the HDF5 file's folder when names are
    written relative to it.
    """

    def __init__(self, mode: bool | str, folder: str | None) -> None:
        self.mode, self.folder = mode, folder
        self.linked: dict[str, int] = {}  # file → frames referenced in it
        self.copied: dict[str, str] = {}  # file → why its frames were copied
        self._stamps: dict[str, tuple[int, int]] = {}  # file → (size, mtime_ns) recorded

    def name_of(self, path: str) -> str:
        """The name a segment gives a file: absolute, or relative to the HDF5 file's folder."""
        if self.folder is None:
            return path
        try:  # through the links (``..`` after a symbolic link is the link target's parent)
            return os.path.relpath(os.path.realpath(path), os.path.realpath(self.folder))
        except ValueError:  # another drive (Windows): only an absolute name reaches it
            return path

    def _placed(self, stack: FrameStack) -> list[_Placed]:
        """Each frame's extent, or why it is copied; with ``mode=True`` an error at the first of those."""
        placed: list[_Placed] = []
        reference: Extent | None = None
        for i in range(len(stack)):
            frame = stack.frame(i)
            extent, source = frame.extent, frame.source or "?"
            why = frame.not_in_place or "its values are not stored in a file as they are"
            if extent is not None:
                reference = reference or extent
                if extent.dtype != reference.dtype:
                    why = (
                        f"its values are {_described(extent.dtype)}, those of {reference.path} are"
                        f" {_described(reference.dtype)}: one external dataset has one type"
                    )
                    extent = None
                elif extent.shape != tuple(stack.shape[1:]):
                    why = f"its values are {extent.shape}, the stack's frames {stack.shape[1:]}"
                    extent = None
            if extent is None and self.mode is True:
                raise UnsupportedOperation(
                    f"{source}, frame {frame.index}: cannot be linked in place: {why}."
                    " link='auto' (--link=auto) copies such frames and links the rest"
                )
            placed.append(_Placed(extent, source, "" if extent is not None else why))
        return placed

    def stack(
        self, detector: Group, name: str, frames: FrameStack, copy: Callable[[Group, str, Any], h5py.Dataset]
    ) -> h5py.Dataset | None:
        """The stack written as references to its frames' files; None when no frame can be referenced.

        ``copy(group, name, source)`` writes frames that are copied, as the writer
        writes any stack (its chunks and compression).
        """
        placed = self._placed(frames)
        for place in placed:
            if place.extent is None:
                self.copied.setdefault(place.source, place.why)
        linked = [p.extent for p in placed if p.extent is not None]
        if not linked:
            return None
        runs = [
            (is_linked, list(run))
            for is_linked, run in groupby(enumerate(placed), lambda p: p[1].extent is not None)
        ]
        for extent in linked:
            self.linked[extent.path] = self.linked.get(extent.path, 0) + 1
        record = self._record(detector, linked)
        whole = segments(linked, self.name_of)
        if len(runs) == 1 and len(whole) <= MAX_SEGMENTS:
            data = detector.stack(name, frames.shape, linked[0].dtype, external=whole)
            set_attr(data.id, RECORD, record)
            return data
        parts = detector.group(f"{name}_parts", "NXcollection")
        layout = h5py.VirtualLayout(frames.shape, linked[0].dtype)
        for start, stop, part in self._parts(parts, frames, runs, record, copy):
            layout[start:stop] = h5py.VirtualSource(".", part.name, shape=part.shape, dtype=part.dtype)
        data = detector.virtual(name, layout)
        set_attr(data.id, RECORD, record)
        return data

    def _parts(
        self,
        parts: Group,
        frames: FrameStack,
        runs: list[tuple[bool, list[tuple[int, _Placed]]]],
        record: str,
        copy: Callable[[Group, str, Any], h5py.Dataset],
    ) -> Iterator[tuple[int, int, h5py.Dataset]]:
        """Each part of a stack (its first frame, the frame after its last, the dataset written)."""
        dtype = next(p.extent.dtype for _, run in runs for _, p in run if p.extent is not None)
        count = 0
        for is_linked, run in runs:
            first = run[0][0]
            if not is_linked:
                stop = first + len(run)
                yield first, stop, copy(parts, f"copied_{count}", _Rows(frames, first, stop, dtype))
                count += 1
                continue
            pieces = _pieces([p.extent for _, p in run if p.extent is not None], self.name_of)
            for offset, extents, pieces_segments in pieces:
                shape = (len(extents), *frames.shape[1:])
                part = parts.stack(f"linked_{count}", shape, dtype, external=pieces_segments)
                set_attr(part.id, RECORD, record)
                count += 1
                yield first + offset, first + offset + len(extents), part

    def _record(self, detector: Group, extents: list[Extent]) -> str:
        """``<detector>/linked_files``: each referenced file's name, size and modification time.

        The size and time are those the reader saw (``Extent.stamp``): a file changed
        since it was opened holds other bytes at the offsets, an error naming it.
        """
        files = {e.path: e.stamp for e in extents}
        for path, seen in files.items():
            if path not in self._stamps:
                status = os.stat(path)
                how = changed(seen, status) if seen is not None else None
                if how is not None:
                    raise FormatError(
                        f"it changed since it was opened ({how}): its frames would be linked at"
                        " offsets that no longer hold them; open it again",
                        path,
                    )
                self._stamps[path] = seen or (status.st_size, status.st_mtime_ns)
        record = detector.group(RECORD, "NXcollection")
        record.texts("name", [self.name_of(p) for p in files])
        record.dataset("size", np.array([self._stamps[p][0] for p in files], np.int64))
        record.dataset("mtime_ns", np.array([self._stamps[p][1] for p in files], np.int64))
        return record.path

    def report(self) -> list[str]:
        """What was linked and what copied, in a few lines for the closing report."""
        lines = []
        if self.linked:
            frames = sum(self.linked.values())
            lines.append(
                f"linked {frames} frame{'s' * (frames != 1)} in place from {len(self.linked)}"
                f" file{'s' * (len(self.linked) != 1)}"
                + (" (names relative to the HDF5 file: read with HDF5_EXTFILE_PREFIX='${ORIGIN}')"
                   if self.folder is not None else "")
            )  # fmt: skip
        if self.copied:
            lines.append(f"copied the frames of {len(self.copied)} file{'s' * (len(self.copied) != 1)}:")
            lines.extend(f"  {source}: {why}" for source, why in self.copied.items())
        return lines


def _pieces(
    extents: list[Extent], name_of: Callable[[str], str]
) -> list[tuple[int, list[Extent], list[tuple[str, int, int]]]]:
    """A run of linked frames cut into parts of at most :data:`MAX_SEGMENTS` segments each."""
    out: list[tuple[int, list[Extent], list[tuple[str, int, int]]]] = []
    start = 0
    while start < len(extents):
        stop = min(len(extents), start + MAX_SEGMENTS)  # merged segments are fewer, never more
        chosen = extents[start:stop]
        out.append((start, chosen, segments(chosen, name_of)))
        start = stop
    return out


def _described(dtype: np.dtype) -> str:
    """A dtype in words: ``uint16, big-endian``."""
    order = {">": "big-endian", "<": "little-endian"}.get(dtype.str[0], "")
    return f"{dtype.name}, {order}" if order else dtype.name


# -- reading ---------------------------------------------------------------------------------


def changed(then: tuple[int, int], now: os.stat_result) -> str | None:
    """How a file differs from its recorded (size, mtime in ns), in words; None when it does not."""
    if (now.st_size, now.st_mtime_ns) == then:
        return None
    return (
        f"it was {then[0]} bytes modified {_when(then[1])},"
        f" it is {now.st_size} bytes modified {_when(now.st_mtime_ns)}"
    )


def _when(ns: int) -> str:
    """A modification time as people read it, to the microsecond."""
    seconds, rest = divmod(ns, 1_000_000_000)
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) + f".{rest // 1000:06d}"
