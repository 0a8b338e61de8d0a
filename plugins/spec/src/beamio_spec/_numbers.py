"""Numbers from text: a fast path for well-formed blocks, a lenient path that says what it forgave."""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from . import _compiled

__all__ = ["format_column", "format_number", "parse_block", "parse_rows", "parse_token", "parse_whole"]


_SPACE = np.zeros(256, np.bool_)
_SPACE[[0, 9, 10, 11, 12, 13, 32]] = True
_ZEROS = np.uint64(0x3030303030303030)
_DIGIT_PROBE = np.uint64(0x4646464646464646)
_HIGH_BITS = np.uint64(0x8080808080808080)
_PAIRS = np.uint64(0x000000FF000000FF)
_MUL_HIGH = np.uint64(100 + (1000000 << 32))
_MUL_LOW = np.uint64(1 + (10000 << 32))
_PAD = b" " * 8


def parse_integers(text: bytes) -> np.ndarray | None:
    """Blank-separated integers of 0 to 8 digits (MCA counts), as float64; None for anything else.

    Each number is read eight bytes at a time as one little-endian word and its
    digits combined with three multiplications (the SWAR method), so a spectrum
    costs a few passes over numpy arrays instead of one Python call per value.
    """
    padded = _PAD + text + b" "
    chars = np.frombuffer(padded, np.uint8)
    edges = np.flatnonzero(np.diff((~_SPACE[chars]).view(np.int8)))
    starts, ends = edges[0::2] + 1, edges[1::2] + 1
    if starts.size == 0:
        return np.empty(0)
    lengths = ends - starts
    if lengths.max() > 8:
        return None
    words = np.ndarray((chars.size - 7,), dtype="<u8", buffer=padded, strides=(1,))[ends - 8]
    before = (np.uint64(1) << ((8 - lengths) * 8).astype(np.uint64)) - np.uint64(1)
    words = (words & ~before) | (_ZEROS & before)  # the bytes before a number read as leading zeros
    digits = words - _ZEROS
    if np.any(((words + _DIGIT_PROBE) | digits) & _HIGH_BITS):
        return None  # a byte that is not a digit: a sign, a dot, a letter
    digits = digits * np.uint64(10) + (digits >> np.uint64(8))
    digits = ((digits & _PAIRS) * _MUL_HIGH + ((digits >> np.uint64(16)) & _PAIRS) * _MUL_LOW) >> np.uint64(
        32
    )
    return digits.astype(np.float64)


def parse_block(lines: Sequence[bytes]) -> np.ndarray | None:
    """All numbers of ``lines`` as float64, or None when a token is not a number."""
    if not lines:
        return np.empty(0)
    joined = b" ".join(lines)
    integers = parse_integers(joined)
    if integers is not None:
        return integers
    text = joined.decode("latin-1")
    with warnings.catch_warnings():
        # numpy either raises or warns and stops at a bad token; the caller checks the count.
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            return np.fromstring(text, sep=" ")
        except ValueError:
            return None


def parse_rows_python(lines: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`parse_rows` with numpy alone (the compiled one's twin)."""
    counts = np.array([len(line.split()) for line in lines], dtype=np.int64)
    values = parse_block(lines)
    if values is None or values.size != counts.sum():
        return None
    return values, counts


def parse_rows(lines: Sequence[bytes]) -> tuple[np.ndarray, np.ndarray] | None:
    """Every number of ``lines`` as one float64 array, and how many each line holds.

    None when a token is not a number (``1O01``, ``None``): the caller's lenient rules
    take over. Numbers are exact (correctly rounded, as ``float()`` reads them).
    """
    compiled = _compiled.module()
    if compiled is None:
        return parse_rows_python(lines)
    parsed = compiled.parse_rows(lines if isinstance(lines, list) else list(lines))
    if parsed is None:
        return None
    return np.frombuffer(parsed[0], np.float64), np.frombuffer(parsed[1], np.int64)


def parse_token(token: bytes | str) -> float | None:
    """One number (nan and inf included), or None when the token is not one.

    Text (a header value) is read as the bytes it came from: its undecodable bytes
    (surrogate escapes) and non-ASCII digits are not numbers, as in the data.
    """
    if isinstance(token, str):
        token = token.encode("utf-8", "surrogateescape")
    try:
        return float(token)
    except ValueError:
        return None


def parse_whole(text: str) -> int | None:
    """A whole number of at most 18 ASCII digits, maybe signed (``-3``); None for anything else.

    What a header says of a count or a channel goes through here, not through
    ``str.isdigit`` and ``int``: ``"²".isdigit()`` is true and ``int("²")`` fails, and
    ``int`` refuses numbers of more than 4300 digits; neither is a count.
    """
    digits = text[1:] if text[:1] in ("-", "+") else text
    if not 0 < len(digits) <= 18 or not digits.isascii() or not digits.isdigit():
        return None
    return int(text)


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
