"""The lengths a file gives its variable-length strings, checked before HDF5 reads them.

HDF5 reads a variable-length string (or sequence) by allocating and zeroing the length
its stored element states — a 32-bit count, up to 4 GiB — before it looks at the global
heap object that holds the characters (``H5T__conv_vlen``); only then does it find the
object shorter and fail. A damaged file of a few kilobytes costs seconds and gigabytes
per string that way, in every HDF5 reader. No HDF5 call gives those lengths without that
conversion, so beamio reads the stored elements itself where the object header holds
them or points at them — compact, contiguous and unfiltered chunked datasets, attributes
in the header — and refuses a length longer than the file (no string of a file is longer
than the file). What is not found that way (compressed chunks, attributes in dense
storage or in shared messages, objects of another file) is read as before.

The object header, after the HDF5 file format specification (level 2A): version 1
(a 16-byte prefix, messages of 8-byte headers) or version 2 (``OHDR``, messages of 4- or
6-byte headers, continuation blocks ``OCHK``); the data layout message (8) and the
attribute message (12). A variable-length element on disk: its length (4 bytes), then
the global heap collection's address and the object's index (4 bytes).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO

import h5py
import numpy as np

__all__ = ["DAMAGED", "VlenCheck"]

#: What h5py raises for an object of a damaged (or unusual) file.
DAMAGED = (KeyError, OSError, RuntimeError, TypeError, ValueError)
_LAYOUT, _ATTRIBUTE, _CONTINUATION = 0x08, 0x0C, 0x10
_VLEN_CLASS = 9
#: Continuation blocks followed in one object header (HDF5 writes a few; a damaged file may loop).
_MAX_BLOCKS = 256
#: The most bytes of one header block read (HDF5's own blocks are under 64 KiB a message).
_MAX_BLOCK = 16 << 20
#: Chunks looked up one by one at most, where HDF5 cannot walk them in one go (before 1.14).
_MAX_CHUNKS = 1024
#: HDF5 1.14.4 and later give a chunk's address with the user block counted (HDFGroup/hdf5#4236).
_CHUNKS_COUNT_USER_BLOCK = h5py.version.hdf5_version_tuple >= (1, 14, 4)
#: A contiguous dataset's elements are checked up to this many bytes (more: read as before).
_MAX_CONTIGUOUS = 64 << 20


def _uint(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at : at + size], "little")


class VlenCheck:
    """Finds the variable-length elements of one open HDF5 file that state a length beyond the file.

    ``opener`` opens the file's bytes (the decompressed content of a ``.h5.gz``) for reading.
    """

    def __init__(self, h5: h5py.File, opener: Callable[[], BinaryIO]) -> None:
        self._opener = opener
        self._handle: BinaryIO | None = None
        self._attributes: dict[int, dict[bytes, str]] = {}
        try:
            plist = h5.id.get_create_plist()
            self._offsets, self._lengths = plist.get_sizes()
            self._base, self.size = plist.get_userblock(), h5.id.get_filesize()
            self._fileno: int | None = h5.id.fileno
        except DAMAGED:  # HDF5 finds the root group damaged: it refuses what beamio would check
            self._fileno = None

    def close(self) -> None:
        """Close the file's bytes, if they were opened."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def dataset(self, dataset: h5py.Dataset) -> str | None:
        """What is wrong with a variable-length dataset's stored lengths, or None (also when not found)."""
        base = _base_size(dataset.dtype)
        address = self._address(dataset)
        if base is None or address is None or dataset.size == 0:
            return None
        if dataset.chunks is not None:
            return self._chunks(dataset, base)
        for kind, data in self._messages(address):
            if kind == _LAYOUT:
                stored = self._layout_data(data, dataset.size)
                return None if stored is None else self._too_long(stored, dataset.size, base)
        return None

    def _chunks(self, dataset: h5py.Dataset, base: int) -> str | None:
        """What is wrong with the stored lengths in the chunks of an unfiltered chunked dataset."""
        try:
            if dataset.id.get_create_plist().get_nfilters():
                return None
            chunks: list[Any] = []
            if hasattr(dataset.id, "chunk_iter"):  # HDF5 1.14: one walk of the chunk index
                dataset.id.chunk_iter(chunks.append)
            elif dataset.id.get_num_chunks() <= _MAX_CHUNKS:  # each call walks the index: quadratic
                chunks = [dataset.id.get_chunk_info(i) for i in range(dataset.id.get_num_chunks())]
            else:
                return None
        except DAMAGED:
            return None
        if sum(chunk.size for chunk in chunks) > _MAX_CONTIGUOUS:
            return None
        for chunk in chunks:
            stored = self._read(
                chunk.byte_offset - (self._base if _CHUNKS_COUNT_USER_BLOCK else 0), chunk.size
            )
            problem = self._too_long(
                stored, len(stored) // self._element, base, f"chunk {chunk.chunk_offset}"
            )
            if problem is not None:
                return problem
        return None

    def attribute(self, obj: Any, name: bytes) -> str | None:
        """What is wrong with the stored lengths of attribute ``name`` of ``obj``, or None."""
        address = self._address(obj)
        if address is None:
            return None
        found = self._attributes.get(address)
        if found is None:
            found = self._attributes[address] = dict(self._attribute_problems(address))
        return found.get(name)

    def _address(self, obj: Any) -> int | None:
        try:
            if self._fileno is None or obj.id.fileno != self._fileno:  # an external link: another file
                return None
            return int(h5py.h5o.get_info(obj.id).addr)
        except DAMAGED:
            return None

    def _read(self, offset: int, size: int) -> bytes:
        if offset < 0 or size <= 0 or offset >= self.size:
            return b""
        if self._handle is None:
            self._handle = self._opener()
        self._handle.seek(self._base + offset)
        return self._handle.read(min(size, self.size - offset))

    def _messages(self, address: int) -> Iterator[tuple[int, bytes]]:
        """The (type, data) of the messages of the object header at ``address``, continuations followed."""
        head = self._read(address, 16)
        if head[:4] == b"OHDR":
            flags = head[5]
            prefix = 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
            width = 1 << (flags & 0x03)
            first = (address + prefix + width, _uint(self._read(address + prefix, width), 0, width))
            header = 6 if flags & 0x04 else 4  # a message's: type, size, flags, creation order if tracked
        elif head[:1] == b"\x01" and len(head) == 16:
            first, header = (address + 16, _uint(head, 8, 4)), 8
        else:
            return
        pending, seen = [first], set[int]()
        while pending and len(seen) < _MAX_BLOCKS:
            offset, size = pending.pop(0)
            if offset in seen:
                continue
            seen.add(offset)
            block = self._read(offset, min(size, _MAX_BLOCK))
            if header != 8 and block[:4] == b"OCHK":
                block = block[4:-4]  # a continuation block's signature and checksum
            for kind, data in _walk(block, header):
                if kind == _CONTINUATION:
                    pending.append((_uint(data, 0, self._offsets), _uint(data, self._offsets, self._lengths)))
                else:
                    yield kind, data

    def _layout_data(self, data: bytes, count: int) -> bytes | None:
        """The stored elements of a compact or contiguous dataset, from its layout message."""
        if len(data) < 2:
            return None
        version = data[0]
        if version in (3, 4):
            kind, position = data[1], 2
            if kind == 0:
                return data[position + 2 : position + 2 + _uint(data, position, 2)]
            if kind != 1:
                return None
            address = _uint(data, position, self._offsets)
        elif version in (1, 2) and len(data) >= 8:
            rank, kind, position = data[1], data[2], 8
            if kind == 0:
                position += 4 * rank
                return data[position + 4 : position + 4 + _uint(data, position, 4)]
            if kind != 1:
                return None
            address = _uint(data, position, self._offsets)
        else:
            return None
        wanted = count * self._element
        return self._read(address, wanted) if wanted <= _MAX_CONTIGUOUS else None

    @property
    def _element(self) -> int:
        """The bytes of one variable-length element on disk."""
        return 4 + self._offsets + 4

    def _attribute_problems(self, address: int) -> Iterator[tuple[bytes, str]]:
        for kind, data in self._messages(address):
            if kind == _ATTRIBUTE:
                found = self._attribute(data)
                if found is not None:
                    name, stored, count, base = found
                    problem = self._too_long(stored, count, base)
                    if problem is not None:
                        yield name, problem

    def _attribute(self, data: bytes) -> tuple[bytes, bytes, int, int] | None:
        """(name, stored elements, element count, base size) of a variable-length attribute, else None."""
        if len(data) < 8 or data[0] not in (1, 2, 3):
            return None
        version, flags = data[0], (data[1] if data[0] > 1 else 0)
        if flags & 0x03:  # its datatype or dataspace is a shared message: not here
            return None
        sizes = [_uint(data, at, 2) for at in (2, 4, 6)]
        position = 9 if version == 3 else 8
        parts = []
        for size in sizes:
            parts.append(data[position : position + size])
            position += -(-size // 8) * 8 if version == 1 else size
        name, datatype, dataspace = parts
        if len(datatype) < 8 or datatype[0] & 0x0F != _VLEN_CLASS:
            return None
        base = max(_uint(datatype, 12, 4), 1) if len(datatype) >= 16 else 1
        count = self._count(dataspace)
        return None if count is None else (name.rstrip(b"\0"), data[position:], count, base)

    def _count(self, dataspace: bytes) -> int | None:
        """The number of elements of a dataspace message."""
        if len(dataspace) < 4:
            return None
        version, rank = dataspace[0], dataspace[1]
        if version == 2 and dataspace[3] == 2:  # null: no elements
            return 0
        position = 8 if version == 1 else 4
        dims = [_uint(dataspace, position + i * self._lengths, self._lengths) for i in range(rank)]
        return math.prod(dims)

    def _too_long(self, stored: bytes, count: int, base: int, chunk: str | None = None) -> str | None:
        """The first element of ``stored`` (of ``chunk``) whose length exceeds the file, said; else None."""
        count = min(count, len(stored) // self._element)
        if count <= 0:
            return None
        lengths = np.ndarray((count,), "<u4", stored, strides=(self._element,))
        over = np.flatnonzero(lengths.astype(np.uint64) * base > self.size)
        if not over.size:
            return None
        first = int(over[0])
        if chunk is not None:
            which = f"an element of its {chunk} says it"
        else:
            which = "it says it" if count == 1 else f"its element {first} says it"
        return (
            f"{which} holds {int(lengths[first]) * base} bytes, more than the file's {self.size}:"
            " HDF5 would allocate that much before finding it damaged"
        )


def _walk(block: bytes, header: int) -> Iterator[tuple[int, bytes]]:
    """The (type, data) of the messages of one header block; ``header``: 8 (version 1), 4 or 6 bytes."""
    position = 0
    while position + header <= len(block):
        if header == 8:
            kind, length = _uint(block, position, 2), _uint(block, position + 2, 2)
        else:
            kind, length = block[position], _uint(block, position + 1, 2)
        yield kind, block[position + header : position + header + length]
        position += header + length


def _base_size(dtype: np.dtype) -> int | None:
    """The bytes of one item of a variable-length type (1 for strings); None for other types."""
    string = h5py.check_string_dtype(dtype)
    if string is not None:
        return 1 if string.length is None else None
    sequence = h5py.check_vlen_dtype(dtype)
    return None if sequence is None else max(np.dtype(sequence).itemsize, 1)
