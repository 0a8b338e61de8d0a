"""Numbers from text: a fast path for well-formed blocks, a lenient path that says what it forgave."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["format_number", "parse_block", "parse_token"]


def parse_block(lines: Sequence[bytes]) -> np.ndarray | None:
    """All numbers of ``lines`` as float64, or None when a token is not a number."""
    if not lines:
        return np.empty(0)
    try:
        return np.fromstring(b" ".join(lines).decode("latin-1"), sep=" ")
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
