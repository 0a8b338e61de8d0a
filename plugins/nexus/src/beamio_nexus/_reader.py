"""NexusReader: any HDF5 file as its own tree, NXentry and NXsubentry groups as Datasets.

Every HDF5 dataset is reachable by its path as a lazy array (``_read_tree``).
NXentry groups become Datasets, each followed by its NXsubentry groups (keyed
``"entry/subentry"``), with what NeXus says of them (``_read_entry``) and their
default plot (``_read_plot``). A file written with SWMR opens while it is being
written, and ``File.refresh()`` shows what the writer has appended since.
"""

from __future__ import annotations

import io

import h5py

from beamio import (
    Dataset,
    Diagnostics,
    File,
    FormatReader,
    Group,
    Head,
    Header,
    LazyDatasets,
    NotThisFormat,
    Source,
    known_format,
)

from ._read_entry import entry_dataset
from ._read_open import open_hdf5
from ._read_tree import Tree, nx_class
from ._restore import is_beamio_file, original, stored_header

__all__ = ["NexusReader"]

#: What a refresh brings up to date in a Dataset already handed out.
_FOLLOWED = (
    "title",
    "header",
    "columns",
    "positioners",
    "frames",
    "sample",
    "start_time",
    "end_time",
    "plot",
)


class NexusReader(FormatReader):
    """Reads HDF5 and NeXus files: the file's tree, entries and subentries, their plots and samples."""

    @classmethod
    def sniff(cls, head: Head) -> None:
        """HDF5 files carry their signature at 0 or after a user block of 512, 1024 … bytes."""
        for signature in known_format("nexus").signatures:
            if signature.match(head):
                return
        raise NotThisFormat("no HDF5 signature", head.path)

    def read(self, source: Source) -> File:
        """Open the file read-only (with SWMR where a writer may be appending); build its Datasets."""
        h5, content = open_hdf5(source)
        source.on_close(h5.close)
        state = _State(h5, source, content)
        source.on_close(state.tree.vlen.close)
        if is_beamio_file(state.root.attrs):  # the source's own file header, as the writer stored it
            stored = stored_header(state.root, "file_header", source.path, source.diagnostics)
            header = stored or Header(origin=source.path)
        else:
            header = Header(dict(state.root.attrs), origin=source.path)
        return source.file(
            state.datasets(),
            header=header,
            tree=lambda: state.root,
            refresher=state.refresh,
        )


class _State:
    """What a NeXus File keeps: its tree, where each entry is, and each entry's diagnostics."""

    def __init__(self, h5: h5py.File, source: Source, content: bytes | None) -> None:
        self.h5, self.source = h5, source
        opener = None if content is None else (lambda: io.BytesIO(content))
        self.tree = Tree(h5, source.guard, source.diagnostics, source.path, opener)
        found = self.tree.root()
        self.places = _entries(found, source.diagnostics)
        # A subentry's key "entry/sub" would hide its own tree in the path view: list that tree there.
        # Only a subentry's: a key that holds "/" of its own ("a/b", entry /a_b) names no path.
        subentries = [key for key, path in self.places if key == path[1:] and "/" in key]
        self.root = self.tree.root(subentries) if subentries else found
        self._logs: dict[str, Diagnostics] = {}

    def datasets(self) -> LazyDatasets:
        """A Dataset per entry and subentry, in file order, each built when first asked for."""
        return LazyDatasets([key for key, _ in self.places], lambda i: self._dataset(*self.places[i]))

    def _dataset(self, key: str, path: str) -> Dataset:
        group = self.root[path]
        assert isinstance(group, Group)
        log = self._logs.setdefault(key, self.source.diagnostics.child(scan=key))
        return entry_dataset(key, path, group, self.root, log, self.source.guard)

    def refresh(self, file: File) -> list[Dataset]:
        """Show what a SWMR writer appended (longer columns, more frames); SWMR adds no entries."""
        if not self.h5.swmr_mode:
            return []
        self.tree.refresh()
        for fresh in self.datasets():
            existing = file[fresh.key]
            for name in _FOLLOWED:
                setattr(existing, name, getattr(fresh, name))
        return []


def _entries(root: Group, log: Diagnostics) -> list[tuple[str, str]]:
    """(key, path) of each NXentry, then of its NXsubentries; else the top-level groups; else the root.

    A key is the entry's ``@original_name`` (what beamio's writer keeps), else its name;
    an entry whose key another took before it keeps its HDF5 name, said in ``log``.
    """
    groups = [(name, node) for name, node in root.items() if isinstance(node, Group)]
    entries = [(name, node) for name, node in groups if nx_class(node) == "NXentry"]
    if not entries:
        return [(name, f"/{name}") for name, _ in groups] or [("1", "/")]
    out: list[tuple[str, str]] = []
    taken: set[str] = set()

    def add(wanted: str, path: str) -> str:
        key, number = wanted, 1
        while key in taken:
            number += 1
            key = path.lstrip("/") if number == 2 else f"{path.lstrip('/')}_{number}"
        if key != wanted:
            log.report(f"{path}: the key {wanted!r} is another entry's; this one's is {key!r}")
        taken.add(key)
        out.append((key, path))
        return key

    for name, entry in entries:
        key = add(original(entry), f"/{name}")
        for sub, node in entry.items():
            if nx_class(node) == "NXsubentry":
                add(f"{key}/{sub}", f"/{name}/{sub}")
    return out
