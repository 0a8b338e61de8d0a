"""Spectra as columns of numbers: PyMca's single-column .mca, and plain text or CSV when asked.

PyMca's simplest MCA file (its ``XRFSpectrum.mca``) is one count per line, after
optional ``#`` comment lines; it is read as the ``mca`` format and written back.
The ``mca-text`` format, used only when asked with ``format="mca-text"``, reads
one column (counts) or two (channel or energy, then counts) separated by blanks,
commas, semicolons or tabs, with an optional line of labels.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, ClassVar, TextIO

import numpy as np

from beamio import (
    Calibration,
    File,
    FormatReader,
    Header,
    HeaderEntry,
    NotThisFormat,
    Option,
    Source,
    Spectrum,
)
from beamio_spec._numbers import format_column, format_number, parse_token

from ._text import numbered_lines, one_spectrum_file, text, text_counts

__all__ = ["TextSpectrumReader", "looks_column", "read", "write"]

_SEPARATORS = re.compile(rb"[\s,;]+")
_ENERGY_WORDS = ("energy", "kev", "ev")


def looks_column(header: Header) -> bool:
    """Whether a header was read from a single-column file: ``#`` comment lines only."""
    return bool(header.entries) and all(
        e.key == "comment" and (e.raw or "").lstrip().startswith("#") for e in header.entries
    )


def _comment(line: str) -> HeaderEntry:
    return HeaderEntry("comment", line.strip()[1:].strip(), line)


def read(source: Source, content: bytes) -> File:
    """The File of a single-column .mca file: ``#`` comments, then one count per line."""
    log = source.diagnostics
    comments: list[HeaderEntry] = []
    rows: list[tuple[int, bytes]] = []
    for number, raw in numbered_lines(content):
        line = text(raw)
        if line.strip().startswith("#"):
            comments.append(_comment(line))
        elif len(raw.split()) > 1:
            log.report(
                f"{len(raw.split())} values where one count per line is expected; left out", line=number
            )
        elif raw.strip():
            rows.append((number, raw))
    counts = text_counts(rows, log, source.guard, "counts")
    return one_spectrum_file(source, "", Header(comments, origin=source.path), Spectrum(counts))


def write(header: Header, title: str, spectrum: Spectrum, out: TextIO, lossy: Callable[[str], None]) -> None:
    """Write one spectrum as a single-column file: the header's comments, then one count per line."""
    kept = [
        name
        for name, plain in (
            ("calibration", spectrum.calibration.is_identity),
            ("channel numbers", spectrum.channels_ is None),
            ("times", all(getattr(spectrum, t) is None for t in ("preset_time", "live_time", "real_time"))),
            ("start time", spectrum.start_time is None),
            ("ROIs", not spectrum.rois),
            ("title", not title),
        )
        if not plain
    ]
    if kept:
        lossy(f"a single-column file holds counts alone; its {', '.join(kept)} are left out")
    for entry in header.entries:
        out.write((entry.raw if entry.raw is not None else f"# {entry.value}") + "\n")
    out.write("".join(v + "\n" for v in format_column(np.asarray(spectrum.counts))))


# -- plain text and CSV, when asked ------------------------------------------------------------------
class TextSpectrumReader(FormatReader):
    """Reads one or two columns of numbers (counts; channel or energy and counts) as one spectrum."""

    options: ClassVar[dict[str, Option]] = {
        "first": Option(
            None,
            str,
            "what the first of two columns holds (default: its label says, else channel when it holds"
            " whole numbers, energy when not)",
            choices=("channel", "energy"),
        ),
    }

    def read(self, source: Source) -> File:
        """Read every line now (such files are small); the counts are float64."""
        entries: list[HeaderEntry] = []
        labels: list[str] | None = None
        rows: list[tuple[int, list[bytes]]] = []
        for number, raw in numbered_lines(source.read_bytes()):
            line = text(raw)
            if line.strip().startswith("#"):
                entries.append(_comment(line))
                continue
            tokens = [t.strip(b"\"'") for t in _SEPARATORS.split(raw.strip()) if t]
            if not tokens:
                continue
            if not rows and labels is None and any(parse_token(t) is None for t in tokens):
                labels = [text(t) for t in tokens]
                entries.append(HeaderEntry("labels", "  ".join(labels), line))
                continue
            rows.append((number, tokens))
        table, lines = self._table(rows, len(labels) if labels else None, source)
        spectrum = self._spectrum(table, lines, labels, source)
        return one_spectrum_file(source, "", Header(entries, origin=source.path), spectrum)

    @staticmethod
    def _table(
        rows: list[tuple[int, list[bytes]]], width: int | None, source: Source
    ) -> tuple[np.ndarray, list[int]]:
        """The rows as a table of numbers, and the line of each; refused unless one or two columns."""
        width = width or (len(rows[0][1]) if rows else 0)
        numeric = [all(parse_token(t) is not None for t in tokens) for _, tokens in rows]
        if width not in (1, 2) or not any(numeric):
            raise NotThisFormat("not one or two columns of numbers", source.path)
        kept, lines = [], []
        for (number, tokens), clean in zip(rows, numeric, strict=True):
            if len(tokens) != width:
                source.diagnostics.report(
                    f"{len(tokens)} values where {width} are expected; left out", line=number
                )
                continue
            if not clean:
                source.diagnostics.report("a value that is not a number; read as NaN", line=number)
            kept.append([parse_token(t) if parse_token(t) is not None else float("nan") for t in tokens])
            lines.append(number)
        return np.array(kept, dtype=np.float64).reshape(len(kept), width), lines

    def _spectrum(
        self, table: np.ndarray, lines: list[int], labels: list[str] | None, source: Source
    ) -> Spectrum:
        if table.shape[1] == 1:
            return Spectrum(table[:, 0])
        first, counts = table[:, 0], table[:, 1]
        kind = self.settings["first"] or _kind_of(first, labels[0] if labels else "")
        if kind == "channel":
            channels: Any = first.astype(np.int64) if _whole(first) else first
            same = np.array_equal(channels, np.arange(len(channels)))
            return Spectrum(counts, channels=None if same else channels)
        infinite = np.flatnonzero(~np.isfinite(first))
        if infinite.size:
            source.diagnostics.report(
                f"energy {format_number(float(first[infinite[0]]))} is not a finite number; no calibration",
                line=lines[int(infinite[0])],
            )
            return Spectrum(counts)
        return Spectrum(counts, calibration=_fitted(first))


def _whole(values: np.ndarray) -> bool:
    """Whether every value is a whole number that an int64 holds exactly (channel numbers)."""
    return bool(
        np.all(np.isfinite(values)) and np.all(values == np.round(values)) and np.all(np.abs(values) < 2**53)
    )


def _kind_of(first: np.ndarray, label: str) -> str:
    """Channel or energy: the label says, else whole numbers are channels."""
    label = label.lower()
    if "chan" in label:
        return "channel"
    if any(word in label for word in _ENERGY_WORDS):
        return "energy"
    return "channel" if _whole(first) else "energy"


def _fitted(energy: np.ndarray) -> Calibration:
    """The calibration a + b·ch + c·ch² of the energies of channels 0, 1, …: a line when one fits.

    The line through the first two when it gives every energy exactly, else least
    squares: a straight line when it meets every energy (to 1e-9 of the largest),
    else a quadratic. (Finite energies near 1e308 may fit to infinite coefficients:
    what the file says.)
    """
    if len(energy) < 2:
        return Calibration(float(energy[0]) if len(energy) else 0.0)
    channels = np.arange(len(energy), dtype=np.float64)
    with np.errstate(all="ignore"):
        exact = Calibration(float(energy[0]), float(energy[1] - energy[0]))
        if np.array_equal(exact.energy(channels), energy):
            return exact
        tolerance = 1e-9 * float(np.max(np.abs(energy)) or 1.0)
        for degree in (1, 2):
            coefficients = np.polyfit(channels, energy, min(degree, len(energy) - 1))
            if degree == 2 or np.max(np.abs(np.polyval(coefficients, channels) - energy)) <= tolerance:
                break
    return Calibration(*(float(c) for c in coefficients[::-1]))
