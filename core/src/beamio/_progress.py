"""Progress of a conversion: the bytes of frames and spectra a writer has pulled from a File.

A writer pulls frames and spectra through their lazy arrays; :func:`watched` gives
it a view of the File whose arrays count what they hand out, so a progress bar needs
nothing from the writer. Datasets are wrapped as the writer reaches them (a file of
ten thousand scans is not built at once).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from ._dataset import Dataset, LazyDatasets
from ._file import File
from ._frames import Frame, FrameSequence, FrameStack
from ._lazy import LazyArray

__all__ = ["array_bytes", "watched"]

Tick = Callable[[int], None]


def array_bytes(ds: Dataset) -> int:
    """The bytes of a Dataset's frames and spectra (what a conversion reads), without reading."""
    total = ds.frames.nbytes if ds.frames is not None else 0
    return total + sum(spectrum.counts.nbytes for spectrum in ds.spectra.values())


def _counting(array: LazyArray, tick: Tick) -> Callable[[Any], np.ndarray]:
    def read(key: Any) -> np.ndarray:
        data = np.asarray(array[key])
        tick(data.nbytes)
        return data

    return read


def _stack(frames: FrameStack, tick: Tick) -> FrameStack:
    """The same frames (headers and extents included), each read counted."""

    def frame_of(i: int) -> Frame:
        frame = frames.frame(i)
        counted = LazyArray(frame.shape, frame.dtype, _counting(frame.array, tick))
        return frame.read_through(counted)

    each = FrameSequence(len(frames), frame_of, frames.shape[1:], frames.dtype)
    return FrameStack(frames.shape, frames.dtype, _counting(frames, tick), frames=each, name=frames.name)


def _dataset(ds: Dataset, tick: Tick) -> Dataset:
    spectra = {
        name: attrs.evolve(s, counts=LazyArray(s.counts.shape, s.counts.dtype, _counting(s.counts, tick)))
        for name, s in ds.spectra.items()
    }
    frames = _stack(ds.frames, tick) if ds.frames is not None else None
    return attrs.evolve(ds, frames=frames, spectra=spectra)


def watched(file: File, tick: Tick) -> File:
    """A view of ``file`` whose frames and spectra call ``tick(nbytes)`` for each read."""
    return File(
        file.path,
        LazyDatasets(list(file), lambda i: _dataset(file[i], tick)),
        header=file.header,
        format=file.format,
        diagnostics=file.diagnostics,
        guard=file.guard,
    )
