"""EdfReader: frames indexed from their headers alone, each read with one seek when asked."""

from __future__ import annotations

import bz2
import gzip
import lzma
import mmap
import os
import zlib
from collections.abc import Callable
from typing import Any, ClassVar

import attrs
import numpy as np

from beamio import (
    Dataset,
    Diagnostics,
    File,
    FormatError,
    FormatReader,
    Frame,
    FrameStack,
    Head,
    Header,
    LazyArray,
    NotThisFormat,
    Option,
    Source,
    read_head,
    series_siblings,
)

from ._header import find_header, parse_header
from ._types import dtype_of

__all__ = ["EdfReader", "FrameInfo", "index_frames"]

_NO_COMPRESSION = {"", "none", "nocompression", "no"}
_COMPRESSIONS = {"gzip": "gzip", "gzipcompression": "gzip", "zlib": "zlib", "zcompression": "zlib",
                 "bzip2": "bzip2", "bz2": "bzip2", "bzip2compression": "bzip2"}  # fmt: skip
_MAX_DIM = 1 << 31


@attrs.frozen
class FrameInfo:
    """Where one frame's header and data are, and what the data is."""

    index: int
    path: str
    header_start: int
    data_start: int
    data_size: int
    shape: tuple[int, ...]
    dtype: np.dtype
    compression: str | None
    header: Header


def _dims(header: Header, where: str, path: str, offset: int) -> tuple[int, ...]:
    dims = []
    for key in ("Dim_1", "Dim_2", "Dim_3"):
        if key not in header:
            break
        try:
            value = header.get_int(key)
        except FormatError:
            raise FormatError(f"{key} = {header[key]!r} is not an integer", path, offset=offset) from None
        if not 0 < value < _MAX_DIM:
            raise FormatError(f"{key} = {value} is not a usable size ({where})", path, offset=offset)
        dims.append(value)
    if not dims:
        raise FormatError(f"the header has no Dim_1 ({where})", path, offset=offset)
    return tuple(reversed(dims))  # Dim_1 varies fastest: it is the last numpy axis


def _interpret(header: Header, index: int, path: str, offset: int, log: Diagnostics) -> tuple[Any, ...]:
    """Shape, dtype, bytes in the file and compression of one frame, from its header."""
    where = f"frame {index}"
    shape = _dims(header, where, path, offset)
    order = header.get_str("ByteOrder", "LowByteFirst")
    if "DataType" not in header:
        raise FormatError(f"the header has no DataType ({where})", path, offset=offset)
    try:
        dtype = dtype_of(header["DataType"], order)
    except ValueError as error:
        raise FormatError(f"{error} ({where})", path, offset=offset) from None
    compression_text = header.get_str("Compression", "").strip().lower()
    if compression_text in _NO_COMPRESSION:
        compression = None
    elif compression_text in _COMPRESSIONS:
        compression = _COMPRESSIONS[compression_text]
    else:
        raise FormatError(f"unknown Compression {header['Compression']!r} ({where})", path, offset=offset)
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    size_key = "EDF_BinarySize" if "EDF_BinarySize" in header else "Size" if "Size" in header else None
    size = expected
    if size_key is not None:
        try:
            size = header.get_int(size_key)
        except FormatError:
            raise FormatError(
                f"{size_key} = {header[size_key]!r} is not an integer", path, offset=offset
            ) from None
        if size < 0:
            raise FormatError(f"{size_key} = {size} is negative ({where})", path, offset=offset)
        if compression is None and size != expected:
            log.report(
                f"{size_key} = {size} but {shape} {header['DataType']} takes {expected} bytes;"
                f" read {expected}",
                offset=offset,
                frame=index,
            )
            size = expected
    return shape, dtype, size, compression


def index_frames(
    read_at: Callable[[int, int], bytes], total: int, path: str, log: Diagnostics, first: int = 0
) -> list[FrameInfo]:
    """Every complete frame of a file, found by reading headers and seeking over data blocks.

    ``read_at(offset, size)`` gives the file's bytes; ``first`` numbers the frames of
    a file that follows others in a series.
    """
    frames: list[FrameInfo] = []
    position = 0
    while position < total:
        try:
            found = find_header(read_at, position)
        except ValueError as error:
            raise FormatError(str(error), path, offset=position) from None
        if found is None:
            if frames and not read_at(position, 64).strip(b" \r\n\t\0"):
                break
            if not frames:
                raise NotThisFormat("no EDF header ('{ Key = value ; }') at the start", path)
            log.report(
                f"{total - position} bytes after frame {frames[-1].index} are not an EDF header",
                offset=position,
            )
            break
        start, end, text = found
        index = first + len(frames)
        header = parse_header(text, f"{path}, frame {index}")
        shape, dtype, size, compression = _interpret(header, index, path, start, log)
        available = total - end
        if available < size:
            log.report(
                f"frame {index} needs {size} bytes of data, the file has {available} after its header;"
                " the frame is left out",
                offset=end,
                frame=index,
            )
            break
        frames.append(FrameInfo(index, path, start, end, size, shape, dtype, compression, header))
        position = end + size
    return frames


def _decompress(block: bytes, kind: str) -> bytes:
    if kind == "bzip2":
        return bz2.decompress(block)
    return zlib.decompress(block, zlib.MAX_WBITS | 32)  # zlib or gzip, told apart by their header


class _Content:
    """The bytes of one file: a memory map, a file read on demand (series), or decompressed bytes."""

    def __init__(self, path: str, compression: str | None, source: Source, *, mapped: bool) -> None:
        self.path = path
        self.data: Any = None
        if compression is not None:
            opener = {"gzip": gzip.open, "bz2": bz2.open, "xz": lzma.open}[compression]
            with opener(path, "rb") as handle:
                self.data = handle.read()
        elif mapped:
            with open(path, "rb") as handle:  # the map keeps its own descriptor
                size = os.fstat(handle.fileno()).st_size
                self.data = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
            if isinstance(self.data, mmap.mmap):
                source.on_close(self.data.close)
        self.size = len(self.data) if self.data is not None else os.path.getsize(path)

    def read_at(self, offset: int, size: int) -> bytes:
        """``size`` bytes from ``offset`` (fewer at the end of the file)."""
        if self.data is not None:
            return bytes(self.data[offset : offset + size])
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            return handle.read(size)

    def frame_reader(self, info: FrameInfo) -> Any:
        """The read function of one frame's lazy array."""
        native = info.dtype.newbyteorder("=")
        count = int(np.prod(info.shape, dtype=np.int64))

        if info.compression is None and self.data is not None:

            def read(key: tuple[Any, ...]) -> np.ndarray:
                view = np.frombuffer(self.data, info.dtype, count, info.data_start).reshape(info.shape)
                return view[key].astype(native, copy=True)

            return read
        if info.compression is None:

            def read_file(key: tuple[Any, ...]) -> np.ndarray:
                frame = np.fromfile(self.path, info.dtype, count, offset=info.data_start).reshape(info.shape)
                return frame[key].astype(native, copy=False)

            return read_file
        cache: list[np.ndarray] = []

        def read_compressed(key: tuple[Any, ...]) -> np.ndarray:
            if not cache:
                block = self.read_at(info.data_start, info.data_size)
                try:
                    raw = _decompress(block, info.compression or "")
                except (OSError, ValueError, zlib.error) as error:
                    raise FormatError(
                        f"the {info.compression} data block does not decompress: {error}",
                        info.path,
                        frame=info.index,
                        offset=info.data_start,
                    ) from None
                if len(raw) != count * info.dtype.itemsize:
                    raise FormatError(
                        f"the data block decompresses to {len(raw)} bytes, {info.shape} {info.dtype} needs"
                        f" {count * info.dtype.itemsize}",
                        info.path,
                        frame=info.index,
                        offset=info.data_start,
                    )
                cache.append(np.frombuffer(raw, info.dtype).reshape(info.shape).astype(native))
            return cache[0][key].copy()

        return read_compressed


class EdfReader(FormatReader):
    """Reads EDF files: single- or multi-frame, any data type and byte order, compressed or not."""

    @classmethod
    def sniff(cls, head: Head) -> None:
        """An EDF file starts with a '{' header holding EDF keys."""
        text = head.data.lstrip(b" \r\n\t")
        if not text.startswith(b"{"):
            raise NotThisFormat("the file does not start with an EDF header '{'", head.path)
        if not any(key in text[:4096] for key in (b"Dim_1", b"DataType", b"HeaderID", b"EDF_DataBlockID")):
            raise NotThisFormat("the '{' header has none of Dim_1, DataType, HeaderID", head.path)

    options: ClassVar[dict[str, Option]] = {
        "series": Option(False, bool, "open the numbered files that follow this one as one stack"),
    }

    def read(self, source: Source) -> File:
        """Index the frames from their headers; data is read frame by frame on access."""
        paths = list(source.paths)
        if self.options["series"] and len(paths) == 1:
            paths = series_siblings(paths[0])
        series = len(paths) > 1
        source.paths = tuple(paths)
        frames: list[FrameInfo] = []
        contents: dict[str, _Content] = {}
        for path in paths:
            compression = source.compression if path == source.head.path else read_head(path).compression
            content = _Content(path, compression, source, mapped=not series)
            contents[path] = content
            found = index_frames(content.read_at, content.size, path, source.diagnostics, len(frames))
            if series and not found:
                source.diagnostics.report(f"{path} holds no complete frame", frame=len(frames))
            frames.extend(found)
        if not frames:
            return source.file([_empty(source)])
        datasets = []
        for number, run in enumerate(_runs(frames), 1):
            datasets.append(_dataset(f"{number}.1", run, contents, source))
        return source.file(datasets)


def _runs(frames: list[FrameInfo]) -> list[list[FrameInfo]]:
    """Consecutive frames of one shape and dtype: each run is one Dataset's frame stack."""
    runs: list[list[FrameInfo]] = []
    for info in frames:
        if runs and (runs[-1][-1].shape, runs[-1][-1].dtype) == (info.shape, info.dtype):
            runs[-1].append(info)
        else:
            runs.append([info])
    return runs


def _empty(source: Source) -> Dataset:
    """A file whose only frame is incomplete: its header, no frames, and the diagnostic."""
    with open(source.path, "rb") if source.compression is None else source.open() as handle:
        head = handle.read(1 << 20)
    found = find_header(lambda offset, size: head[offset : offset + size], 0)
    header = parse_header(found[2], f"{source.path}, frame 0") if found else Header()
    return Dataset("1.1", header.get_str("title", ""), header,
                   diagnostics=source.diagnostics.child(scan="1.1"))  # fmt: skip


def _dataset(key: str, run: list[FrameInfo], contents: dict[str, _Content], source: Source) -> Dataset:
    frames = [
        Frame(
            info.index,
            LazyArray(
                info.shape,
                info.dtype.newbyteorder("="),
                contents[info.path].frame_reader(info),
                guard=source.guard,
            ),
            info.header,
            info.path,
        )
        for info in run
    ]
    stack = FrameStack.from_frames(frames, name="image", guard=source.guard)
    first = run[0].header
    positioners = _per_frame(run, "motor_mne", "motor_pos", source, scalar_when_single=True)
    counters = _per_frame(run, "counter_mne", "counter_pos", source, scalar_when_single=False)
    return Dataset(
        key,
        first.get_str("title", ""),
        first,
        columns=counters,
        positioners=positioners,
        frames=stack,
        diagnostics=source.diagnostics.child(scan=key),
    )


def _per_frame(run: list[FrameInfo], names_key: str, values_key: str, source: Source,
               *, scalar_when_single: bool) -> dict[str, Any]:  # fmt: skip
    """motor_mne/motor_pos (counter_mne/counter_pos) of each frame: name → value, or → array over frames."""
    table: dict[str, np.ndarray] = {}
    for i, info in enumerate(run):
        header = info.header
        if names_key not in header or values_key not in header:
            continue
        names = header.get_str(names_key).split()
        texts = header.get_str(values_key).split()
        if len(names) != len(texts):
            source.diagnostics.report(
                f"{names_key} names {len(names)}, {values_key} gives {len(texts)} values", frame=info.index
            )
        for name, text in zip(names, texts, strict=False):
            try:
                value = float(text)
            except ValueError:
                source.diagnostics.report(
                    f"{values_key} value {text!r} of {name} is not a number", frame=info.index
                )
                value = float("nan")
            table.setdefault(name, np.full(len(run), np.nan))[i] = value
    if scalar_when_single and len(run) == 1:
        return {name: float(values[0]) for name, values in table.items()}
    return table
