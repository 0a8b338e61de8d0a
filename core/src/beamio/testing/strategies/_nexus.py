"""Datasets with anything the model holds, for the NeXus writer, which must keep all of it.

Keys, names and titles of any text (NUL, "/" and empty text too), headers whose
values are text, numbers, booleans or lists and whose entries may have source text
and a row, columns of every numeric type, positioners as scalars or arrays, frame
stacks of 1-D to 3-D frames with their own headers (values of any kind, keys in
some frames only, repeated keys), and spectra with channels, calibration, times
(one or one per point), start time, ROIs and header.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..._dataset import Dataset
from ..._frames import FrameStack
from ..._header import Header, HeaderEntry
from ..._spectrum import Calibration, Roi, Spectrum
from ._text import float64s

__all__ = ["entry_keys", "model_headers", "nexus_datasets", "numeric_dtypes"]

#: Every numeric numpy type the model's arrays may have.
numeric_dtypes = st.sampled_from(
    ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
     "float16", "float32", "float64", "complex64", "complex128"]
).map(np.dtype)  # fmt: skip

_text = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cn")), max_size=16)
_names = _text.filter(bool)
#: Keys of Datasets in one file.
entry_keys = _text


_scalars = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | float64s.filter(np.isfinite) | _text
_values = _scalars | st.lists(_scalars, max_size=3)


@st.composite
def model_headers(draw: st.DrawFn, *, values: st.SearchStrategy[Any] = _values) -> Header:
    """Headers as any reader may make them: repeated keys, values of any kind, raw text, rows."""
    entries = draw(
        st.lists(
            st.builds(
                HeaderEntry,
                _text,
                values,
                st.none() | _text,
                st.none() | st.integers(0, 100),
            ),
            max_size=5,
        )
    )
    return Header(entries)


def _arrays(shape: Any) -> st.SearchStrategy[np.ndarray]:
    return numeric_dtypes.flatmap(lambda dtype: hnp.arrays(dtype, shape))


@st.composite
def _spectrum(draw: st.DrawFn) -> Spectrum:
    points = draw(st.none() | st.integers(1, 3))
    channels = draw(st.integers(1, 8))
    shape = (channels,) if points is None else (points, channels)
    finite = float64s.filter(np.isfinite)
    numbers = draw(st.none() | hnp.arrays(np.int64, channels, elements=st.integers(-1000, 10**6)))
    times: dict[str, Any] = {}
    for name in ("preset_time", "live_time", "real_time"):
        per_point = points is not None and draw(st.booleans())
        times[name] = draw(
            st.none() | (hnp.arrays(np.float64, points or 1, elements=finite) if per_point else finite)
        )
    rois = draw(st.lists(st.tuples(_text, st.integers(-10, 100), st.integers(0, 50)), max_size=2))
    return Spectrum(
        draw(_arrays(shape)),
        channels=numbers,
        calibration=Calibration(draw(finite), draw(finite), draw(finite)),
        start_time=draw(st.none() | _text),
        rois=[Roi(name, first, first + width) for name, first, width in rois],
        header=draw(model_headers()),
        **times,
    )


#: Keys of a frame's header: any text, and the names of the parts of a header in beamio's NeXus files.
_frame_keys = st.sampled_from(["order", "keys", "raw"]) | _text


@st.composite
def _frames(draw: st.DrawFn) -> FrameStack:
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3))
    count = draw(st.integers(0, 3))
    data = draw(_arrays((count, *shape)))
    keys = draw(st.lists(_frame_keys, max_size=4))
    headers = [Header([(key, draw(_values)) for key in keys if draw(st.booleans())]) for _ in range(count)]
    return FrameStack.from_array(data, headers, name=draw(_names))


def nexus_datasets(key: str | None = None) -> st.SearchStrategy[Dataset]:
    """Datasets holding anything the model holds (the NeXus writer keeps it all).

    Parameters
    ----------
    key
        The Dataset's key (drawn, any text, when None).
    """
    return _dataset(key)


@st.composite
def _dataset(draw: st.DrawFn, key: str | None) -> Dataset:
    size = draw(st.integers(0, 5))
    names = st.lists(_text, max_size=4, unique=True)
    return Dataset(
        draw(entry_keys) if key is None else key,
        draw(_text),
        draw(model_headers()),
        columns={name: draw(_arrays(size)) for name in draw(names)},
        positioners={
            name: draw(st.integers(-(2**53), 2**53) | float64s | _arrays(size)) for name in draw(names)
        },
        frames=draw(st.none() | _frames()),
        spectra={name: draw(_spectrum()) for name in draw(st.lists(_names, max_size=2, unique=True))},
        start_time=draw(st.none() | _text),
        end_time=draw(st.none() | _text),
    )
