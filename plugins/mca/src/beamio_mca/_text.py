"""What the MCA readers share: numbered lines, counts parsed on first access, dates, one-spectrum files."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from beamio import Dataset, Diagnostics, File, Guard, Header, HeaderEntry, LazyArray, Source, Spectrum
from beamio_spec._numbers import format_number, parse_rows, parse_token

__all__ = [
    "KEY",
    "NAME",
    "Rows",
    "check_counts",
    "iso_date",
    "numbered_lines",
    "one_spectrum_file",
    "set_entry",
    "text",
    "text_counts",
    "us_date",
]

#: The key of the one Dataset of an MCA file, and the name of its spectrum (as a SPEC scan's first MCA).
KEY, NAME = "1.1", "mca_0"
#: Lines of counts: each line's number and its text.
Rows = Sequence[tuple[int, bytes]]

_US_DATE = "%m/%d/%Y %H:%M:%S"  # Amptek's START_TIME, ORTEC's $DATE_MEA
_REPORTED_NEGATIVES = 10  # beyond these, one line says how many more


def text(raw: bytes) -> str:
    """A line as text, every byte kept (undecodable bytes survive a write back)."""
    return raw.decode("utf-8", "surrogateescape")


def numbered_lines(content: bytes) -> list[tuple[int, bytes]]:
    """Every line with its number (from 1), without its end (LF or CR LF)."""
    lines = content.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [(n, line[:-1] if line[-1:] == b"\r" else line) for n, line in enumerate(lines, 1)]


def iso_date(value: str) -> str | None:
    """``11/14/2023 22:13:20`` → ``2023-11-14T22:13:20``; None when it is not that form."""
    try:
        return datetime.datetime.strptime(value.strip(), _US_DATE).isoformat()
    except ValueError:
        return None


def us_date(iso: str) -> str:
    """``2023-11-14T22:13:20`` → ``11/14/2023 22:13:20``, as Amptek and ORTEC write dates."""
    return datetime.datetime.fromisoformat(iso).strftime(_US_DATE)


def check_counts(
    values: np.ndarray, log: Diagnostics, place: Callable[[int], dict[str, Any]], what: str
) -> None:
    """Report negative counts (no detector counts below zero) with their place in the file.

    ``place`` turns a flat index of ``values`` into where it stands: a line, a byte
    offset, a point. The first few are reported one by one, the rest in one line.
    """
    negative = np.flatnonzero(np.asarray(values).ravel() < 0)
    for index in negative[:_REPORTED_NEGATIVES]:
        value = format_number(float(values.flat[index]))
        channel = index % values.shape[-1]
        log.report(f"{what}: negative count {value} in channel {channel} (from 0)", **place(int(index)))
    if negative.size > _REPORTED_NEGATIVES:
        more = negative.size - _REPORTED_NEGATIVES
        log.report(f"{what}: {more} more negative counts", **place(int(negative[_REPORTED_NEGATIVES])))


def _lenient(rows: Rows, log: Diagnostics, what: str) -> tuple[np.ndarray, np.ndarray]:
    """Each token parsed alone: one that is not a number is read as NaN and reported."""
    values: list[float] = []
    per_line: list[int] = []
    for number, line in rows:
        tokens = line.split()
        for column, token in enumerate(tokens, 1):
            value = parse_token(token)
            if value is None:
                log.report(
                    f"{what}: count {text(token)!r} is not a number; read as NaN", line=number, column=column
                )
                value = float("nan")
            values.append(value)
        per_line.append(len(tokens))
    return np.array(values, dtype=np.float64), np.array(per_line, dtype=np.int64)


def parse_counts(rows: Rows, log: Diagnostics, what: str) -> np.ndarray:
    """The counts of ``rows`` as float64: a fast path for clean text, a lenient one that reports."""
    parsed = parse_rows([line for _, line in rows])
    values, per_line = parsed if parsed is not None else _lenient(rows, log, what)
    ends = np.cumsum(per_line)

    def place(index: int) -> dict[str, Any]:
        return {"line": rows[int(np.searchsorted(ends, index, side="right"))][0]}

    check_counts(values, log, place, what)
    return values


def text_counts(rows: Rows, log: Diagnostics, guard: Guard, what: str) -> LazyArray:
    """The counts of ``rows``, one per token, parsed on first access (their number is known now)."""
    size = sum(len(line.split()) for _, line in rows)
    parsed: list[np.ndarray] = []

    def read(key: Any) -> np.ndarray:
        if not parsed:
            parsed.append(parse_counts(rows, log, what))
        return parsed[0][key]

    return LazyArray((size,), np.float64, read, guard=guard, name=NAME)


def one_spectrum_file(source: Source, title: str, header: Header, spectrum: Spectrum) -> File:
    """The File of an MCA file holding one spectrum: one Dataset ``1.1`` whose spectrum is ``mca_0``."""
    dataset = Dataset(
        KEY,
        title,
        header,
        spectra={NAME: spectrum},
        start_time=spectrum.start_time,
        diagnostics=source.diagnostics,
    )
    return source.file([dataset])


def set_entry(entries: list[HeaderEntry], key: str, value: str | None, agrees: Callable[[str], bool]) -> None:
    """Make ``key`` say ``value`` (None: be absent), keeping the entry as it was when it ``agrees``.

    Writers keep the original text of a header value the model also holds (a time,
    a date) when it says what the model says, so a round trip gives the same header;
    a new entry goes where the old one was, else at the end.
    """
    at = next((i for i, e in enumerate(entries) if e.key == key), None)
    if at is not None and agrees(str(entries[at].value)):
        return
    if at is not None:
        del entries[at]
    if value is not None:
        entries.insert(len(entries) if at is None else at, HeaderEntry(key, value))
