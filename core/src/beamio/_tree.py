"""The path view: every file walked like an h5py file, in one NeXus-like layout.

``f["/1.1/measurement/det"]`` or ``f["/1.1/instrument/positioners/th"]`` work the
same for every format: the layout is the one the NeXus writer writes. Groups are
mappings, arrays slice like arrays, both have ``attrs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Union

import numpy as np

from ._lazy import LazyArray

if TYPE_CHECKING:
    from ._dataset import Dataset

__all__ = ["Array", "Group", "Node", "dataset_group", "split_path"]


def split_path(path: str) -> list[str]:
    """``"/a//b/"`` → ``["a", "b"]``."""
    return [part for part in path.split("/") if part]


def _attributes(node: Any) -> Mapping[str, Any]:
    """A node's attributes: the mapping given (a reader's may read each when asked), or a function's."""
    if not isinstance(node._attrs, Mapping):
        given = node._attrs() if callable(node._attrs) else node._attrs
        node._attrs = given if isinstance(given, Mapping) else dict(given or {})
    return node._attrs  # type: ignore[no-any-return]


class Array:
    """A leaf of the path view: a lazy array, a numpy array or a scalar, with attrs."""

    def __init__(
        self, name: str, value: Any, attrs: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None
    ) -> None:
        self.name = name
        self._value = value
        self._attrs = attrs

    @property
    def attrs(self) -> Mapping[str, Any]:
        """The attributes (a reader may give a function, or a mapping that reads each on first use)."""
        return _attributes(self)

    @property
    def value(self) -> Any:
        """The stored object (lazy array, numpy array or scalar) without reading."""
        return self._value

    @property
    def shape(self) -> tuple[int, ...]:
        """Shape, known without reading."""
        return tuple(getattr(self._value, "shape", np.shape(self._value)))

    @property
    def dtype(self) -> np.dtype:
        """Dtype, known without reading."""
        dtype = getattr(self._value, "dtype", None)
        return np.dtype(dtype) if dtype is not None else np.asarray(self._value).dtype

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, key: Any) -> Any:
        if isinstance(self._value, LazyArray):
            return self._value[key]
        return np.asarray(self._value)[key]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        data = np.asarray(self._value)
        return data if dtype is None else data.astype(dtype, copy=False)

    def __repr__(self) -> str:
        return f"<Array {self.name!r} shape={self.shape} dtype={self.dtype}>"


Node = Union["Group", Array]


#: Paths of up to this many parts try every prefix; longer ones ask how long names are.
_SHORT_PATH = 16


class Group(Mapping[str, Node]):
    """A group of the path view: a mapping of names to groups and arrays, with attrs.

    Children are built on first access (``children`` may be a callable), so a
    view over ten thousand scans costs nothing until walked.
    """

    def __init__(
        self,
        name: str,
        children: Mapping[str, Any] | Callable[[], Mapping[str, Any]],
        attrs: Mapping[str, Any] | Callable[[], Mapping[str, Any]] | None = None,
    ) -> None:
        self.name = name
        self._children = children
        self._attrs = attrs

    @property
    def attrs(self) -> Mapping[str, Any]:
        """The attributes (a reader may give a function, or a mapping that reads each on first use)."""
        return _attributes(self)

    def _members(self) -> Mapping[str, Any]:
        if callable(self._children):
            self._children = self._children()
        return self._children

    def __getitem__(self, path: str) -> Node:
        members = self._members()
        if path in members:  # a name as listed, even one no path spells ("imsca/", a SPEC mnemonic)
            return _as_node(path, members[path])
        parts = split_path(path)
        if not parts:
            return self
        node: Node = self
        longest: dict[int, int] = {}  # the most parts a name has, by group (a long path meets one again)
        while parts:
            if not isinstance(node, Group):
                raise KeyError(f"{node.name!r} is an array, it has no member {'/'.join(parts)!r}")
            members = node._members()
            # Names may contain "/" (a SPEC label like "Cross Section (cm2/g)"): longest first. A
            # long path (a hostile @default of 10 000 parts) tries no more parts than a name has.
            if len(parts) <= _SHORT_PATH:
                most = len(parts)
            elif (most := longest.get(id(members), 0)) == 0:
                most = longest[id(members)] = 1 + max(
                    (name.count("/") for name in members if "/" in name), default=0
                )
            for n in range(min(len(parts), most), 0, -1):
                name = "/".join(parts[:n])
                if name in members:
                    node = _as_node(name, members[name])
                    parts = parts[n:]
                    break
            else:
                raise KeyError(f"no {parts[0]!r} in {node.name or '/'!r}")
        return node

    def __iter__(self) -> Iterator[str]:
        return iter(self._members())

    def __len__(self) -> int:
        return len(self._members())

    def __repr__(self) -> str:
        return f"<Group {self.name or '/'!r} ({len(self)} members)>"

    def visit(self, prefix: str = "") -> Iterator[tuple[str, Node]]:
        """Every node below this group, depth first, with its path."""
        for name in self:
            node = self[name] if "/" not in name else _as_node(name, self._members()[name])
            path = f"{prefix}/{name}"
            yield path, node
            if isinstance(node, Group):
                yield from node.visit(path)


def _as_node(name: str, value: Any) -> Node:
    if isinstance(value, (Group, Array)):
        return value
    if isinstance(value, Mapping):
        return Group(name, value)
    return Array(name, value)


def _text(name: str, value: str) -> Array:
    return Array(name, np.array(value, dtype=object))


def dataset_group(ds: Dataset) -> Group:
    """The NeXus-like group of one measurement (what the NeXus writer writes)."""

    def members() -> dict[str, Any]:
        out: dict[str, Any] = {"title": _text("title", ds.title)}
        if ds.start_time:
            out["start_time"] = _text("start_time", ds.start_time)
        if ds.end_time:
            out["end_time"] = _text("end_time", ds.end_time)
        out["instrument"] = Group("instrument", lambda: _instrument(ds), {"NX_class": "NXinstrument"})
        out["measurement"] = Group("measurement", lambda: _measurement(ds), {"NX_class": "NXcollection"})
        if ds.sample:
            out["sample"] = Group("sample", ds.sample, {"NX_class": "NXsample"})
        if ds.frames is not None:
            out["frames"] = Array("frames", ds.frames, _frames_attrs(ds.frames))
        return out

    return Group(ds.key, members, {"NX_class": "NXentry"})


def _frames_attrs(frames: LazyArray) -> dict[str, str]:
    """A stack of 1-D frames (points × channels) holds spectra; any other stack, images."""
    return {"interpretation": "spectrum" if frames.ndim == 2 else "image"}


def _measurement(ds: Dataset) -> dict[str, Any]:
    out: dict[str, Any] = {name: Array(name, value) for name, value in ds.columns.items()}
    if ds.frames is not None:
        name = ds.frames.name or "image"
        out[name] = Array(name, ds.frames, _frames_attrs(ds.frames))
    for name, spectrum in ds.spectra.items():
        out[name] = Array(name, spectrum.counts, {"interpretation": "spectrum"})
    return out


def _instrument(ds: Dataset) -> dict[str, Any]:
    out: dict[str, Any] = {
        "positioners": Group(
            "positioners",
            {name: Array(name, value) for name, value in ds.positioners.items()},
            {"NX_class": "NXcollection"},
        )
    }
    if ds.frames is not None:
        name = ds.frames.name or "image"
        out[name] = Group(
            name, {"data": Array("data", ds.frames, _frames_attrs(ds.frames))}, {"NX_class": "NXdetector"}
        )
    for name, spectrum in ds.spectra.items():
        detector: dict[str, Any] = {
            "data": Array("data", spectrum.counts, {"interpretation": "spectrum"}),
            "channels": Array("channels", spectrum.channels),
            "calibration": Array(
                "calibration",
                np.array([spectrum.calibration.a, spectrum.calibration.b, spectrum.calibration.c]),
            ),
        }
        for time in ("preset_time", "live_time", "real_time"):
            value = getattr(spectrum, time)
            if value is not None:
                detector[time] = Array(time, value)
        out[name] = Group(name, detector, {"NX_class": "NXdetector"})
    for name, value in ds.instrument.items():
        out.setdefault(name, value)
    return out
