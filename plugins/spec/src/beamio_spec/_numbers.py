"""Numbers from text: a fast path for well-formed blocks, a lenient path that says what it forgave."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

__all__ = ["format_column", "format_number", "parse_block", "parse_token"]


def parse_block(lines: Sequence[bytes]) -> np.ndarray | None:
    """All numbers of ``lines`` as float64, or None when a token is not a number."""
    if not lines:
        return np.empty(0)
    text = b" ".join(lines).decode("latin-1")
    with warnings.catch_warnings():
        # numpy either raises or warns and stops at a bad token; the caller checks the count.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return np.fromstring(text, sep=" ")
        except ValueError:
            return None


def parse_token(token: bytes) -> float | None:
    """One number (nan and inf included), or None when the token is not one."""
    try:
        return float(token)
    except ValueError:
        return None


def format_number(value: float) -> str:
    """The shortest text that reads back as exactly ``value`` (integers without '.0')."""
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    if value.is_integer() and abs(value) < 1e16:
        if value == 0 and str(value).startswith("-"):
            return "-0"
        return str(int(value))
    return repr(value)


def format_column(values: np.ndarray) -> list[str]:
    """:func:`format_number` for a whole array, fast: integers as ints, the rest by repr."""
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        return []
    finite = np.isfinite(values)
    integral = (
        finite.all() and bool(np.all(values == np.round(values))) and bool(np.all(np.abs(values) < 1e16))
    )
    if integral and not np.any(np.signbit(values) & (values == 0)):
        return list(map(str, values.astype(np.int64).tolist()))
    return [format_number(v) for v in values.tolist()]
