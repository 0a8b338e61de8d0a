"""What the NeXus writer decides before it writes: valid names, chunk shapes, filters.

Kept apart from h5py calls so each rule can be read and tested on its own.
"""

from __future__ import annotations

import math
import re
from collections.abc import Container, Iterable
from typing import Any

__all__ = ["CHUNK_POLICIES", "COMPRESSIONS", "chunk_shape", "compression_arguments", "nexus_name", "slabs"]

_VALID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_INVALID = re.compile(r"[^A-Za-z0-9_]")

CHUNK_POLICIES = ("frame", "spectrum", "balanced")
#: Frames per chunk and the tile of each frame (rows, columns) in a balanced chunk: a frame
#: read then reads 4 frames' worth in 128 chunks, a pixel's spectrum 50 chunks of 128 KiB
#: (float32) — each within 10× of its best layout. HDF5's cost per chunk made 8 × 64 × 64
#: read a frame 11.7× slower than the frame layout; 4 × 128 × 128 read a pixel's spectrum
#: 9.4–13× slower than the spectrum layout (benchmarks/README.md).
_BALANCED_FRAMES, _BALANCED_TILE = 4, (128, 64)
#: The bytes a spectrum chunk aims at: one pixel's spectrum in one read of about this size.
_SPECTRUM_CHUNK_BYTES = 1 << 20
#: The bytes a writer asks of its source at once, in whole rows of chunks (at least one row):
#: the 100 spectra of a SPEC scan's MCA in one read, not 100 reads of 8 KiB.
BLOCK_BYTES = 1 << 20

#: Compression names → (hdf5plugin class or None for gzip, what provides it).
COMPRESSIONS = {
    "gzip": None,
    "bitshuffle": "Bitshuffle",
    "lz4": "LZ4",
    "zstd": "Zstd",
    "blosc2": "Blosc2",
}


def nexus_name(name: str, taken: Container[str] = ()) -> str:
    """A NeXus-valid name for ``name``: ``[A-Za-z_][A-Za-z0-9_]*``, unique among ``taken``.

    Other characters become ``_``, a leading digit gets a ``_`` in front, and a name
    already taken gets ``_2``, ``_3`` …; the writer keeps the original in the
    ``original_name`` attribute, which is how a reader gets it back.
    """
    used = taken  # an h5py group answers ``in`` by a lookup: no listing of its members
    if _VALID.match(name) and name not in used:
        return name
    base = _INVALID.sub("_", name) or "_"
    if base[0].isdigit():
        base = "_" + base
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}_{n}"
    return candidate


def chunk_shape(shape: tuple[int, ...], itemsize: int, policy: Any) -> tuple[int, ...] | None:
    """The chunk shape of a stack (frames first) for a policy, or an explicit shape checked.

    ``frame``: one whole frame per chunk (reading a frame is one chunk).
    ``spectrum``: every frame of a small tile of pixels (one pixel's spectrum is one chunk
    of about 1 MiB). ``balanced``: a few frames of a mid-sized tile (both accesses within
    10× of their best). A tuple is used as given, once checked against the shape.
    """
    if not shape or 0 in shape:
        return None
    if isinstance(policy, (tuple, list)):
        chunks = tuple(int(c) for c in policy)
        if len(chunks) != len(shape) or any(c < 1 for c in chunks):
            raise ValueError(f"chunks={tuple(policy)} does not fit a dataset of shape {shape}")
        return tuple(min(c, n) for c, n in zip(chunks, shape, strict=True))
    if len(shape) == 1:
        return (min(shape[0], max(1, (1 << 20) // max(itemsize, 1))),)
    frames, frame = shape[0], shape[1:]
    if policy == "frame":
        return (1, *frame)
    if policy == "spectrum":
        pixels = max(1, _SPECTRUM_CHUNK_BYTES // (frames * itemsize))
        side = 1 << (max(1, int(math.sqrt(pixels))).bit_length() - 1)  # a power of two: no padded edges
        return (frames, *_tile(frame, side, side))
    if policy == "balanced":
        return (min(frames, _BALANCED_FRAMES), *_tile(frame, *_BALANCED_TILE))
    raise ValueError(f"chunks={policy!r}: expected one of {', '.join(CHUNK_POLICIES)} or a shape")


def _tile(frame: tuple[int, ...], rows: int, columns: int) -> tuple[int, ...]:
    """A tile of ``rows`` × ``columns`` along a frame's last two axes (whole along any earlier one)."""
    if len(frame) == 1:
        return (min(frame[0], rows * columns),)
    return (*frame[:-2], min(frame[-2], rows), min(frame[-1], columns))


def compression_arguments(name: str | None, level: int | None) -> dict[str, Any]:
    """h5py ``create_dataset`` keywords for a compression; ValueError naming what is missing."""
    if name is None:
        return {}
    if name not in COMPRESSIONS:
        raise ValueError(f"compression={name!r}: expected one of {', '.join(COMPRESSIONS)}")
    if name == "gzip":
        return {"compression": "gzip", "compression_opts": 4 if level is None else level, "shuffle": True}
    try:
        import hdf5plugin
    except ImportError:
        raise ValueError(
            f"compression={name!r} needs the hdf5plugin filters, which are not installed:"
            " pip install hdf5plugin (or pip install 'beamio-nexus[compression]')"
        ) from None
    maker = getattr(hdf5plugin, str(COMPRESSIONS[name]))
    if name == "zstd" and level is not None:
        return dict(maker(clevel=level))
    return dict(maker())


def slabs(
    shape: tuple[int, ...], chunks: tuple[int, ...] | None, itemsize: int = 1
) -> Iterable[tuple[slice, ...]]:
    """Blocks of a stack that cover whole chunks: a writer fills each chunk in one write.

    Along the first axis a block holds as many rows of chunks as fit in
    :data:`BLOCK_BYTES` (at least one), along the second it follows the chunks; the
    other axes are whole. Without chunks (contiguous), one frame at a time.
    """
    if len(shape) < 2:
        yield (slice(0, shape[0] if shape else 0),)
        return
    step0 = chunks[0] if chunks else 1
    step1 = chunks[1] if chunks and len(shape) > 2 else shape[1]
    if chunks:
        row = step0 * step1 * math.prod(shape[2:]) * itemsize
        step0 *= max(1, BLOCK_BYTES // max(row, 1))
    for a in range(0, shape[0], step0):
        for b in range(0, shape[1], step1):
            yield (slice(a, min(a + step0, shape[0])), slice(b, min(b + step1, shape[1])))
