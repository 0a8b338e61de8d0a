"""Hypothesis strategies shared by the model tests: array shapes and numpy-style keys."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6)


def axis_basic(size: int) -> st.SearchStrategy[Any]:
    """An int (negative too) or a slice (any step, empty ones too) valid on an axis of ``size``."""
    if size == 0:
        return st.slices(size)
    return st.integers(-size, size - 1) | st.slices(size)


def axis_list(size: int) -> st.SearchStrategy[Any]:
    """An integer list (unsorted, repeated, negative, empty) or a boolean mask for one axis."""
    points = st.lists(st.integers(-size, size - 1), max_size=5) if size else st.just([])
    mask = st.lists(st.booleans(), min_size=size, max_size=size).map(lambda m: np.array(m, dtype=bool))
    return points | mask


@st.composite
def shapes_and_keys(draw: st.DrawFn) -> tuple[tuple[int, ...], Any]:
    """A shape and a key for it: per axis an int or a slice, at most one list axis, maybe '...'."""
    shape = draw(shapes)
    list_axis = draw(st.none() | st.integers(0, len(shape) - 1)) if shape else None
    parts: list[Any] = [
        draw(axis_list(size) if axis == list_axis else axis_basic(size)) for axis, size in enumerate(shape)
    ]
    # Leave trailing axes out, or stand for a run of axes with "...": both mean full slices.
    form = draw(st.sampled_from(["full", "short", "ellipsis"]))
    if form == "short":
        parts = parts[: draw(st.integers(0, len(parts)))]
    elif form == "ellipsis":
        start = draw(st.integers(0, len(parts)))
        stop = draw(st.integers(start, len(parts)))
        parts = [*parts[:start], Ellipsis, *parts[stop:]]
    key = parts[0] if len(parts) == 1 and draw(st.booleans()) else tuple(parts)
    return shape, key
