"""Files of each format: a file header and Datasets numbered as the format's reader numbers them."""

from __future__ import annotations

from functools import partial

from hypothesis import strategies as st

from ..._dataset import Dataset
from ..._file import File
from ..._header import Header, HeaderEntry
from ._edf import edf_datasets
from ._mca import mca_datasets
from ._nexus import entry_keys, model_headers, nexus_datasets
from ._spec import header_line, scan_datasets

__all__ = ["files"]

_FORMATS = ("spec", "edf", "mca", "nexus")


@st.composite
def _spec_header(draw: st.DrawFn, scans: int) -> Header:
    """SPEC file-header blocks: each starts with ``#F``; a later one says how many scans precede it."""
    entries: list[HeaderEntry] = []
    for row in [None, *sorted(draw(st.sets(st.integers(1, scans), max_size=2)))] if scans else [None]:
        lines = draw(st.lists(header_line(), max_size=4))
        if row is None and not lines:
            continue
        name = draw(header_line(st.just("F")))
        entries += [HeaderEntry(e.key, e.value, e.raw, row) for e in (name, *lines)]
    return Header(entries)


@st.composite
def _spec_file(draw: st.DrawFn, max_datasets: int, mca: bool) -> File:
    numbers = draw(st.lists(st.integers(1, 9999), min_size=1, max_size=max_datasets, unique=True))
    datasets = [
        draw(mca_datasets("spec", number) if mca else scan_datasets(number, max_points=4))
        for number in numbers
    ]
    return File(
        "<hypothesis>", datasets, header=draw(_spec_header(len(datasets))), format="mca" if mca else "spec"
    )


def _another_run(previous: Dataset | None, ds: Dataset) -> bool:
    """Whether ``ds``'s frames differ in shape or dtype from ``previous``'s (else they would join them)."""
    if previous is None or previous.frames is None or ds.frames is None:
        return True
    return (ds.frames.shape[1:], ds.frames.dtype) != (previous.frames.shape[1:], previous.frames.dtype)


@st.composite
def _edf_file(draw: st.DrawFn, max_datasets: int) -> File:
    """Datasets one after the other, each of another shape or dtype (one run of frames each)."""
    datasets: list[Dataset] = []
    for number in range(1, draw(st.integers(1, max_datasets)) + 1):
        previous = datasets[-1] if datasets else None
        datasets.append(draw(edf_datasets(number).filter(partial(_another_run, previous))))
    return File("<hypothesis>", datasets, format="edf")


@st.composite
def _nexus_file(draw: st.DrawFn, max_datasets: int) -> File:
    keys = draw(st.lists(entry_keys, min_size=1, max_size=max_datasets, unique=True))
    datasets = [draw(nexus_datasets(key)) for key in keys]
    return File("<hypothesis>", datasets, header=draw(model_headers()), format="nexus")


def files(format: str, *, max_datasets: int = 3, variant: str = "spec") -> st.SearchStrategy[File]:
    """Files of ``format`` (spec, edf, mca or nexus) as its reader gives them: a header and Datasets.

    A SPEC file has file-header blocks (``#F`` lines, later ones between scans) and
    scans of distinct numbers; an EDF file one run of frames per Dataset, each of
    another shape or type than the one before; an MCA file of the ``variant`` kind
    (SPEC-style scans, or one spectrum); a NeXus file any Datasets under any keys.

    Parameters
    ----------
    format
        spec, edf, mca or nexus.
    max_datasets
        At most this many Datasets (at least one).
    variant
        For mca: the kind of file (:data:`~beamio.testing.strategies.MCA_VARIANTS`).
    """
    if format == "spec":
        return _spec_file(max_datasets, mca=False)
    if format == "edf":
        return _edf_file(max_datasets)
    if format == "nexus":
        return _nexus_file(max_datasets)
    if format == "mca":
        if variant == "spec":
            return _spec_file(max_datasets, mca=True)
        return mca_datasets(variant).map(lambda ds: File("<hypothesis>", [ds], format="mca"))
    raise ValueError(f"files() builds {', '.join(_FORMATS)} files, not {format!r}")
