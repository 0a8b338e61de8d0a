"""The HDF5 file's own tree as beamio Groups and Arrays, built as it is walked.

Every HDF5 dataset becomes a lazy array (h5py slicing; shape and dtype without
reading). Dangling links, virtual datasets whose source files are missing and
compression filters HDF5 cannot apply are diagnostics, never silent zeros. A
group lists its members when first asked, and again after :meth:`Tree.refresh`
(a file written with SWMR: datasets grow between two looks).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, BinaryIO

import h5py
import numpy as np

from beamio import Array, Diagnostics, FormatError, Group, Guard, LazyArray

from ._read_filters import describe, missing_filters
from ._read_link import external_names, linked_problems, read_parts
from ._read_vlen import DAMAGED, VlenCheck

__all__ = ["Attributes", "Tree", "nx_class", "scalar_text", "text"]


def text(value: Any) -> Any:
    """HDF5 attribute values as Python values: bytes as text, one-element arrays as their element."""
    if isinstance(value, np.ndarray) and value.size == 1:
        value = value.reshape(()).item()
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", "surrogateescape")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _said(error: Exception) -> str:
    """What h5py's exception says (a KeyError's message without the quotes str() puts around it)."""
    return str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)


def _decoded(name: str | bytes) -> str:
    """A name as text: h5py gives the names that are not UTF-8 as bytes (kept byte for byte here)."""
    return name if isinstance(name, str) else name.decode("utf-8", "surrogateescape")


def _encoded(name: str | bytes) -> bytes:
    return name if isinstance(name, bytes) else name.encode("utf-8", "surrogateescape")


def _h5_name(name: str) -> str | bytes:
    """A name as h5py takes it: text, or the bytes of a name that was not UTF-8 (surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return _encoded(name)
    return name


class Attributes(Mapping[str, Any]):
    """An h5py object's attributes, each read (and decoded by :func:`text`) when first asked for.

    Finding the entries asks every group for its ``NX_class`` only; reading every
    attribute of every group listed cost half of an open. An attribute h5py cannot
    read is absent, and so is one ``refused`` says no to (a string whose stored length
    is beyond the file). Names that are not UTF-8 are decoded with surrogate escapes.
    """

    def __init__(self, obj: Any, refused: Callable[[Any, str], bool] | None = None) -> None:
        self._obj, self._refused = obj, refused
        self._read: dict[str, Any] = {}
        self._names: list[str] | None = None

    def __getitem__(self, key: str) -> Any:
        if key not in self._read:
            if self._refused is not None and self._refused(self._obj, key):
                raise KeyError(key)
            try:
                self._read[key] = text(self._obj.attrs[_h5_name(key)])
            except DAMAGED as error:
                raise KeyError(key) from error
        return self._read[key]

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        try:
            self[key]  # an attribute listed but unreadable (a damaged file) is absent, as when iterated
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        if self._names is None:
            try:
                self._names = [name for name in map(_decoded, self._obj.attrs) if name in self]
            except DAMAGED:
                self._names = []
        return iter(self._names)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def nx_class(node: Any) -> str | None:
    """The NeXus class of a group of the tree (``"NXentry"``), None for arrays and plain groups."""
    if not isinstance(node, Group):
        return None
    return str(node.attrs.get("NX_class", "")) or None


def scalar_text(group: Group, name: str) -> str | None:
    """The text of a scalar (or first element of an array) dataset ``name`` of ``group``, or None."""
    node = group.get(name)
    if not isinstance(node, Array):
        return None
    values = np.asarray(node[()]) if node.shape == () else np.asarray(node[...]).ravel()[:1]
    value = text(values.reshape(-1)[0]) if values.size else None
    return None if value is None else str(value)


#: The most chunk cache one dataset gets (HDF5 gives 1 MiB unless told).
CHUNK_CACHE_LIMIT = 64 << 20


def chunk_cache(dataset: h5py.Dataset) -> int | None:
    """Bytes of chunk cache for a stack whose chunks span several frames; None for HDF5's own.

    Read frame after frame, a stack chunked 4 frames deep reads each chunk for 4
    frames: a cache holding the chunks of one frame reads them from the file once. A
    stack chunked frame by frame shares no chunk between two frames, and one chunked
    for spectra holds a pixel's spectrum in one chunk: a larger cache only costs them
    (HDF5 then copies each chunk through it: a 4 MiB frame read 5× slower, measured).
    None too when one frame's chunks exceed :data:`CHUNK_CACHE_LIMIT`.
    """
    chunks = dataset.chunks
    if chunks is None or dataset.ndim < 2 or chunks[0] == 1:
        return None
    chunk_bytes = math.prod(chunks) * dataset.dtype.itemsize
    per_frame = math.prod(-(-n // c) for n, c in zip(dataset.shape[1:], chunks[1:], strict=True))
    wanted = per_frame * chunk_bytes
    return wanted if 1 << 20 < wanted <= CHUNK_CACHE_LIMIT else None


def _open_binary(path: str) -> BinaryIO:
    return open(path, "rb")


def _member(parent: h5py.Group, name: str | bytes, folder: str) -> Any:
    """``parent[name]``; an external dataset already open with the prefix ``folder`` is opened with it.

    HDF5 refuses to open a dataset with another external-file prefix than it is open
    with (the tree, or a virtual stack reading its parts, opened it first).
    """
    try:
        return parent[name]
    except DAMAGED as error:
        if "external file prefix" not in str(error):
            raise
    return _reopened(parent, name, None, external=folder)


def _reopened(
    parent: h5py.Group, name: str | bytes, cache: int | None, *, external: str | None = None
) -> h5py.Dataset:
    """Dataset ``name`` of ``parent`` opened with ``cache`` bytes of chunk cache, or for external storage.

    External storage is opened with the prefix ``external``, the HDF5 file's folder:
    relative names are that folder's (absolute ones are used as they are). Not
    ``${ORIGIN}``: a file read from memory (``.h5.gz``) has no folder HDF5 knows.
    """
    access = h5py.h5p.create(h5py.h5p.DATASET_ACCESS)
    if cache is not None:
        access.set_chunk_cache(1 << 16 | 1, cache, 0.75)  # slots: HDF5 asks about 100 a chunk
    if external is not None:
        access.set_efile_prefix(os.fsencode(external))
    try:
        return h5py.Dataset(h5py.h5d.open(parent.id, _encoded(name), access))
    except DAMAGED:
        return parent[name]  # reachable only as h5py opens it (an external link): its own cache


class _Members(Mapping[str, Any]):
    """The members of one HDF5 group, listed on first use and again after the tree is refreshed."""

    def __init__(self, tree: Tree, obj: h5py.Group, aliases: Sequence[str]) -> None:
        self._tree, self._obj, self._aliases = tree, obj, tuple(aliases)
        self._listed: dict[str, Any] | None = None
        self._generation = -1

    def _current(self) -> dict[str, Any]:
        if self._listed is None or self._generation != self._tree.generation:
            listed = self._tree.members(self._obj)
            if self._aliases:
                below = Group("", listed)
                listed.update((alias, below[alias]) for alias in self._aliases)
            self._listed, self._generation = listed, self._tree.generation
        return self._listed

    def __getitem__(self, name: str) -> Any:
        return self._current()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


class Tree:
    """Builds the path view of one open HDF5 file and reports what it had to forgive."""

    def __init__(
        self,
        h5: h5py.File,
        guard: Guard,
        log: Diagnostics,
        path: str,
        opener: Callable[[], BinaryIO] | None = None,
    ) -> None:
        """``opener`` opens the file's bytes (``path`` unless given), to read strings' stored lengths."""
        self.h5, self.guard, self.log, self.path = h5, guard, log, path
        self.vlen = VlenCheck(h5, opener or (lambda: _open_binary(path)))
        self._refusals: set[tuple[int, str]] = set()
        #: Where relative names of external storage are: the HDF5 file's folder.
        self.folder = os.path.dirname(os.path.abspath(path))
        #: How many times the file was refreshed: groups list their members again when it changes.
        self.generation = 0
        # One h5py handle per HDF5 dataset, whatever the links it is reached by: after a SWMR
        # refresh, a second handle on a dataset reads stale chunks (HDF5 2.0), silently.
        self._datasets: dict[Any, h5py.Dataset] = {}
        #: What is wrong with the files each of those datasets references (None: it references none).
        self._linked: dict[int, list[str] | None] = {}

    def refresh(self) -> None:
        """Look again (SWMR): datasets show their current extents, groups list their members anew."""
        for dataset in self._datasets.values():
            dataset.refresh()
        self.generation += 1

    def root(self, aliases: Sequence[str] = ()) -> Group:
        """The root group; ``aliases`` (``"entry/sub"``) are deeper groups also listed as root members."""
        return Group("", _Members(self, self.h5, aliases), Attributes(self.h5, self.refused))

    def group(self, obj: h5py.Group, name: str) -> Group:
        """The group of the tree over an h5py group."""
        return Group(name, _Members(self, obj, ()), Attributes(obj, self.refused))

    def members(self, obj: h5py.Group) -> dict[str, Any]:
        """The groups and arrays of an h5py group, without those that cannot be opened."""
        out: dict[str, Any] = {}
        try:
            names = list(obj)
        except (RuntimeError, OSError, KeyError, ValueError) as error:  # a damaged group
            raise FormatError(
                f"{_decoded(obj.name)}: HDF5 could not list the group: {_said(error)}", self.path
            ) from None
        for name in names:
            node = self.node(obj, name)
            if node is not None:
                out[_decoded(name)] = node
        return out

    def node(self, parent: h5py.Group, name: str | bytes) -> Group | Array | None:
        """The member ``name`` of an h5py group; None for a named datatype, and for a dangling link (said)."""
        where = f"{_decoded(parent.name).rstrip('/')}/{_decoded(name)}"
        try:
            obj = _member(parent, name, self.folder)
        except DAMAGED as error:
            self.log.report(f"{where}: {self._why(parent, name, where, error)}; left out")
            return None
        if isinstance(obj, h5py.Group):
            return self.group(obj, _decoded(name))
        if not isinstance(obj, h5py.Dataset):  # a named datatype: a type, no values
            return None
        try:
            known, fresh = self._known(parent, name, obj)
            array = self.array(known, where, report=fresh)
            return Array(_decoded(name), array, Attributes(known, self.refused))
        except DAMAGED as error:  # a type h5py has no numpy type for, a damaged layout or filter pipeline
            self.log.report(f"{where}: HDF5 could not open it: {_said(error)}; left out")
            return None

    def refused(self, obj: Any, key: str) -> bool:
        """Whether attribute ``key`` of h5py object ``obj`` is left unread (a string longer than the file)."""
        name = _h5_name(key)
        problem = self.vlen.attribute(obj, name if isinstance(name, bytes) else name.encode())
        if problem is None:
            return False
        said = (id(obj.id), key)
        if said not in self._refusals:
            self._refusals.add(said)
            try:
                where = _decoded(obj.name)
            except DAMAGED:
                where = "an object"
            self.log.report(f"{where}: attribute {key!r}: {problem}; left out")
        return True

    def _known(self, parent: h5py.Group, name: str | bytes, obj: h5py.Dataset) -> tuple[h5py.Dataset, bool]:
        """The tree's one handle on dataset ``obj`` (member ``name`` of ``parent``), and whether it is new.

        A new handle is opened with the chunk cache the dataset's chunks want, and
        with the prefix of the file's folder for external storage.
        """
        key = (obj.id.fileno, h5py.h5o.get_info(obj.id).addr)  # one object, whatever the link
        known = self._datasets.get(key)
        if known is not None:
            return known, False
        cache = chunk_cache(obj)
        external = bool(external_names(obj))
        if cache is not None or external:
            # Closed (whoever else holds this h5py object), so that HDF5 opens it again with this
            # cache and prefix: it keeps those of an open dataset.
            obj.id.close()
            known = _reopened(parent, name, cache, external=self.folder if external else None)
        else:
            known = obj
        self._datasets[key] = known
        return known, True

    def _why(self, parent: h5py.Group, name: str | bytes, where: str, error: Exception) -> str:
        """Why member ``name`` did not open: a link to nowhere, or HDF5's error (a damaged object)."""
        try:
            link = parent.get(name, getlink=True)
        except DAMAGED:
            raise FormatError(f"{where}: HDF5 could not open it: {_said(error)}", self.path) from None
        if isinstance(link, h5py.ExternalLink):
            return f"dangling external link to {link.filename}::{link.path}"
        if isinstance(link, h5py.SoftLink):
            return f"dangling soft link to {link.path}"
        return f"HDF5 could not open it: {_said(error)}"

    def array(self, dataset: h5py.Dataset, where: str, *, report: bool = True) -> LazyArray:
        """A lazy array over an h5py dataset; what would keep it from being read is reported now.

        ``report=False`` for a dataset reached again by another link: said once.
        """
        if dataset.is_virtual and report:
            self._check_sources(dataset, where)
        missing = missing_filters(dataset)
        if missing and report:
            self.log.report(f"{where}: {describe(missing)}")
        if id(dataset) not in self._linked:  # a stack reached by three links is checked once
            self._linked[id(dataset)] = linked_problems(dataset, self.folder, self.vlen)
        linked = self._linked[id(dataset)]
        if linked and report:
            more = f" (and {len(linked) - 1} more)" if len(linked) > 1 else ""
            self.log.report(f"{where}: {linked[0]}{more}; reading it is an error")
        path = self.path
        vlen = self.vlen
        checked: list[str | None] = []  # what is wrong with its strings' stored lengths, once looked
        # A stack linked to big-endian EDF frames is big-endian in HDF5: read in this machine's order.
        native = dataset.dtype.newbyteorder("=") if dataset.dtype.kind in "biufc" else dataset.dtype
        if linked is not None and dataset.is_virtual:
            fetch = read_parts(self._parts(dataset), native)
        else:
            fetch = (dataset if native == dataset.dtype else dataset.astype(native)).__getitem__

        def read(key: Any) -> np.ndarray:
            if linked:
                raise FormatError(f"{where}: " + "; ".join(linked), path)
            if not checked:
                checked.append(vlen.dataset(dataset))
            if checked[0] is not None:
                raise FormatError(f"{where}: {checked[0]}", path)
            try:
                return np.asarray(fetch(key))
            except DAMAGED as error:
                # A damaged block, a filter that is not installed, a truncated file, a linked file gone.
                why = describe(missing) if missing else _said(error)
                raise FormatError(f"{where}: HDF5 could not read it: {why}", path) from None

        return LazyArray(dataset.shape, native, read, guard=self.guard, name=where)

    def _parts(self, dataset: h5py.Dataset) -> list[tuple[int, int, h5py.Dataset]]:
        """The parts of a linked virtual stack: first frame, the frame after its last, the dataset."""
        parts = []
        for source in dataset.virtual_sources():
            low, high = source.vspace.get_select_bounds()
            member = _member(self.h5, source.dset_name, self.folder)
            parts.append((low[0], high[0] + 1, self._known(member.parent, member.name, member)[0]))
        return sorted(parts, key=lambda part: part[0])

    def _check_sources(self, dataset: h5py.Dataset, where: str) -> None:
        missing = sorted(
            {source for source in map(self._missing_source, dataset.virtual_sources()) if source}
        )
        if missing:
            self.log.report(
                f"{where}: virtual dataset whose sources are missing ({', '.join(missing)}): HDF5 would"
                " read fill values there"
            )

    def _missing_source(self, source: Any) -> str | None:
        """The file, or the dataset of this file (``"."``), a virtual source names if it is missing."""
        if source.file_name == ".":
            try:
                found = self.h5.get(source.dset_name)
            except DAMAGED:  # a broken link on the way
                found = None
            return None if isinstance(found, h5py.Dataset) else source.dset_name
        folder = os.path.dirname(self.path)
        if os.path.exists(os.path.join(folder, source.file_name)) or os.path.exists(source.file_name):
            return None
        return str(source.file_name)
