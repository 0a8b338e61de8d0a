"""What the strategies share: numbers in their full range, names and text that formats hold."""

from __future__ import annotations

import string

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

__all__ = ["float64s", "float_arrays", "line_text", "names", "number_text", "values_of"]

#: Every float64: NaN, ±inf, -0.0, subnormals and the extremes.
float64s = st.floats(allow_nan=True, allow_infinity=True, width=64)

_NAME_START = string.ascii_letters
_NAME_REST = string.ascii_letters + string.digits + "_.:-+/%()[]'*@"


def names(max_size: int = 12, *, start: str = _NAME_START, rest: str = _NAME_REST) -> st.SearchStrategy[str]:
    """One word: a letter, then letters, digits and the punctuation instrument names use."""
    return st.builds(
        lambda first, tail: first + tail,
        st.sampled_from(start),
        st.text(alphabet=rest, max_size=max_size - 1),
    )


def line_text(max_size: int = 24, *, exclude: str = "") -> st.SearchStrategy[str]:
    """Text of one line: any printable character (non-ASCII too), no line breaks or control characters."""
    return st.text(
        alphabet=st.characters(
            blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Co", "Cn"), blacklist_characters=exclude
        ),
        max_size=max_size,
    )


def number_text(value: float) -> str:
    """A float as text that reads back exactly (``repr``: ``0.1``, ``nan``, ``-inf``, ``1e-320``)."""
    return repr(float(value))


def float_arrays(shape: int | tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """float64 arrays of ``shape`` with values from the whole range."""
    return hnp.arrays(np.float64, shape, elements=float64s)


def values_of(dtype: np.dtype, shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    """Arrays of ``dtype`` and ``shape`` over the type's whole range (NaN and inf for floats)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize > 8:  # no Hypothesis elements for long double
        return hnp.arrays(np.float64, shape, elements=float64s).map(lambda a: a.astype(dtype))
    return hnp.arrays(dtype, shape)
