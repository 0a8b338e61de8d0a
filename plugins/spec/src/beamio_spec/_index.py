"""The index of a SPEC file: where each scan and each file header starts, found without parsing."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

__all__ = ["FileIndex", "build_index"]


@attrs.define
class FileIndex:
    """Byte offsets of the scans (#S) and file headers (#F) of a SPEC file.

    ``scans[i]`` is ``(start, end)`` of scan ``i``'s block; ``headers[j]`` the same
    for file-header block ``j``; ``governing[i]`` is the header block scan ``i``
    belongs to (the latest before it, -1 when none). ``end`` is the offset just
    after the last complete line: a line still being written is not indexed.
    """

    scans: list[tuple[int, int]] = attrs.field(factory=list)
    headers: list[tuple[int, int]] = attrs.field(factory=list)
    governing: list[int] = attrs.field(factory=list)
    end: int = 0


def _boundaries(data: bytes, end: int) -> tuple[list[int], list[int]]:
    """Offsets of the lines starting with #S and with #F, found in one pass (before ``end``).

    A loop over the '#' characters: data lines have none, so ``find`` skips them at
    memory speed and Python looks only at header lines.
    """
    scans: list[int] = []
    headers: list[int] = []
    position = data.find(b"#", 0, end)
    while position != -1:
        if position == 0 or data[position - 1] == 10:  # 10 is "\n"
            kind = data[position + 1 : position + 2]
            if kind == b"S":
                scans.append(position)
            elif kind == b"F":
                headers.append(position)
        position = data.find(b"#", position + 1, end)
    return scans, headers


def complete_end(data: bytes, start: int = 0) -> int:
    """The offset after the last newline: bytes past it are a line still being written."""
    last = data.rfind(b"\n", start)
    return last + 1 if last != -1 else start


def build_index(data: bytes, *, end: int | None = None) -> FileIndex:
    """Find the scans and file headers of ``data`` (a bytes-like, an mmap) up to ``end``."""
    stop = complete_end(data) if end is None else end
    scan_starts, header_starts = _boundaries(data, stop)
    if not header_starts and (not scan_starts or scan_starts[0] > 0):
        header_starts = [0]  # lines before the first #S are the file header, #F or not
    return _blocks(scan_starts, header_starts, stop)


def _blocks(scan_starts: Sequence[int], header_starts: Sequence[int], stop: int) -> FileIndex:
    index = FileIndex(end=stop)
    bounds = sorted([(s, "S") for s in scan_starts] + [(h, "F") for h in header_starts])
    current = -1
    for i, (start, kind) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else stop
        if kind == "F":
            index.headers.append((start, end))
            current = len(index.headers) - 1
        else:
            index.scans.append((start, end))
            index.governing.append(current)
    return index
