"""Dataset: one measurement (a SPEC scan, an NXentry, an EDF file's frames, an MCA file)."""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

import attrs

from ._convert import as_tuple
from ._diagnostics import Diagnostics
from ._frames import FrameStack
from ._guard import Guard
from ._header import Header
from ._spectrum import Spectrum

__all__ = ["Dataset", "LazyDatasets", "LazyMapping", "Plot"]


class LazyMapping(Mapping[str, Any]):
    """A mapping whose values are loaded all at once, on first access to a value.

    A SPEC scan's columns are one block of text: its labels are known from #L
    when the file is indexed, its numbers are parsed only when a column is
    first asked for. ``loaded`` tells whether that happened.
    """

    def __init__(
        self,
        load: Callable[[], Mapping[str, Any]],
        keys: list[str] | None = None,
        *,
        guard: Guard | None = None,
    ) -> None:
        self._load = load
        self._keys = None if keys is None else list(keys)
        self._values: Mapping[str, Any] | None = None
        self._guard = guard

    @property
    def loaded(self) -> bool:
        """Whether the values have been loaded."""
        return self._values is not None

    def _data(self) -> Mapping[str, Any]:
        if self._values is None:
            if self._guard is not None:
                self._guard.check()
            self._values = self._load()
            self._keys = list(self._values)
            self._load = _loaded  # let go of what loading needed (a scan's text, its lines)
        return self._values

    def __getitem__(self, key: str) -> Any:
        return self._data()[key]

    def __iter__(self) -> Iterator[str]:
        if self._keys is None:
            self._data()
        return iter(list(self._keys or ()))

    def __len__(self) -> int:
        if self._keys is None:
            self._data()
        return len(self._keys or ())

    def __contains__(self, key: object) -> bool:
        if self._keys is None:
            self._data()
        return key in (self._keys or ())

    def __repr__(self) -> str:
        state = "loaded" if self.loaded else "not loaded"
        return f"<LazyMapping {list(self) if self._keys is not None else '?'} ({state})>"


def _loaded() -> Mapping[str, Any]:
    raise AssertionError("a LazyMapping loads once")


def _header(value: Any) -> Header:
    return value if isinstance(value, Header) else Header(value)


@attrs.frozen
class Plot:
    """A measurement's default plot, as a NeXus NXdata says it: a signal against its axes.

    ``signal`` and ``axes`` are paths in the file's path view
    (``"/1.1/measurement/det"``), so ``file[plot.signal]`` is the array. ``axes``
    gives one path per dimension of the signal, ``None`` where the plot uses the
    index; ``errors`` the uncertainties of the signal, if any.
    """

    signal: str
    axes: tuple[str | None, ...] = attrs.field(default=(), converter=as_tuple)
    title: str | None = None
    errors: str | None = None


@attrs.define(eq=False)
class Dataset:
    """One measurement in the common model.

    Attributes
    ----------
    key
        Its address in the file: ``"1.1"`` for a SPEC scan, the NXentry name.
    title
        The command or title.
    header
        Everything the source says of it, in order, verbatim.
    columns
        Counter name → 1-D array (SPEC #L columns, BLISS scalar measurements).
    positioners
        Motor name → scalar or array.
    frames
        The lazy stack of frames of its image or 1-D detector, or None.
    spectra
        MCA name → :class:`Spectrum`.
    instrument, sample
        What the source says of the instrument and the sample (nested mappings).
    plot
        The default plot the source names (a NeXus NXdata), or None: writers then
        choose one (a scan's first column against its last, as SPEC plots it).
    diagnostics
        What a lenient read forgave in this measurement.
    """

    key: str
    title: str = ""
    header: Header = attrs.field(factory=Header, converter=_header)
    columns: Mapping[str, Any] = attrs.field(factory=dict)
    positioners: Mapping[str, Any] = attrs.field(factory=dict)
    frames: FrameStack | None = None
    spectra: Mapping[str, Spectrum] = attrs.field(factory=dict)
    instrument: Mapping[str, Any] = attrs.field(factory=dict)
    sample: Mapping[str, Any] = attrs.field(factory=dict)
    start_time: str | None = None
    end_time: str | None = None
    diagnostics: Diagnostics = attrs.field(factory=Diagnostics)
    plot: Plot | None = None

    @property
    def tree(self) -> Any:
        """This measurement in the NeXus-like path view (an h5py-like group)."""
        from ._tree import dataset_group

        return dataset_group(self)

    def __getitem__(self, path: str) -> Any:
        """The node at ``path`` below this measurement: ``ds["measurement/I0"]``."""
        if not isinstance(path, str):
            raise TypeError(f"a Dataset is indexed by a path like 'measurement/I0', not by {path!r}")
        return self.tree[path]

    def __iter__(self) -> Iterator[str]:
        """The names of its members in the path view (``title``, ``measurement`` …), as an h5py group's."""
        return iter(self.tree)

    def __contains__(self, path: object) -> bool:
        """Whether ``path`` names a node below this measurement."""
        try:
            self[path]  # type: ignore[index]
        except (KeyError, TypeError):
            return False
        return True

    def __repr__(self) -> str:
        parts = [f"key={self.key!r}"]
        if self.title:
            parts.append(f"title={self.title!r}")
        if self.columns:
            parts.append(f"columns={len(self.columns)}")
        if self.frames is not None:
            parts.append(f"frames={self.frames.shape}")
        if self.spectra:
            parts.append(f"spectra={list(self.spectra)}")
        return f"<Dataset {' '.join(parts)}>"


class LazyDatasets(Sequence[Dataset]):
    """Datasets whose keys are known at once and whose objects are built on first access.

    A SPEC file of ten thousand scans opens by indexing where each scan starts;
    the Dataset of scan ``i`` (its header parsed, its data still lazy) is built by
    ``build(i)`` when first asked for, and kept while anyone holds it: reading every
    scan of a large file one after the other holds one scan at a time in memory.
    """

    def __init__(self, keys: Sequence[str], build: Callable[[int], Dataset]) -> None:
        self._keys = list(keys)
        self._build = build
        self._built: weakref.WeakValueDictionary[int, Dataset] = weakref.WeakValueDictionary()
        self._kept: dict[int, Dataset] = {}  # appended by refresh: nothing could rebuild them
        self._steps: list[Callable[[Dataset], None]] = []

    @property
    def keys(self) -> list[str]:
        """The keys, in order, without building anything."""
        return list(self._keys)

    @overload
    def __getitem__(self, index: int) -> Dataset: ...
    @overload
    def __getitem__(self, index: slice) -> list[Dataset]: ...

    def __getitem__(self, index: int | slice) -> Dataset | list[Dataset]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._keys)))]
        i = index + len(self._keys) if index < 0 else index
        if not 0 <= i < len(self._keys):
            raise IndexError(f"dataset index {index} out of range ({len(self._keys)} datasets)")
        if i in self._kept:
            return self._kept[i]
        dataset = self._built.get(i)
        if dataset is None:
            dataset = self._build(i)
            for step in self._steps:
                step(dataset)
            self._built[i] = dataset
        return dataset

    def add_step(self, step: Callable[[Dataset], None]) -> None:
        """Apply ``step`` to every Dataset: those alive now and those built later."""
        self._steps.append(step)
        for dataset in [*self._built.values(), *self._kept.values()]:
            step(dataset)

    def __len__(self) -> int:
        return len(self._keys)

    def append(self, dataset: Dataset) -> None:
        """Add a Dataset that is already built (a scan found by refresh)."""
        self._kept[len(self._keys)] = dataset
        self._keys.append(dataset.key)
