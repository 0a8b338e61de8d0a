"""Where a frame fabio decoded lies in its file as raw values, when it does (ADSC, d*TREK, plain TIFF).

fabio has no public word for it, so the candidates are what the formats' headers
say — ``HEADER_BYTES`` (ADSC, d*TREK), the one strip or the contiguous strips of an
uncompressed TIFF (``stripOffsets``) — and, for the many formats that end with their
pixels, the last bytes of the file. A candidate is believed only if the file's bytes
there, in one byte order or the other, are fabio's values at the start, the middle
and the end of the frame: a decoded format (Bruker's overflow table, CBF's byte
offsets) fails that, and is copied.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from beamio import Extent

__all__ = ["raw_extent"]

#: The bytes compared at the start, the middle and the end of a frame.
_SAMPLE = 4096


def _candidates(header: Mapping[str, Any], nbytes: int, size: int) -> Iterator[int]:
    """Offsets at which the frame's ``nbytes`` may start, in a file of ``size`` bytes."""
    with contextlib.suppress(TypeError, ValueError):
        yield int(str(header.get("HEADER_BYTES")).strip())
    offsets, counts = header.get("stripOffsets"), header.get("stripByteCounts")
    if not header.get("compression") and isinstance(offsets, list) and isinstance(counts, list) and offsets:
        with contextlib.suppress(TypeError, ValueError):
            starts, lengths = [int(o) for o in offsets], [int(c) for c in counts]
            ends = [s + n for s, n in zip(starts, lengths, strict=False)]
            if starts[1:] == ends[:-1]:  # strips one after the other: one block of values
                yield starts[0]
    yield size - nbytes


def _matches(fd: int, offset: int, data: np.ndarray, raw: np.dtype, *, whole: bool = False) -> bool:
    """Whether the bytes from ``offset`` are ``data`` in ``raw``: start, middle and end, or ``whole``."""
    values = np.ascontiguousarray(data, raw).reshape(-1).view(np.uint8)
    if whole:
        return os.pread(fd, len(values), offset) == values.tobytes()
    middle = max(0, (len(values) - _SAMPLE) // 2)
    for start in sorted({0, middle, max(0, len(values) - _SAMPLE)}):
        expected = values[start : start + _SAMPLE].tobytes()
        if os.pread(fd, len(expected), offset + start) != expected:
            return False
    return True


def raw_extent(path: str, data: np.ndarray, header: Mapping[str, Any]) -> Extent | None:
    """The extent of frame ``data`` (fabio's reading of the one frame of ``path``), or None."""
    if data.dtype.kind not in "biuf" or data.ndim < 1 or not hasattr(os, "pread"):
        return None
    path = os.path.abspath(path)
    fd = os.open(path, os.O_RDONLY)
    try:
        status = os.fstat(fd)
        size = status.st_size
        for offset in dict.fromkeys(_candidates(header, data.nbytes, size)):
            if not 0 <= offset <= size - data.nbytes:
                continue
            orders = (data.dtype.newbyteorder("<"), data.dtype.newbyteorder(">"))
            found = [raw for raw in (orders if data.dtype.itemsize > 1 else (data.dtype,))
                     if _matches(fd, offset, data, raw)]  # fmt: skip
            if len(found) > 1:  # samples that read alike both ways (zeros): the whole frame decides
                found = [raw for raw in found if _matches(fd, offset, data, raw, whole=True)]
            if found:
                return Extent(path, offset, found[0], data.shape, (size, status.st_mtime_ns))
    finally:
        os.close(fd)
    return None
