r"""The calls of PyMca's ``EdfFile`` and of fabio's ``EdfImage`` on beamio, so that migrating is one import.

::

    from PyMca5.PyMcaIO.EdfFile import EdfFile  # before
    from beamio_edf.compat import EdfFile  # after

    edf = EdfFile("scan.edf", "r")
    roi = edf.GetData(3, Pos=(100, 200), Size=(64, 32))  # x (Dim_1) first, as PyMca
    exposure = edf.GetHeader(3)["count_time"]

    img = fabio_open("scan.edf")  # for fabio.open(...)
    frame = img.getframe(3)
    frame.data, frame.header, img.nframes

Images are numbered from 0 across the whole file, whatever their shapes (beamio
gives one Dataset per run of frames of one shape; here they are one list).
Headers are dicts of key → value text; a key found twice keeps its first place
and its last value, as both old tools do. Values that are not UTF-8 are decoded as
Latin-1, as PyMca does. ``GetData(i, Pos=..., Size=...)`` reads only that region
of the frame from the memory map (a compressed frame is decompressed whole). ``EdfFile.file``
and ``EdfImage.file`` are the beamio Files underneath; a read that had to forgive
something (a truncated last frame) warns with beamio's diagnostic.

Differences, where beamio reads the file right and the old tools do not:

- A frame whose data block is shorter than its header promises is left out, with a
  warning. fabio counts it and fills the missing bytes with zeros; PyMca counts it
  and its ``GetData`` fails (``cannot reshape``). A file without one complete frame
  has 0 images here, and ``fabio_open`` raises a FormatError naming the frame and the
  bytes missing.
- Files without a ``Size`` key (fit2d's, fabio's test images) are read: the size
  follows from the dims and the DataType. PyMca refuses them
  ("Image doesn't have size information").
- Each ``Key = value ;`` is one entry wherever the lines break (as fabio reads
  them). PyMca reads a header line by line: of two pairs on one line it keeps the
  first, and a value spanning lines loses its continuation.
- Keys or values with non-ASCII bytes are kept; fabio drops the whole pair.
- ``GetData(i, Pos, Size)`` raises ValueError for a region outside the frame; PyMca
  reads past the row into the following bytes (or the next header).
- ``WriteImage`` writes each data type under its own name: int64 as ``Signed64``.
  PyMca writes int64 (uint64) data as ``SignedLong`` (``UnsignedLong``) with a Size
  of 4 bytes per element, so neither it nor fabio reads the values back. A
  ``DataType=`` asked for converts the data and is written under the EDF table's
  name (``UnsignedLong`` → ``UnsignedInteger``, the same 4 bytes).
- PyMca's ``WriteImage(..., DataType=...)`` writes the Size of the data before the
  conversion (float64 written as SignedByte: 8 bytes per element), so its reader
  then misses images of the file; here every image is read, each Size corrected with
  a warning.
- ``WriteImage`` ignores HeaderID, Image, ByteOrder, DataType, Dim_n and Size in the
  header it is given: the data decides them. PyMca writes them a second time after
  its own, and its reader then believes the caller's.
- ``WriteImage`` writes through beamio's atomic writer: the file is complete or
  untouched, never half written; headers are padded to 512 bytes (PyMca pads to
  1024; both are valid EDF). ``EdfFile(path, "w")`` shows no images and replaces the
  file at the first ``WriteImage``; PyMca empties an existing file and then fails
  ("Error opening file"). A new file is created at the first ``WriteImage`` (PyMca
  creates an empty one when constructed).
- ``getframe(n)`` and ``next()`` walk the frames of this file; ``next()`` on the last
  frame raises OSError as fabio's does. On a single-frame file fabio's ``getframe(n)``
  opens the file numbered n of the series (so ``getframe(0)`` of ``face.edf`` fails);
  here it is the file's own frame. ``next()`` of a single-frame file opens the next
  file of the numbered series, as fabio (FileNotFoundError when there is none, OSError
  when the name has no number, where fabio raises TypeError). Negative frame numbers
  are refused (fabio's multi-frame ``getframe(-1)`` gives the last frame).
"""

from __future__ import annotations

import operator
import os
import re
import sys
import warnings
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any

import numpy as np

import beamio
from beamio import File, Frame, Header

from ._types import dtype_of

__all__ = ["STATIC_HEADER_ELEMENTS", "EdfFile", "EdfImage", "fabio_open", "header_dict"]

PathLike = str | os.PathLike[str]
Region = Sequence[int]

#: The keys PyMca's ``GetStaticHeader`` gives and its ``GetHeader`` leaves out (compared in any case).
STATIC_HEADER_ELEMENTS = ("HeaderID", "Image", "ByteOrder", "DataType", "Dim_1", "Dim_2", "Dim_3",
                          "Offset_1", "Offset_2", "Offset_3", "Size")  # fmt: skip
_STATIC = {key.upper() for key in STATIC_HEADER_ELEMENTS}
# The keys the data decides: dropped from a header given to WriteImage.
_DECIDED = _STATIC - {"OFFSET_1", "OFFSET_2", "OFFSET_3"}
_NATIVE = "LowByteFirst" if sys.byteorder == "little" else "HighByteFirst"
# A numbered file name: the last number before the extension (and a .gz/.bz2 suffix).
_SERIES = re.compile(r"(?P<stem>.*?)(?P<number>\d+)(?P<suffix>(?:\.[A-Za-z]\w*)?(?:\.(?:gz|bz2|Z))?)")


def _text(value: Any) -> str:
    """A header text as the old tools decode it: UTF-8, else Latin-1 (beamio keeps the bytes)."""
    raw = str(value).encode("utf-8", "surrogateescape")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def header_dict(header: Header) -> dict[str, str]:
    """Key → value text; a repeated key keeps its first place and its last value, as a dict fills."""
    return {_text(entry.key): _text(entry.value) for entry in header.entries if entry.key}


def _open(path: str) -> tuple[File, list[Frame]]:
    """The file and its complete frames in file order."""
    file = beamio.open(path)
    return file, [frame for ds in file.datasets if ds.frames is not None for frame in ds.frames]


def _warn_forgiven(file: File) -> None:
    """Warn, at the caller of the public call, of what the lenient read forgave (a frame left out)."""
    for diagnostic in file.diagnostics:
        if diagnostic.severity != "info":
            warnings.warn(str(diagnostic), UserWarning, stacklevel=3)


def _numpy_type(edf_type: str) -> np.dtype:
    """The native numpy dtype of an EDF DataType name; TypeError for unknown names, as PyMca."""
    try:
        return dtype_of(edf_type, _NATIVE)
    except ValueError as error:
        raise TypeError(f"EdfFile: {error}") from None


def _region(shape: tuple[int, ...], pos: Region | None, size: Region | None) -> tuple[slice, ...]:
    """Numpy slices of the region at ``pos`` of ``size``, both in EDF order (Dim_1 first); 0 = to the end."""
    dims = shape[::-1]
    pos = tuple(pos) if pos is not None else (0,) * len(dims)
    size = tuple(size) if size is not None else (0,) * len(dims)
    if len(pos) != len(dims) or len(size) != len(dims):
        raise ValueError(f"EdfFile: Pos {pos} and Size {size} need {len(dims)} values (Dim_1 first)")
    slices = []
    for axis, (start, count, dim) in enumerate(zip(pos, size, dims, strict=True), 1):
        stop = dim if count == 0 else start + count
        if not 0 <= start < stop <= dim:
            raise ValueError(
                f"EdfFile: Pos {pos}, Size {size} leaves the frame: Dim_{axis} is {dim},"
                f" the region spans {start}:{stop}"
            )
        slices.append(slice(start, stop))
    return tuple(reversed(slices))


class EdfFile:
    """An EDF file as PyMca's ``EdfFile`` shows it: images by 0-based index, headers as dicts."""

    def __init__(self, FileName: PathLike, access: str | None = None, fastedf: Any = None) -> None:
        self.FileName = os.fspath(FileName)
        self.access = access
        mode = (access or "").lower()
        if mode.startswith("r") and not os.path.isfile(self.FileName):
            raise OSError(f"File {self.FileName} not found")
        self._writable = not (mode.startswith("r") and "+" not in mode)
        self._replace = mode.startswith("w")  # PyMca empties a file opened "w"
        self.file: File | None = None
        self._images: list[Frame] = []
        if not self._replace and os.path.isfile(self.FileName) and os.path.getsize(self.FileName):
            self.file, self._images = _open(self.FileName)
            _warn_forgiven(self.file)

    def close(self) -> None:
        """Close the file (PyMca's closes after every call; this one keeps the file mapped)."""
        if self.file is not None:
            self.file.close()

    def __enter__(self) -> EdfFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<EdfFile {self.FileName!r} ({len(self._images)} images)>"

    @property
    def NumImages(self) -> int:
        """The number of complete images in the file."""
        return len(self._images)

    def GetNumImages(self) -> int:
        """The number of complete images in the file."""
        return len(self._images)

    def _image(self, index: int) -> Frame:
        index = operator.index(index)
        if not 0 <= index < len(self._images):
            count = len(self._images)
            raise ValueError(f"EdfFile: Index {index} out of limit: {self.FileName} has {count} images")
        return self._images[index]

    def GetData(
        self, Index: int, DataType: str = "", Pos: Region | None = None, Size: Region | None = None
    ) -> np.ndarray:
        """Image ``Index`` (or its region) in native byte order.

        Parameters
        ----------
        Index
            The image's 0-based position in the file.
        DataType
            An EDF type name to convert to (``"FloatValue"``); the file's type when empty.
        Pos, Size
            The region's first pixel and size, Dim_1 first (``(x, y)``, ``(x, y, z)``); a size
            of 0 reaches the end of that dimension. Only the region is read.
        """
        frame = self._image(Index)
        whole = Pos is None and Size is None
        data = frame.data if whole else frame.array[_region(frame.shape, Pos, Size)]
        return data.astype(_numpy_type(DataType), copy=False) if DataType else data

    def GetPixel(self, Index: int, Position: Sequence[int]) -> float:
        """One pixel of image ``Index`` as a float; ``Position`` Dim_1 first."""
        frame = self._image(Index)
        if len(Position) != len(frame.shape):
            raise ValueError(f"EdfFile: Position {tuple(Position)} needs {len(frame.shape)} coordinates")
        return float(frame.array[tuple(reversed(Position))])

    def GetHeader(self, Index: int) -> dict[str, str]:
        """Image ``Index``'s header without the static keys (those of ``GetStaticHeader``)."""
        return {k: v for k, v in header_dict(self._image(Index).header).items() if k.upper() not in _STATIC}

    def GetStaticHeader(self, Index: int) -> dict[str, str]:
        """Image ``Index``'s keys that describe its data: HeaderID, Image, ByteOrder, DataType, Dim_n…"""
        return {k: v for k, v in header_dict(self._image(Index).header).items() if k.upper() in _STATIC}

    def WriteImage(
        self, Header: Mapping[str, Any], Data: Any, Append: int = 1, DataType: str = "", ByteOrder: str = ""
    ) -> None:
        """Write ``Data`` with the keys of ``Header`` after the file's images, or over the file.

        Parameters
        ----------
        Header
            The frame's own keys; the static ones are set from the data.
        Data
            A 1-, 2- or 3-D array.
        Append
            0 replaces the file; otherwise the image is added after the others.
        DataType
            An EDF type name to convert the data to before writing.
        ByteOrder
            ``LowByteFirst`` or ``HighByteFirst``; the machine's when empty.
        """
        if not self._writable:
            raise OSError(f"EdfFile: {self.FileName} was opened read-only (access {self.access!r})")
        data = np.asarray(Data)
        if not 1 <= data.ndim <= 3:
            raise TypeError(f"EdfFile: Data dimension not supported: {data.shape} (EDF holds 1-D to 3-D)")
        if DataType:
            data = data.astype(_numpy_type(DataType), copy=False)
        keys = [(str(k), str(v)) for k, v in Header.items() if str(k).upper() not in _DECIDED]
        frames = beamio.FrameStack.from_frames([beamio.Frame(0, data, beamio.Header(keys))])
        append = bool(Append) and not self._replace and os.path.isfile(self.FileName)
        self.close()  # the old content stays mapped otherwise
        beamio.write(beamio.Dataset("1.1", frames=frames), self.FileName, "edf",
                     byte_order=ByteOrder or _NATIVE, append=append, overwrite=not append)  # fmt: skip
        self._replace = False
        self.file, self._images = _open(self.FileName)
        _warn_forgiven(self.file)


class EdfImage:
    """One frame of a file as fabio's ``EdfImage`` shows it: ``data``, ``header``, ``getframe``, ``next``."""

    def __init__(self, file: File, frames: list[Frame], currentframe: int = 0) -> None:
        self.file = file
        self.filename = file.path
        self.currentframe = currentframe
        self._frames = frames
        self._frame = frames[currentframe]

    @cached_property
    def data(self) -> np.ndarray:
        """The frame's data in native byte order, read on first use (assignable, as fabio's)."""
        return self._frame.data

    @cached_property
    def header(self) -> dict[str, str]:
        """The frame's header, every key (mandatory ones too) → value text."""
        return header_dict(self._frame.header)

    @property
    def nframes(self) -> int:
        """The number of complete frames in the file."""
        return len(self._frames)

    @property
    def shape(self) -> tuple[int, ...]:
        """The frame's shape, known without reading."""
        return self._frame.shape

    @property
    def dtype(self) -> np.dtype:
        """The frame's dtype (native byte order), known without reading."""
        return self._frame.dtype

    def getframe(self, num: int) -> EdfImage:
        """Frame ``num`` of the file (0-based); OSError beyond the last, as fabio."""
        num = operator.index(num)
        if not 0 <= num < self.nframes:
            raise OSError(f"EdfImage.getframe: Cannot access frame {num}: 0<=frame<{self.nframes}")
        return EdfImage(self.file, self._frames, num)

    def next(self) -> EdfImage:
        """The next frame; for a single-frame file, the next file of its numbered series."""
        if self.nframes == 1:
            return fabio_open(_next_in_series(self.filename))
        return self.getframe(self.currentframe + 1)

    def close(self) -> None:
        """Close the file (shared by the frames ``getframe`` gave)."""
        self.file.close()

    def __enter__(self) -> EdfImage:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        where = f"frame {self.currentframe} of {self.nframes}"
        return f"<EdfImage {self.filename!r} {where}: {self.shape} {self.dtype}>"


def _next_in_series(path: str) -> str:
    """``im0007.edf`` → ``im0008.edf``: the last number before the extension, one up, same width."""
    folder, name = os.path.split(path)
    match = _SERIES.fullmatch(name)
    if match is None:
        raise OSError(f"{path} is a single frame and its name has no number: no next file in a series")
    number = match["number"]
    return os.path.join(folder, f"{match['stem']}{int(number) + 1:0{len(number)}d}{match['suffix']}")


def fabio_open(filename: PathLike) -> EdfImage:
    """Frame 0 of a file, as ``fabio.open`` gives it; FormatError when no frame is complete."""
    file, frames = _open(os.fspath(filename))
    if not frames:
        file.close()
        if file.diagnostics:
            raise file.diagnostics[0].to_error()
        raise beamio.FormatError("the file holds no image", file.path)
    _warn_forgiven(file)
    return EdfImage(file, frames)
