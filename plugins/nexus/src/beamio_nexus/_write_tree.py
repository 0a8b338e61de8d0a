"""Groups, small datasets and attributes written through HDF5's own calls, for the NeXus writer.

A SPEC file of 1 434 scans is 78 000 datasets, 27 000 attributes and 10 000 groups,
most of them a motor position or a line of a header. For objects that small, h5py's
high-level layer costs more than HDF5 itself: each ``create_dataset`` or
``attrs[name] = value`` builds its type, space and property lists anew, each
``name in group`` asks HDF5, and each new object is wrapped. Here the types, the
scalar space and the property lists are made once, a group's names are tracked in a
set, and nothing is wrapped.

What a reader sees is what h5py writes: the same types (UTF-8 variable-length strings,
numpy's numeric types, h5py's enum for bool), shapes, names, attributes and their
order. Only the storage of a small dataset differs: compact, its values in its object
header, where h5py makes a separate contiguous block.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

import h5py
import numpy as np
from h5py import h5a, h5d, h5g, h5p, h5s, h5t

from ._layout import nexus_name

__all__ = ["COMPACT_BYTES", "Group", "json_texts", "set_attr"]

#: A dataset of at most this many bytes is compact (HDF5 allows 64 KiB in an object header):
#: a motor, a column of a few hundred points, a header's lines.
COMPACT_BYTES = 8192

_TEXT = h5py.string_dtype("utf-8")


def _group_plist() -> Any:
    """Groups as h5py's ``track_order=True`` makes them: links and attributes in creation order, no times."""
    plist = h5p.create(h5p.GROUP_CREATE)
    order = h5p.CRT_ORDER_TRACKED | h5p.CRT_ORDER_INDEXED
    plist.set_link_creation_order(order)
    plist.set_attr_creation_order(order)
    plist.set_obj_track_times(False)
    return plist


def _dataset_plist(layout: int) -> Any:
    """Datasets as h5py's ``create_dataset`` makes them (no times), in ``layout``."""
    plist = h5p.create(h5p.DATASET_CREATE)
    plist.set_obj_track_times(False)
    plist.set_layout(layout)
    return plist


_SCALAR = h5s.create(h5s.SCALAR)
_TEXT_TYPE = h5t.py_create(_TEXT, logical=True)  # in the file: UTF-8, variable length
_OBJECTS = h5t.py_create(_TEXT)  # in memory: Python str objects, which h5py's conversion encodes
_VLEN_BYTES = _TEXT_TYPE.get_size()  # a string's reference in the dataset (the text is in a heap)
_GROUP = _group_plist()
_CONTIGUOUS = _dataset_plist(h5d.CONTIGUOUS)
_COMPACT = _dataset_plist(h5d.COMPACT)


@functools.cache
def _type(dtype: np.dtype) -> Any:
    """HDF5's type for a numeric numpy type, made once (bool is h5py's FALSE/TRUE enum)."""
    return h5t.py_create(dtype, logical=True)


@functools.lru_cache(maxsize=64)
def _space(shape: tuple[int, ...]) -> Any:
    return _SCALAR if not shape else h5s.create_simple(shape)


def _typed(value: Any) -> tuple[np.ndarray, Any, Any]:
    """``value`` as a C-ordered array, its HDF5 type in the file and in memory: text as UTF-8 strings."""
    if isinstance(value, str):
        return np.array(value, dtype=object), _TEXT_TYPE, _OBJECTS
    array = np.asarray(value)
    if array.dtype.kind in "OU":
        return array.astype(object), _TEXT_TYPE, _OBJECTS
    if not array.flags.c_contiguous:
        array = array.copy()
    # a dtype with metadata (an h5py enum) equals its plain dtype: not from the cache
    tid = _type(array.dtype) if array.dtype.metadata is None else h5t.py_create(array.dtype, logical=True)
    return array, tid, tid


def json_texts(values: Iterable[Any]) -> tuple[list[Any], list[int]]:
    """Values as HDF5 text, and the positions of those written as JSON.

    JSON is for what HDF5's strings cannot hold: a value that is not text, and text
    holding NUL (where an HDF5 string ends). Bytes stay as they are: h5py writes
    them as text (a column of text read from an HDF5 file is bytes).
    """
    texts: list[Any] = []
    encoded: list[int] = []
    for i, value in enumerate(values):
        if isinstance(value, bytes) or (isinstance(value, str) and "\x00" not in value):
            texts.append(value)
        else:
            texts.append(json.dumps(_plain(value)))
            encoded.append(i)
    return texts, encoded


def _json_escaped(value: str | np.ndarray) -> tuple[str | np.ndarray, list[int]]:
    """Text (a str, an array of text) with what HDF5's strings cannot hold as JSON; its flat positions."""
    flat = [value] if isinstance(value, str) else value.reshape(-1).tolist()
    texts, encoded = json_texts(flat)
    if isinstance(value, str):
        return texts[0], encoded
    return (_objects(texts).reshape(value.shape) if encoded else value), encoded


def _objects(items: list[Any]) -> np.ndarray:
    """A 1-D array of ``items`` as Python objects (one element each, a list too)."""
    array = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):  # one by one: a list assigned to a slice would be spread over it
        array[i] = item
    return array


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (numpy scalars and arrays as Python values)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def set_attr(obj: Any, name: str, value: Any) -> None:
    r"""A new attribute of the HDF5 object ``obj`` (an id), as ``obj.attrs[name] = value`` writes it.

    Text holding NUL, which HDF5's strings cannot hold, is ``@<name>_json`` instead:
    the text as JSON (``"a\u0000b"``).
    """
    if isinstance(value, str) and "\x00" in value:
        name, value = f"{name}_json", json.dumps(value)
    data, tid, memory = _typed(value)
    attr = h5a.create(obj, name.encode(), tid, _space(data.shape))
    attr.write(data, mtype=memory)


class Group:
    """A group being written: HDF5's id, its path, and the names of what was made in it.

    Every member made through this object is named in ``names``, so a unique name
    is found without asking HDF5 (:meth:`valid_name`); a group opened from an
    existing file starts with none of its members named.
    """

    __slots__ = ("id", "names", "path")

    def __init__(self, gid: Any, path: str) -> None:
        self.id, self.path = gid, path
        self.names: set[str] = set()

    @classmethod
    def of(cls, group: h5py.Group) -> Group:
        """An h5py group of the file, to write in (none of its members named)."""
        return cls(group.id, group.name)

    def path_of(self, name: str) -> str:
        """The absolute path of member ``name``."""
        return f"{self.path.rstrip('/')}/{name}"

    def valid_name(self, name: str) -> str:
        """``name`` made a valid NeXus name, unique among the names made here."""
        return nexus_name(name, self.names)

    def _new(self, name: str) -> bytes:
        self.names.add(name)
        return name.encode("ascii")  # a NeXus name: HDF5's ASCII link names, as h5py makes them

    def attr(self, name: str, value: Any) -> None:
        set_attr(self.id, name, value)

    def group(self, name: str, nx_class: str | None = None, original: str | None = None) -> Group:
        """A new group ``name`` that keeps its members' order, with ``@NX_class`` and ``@original_name``."""
        child = Group(h5g.create(self.id, self._new(name), gcpl=_GROUP), self.path_of(name))
        if nx_class is not None:
            child.attr("NX_class", nx_class)
        if original is not None and original != name:
            child.attr("original_name", original)
        return child

    def dataset(self, name: str, value: Any, original: str | None = None) -> Any:
        """A new dataset ``name`` holding ``value`` with its own type and shape (a str: a scalar string).

        Text that HDF5's strings cannot hold (:func:`json_texts`) is written as JSON,
        ``@json`` listing where (positions in the flattened array; 0 for a scalar).
        ``original``, when it differs from ``name``, goes in ``@original_name``.
        Returns the dataset's HDF5 id, for more attributes.
        """
        if not isinstance(value, (str, np.ndarray)):
            value = np.asarray(value)
        encoded: list[int] = []
        if isinstance(value, str) or value.dtype.kind in "OU":
            value, encoded = _json_escaped(value)
        if isinstance(value, np.ndarray) and value.dtype.kind not in "biufcOU":  # bytes, records…
            created = self.stack(name, data=value).id
        else:
            data, tid, memory = _typed(value)
            size = data.size * (_VLEN_BYTES if memory is _OBJECTS else data.itemsize)
            plist = _COMPACT if 0 < size <= COMPACT_BYTES else _CONTIGUOUS
            created = h5d.create(self.id, self._new(name), tid, _space(data.shape), dcpl=plist)
            if data.size:
                created.write(h5s.ALL, h5s.ALL, data, mtype=memory)
        if original is not None and original != name:
            set_attr(created, "original_name", original)
        if encoded:
            set_attr(created, "json", np.array(encoded, np.int64))
        return created

    def texts(self, name: str, values: Iterable[Any], original: str | None = None) -> Any:
        """A new 1-D dataset of UTF-8 strings: text as it is, other values as JSON, listed in ``@json``.

        Returns the dataset's HDF5 id, for more attributes.
        """
        return self.dataset(name, _objects(list(values)), original)

    def link(self, name: str, target: str) -> None:
        """A soft link ``name`` to the absolute path ``target``."""
        self.id.links.create_soft(self._new(name), target.encode())

    def stack(self, name: str, *args: Any, **options: Any) -> h5py.Dataset:
        """A new dataset made by h5py's ``create_dataset`` (chunks, filters): for a few big ones."""
        self._new(name)
        return h5py.Group(self.id).create_dataset(name, *args, **options)

    def virtual(self, name: str, layout: h5py.VirtualLayout) -> h5py.Dataset:
        """A new virtual dataset ``name`` of ``layout``."""
        self._new(name)
        return h5py.Group(self.id).create_virtual_dataset(name, layout)
