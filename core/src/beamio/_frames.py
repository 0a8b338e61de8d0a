"""Frame and FrameStack: images or spectra with their own headers, read lazily.

A frame stored as raw values in a file (an uncompressed EDF data block) also says
where: its :class:`Extent`, which a writer can reference in place instead of copying
(HDF5 external storage, ``link=True`` of the NeXus writer).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import attrs
import numpy as np

from ._convert import as_tuple
from ._guard import Guard
from ._header import Header
from ._lazy import BasicKey, LazyArray, as_lazy_array, basic_shape
from .errors import FormatError

__all__ = ["Extent", "Frame", "FrameStack"]


@attrs.frozen
class Extent:
    """Where a frame's values lie in a file as they are: ``shape`` values of ``dtype`` from ``offset``.

    Uncompressed, in C order, in the byte order of ``dtype`` (``>u2`` for a
    HighByteFirst EDF): what HDF5 external storage or ``np.memmap`` address without
    reading. ``path`` is absolute. ``stamp`` is the file's (size, mtime in ns) when the
    reader found the values there: a file changed since then holds other bytes there.
    """

    path: str
    offset: int
    dtype: np.dtype = attrs.field(converter=np.dtype)
    shape: tuple[int, ...] = attrs.field(converter=as_tuple)
    stamp: tuple[int, int] | None = None

    @property
    def nbytes(self) -> int:
        """The bytes the values occupy."""
        return math.prod(self.shape) * self.dtype.itemsize

    @property
    def end(self) -> int:
        """The offset just past the values."""
        return self.offset + self.nbytes


@attrs.frozen(eq=False)
class Frame:
    """One array (an image, a spectrum) with its own Header and its index.

    ``shape`` and ``dtype`` are known without reading; ``data`` reads the array.
    ``source`` names the file the frame lives in (useful for file series).
    ``extent`` says where its values lie in that file when they lie there as they
    are; else ``not_in_place`` may say why not (``"its data block is gzip-compressed"``).

    The extent describes the array the frame was made with: a frame made from this one
    with another array under the same extent (``attrs.evolve(frame, array=corrected)``)
    has none, as its values are not the file's (given a new extent too, it has that
    one). A view that reads the same values another way keeps it: :meth:`read_through`.
    """

    index: int
    array: LazyArray = attrs.field(converter=as_lazy_array)
    _header: Header | Callable[[], Header] = attrs.field(factory=Header, alias="header")
    source: str | None = None
    extent: Extent | None = None
    not_in_place: str | None = None
    #: ``id`` of the array and of the extent of the frame this one was made from (``attrs.evolve``
    #: passes them on, while that frame holds both): compared once, when this frame is made.
    _described: tuple[int, int] | None = attrs.field(default=None, alias="described", repr=False)

    def __attrs_post_init__(self) -> None:
        array, extent = self._described or (id(self.array), id(self.extent))
        if self.extent is not None and extent == id(self.extent) and array != id(self.array):
            object.__setattr__(self, "extent", None)  # a new array under the old extent
            object.__setattr__(
                self, "not_in_place", "its values were replaced since they were read from the file"
            )
        object.__setattr__(self, "_described", (id(self.array), id(self.extent)))

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # Made anew where it is unpickled: the ids of this process mean nothing there.
        return Frame, (self.index, self.array, self._header, self.source, self.extent, self.not_in_place)

    def read_through(self, array: Any) -> Frame:
        """This frame with its values read through ``array`` (the same values, another way): extent kept."""
        array = as_lazy_array(array)
        return attrs.evolve(self, array=array, described=(id(array), id(self.extent)))

    @property
    def header(self) -> Header:
        """The frame's header (a reader may give a function that parses it on first use)."""
        if not isinstance(self._header, Header):
            object.__setattr__(self, "_header", self._header())
        assert isinstance(self._header, Header)
        return self._header

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape of the frame's data."""
        return self.array.shape

    @property
    def dtype(self) -> np.dtype:
        """Dtype of the frame's data."""
        return self.array.dtype

    @property
    def data(self) -> np.ndarray:
        """The frame's data, read now."""
        return self.array.read()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.array.__array__(dtype)


class FrameSequence(Sequence[Frame]):
    """The frames of a stack, each made when first used (:meth:`FrameStack.from_reader`)."""

    def __init__(self, count: int, frame_of: Callable[[int], Frame], shape: tuple[int, ...], dtype: np.dtype):
        self._frame_of = frame_of
        self._shape = shape
        self._dtype = dtype
        self._made: list[Frame | None] = [None] * count

    def __len__(self) -> int:
        return len(self._made)

    def frame(self, i: int) -> Frame:
        """Frame ``i`` (0 ≤ i < len), made now if it was not yet."""
        found = self._made[i]
        if found is None:
            found = self._made[i] = self._frame_of(i)
            if found.shape != self._shape or found.dtype != self._dtype:
                raise FormatError(
                    f"frame {found.index} is {found.shape} {found.dtype}, but the stack's frames are"
                    f" {self._shape} {self._dtype}",
                    found.source,
                    frame=found.index,
                )
        return found

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.frame(j) for j in range(*i.indices(len(self)))]
        return self.frame(range(len(self))[i])


class FrameStack(LazyArray):
    """A lazy stack of frames: axis 0 counts frames, the other axes are a frame's.

    Slicing reads only the frames and the part of each frame that is asked
    (``stack[10:20, :, 5]``); iterating yields :class:`Frame` objects with their
    headers; ``stack.frame(i)`` gives one. ``name`` is the detector's name.

    Build one from frames that may come from many files
    (:meth:`from_frames`), or from one array whose first axis is frames plus the
    per-frame headers (:meth:`from_array`).
    """

    __slots__ = ("_frames", "_header_of")

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: Any,
        read: Callable[[BasicKey], np.ndarray],
        *,
        header_of: Callable[[int], Header] | None = None,
        frames: Sequence[Frame] | None = None,
        guard: Guard | None = None,
        name: str | None = "image",
    ) -> None:
        if len(shape) < 1:
            raise ValueError("a frame stack has at least one axis (the frames)")
        super().__init__(shape, dtype, read, guard=guard, name=name)
        self._frames = frames
        self._header_of = header_of

    @classmethod
    def from_frames(
        cls, frames: Sequence[Frame], *, name: str | None = "image", guard: Guard | None = None
    ) -> FrameStack:
        """Stack frames of one shape and dtype; a FormatError names the first that differs."""
        frames = list(frames)
        if not frames:
            return cls((0,), np.float64, lambda key: np.empty(0), frames=[], name=name, guard=guard)
        first = frames[0]
        for frame in frames[1:]:
            if frame.shape != first.shape or frame.dtype != first.dtype:
                raise FormatError(
                    f"frame {frame.index} is {frame.shape} {frame.dtype}, but frame "
                    f"{first.index} is {first.shape} {first.dtype}: frames of one stack "
                    "must share shape and dtype",
                    frame.source,
                    frame=frame.index,
                )

        def read(key: BasicKey) -> np.ndarray:
            which, rest = key[0], key[1:]
            if isinstance(which, int):
                return frames[which].array[rest]
            picked = range(which.start, which.stop, which.step)
            out = np.empty((len(picked), *basic_shape(rest)), first.dtype)
            for slot, i in enumerate(picked):
                frames[i].array.read_into(rest, out[slot, ...])  # one allocation for the whole stack
            return out

        return cls((len(frames), *first.shape), first.dtype, read, frames=frames, name=name, guard=guard)

    @classmethod
    def from_reader(
        cls,
        count: int,
        frame_of: Callable[[int], Frame],
        shape: tuple[int, ...],
        dtype: Any,
        *,
        name: str | None = "image",
        guard: Guard | None = None,
    ) -> FrameStack:
        """``count`` frames of one ``shape`` and ``dtype``, each made by ``frame_of(i)`` when first used.

        For readers that index many frames: opening costs no object per frame, and a
        frame's :class:`Frame` (its header, its lazy array) exists once something
        reads or asks for it. Every frame must have the stack's shape and dtype.
        """
        frames = FrameSequence(count, frame_of, tuple(shape), np.dtype(dtype))

        def read(key: BasicKey) -> np.ndarray:
            which, rest = key[0], key[1:]
            if isinstance(which, int):
                return frames.frame(which).array[rest]
            picked = range(which.start, which.stop, which.step)
            out = np.empty((len(picked), *basic_shape(rest)), dtype)
            for slot, i in enumerate(picked):
                frames.frame(i).array.read_into(rest, out[slot, ...])
            return out

        return cls((count, *shape), dtype, read, frames=frames, name=name, guard=guard)

    @classmethod
    def from_array(  # type: ignore[override]
        cls,
        source: Any,
        headers: Sequence[Header] | Callable[[int], Header] | None = None,
        *,
        name: str | None = "image",
        guard: Guard | None = None,
    ) -> FrameStack:
        """A stack over one array whose first axis is frames, with per-frame headers."""
        array = LazyArray.from_array(source, guard=guard)
        if headers is None:
            header_of: Callable[[int], Header] | None = None
        elif callable(headers):
            header_of = headers
        else:
            header_list = list(headers)
            if len(header_list) != array.shape[0]:
                raise ValueError(f"{len(header_list)} headers given for {array.shape[0]} frames")
            header_of = header_list.__getitem__
        return cls(array.shape, array.dtype, array._read_basic, header_of=header_of, name=name, guard=guard)

    def __getitem__(self, key: Any) -> np.ndarray:
        """Like numpy; a list of frames reads those frames only, not the span between them."""
        first, rest = (key[0], key[1:]) if isinstance(key, tuple) and key else (key, ())
        if isinstance(first, (list, tuple, np.ndarray)) and not any(
            isinstance(k, (list, tuple, np.ndarray)) for k in rest
        ):
            points = np.asarray(first)
            if points.dtype == bool and points.shape == (self.shape[0],):
                points = np.flatnonzero(points)
            if points.ndim == 1 and points.size and points.dtype.kind in "iu":
                return np.stack([super(FrameStack, self).__getitem__((int(i), *rest)) for i in points])
        return super().__getitem__(key)

    # -- frames ------------------------------------------------------------
    def frame(self, index: int) -> Frame:
        """Frame ``index`` (negative counts from the end), with its header; data still lazy."""
        n = self.shape[0]
        i = index + n if index < 0 else index
        if not 0 <= i < n:
            raise IndexError(f"frame {index} is out of range: the stack has {n} frames")
        if self._frames is not None:
            return self._frames[i]
        header = self._header_of(i) if self._header_of is not None else Header()
        frame_shape = self.shape[1:]

        def read(key: BasicKey) -> np.ndarray:
            index = (i, *key)
            return self[index]

        return Frame(i, LazyArray(frame_shape, self.dtype, read, guard=self._guard), header)

    def __iter__(self) -> Iterator[Frame]:  # type: ignore[override]
        for i in range(self.shape[0]):
            yield self.frame(i)

    @property
    def headers(self) -> list[Header]:
        """The per-frame headers, in frame order."""
        return [self.frame(i).header for i in range(self.shape[0])]
