"""Opening an HDF5 file to read: without locking, with SWMR only while a SWMR writer has it open.

Two kinds of damage make libhdf5 itself hang, and are kept from it:

- A file opened for SWMR reading is read with retries: HDF5 reads a piece of metadata
  whose checksum is wrong again and again (a writer may be rewriting it), sleeping
  1 ns, 2 ns, 4 ns … between attempts — 100 attempts by default, which on a damaged
  file is a sleep of 2^100 ns. So a file is opened for SWMR reading only when it must
  be (its superblock says a SWMR writer has it open), and then with
  :data:`SWMR_READ_ATTEMPTS` attempts.
- A global heap collection (where variable-length strings live) whose free-space
  object says it is 0 bytes long, or whose object sizes wrap around 2^64: HDF5's
  parser (``H5HG__cache_heap_deserialize``) steps 0 bytes forward, or back, forever.
  Files up to :data:`HEAP_CHECK_LIMIT` are searched for such a collection before
  HDF5 sees them.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import io
import os
import re
import sys
from collections.abc import Callable
from typing import Any

import h5py

from beamio import FormatError, NotThisFormat, Source

__all__ = ["HEAP_CHECK_LIMIT", "SWMR_READ_ATTEMPTS", "check_global_heaps", "open_hdf5"]

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
#: Attempts at a piece of metadata whose checksum fails, for SWMR reads: 2^24 ns (17 ms) of waits in all.
SWMR_READ_ATTEMPTS = 24
#: Files up to this size are searched for a global heap HDF5 would parse forever (larger: a read too many).
HEAP_CHECK_LIMIT = 16 << 20
_WRAP = 1 << 64  # HDF5's sizes are 64-bit
#: What h5py raises for a file HDF5 cannot open (a damaged superblock: RuntimeError).
_REFUSALS = (OSError, RuntimeError, ValueError)


def open_hdf5(source: Source) -> tuple[h5py.File, bytes | None]:
    """The file opened read-only, without locking; with SWMR when a SWMR writer has it open.

    With it, the decompressed content HDF5 reads (a ``.h5.gz``), None for a file read where it is.
    """
    content = None
    if source.compression:
        content = source.read_bytes()  # bounded: a bz2 or xz bomb stops there
        target: Any = io.BytesIO(content)
        if len(content) <= HEAP_CHECK_LIMIT:
            check_global_heaps(content, source.path)
    else:
        target = source.path
        if os.path.getsize(source.path) <= HEAP_CHECK_LIMIT:
            with open(source.path, "rb") as handle:
                check_global_heaps(handle.read(), source.path)
    try:
        return h5py.File(target, "r", locking=False), content
    except _REFUSALS as error:
        refusal = error
    if not source.compression and _superblock_version(source.head.data) == 3:
        with contextlib.suppress(*_REFUSALS):
            return _open_swmr(source.path), content
    with contextlib.suppress(*_REFUSALS):
        return h5py.File(target, "r"), content  # open in this process already, with h5py's default locking
    if "open for write" in str(refusal):
        raise FormatError(
            f"HDF5 cannot open it: a program is writing it without SWMR ({refusal}); it opens once that"
            f" program closes it (or, if that program died, after `h5clear -s {source.path}`)",
            source.path,
        )
    cut = re.search(r"truncated file: eof = (\d+),.* stored_eof = (\d+)", str(refusal))
    if cut:
        raise FormatError(
            f"the file is cut short: HDF5 expects {cut[2]} bytes, the file has {cut[1]}", source.path
        )
    raise NotThisFormat(f"h5py cannot open it: {refusal}", source.path)


def _superblock_version(head: bytes) -> int | None:
    """The version of the superblock (3 is the one a SWMR writer writes), None without a signature."""
    for offset in (0, *(512 << n for n in range(7))):
        if head[offset : offset + 8] == _SIGNATURE and len(head) > offset + 8:
            return head[offset + 8]
    return None


def check_global_heaps(content: bytes, path: str) -> None:
    """FormatError if a global heap collection in ``content`` would make HDF5 loop forever.

    The walk of ``H5HG__cache_heap_deserialize`` over a collection's objects: index
    (2 bytes), references (2), reserved (4), size (a length), the data padded to 8
    bytes; object 0 is the free space, its size counts its header and is not padded.
    HDF5 adds the sizes as 64-bit numbers: a size near 2^64 wraps around and steps
    back (its overflow check wraps too), a free-space object of size 0 steps nowhere.
    Where HDF5 would stop with an error, so does the walk.
    """
    header = 8 + _size_of_lengths(content)  # "GCOL", version 1, 3 reserved bytes, the collection's size
    start = content.find(b"GCOL\x01")
    while start >= 0:
        size = int.from_bytes(content[start + 8 : start + header], "little")
        end = start + size
        position = start + header
        if size >= 4096 and end <= len(content):
            while position + header <= end:  # room for an object's header (as long as the heap's)
                index = int.from_bytes(content[position : position + 2], "little")
                object_size = int.from_bytes(content[position + 8 : position + header], "little")
                step = object_size if index == 0 else (header + (object_size + 7) % _WRAP // 8 * 8) % _WRAP
                where = f"the global heap collection at byte offset {start}"
                if step == 0:
                    raise FormatError(
                        f"a free-space object of 0 bytes in {where}: HDF5 would parse the collection forever",
                        path,
                        offset=position,
                    )
                if position + step > end:
                    if step < _WRAP // 2:
                        break  # HDF5 stops there with an error
                    raise FormatError(
                        f"an object of {object_size} bytes in {where}: HDF5 would step {_WRAP - step} bytes"
                        " back and parse the collection forever",
                        path,
                        offset=position,
                    )
                position += step
        start = content.find(b"GCOL\x01", start + 1)


def _size_of_lengths(content: bytes) -> int:
    """The superblock's "size of lengths" (8 in files written by HDF5's defaults)."""
    for offset in (0, *(512 << n for n in range(7))):
        if content[offset : offset + 8] == _SIGNATURE and len(content) > offset + 14:
            version = content[offset + 8]
            size = content[offset + 14] if version < 2 else content[offset + 10]
            return size if size in (2, 4, 8, 16) else 8
    return 8


def _open_swmr(path: str) -> h5py.File:
    """``path`` opened for SWMR reading, without locking, with few read attempts where HDF5 lets us say so."""
    access = h5py.h5p.create(h5py.h5p.FILE_ACCESS)
    access.set_fclose_degree(h5py.h5f.CLOSE_STRONG)
    access.set_file_locking(False, True)
    set_attempts = _read_attempts_setter()
    if set_attempts is not None:
        set_attempts(access.id, SWMR_READ_ATTEMPTS)
    flags = h5py.h5f.ACC_RDONLY | h5py.h5f.ACC_SWMR_READ
    return h5py.File(h5py.h5f.open(os.fsencode(path), flags, fapl=access))


@functools.cache
def _read_attempts_setter() -> Callable[[int, int], int] | None:
    """``H5Pset_metadata_read_attempts`` of the HDF5 library under h5py (which does not offer it), or None."""
    for path in _hdf5_libraries():
        try:
            function = ctypes.CDLL(path).H5Pset_metadata_read_attempts
        except (OSError, AttributeError):
            continue
        function.argtypes = [ctypes.c_int64, ctypes.c_uint]  # hid_t, unsigned
        function.restype = ctypes.c_int
        return function  # type: ignore[no-any-return]
    return None


def _hdf5_libraries() -> list[str]:
    """Where the HDF5 library h5py loaded is: from the process's memory map, else beside h5py."""
    folder = os.path.dirname(h5py.__file__)
    with contextlib.suppress(OSError), open("/proc/self/maps") as maps:
        loaded = {line.split(None, 5)[-1].strip() for line in maps if "/libhdf5" in line}
        found = [p for p in loaded if "libhdf5_hl" not in os.path.basename(p) and os.path.isfile(p)]
        return sorted(found, key=lambda p: (not p.startswith(os.path.dirname(folder)), p))  # h5py's first

    patterns = {"darwin": [".dylibs/libhdf5.*dylib"], "win32": ["hdf5.dll", "../h5py.libs/hdf5*.dll"]}
    return [
        path
        for pattern in patterns.get(sys.platform, ["../h5py.libs/libhdf5-*.so*"])
        for path in sorted(glob.glob(os.path.join(folder, pattern)))
        if "hdf5_hl" not in os.path.basename(path)
    ]
