"""NexusReader: any HDF5 file as its own tree, NXentry groups as Datasets (a first version).

Every HDF5 dataset is reachable by its path as a lazy array (h5py slicing; shape
and dtype without reading). NXentry groups become Datasets with their title,
start and end times, the BLISS ``measurement`` group's 1-D counters as columns,
``instrument/positioners`` as positioners and the first image stack of
``measurement`` as frames. Dangling links and virtual datasets whose source files
are missing are diagnostics, never silent zeros.
"""

from __future__ import annotations

import io
import os
from typing import Any

import h5py
import numpy as np

from beamio import (
    Array,
    Dataset,
    Diagnostics,
    File,
    FormatError,
    FormatReader,
    FrameStack,
    Group,
    Guard,
    Head,
    Header,
    LazyArray,
    NotThisFormat,
    Source,
    known_format,
)

__all__ = ["NexusReader"]


def _text(value: Any) -> Any:
    """HDF5 attribute values as Python values: bytes as text, one-element arrays as their element."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", "surrogateescape")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _attrs(obj: Any) -> dict[str, Any]:
    try:
        return {key: _text(obj.attrs[key]) for key in obj.attrs}
    except (OSError, KeyError, TypeError):  # an attribute of a type h5py cannot read
        return {}


class _Tree:
    """The file's own tree as beamio Groups and Arrays, built as it is walked."""

    def __init__(self, h5: h5py.File, guard: Guard, log: Diagnostics, path: str) -> None:
        self.h5, self.guard, self.log, self.path = h5, guard, log, path

    def group(self, obj: h5py.Group, name: str) -> Group:
        return Group(name, lambda: self._members(obj), _attrs(obj))

    def _members(self, obj: h5py.Group) -> dict[str, Any]:
        out: dict[str, Any] = {}
        try:
            names = list(obj)
        except (RuntimeError, OSError, KeyError, ValueError) as error:  # a damaged group
            raise FormatError(f"{obj.name}: HDF5 could not list the group: {error}", self.path) from None
        for name in names:
            node = self.node(obj, name)
            if node is not None:
                out[name] = node
        return out

    def node(self, parent: h5py.Group, name: str) -> Group | Array | None:
        where = f"{parent.name.rstrip('/')}/{name}"
        try:
            obj = parent[name]
        except (KeyError, OSError, RuntimeError, ValueError) as error:
            try:
                link = parent.get(name, getlink=True)
            except (KeyError, OSError, RuntimeError, ValueError):
                raise FormatError(f"{where}: HDF5 could not open it: {error}", self.path) from None
            if isinstance(link, h5py.ExternalLink):
                why = f"external link to {link.filename}::{link.path}"
            elif isinstance(link, h5py.SoftLink):
                why = f"soft link to {link.path}"
            else:
                why = str(error)
            self.log.report(f"{where}: dangling {why}; left out", severity="warning")
            return None
        if isinstance(obj, h5py.Group):
            return self.group(obj, name)
        return Array(name, self.array(obj, where), _attrs(obj))

    def array(self, dataset: h5py.Dataset, where: str) -> LazyArray:
        if dataset.is_virtual:
            missing = sorted(
                {
                    source.file_name
                    for source in dataset.virtual_sources()
                    if source.file_name != "."
                    and not os.path.exists(os.path.join(os.path.dirname(self.path), source.file_name))
                    and not os.path.exists(source.file_name)
                }
            )
            if missing:
                self.log.report(
                    f"{where}: virtual dataset whose sources are missing ({', '.join(missing)}): HDF5 would"
                    " read fill values there",
                    severity="warning",
                )
        path = self.path

        def read(key: Any) -> np.ndarray:
            try:
                return np.asarray(dataset[key])
            except (OSError, ValueError, KeyError, RuntimeError) as error:
                # A damaged block, a filter that is not installed (hdf5plugin), a truncated file.
                raise FormatError(f"{where}: HDF5 could not read it: {error}", path) from None

        return LazyArray(dataset.shape, dataset.dtype, read, guard=self.guard, name=where)


class NexusReader(FormatReader):
    """Reads HDF5 and NeXus files (a first version: the tree, entries, counters, positioners, images)."""

    @classmethod
    def sniff(cls, head: Head) -> None:
        """HDF5 files carry their signature at 0 or after a user block of 512, 1024 … bytes."""
        for signature in known_format("nexus").signatures:
            if signature.match(head):
                return
        raise NotThisFormat("no HDF5 signature", head.path)

    def read(self, source: Source) -> File:
        """Open the file with h5py (read-only); Datasets and the tree are built as they are walked."""
        target: Any = io.BytesIO(source.read_bytes()) if source.compression else source.path
        try:
            h5 = h5py.File(target, "r", locking=False)
        except OSError as error:
            raise NotThisFormat(f"h5py cannot open it: {error}", source.path) from None
        source.on_close(h5.close)
        tree = _Tree(h5, source.guard, source.diagnostics, source.path)
        root = tree.group(h5, "")
        datasets = [_entry(name, group, tree, source) for name, group in _entries(root)]
        return source.file(datasets, header=Header(_attrs(h5), origin=source.path), tree=lambda: root)


def _entries(root: Group) -> list[tuple[str, Group]]:
    """NXentry groups; else every top-level group; else the root itself."""
    groups = [(name, node) for name, node in root.items() if isinstance(node, Group)]
    entries = [(n, g) for n, g in groups if str(g.attrs.get("NX_class", "")) == "NXentry"]
    return entries or groups or [("1", root)]


def _scalar_text(group: Group, name: str) -> str | None:
    node = group.get(name)
    if not isinstance(node, Array):
        return None
    values = np.asarray(node[()]) if node.shape == () else np.asarray(node[...]).ravel()[:1]
    text = _text(values.reshape(-1)[0]) if values.size else None
    return None if text is None else str(text)


def _entry(name: str, group: Group, tree: _Tree, source: Source) -> Dataset:
    measurement = group.get("measurement")
    columns: dict[str, Any] = {}
    frames = None
    if isinstance(measurement, Group):
        lengths: list[int] = []
        for key, node in measurement.items():
            if not isinstance(node, Array):
                continue
            if node.ndim == 1:
                columns[key] = _reader(node)
                lengths.append(node.shape[0])
            elif node.ndim >= 3 and frames is None:
                frames = FrameStack.from_array(node.value, name=key, guard=source.guard)
    positioners: dict[str, Any] = {}
    instrument = group.get("instrument")
    motors = instrument.get("positioners") if isinstance(instrument, Group) else None
    if isinstance(motors, Group):
        for key, node in motors.items():
            if isinstance(node, Array) and node.ndim <= 1:
                positioners[key] = node.value[()] if node.ndim == 0 else node.value
    return Dataset(
        name,
        _scalar_text(group, "title") or "",
        Header(group.attrs, origin=f"{source.path}::/{name}"),
        columns=columns,
        positioners=positioners,
        frames=frames,
        start_time=_scalar_text(group, "start_time"),
        end_time=_scalar_text(group, "end_time"),
        diagnostics=source.diagnostics.child(scan=name),
    )


def _reader(node: Array) -> LazyArray:
    value = node.value
    return value if isinstance(value, LazyArray) else LazyArray.from_array(value)
