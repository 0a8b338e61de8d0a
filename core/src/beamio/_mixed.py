"""Mixed series: files of several formats (some .edf, some .cbf) opened as one stack of frames.

``beamio.open`` detects the first file of a series as it detects any file. When a
later file is not of that format, every file is detected on its own, the files of
each format are read by that format's reader (together, as a series, when the
format opens series), and their frames are stacked in the order the files were
given. Any format whose Datasets hold frames takes part.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import attrs

from ._dataset import Dataset
from ._detect import ask, rank
from ._diagnostics import Diagnostics
from ._file import File
from ._frames import Frame, FrameStack
from ._guard import Guard
from ._source import Head, read_head
from .errors import FormatError, NoFormatMatched

if TYPE_CHECKING:
    from ._registry import FormatEntry, Registry

__all__ = ["formats_of", "open_mixed"]

#: The head read to ask a later file of a series whether it is of the first file's format:
#: enough for every sniffer's signature, little for thousands of files.
_SNIFF_SIZE = 4096

#: Reads the files (one, or a series of one format) with the format's reader, diagnostics to a log.
ReadFiles = Callable[["FormatEntry", list[str], Diagnostics], File]


def _accepts(registry: Registry, entry: FormatEntry, head: Head) -> bool:
    """Whether ``entry``'s sniffer takes the file of ``head`` (one that raises is skipped, said)."""
    return ask(registry, entry, head) is None


def _format_of(registry: Registry, path: str, preferred: Sequence[str], first: FormatEntry) -> FormatEntry:
    """The format of one file of a series, detected on its own; NoFormatMatched naming it."""
    head = read_head(path)
    asked = []
    for entry, _ in rank(registry.entries_in_use(), head, preferred):
        if _accepts(registry, entry, head):
            return entry
        asked.append(entry.spec.name)
    raise NoFormatMatched(
        f"no installed format reads this file of the series (asked: {', '.join(asked) or 'none'});"
        f" its first file is {first.spec.name}",
        path,
    )


def formats_of(
    registry: Registry,
    paths: Sequence[str],
    first: FormatEntry,
    preferred: Callable[[str], Sequence[str]],
    heads: dict[str, Head] | None = None,
) -> list[FormatEntry] | None:
    """Each file's format when a file of the series is not of the first file's ``first`` (else None).

    A file the first format's sniffer takes is of that format; any other is detected
    on its own, as :func:`beamio.open` detects a file. The heads read on the way are
    left in ``heads``, for the reader.
    """
    formats = [first]
    for path in paths[1:]:
        head = read_head(path, _SNIFF_SIZE)
        if heads is not None:
            heads[path] = head
        # An empty file (a detector still writing) is left to the first format's reader to forgive.
        if not head.data or _accepts(registry, first, head):
            formats.append(first)
        else:
            formats.append(_format_of(registry, path, preferred(path), first))
    return formats if any(entry.spec.name != first.spec.name for entry in formats) else None


def open_mixed(path: str, paths: Sequence[str], formats: Sequence[FormatEntry], read: ReadFiles) -> File:
    """The files ``paths`` (of formats ``formats``) as one File whose frames follow the order given.

    Frames of one shape and dtype in a row make one Dataset (``"1.1"``); a frame of
    another shape or dtype starts the next (``"2.1"``), as in an EDF series.
    Closing the File closes every file read.
    """
    log = Diagnostics(path)
    opened: list[File] = []
    frames_of: dict[str, list[Frame]] = {}  # file → its frames, in the files' own order
    try:
        for entry, batch in _batches(paths, formats):
            file = read(entry, batch, Diagnostics(batch[0], parent=log))
            opened.append(file)
            _collect(file, entry, frames_of)
    except BaseException:
        for file in opened:
            file.close()
        raise
    ordered = [(frame, p) for p in paths for frame in frames_of.get(p, [])]
    runs: list[list[Frame]] = []
    for i, (frame, p) in enumerate(ordered):
        frame = attrs.evolve(frame, index=i, source=p)  # numbered in the stack, naming its file
        if runs and (runs[-1][-1].shape, runs[-1][-1].dtype) == (frame.shape, frame.dtype):
            runs[-1].append(frame)
        else:
            runs.append([frame])
    guard = Guard(path)
    datasets = [_dataset(f"{n}.1", run, guard, log) for n, run in enumerate(runs, 1)]
    names = dict.fromkeys(entry.spec.name for entry in formats)
    result = File(path, datasets, format="+".join(names), diagnostics=log, guard=guard)
    for file in opened:
        result.add_closer(file.close)
    result.paths = tuple(paths)
    return result


def _batches(paths: Sequence[str], formats: Sequence[FormatEntry]) -> list[tuple[FormatEntry, list[str]]]:
    """The files of each format, read together when the format opens series, else one by one.

    A file given twice is read once: its frames are stacked wherever it was given.
    """
    by_format: dict[str, tuple[FormatEntry, dict[str, None]]] = {}
    for p, entry in zip(paths, formats, strict=True):
        by_format.setdefault(entry.spec.name, (entry, {}))[1][p] = None
    batches = []
    for entry, files in by_format.values():
        if entry.spec.capabilities.series:
            batches.append((entry, list(files)))
        else:
            batches.extend((entry, [f]) for f in files)
    return batches


def _collect(file: File, entry: FormatEntry, frames_of: dict[str, list[Frame]]) -> None:
    """The frames of ``file``, by the file each comes from."""
    found = False
    for ds in file.datasets:
        if ds.frames is None:
            continue
        for frame in ds.frames:
            source = frame.source or (file.paths[0] if len(file.paths) == 1 else None)
            if source is None:
                raise FormatError(
                    f"the {entry.spec.name} reader does not say which file each frame of its series comes"
                    " from, so its frames cannot be placed among the other formats' files",
                    file.path,
                )
            frames_of.setdefault(source, []).append(frame)
            found = True
    if not found:
        raise FormatError(
            f"it holds no frames ({entry.spec.name}): files of several formats open as one stack of frames",
            file.path,
        )


def _dataset(key: str, run: list[Frame], guard: Guard, log: Diagnostics) -> Dataset:
    """One stack of frames of one shape and dtype; the first frame's header is the Dataset's."""
    header = run[0].header
    stack = FrameStack.from_frames(run, name="image", guard=guard)
    return Dataset(key, header.get_str("title", ""), header, frames=stack, diagnostics=log.child(scan=key))
