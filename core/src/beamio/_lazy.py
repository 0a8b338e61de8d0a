"""LazyArray: an array whose shape and dtype are known and whose data is read on access."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any, Protocol, Union

import numpy as np

from ._guard import Guard

__all__ = ["ArraySource", "BasicKey", "LazyArray", "as_lazy_array", "normalize_index"]

#: A key of ints and positive-step slices, one per axis, as a read function receives it.
BasicKey = tuple[Union[int, slice], ...]
ReadFunction = Callable[[BasicKey], np.ndarray]


class ArraySource(Protocol):
    """Anything with shape, dtype and basic slicing: numpy arrays, memmaps, h5py datasets."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> Any: ...

    def __getitem__(self, key: Any) -> Any: ...


def _axis_index(key: Any, size: int, axis: int) -> tuple[int | slice, Any]:
    """One axis of a key → (what to read, how to pick from what was read)."""
    if isinstance(key, (bool, np.bool_)):
        raise IndexError("boolean scalars are not supported as indices")
    if isinstance(key, (int, np.integer)):
        i = operator.index(key)
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError(f"index {key} is out of bounds for axis {axis} with size {size}")
        return i, None
    if isinstance(key, slice):
        start, stop, step = key.indices(size)
        if step > 0:
            return slice(start, max(start, stop), step), slice(None)
        count = len(range(start, stop, step))
        if count == 0:
            return slice(0, 0, 1), slice(None)
        low = start + step * (count - 1)
        return slice(low, start + 1, -step), slice(None, None, -1)
    points = np.asarray(key)
    if points.dtype == bool:
        if points.shape != (size,):
            raise IndexError(
                f"boolean index of shape {points.shape} does not match axis {axis} of size {size}"
            )
        points = np.flatnonzero(points)
    if points.ndim != 1 or (points.size and points.dtype.kind not in "iu"):
        raise IndexError(f"only integers, slices, ... and 1-D integer lists are valid indices, not {key!r}")
    points = points.astype(np.intp)
    points = np.where(points < 0, points + size, points)
    if points.size and (points.min() < 0 or points.max() >= size):
        raise IndexError(f"index list {key!r} is out of bounds for axis {axis} with size {size}")
    if points.size == 0:
        return slice(0, 0, 1), points
    low = int(points.min())
    return slice(low, int(points.max()) + 1, 1), points - low


def normalize_index(key: Any, shape: tuple[int, ...]) -> tuple[BasicKey, tuple[Any, ...]]:
    """Split a numpy-style key into a basic key to read and the picking to apply after.

    The basic key has one entry per axis: an int (the axis is dropped) or a slice with a
    positive step. The picking reverses negative steps and selects the points of one
    integer list (like h5py, at most one axis may take a list). Beside a list, ints are
    read as one-wide slices and picked after, with any ``...`` kept in the picking, so
    that numpy's own rules place the list's axis (first when a slice or ``...`` parts
    it from an int).
    """
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is None for k in key):
        raise IndexError("np.newaxis is not supported on lazy arrays; index the result instead")
    ellipses = sum(1 for k in key if k is Ellipsis)
    if ellipses > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    given = len(key) - ellipses
    if given > len(shape):
        raise IndexError(f"too many indices: array is {len(shape)}-dimensional, but {given} were indexed")
    full: list[Any] = []
    ellipsis_at: int | None = None
    for k in key:
        if k is Ellipsis:
            ellipsis_at = len(full)
            full.extend([slice(None)] * (len(shape) - given))
        else:
            full.append(k)
    full.extend([slice(None)] * (len(shape) - len(full)))
    axes = [_axis_index(k, size, axis) for axis, (k, size) in enumerate(zip(full, shape, strict=True))]
    lists = sum(isinstance(pick, np.ndarray) for _, pick in axes)
    if lists > 1:
        raise IndexError("only one axis may be indexed with a list (as in h5py)")
    basic: list[int | slice] = []
    picks: list[Any] = []
    for read, pick in axes:
        if lists and isinstance(read, int):
            basic.append(slice(read, read + 1, 1))
            picks.append(0)
        else:
            basic.append(read)
            if pick is not None:
                picks.append(pick)
    if lists and ellipsis_at is not None:
        # "..." parts a list from an int even where it stands for no axis.
        picks[ellipsis_at : ellipsis_at + len(shape) - given] = [Ellipsis]
    return tuple(basic), tuple(picks)


def basic_shape(key: BasicKey) -> tuple[int, ...]:
    """The shape a basic key selects (ints drop their axis)."""
    return tuple(len(range(k.start, k.stop, k.step)) for k in key if isinstance(k, slice))


class LazyArray:
    """An n-D array read on access: shape and dtype are free, data costs a read.

    Slicing (``a[10:20, :, 5]``) reads only what is asked and returns a numpy
    array; ``np.asarray(a)`` reads everything; ``a.to_dask()`` gives a dask array.
    ``reads`` counts the reads made, so tests can prove that opening read nothing.

    Parameters
    ----------
    shape, dtype
        What the data will be.
    read_into
        Optional: the same read written straight into a given array, so that a stack
        of frames fills one result without a copy per frame.
    read
        Called with a basic key (one int or positive-step slice per axis); returns
        exactly that selection as a numpy array.
    guard
        The open file's guard; reading after the file closed raises ClosedFileError.
    """

    __slots__ = ("_dtype", "_guard", "_read", "_read_into", "_shape", "name", "origin", "reads")

    def __init__(
        self,
        shape: tuple[int, ...],
        dtype: Any,
        read: ReadFunction,
        *,
        guard: Guard | None = None,
        name: str | None = None,
        read_into: Callable[[BasicKey, np.ndarray], None] | None = None,
    ) -> None:
        self._shape = tuple(int(n) for n in shape)
        if any(n < 0 for n in self._shape):
            raise ValueError(f"a shape cannot have negative sizes: {self._shape}")
        self._dtype = np.dtype(dtype)
        self._read = read
        self._read_into = read_into
        self._guard = guard
        self.name = name
        self.reads = 0
        #: Where another process finds this array again (set by :func:`beamio.open`), or None.
        self.origin: Any = None

    @classmethod
    def from_array(
        cls, source: ArraySource, *, guard: Guard | None = None, name: str | None = None
    ) -> LazyArray:
        """Wrap anything with shape, dtype and basic slicing (numpy, memmap, h5py); lists become arrays."""
        if isinstance(source, LazyArray):
            return source
        if not (hasattr(source, "shape") and hasattr(source, "dtype")):
            source = np.asarray(source)

        def read(key: BasicKey) -> np.ndarray:
            return np.asarray(source[key])

        array = cls(tuple(source.shape), source.dtype, read, guard=guard, name=name)
        if type(source) is np.ndarray:
            array.origin = _InMemory(source)  # pickled, it travels with its values
        return array

    # -- array-like attributes ---------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, known without reading."""
        return self._shape

    @property
    def dtype(self) -> np.dtype:
        """The dtype, known without reading."""
        return self._dtype

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self._shape)

    @property
    def size(self) -> int:
        """Number of elements."""
        return int(np.prod(self._shape, dtype=np.int64))

    @property
    def nbytes(self) -> int:
        """Bytes the whole array takes once read."""
        return self.size * self._dtype.itemsize

    def __len__(self) -> int:
        if not self._shape:
            raise TypeError("len() of a 0-d array")
        return self._shape[0]

    def __repr__(self) -> str:
        name = f" {self.name!r}" if self.name else ""
        return f"<{type(self).__name__}{name} shape={self._shape} dtype={self._dtype}>"

    # -- reading -----------------------------------------------------------
    def __getitem__(self, key: Any) -> np.ndarray:
        basic, picks = normalize_index(key, self._shape)
        data = self._read_basic(basic)
        if any(not (isinstance(p, slice) and p == slice(None)) for p in picks):
            data = data[picks]
        return data

    def _read_basic(self, key: BasicKey) -> np.ndarray:
        if self._guard is not None:
            self._guard.check()
        shape = basic_shape(key)
        if 0 in shape:
            return np.empty(shape, self._dtype)
        self.reads += 1
        data = np.asarray(self._read(key))
        if data.shape != shape:
            data = data.reshape(shape)
        return data

    def read_into(self, key: BasicKey, out: np.ndarray) -> None:
        """Read a basic key straight into ``out`` (a stack filling its slots): no copy in between."""
        if self._read_into is None or 0 in out.shape:
            out[...] = self._read_basic(key)
            return
        if self._guard is not None:
            self._guard.check()
        self.reads += 1
        self._read_into(key, out)

    def read(self) -> np.ndarray:
        """Read the whole array."""
        return self[...]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = self.read()
        return data if dtype is None else data.astype(dtype, copy=False)

    def __iter__(self) -> Iterator[np.ndarray]:
        for i in range(len(self)):
            yield self[i]

    def to_dask(self, chunks: Any = "auto") -> Any:
        """This array as a dask array (``pip install 'beamio[dask]'``).

        Here the chunks read through this array. Sent to the workers of a
        ``dask.distributed`` cluster, an array that :func:`beamio.open` handed out
        travels as its address (files, format, dataset, member) and each worker opens
        the file by path once; the files must be at the same paths on the workers.
        """
        try:
            import dask.array as da
        except ImportError as error:
            raise ImportError("to_dask() needs dask: pip install 'beamio[dask]'") from error
        meta = np.empty((0,) * self.ndim, self._dtype)
        token = None if self.origin is None else self.origin.token()
        name = f"beamio-{token}" if token else False
        return da.from_array(self, chunks=chunks, meta=meta, asarray=False, fancy=False, name=name)

    def __reduce_ex__(self, protocol: Any) -> Any:
        # Pickled (sent to a dask worker), an opened array is its address: the worker opens the file.
        if self.origin is None:
            raise TypeError(
                f"{self!r} reads through a handle of this process and has no address (beamio.open"
                " gives one to the frames and spectra of files it opens by path): it cannot be"
                " sent to another process; send np.asarray(it) or the file's path instead"
            )
        return (_arrived, (self.origin, self._shape, self._dtype, self.name))


class _InMemory:
    """The "address" of an array held in memory: the values themselves."""

    __slots__ = ("values",)

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def resolve(self) -> LazyArray:
        return LazyArray.from_array(self.values)

    def token(self) -> None:
        return None


def _arrived(origin: Any, shape: tuple[int, ...], dtype: np.dtype, name: str | None) -> LazyArray:
    """An array unpickled from its address: its file is opened here on the first read, not before.

    (A dask scheduler unpickles the graph too, and never reads.)
    """

    def read(key: BasicKey) -> np.ndarray:
        return origin.resolve()._read_basic(key)

    array = LazyArray(shape, dtype, read, name=name)
    array.origin = origin
    return array


def as_lazy_array(value: Any) -> LazyArray:
    """An attrs converter: anything array-like as a LazyArray (a LazyArray as itself)."""
    return LazyArray.from_array(value)
