"""File: what ``beamio.open`` returns — the file header and its Datasets, in order."""

from __future__ import annotations

import contextlib
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from ._dataset import Dataset, LazyDatasets
from ._diagnostics import Diagnostics
from ._guard import Guard
from ._header import Header
from ._tree import Group, Node, dataset_group, split_path

__all__ = ["File"]

Refresher = Callable[["File"], Sequence[Dataset]]


class File(Mapping[str, Dataset]):
    """An opened file: its header and its Datasets, by key (``f["1.1"]``) and by index (``f[0]``).

    A path goes to the path view: ``f["/1.1/measurement/det"]``. The file is a
    context manager; closing it closes every handle its reader opened, and any
    later read raises :class:`~beamio.errors.ClosedFileError`.

    Readers build it with the datasets they found; ``refresher`` (for files that
    grow) returns the datasets that appeared since; ``tree`` gives a format's own
    tree (HDF5) shown besides the model's layout; ``aliases`` maps another name of
    a dataset to its key (a SPEC scan number ``"3"`` to ``"3.1"``).
    """

    def __init__(
        self,
        path: str,
        datasets: Sequence[Dataset] = (),
        *,
        header: Header | Mapping[str, Any] | None = None,
        format: str | None = None,
        diagnostics: Diagnostics | None = None,
        guard: Guard | None = None,
        refresher: Refresher | None = None,
        tree: Callable[[], Group] | None = None,
        aliases: Callable[[str], str | None] | None = None,
    ) -> None:
        self.path = str(path)
        self.header = header if isinstance(header, Header) else Header(header)
        self.format = format
        self.diagnostics = diagnostics if diagnostics is not None else Diagnostics(self.path)
        self.guard = guard if guard is not None else Guard(self.path)
        self._datasets: list[Dataset] | LazyDatasets = []
        self._by_key: dict[str, int] = {}
        self._closers = contextlib.ExitStack()
        self._refresher = refresher
        self._tree_factory = tree
        self._aliases = aliases
        self._native_tree: Group | None = None
        #: How the file was detected (set by :func:`beamio.open`).
        self.detection: Any = None
        #: The files read: one, or the files of a series opened as one.
        self.paths: tuple[str, ...] = (self.path,)
        #: How :func:`beamio.open` opened it (files, format, options), so a worker can open it again.
        self.opened: Any = None
        self._extend(datasets)

    def _extend(self, datasets: Sequence[Dataset]) -> None:
        if isinstance(datasets, LazyDatasets) and not self._datasets:
            keys = datasets.keys
            self._by_key = {key: i for i, key in enumerate(keys)}
            if len(self._by_key) != len(keys):
                twice = next(k for k in keys if keys.count(k) > 1)
                raise ValueError(f"{self.path}: two datasets share the key {twice!r}")
            self._datasets = datasets
            return
        for ds in datasets:
            if ds.key in self._by_key:
                raise ValueError(f"{self.path}: two datasets share the key {ds.key!r}")
            self._by_key[ds.key] = len(self._datasets)
            self._datasets.append(ds)

    # -- lifecycle ---------------------------------------------------------
    def add_closer(self, close: Callable[[], Any]) -> None:
        """Call ``close`` when the file closes (handles the reader opened)."""
        self._closers.callback(close)

    def close(self) -> None:
        """Close every handle the reader opened; idempotent."""
        self.guard.close()
        self._closers.close()

    @property
    def closed(self) -> bool:
        """Whether the file has been closed."""
        return self.guard.closed

    def __enter__(self) -> File:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def refresh(self) -> list[Dataset]:
        """Pick up what was appended since opening (new points, new scans); returns new scans."""
        self.guard.check()
        if self._refresher is None:
            return []
        new = [ds for ds in self._refresher(self) if ds.key not in self._by_key]
        self._extend(new)
        return new

    def each_dataset(self, step: Callable[[Dataset], None]) -> None:
        """Apply ``step`` to every Dataset, without building those not built yet before they are."""
        if isinstance(self._datasets, LazyDatasets):
            self._datasets.add_step(step)
        else:
            for ds in self._datasets:
                step(ds)

    # -- the mapping of datasets ------------------------------------------
    @property
    def datasets(self) -> list[Dataset]:
        """The Datasets in file order."""
        self.guard.check()
        return list(self._datasets)

    def __getitem__(self, key: str | int) -> Any:  # type: ignore[override]
        self.guard.check()
        if not isinstance(key, str):
            # Any integer (numpy's too) is an index; anything else is a TypeError.
            index = operator.index(key)
            try:
                return self._datasets[index]
            except IndexError:
                raise IndexError(
                    f"{self.path} has {len(self._datasets)} datasets; index {key} is out of range"
                ) from None
        parts = split_path(key)
        if len(parts) == 1 and parts[0] in self._by_key:
            return self._datasets[self._by_key[parts[0]]]
        if key in self._by_key:
            return self._datasets[self._by_key[key]]
        alias = self._aliases(key) if self._aliases is not None else None
        if alias is not None and alias in self._by_key:
            return self._datasets[self._by_key[alias]]
        if not parts:
            return self.tree
        try:
            return self.tree[key]
        except KeyError as error:
            keys = ", ".join(list(self._by_key)[:10])
            raise KeyError(f"{self.path}: no {key!r} ({error.args[0]}); datasets: {keys}") from None

    def __iter__(self) -> Iterator[str]:
        self.guard.check()
        return iter(list(self._by_key))

    def __len__(self) -> int:
        return len(self._datasets)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key in self._by_key

    # -- the path view -----------------------------------------------------
    @property
    def tree(self) -> Group:
        """The root of the path view: the format's own tree, then the model's layout."""
        self.guard.check()
        native = self._native()

        def members() -> dict[str, Node]:
            out: dict[str, Any] = dict(native._members()) if native is not None else {}
            for ds in self._datasets:
                out.setdefault(ds.key, dataset_group(ds))
            return out

        attrs = dict(native.attrs) if native is not None else {"NX_class": "NXroot"}
        return Group("", members, attrs)

    def _native(self) -> Group | None:
        if self._native_tree is None and self._tree_factory is not None:
            self._native_tree = self._tree_factory()
        return self._native_tree

    def __repr__(self) -> str:
        state = "closed" if self.closed else f"{len(self._datasets)} datasets"
        return f"<beamio.File {self.path!r} format={self.format!r} ({state})>"
