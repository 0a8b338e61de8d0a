"""Whole-file gzip, bz2 and xz content, decompressed no further than a bound: a bomb stops there.

A frame of zeros compresses a thousand times and more, so the bound cannot be a small
multiple of the compressed size: up to :data:`MIN_INFLATED` anything goes, beyond it
:data:`MAX_RATIO` times the compressed size (gzip's own limit, so that only bz2 and xz
meet it). A 64 KiB bz2 file that says it holds gigabytes is refused at 256 MiB.
"""

from __future__ import annotations

import lzma
import os
import zlib
from typing import IO

from beamio import FormatError, Source

__all__ = ["MAX_RATIO", "MIN_INFLATED", "inflate", "plausible"]

#: Decompressed content up to this size is always read.
MIN_INFLATED = 256 << 20
#: Beyond MIN_INFLATED, at most this many bytes for each compressed byte (deflate's limit: 1032).
MAX_RATIO = 1032

# What a damaged gzip, bz2 or xz stream raises while it is read.
_DAMAGED = (OSError, EOFError, ValueError, lzma.LZMAError, zlib.error)


def plausible(packed: int) -> int:
    """The most bytes ``packed`` compressed bytes are believed to hold."""
    return max(MIN_INFLATED, MAX_RATIO * packed)


def inflate(source: Source) -> bytes:
    """The decompressed content of a whole-file-compressed source; FormatError past the bound or damaged."""
    packed = os.path.getsize(source.path)
    limit = plausible(packed)
    chunks: list[bytes] = []
    total = 0
    with source.open() as handle:
        while chunk := _read(handle, min(1 << 20, limit + 1 - total), source):
            chunks.append(chunk)
            total += len(chunk)
            if total > limit:
                raise FormatError(
                    f"the {source.compression} content inflates beyond {limit} bytes, more than"
                    f" {total // packed} times its {packed} bytes: a decompression bomb? Decompress it first"
                    " to read it",
                    source.path,
                )
    return b"".join(chunks)


def _read(handle: IO[bytes], size: int, source: Source) -> bytes:
    try:
        return handle.read(size)
    except _DAMAGED as error:
        raise FormatError(f"the {source.compression} compression is damaged ({error})", source.path) from None
