"""ORTEC Maestro ASCII spectra (.Spe): ``$KEY:`` lines, each followed by its values.

As ORTEC's "Software File Structure Manual" describes them: ``$SPEC_ID:`` (a
description), ``$SPEC_REM:`` (remarks), ``$DATE_MEA:`` (``MM/DD/YYYY HH:MM:SS``),
``$MEAS_TIM:`` (live and real time, in seconds), ``$DATA:`` (first and last channel,
then one count per line), ``$ROI:`` (how many, then ``first last`` pairs),
``$ENER_FIT:`` (offset and slope), ``$MCA_CAL:`` (how many coefficients, then them and
the unit), and others (``$PRESETS:``, ``$SHAPE_CAL:`` …) kept as they are.

In the header each block is one entry: its key without ``$`` and ``:``, its lines
joined by newlines (for ``DATA``, the channel range alone), its text as ``raw``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

from beamio import Calibration, Diagnostics, File, Header, HeaderEntry, Roi, Source, Spectrum
from beamio_spec._numbers import format_column, format_number, parse_whole

from ._text import iso_date, numbered_lines, one_spectrum_file, set_entry, text, text_counts, us_date

__all__ = ["looks_maestro", "read", "write"]

_KEY = re.compile(r"^\$(\w[\w.]*):(.*)$")


def looks_maestro(header: Header) -> bool:
    """Whether a header was read from a Maestro file (its entries are ``$KEY:`` blocks)."""
    return any((e.raw or "").startswith(f"${e.key}:") for e in header.entries)


# -- reading -----------------------------------------------------------------------------------
class _Parsed:
    """A Maestro file's blocks as header entries (with their line numbers), and its count lines."""

    def __init__(self, content: bytes, log: Diagnostics) -> None:
        self.entries: list[HeaderEntry] = []
        self.lines: dict[str, int] = {}
        self.rows: list[tuple[int, bytes]] = []
        self.last = 0  # the number of the last line
        key: str | None = None
        values: list[str] = []
        texts: list[str] = []
        counting, start = False, 0  # counting: in the first $DATA: block, past its channel range
        for number, raw in [*numbered_lines(content), (0, b"$END:")]:
            self.last = number or self.last
            line = text(raw)
            match = _KEY.match(line.strip())
            if match:
                if key is not None:
                    self.entries.append(HeaderEntry(key, "\n".join(values), "\n".join(texts)))
                key, values, texts, counting, start = match.group(1), [], [line], False, number
                if key == "DATA" and "DATA" in self.lines and number:
                    log.report("a second $DATA: block; its counts are left out", line=number)
                self.lines.setdefault(key, number)
                if match.group(2).strip():
                    values.append(match.group(2).strip())
            elif counting:
                if line.strip():
                    self.rows.append((number, raw))
            elif key is None:
                if line.strip():
                    log.report(f"a line before the first $KEY: block: {line.strip()!r}", line=number)
            elif line.strip():
                values.append(line.strip())
                texts.append(line)
                counting = key == "DATA" and start == self.lines["DATA"] and len(values) == 1

    def numbers(self, key: str, log: Diagnostics, what: str) -> list[float] | None:
        """The numbers of a block's first line, or None (reported) when they are not numbers."""
        entry = next((e for e in self.entries if e.key == key), None)
        if entry is None:
            return None
        try:
            return [float(t) for t in entry.value.split("\n")[0].split()]
        except ValueError:
            log.report(f"${key}: {entry.value!r} is not {what}; left out", line=self.lines.get(key))
            return None


def _range(parsed: _Parsed, n: int, log: Diagnostics) -> int:
    """The first channel, after checking the $DATA: range against the counts present."""
    line = parsed.lines.get("DATA")
    if line is None:
        log.report("no $DATA: block: the file holds no counts", line=parsed.last)
        return 0
    bounds = parsed.numbers("DATA", log, "a first and a last channel")
    # Channel numbers, even wrong ones, are far below 2**53: 1e300 is no channel (nor fits an int64).
    if not bounds or len(bounds) != 2 or not all(b.is_integer() and abs(b) < 2**53 for b in bounds):
        if bounds is not None:
            log.report("$DATA: the range is not a first and a last channel", line=line)
        return 0
    first, last = int(bounds[0]), int(bounds[1])
    if last - first + 1 != n:
        log.report(
            f"$DATA: channels {first} to {last} are {last - first + 1} channels, but {n} counts follow",
            line=line,
        )
    return first


def _rois(parsed: _Parsed, log: Diagnostics) -> list[Roi]:
    entry = next((e for e in parsed.entries if e.key == "ROI"), None)
    if entry is None:
        return []
    lines = entry.value.split("\n")
    rois: list[Roi] = []
    for words in (line.split() for line in lines[1:]):
        bounds = [parse_whole(w) for w in words]
        first, last = bounds if len(bounds) == 2 else (None, None)
        if first is not None and last is not None and first <= last:
            rois.append(Roi(f"roi_{len(rois) + 1}", first, last))
        else:
            log.report(f"$ROI: {' '.join(words)!r} is no channel range; left out", line=parsed.lines["ROI"])
    if lines[0].strip() != str(len(lines) - 1):
        log.report(f"$ROI: says {lines[0].strip()!r} ROIs, {len(lines) - 1} follow", line=parsed.lines["ROI"])
    return rois


def _calibration(parsed: _Parsed, log: Diagnostics) -> Calibration:
    """$MCA_CAL: (quadratic) when present, else $ENER_FIT: (offset and slope)."""
    entry = next((e for e in parsed.entries if e.key == "MCA_CAL"), None)
    if entry is not None:
        lines = entry.value.split("\n")
        try:
            count = int(lines[0])
            coefficients = [float(t) for t in lines[1].split()[:count]]
            if not 2 <= count <= 3 or len(coefficients) != count:
                raise ValueError
            return Calibration(*coefficients)
        except (ValueError, IndexError):
            log.report(f"$MCA_CAL: {entry.value!r} is not 2 or 3 coefficients", line=parsed.lines["MCA_CAL"])
    fit = parsed.numbers("ENER_FIT", log, "an offset and a slope")
    if fit is not None and len(fit) == 2:
        return Calibration(*fit)
    return Calibration()


def _times(parsed: _Parsed, log: Diagnostics) -> dict[str, Any]:
    times = parsed.numbers("MEAS_TIM", log, "a live and a real time")
    if times is None:
        return {}
    if len(times) != 2:
        log.report(
            f"$MEAS_TIM: {len(times)} numbers, not a live and a real time", line=parsed.lines["MEAS_TIM"]
        )
        return {}
    return {"live_time": times[0], "real_time": times[1]}


def read(source: Source, content: bytes) -> File:
    """The File of a Maestro .Spe file: one Dataset, one spectrum."""
    log = source.diagnostics
    parsed = _Parsed(content, log)
    header = Header(parsed.entries, origin=source.path)
    counts = text_counts(parsed.rows, log, source.guard, "$DATA")
    first = _range(parsed, counts.shape[0], log)
    date = header.get("DATE_MEA") or None
    start_time = iso_date(date) if date else None
    if date and start_time is None:
        log.report(
            f"$DATE_MEA: {date!r} is not MM/DD/YYYY HH:MM:SS; left unknown",
            line=parsed.lines["DATE_MEA"],
            severity="info",
        )
    spectrum = Spectrum(
        counts,
        channels=first + np.arange(counts.shape[0]) if first else None,
        calibration=_calibration(parsed, log),
        start_time=start_time,
        rois=_rois(parsed, log),
        **_times(parsed, log),
    )
    return one_spectrum_file(source, header.get("SPEC_ID", ""), header, spectrum)


# -- writing -----------------------------------------------------------------------------------
def _numbers_agree(model: list[float] | None, rtol: float = 0.0) -> Callable[[str], bool]:
    def agrees(value: str) -> bool:
        try:
            numbers = [float(t) for t in value.split()]
        except ValueError:
            return False
        return model is not None and len(numbers) == len(model) and np.allclose(numbers, model, rtol, 0.0)

    return agrees


def _calibration_agrees(calibration: Calibration) -> Callable[[str], bool]:
    def agrees(value: str) -> bool:
        lines = value.split("\n")
        try:
            coefficients = [float(t) for t in lines[1].split()[: int(lines[0])]]
        except (ValueError, IndexError):
            return False
        return Calibration(*coefficients) == calibration

    return agrees


def write(header: Header, title: str, spectrum: Spectrum, out: TextIO, lossy: Callable[[str], None]) -> None:
    """Write one spectrum as a Maestro .Spe file; the blocks of ``header`` (from a Maestro file) are kept.

    Description, date, times, channel range, ROIs and calibration are those of the
    model: a block of the header is kept when it says the same, else replaced.
    """
    entries = list(header.entries)
    counts = np.asarray(spectrum.counts)
    channels = spectrum.channels
    first = int(channels[0]) if len(channels) else 0
    if len(channels) and not np.array_equal(channels, first + np.arange(len(channels))):
        lossy(f"Maestro channels run by one from the first; {channels[:3]}… are written from {first}")
    live, real = spectrum.live_time, spectrum.real_time
    if (live is None) != (real is None):
        lossy("Maestro's $MEAS_TIM: holds a live and a real time together; the one known is left out")
    times = None if live is None or real is None else [float(live), float(real)]
    cal = spectrum.calibration
    start = spectrum.start_time
    rois = "\n".join([str(len(spectrum.rois)), *(f"{r.first} {r.last}" for r in spectrum.rois)])
    blocks: list[tuple[str, str | None, Callable[[str], bool]]] = [
        ("SPEC_ID", title, lambda v: v == title),
        ("DATE_MEA", us_date(start) if start else None, lambda v: iso_date(v) == start),
        ("MEAS_TIM", None if times is None else " ".join(map(format_number, times)), _numbers_agree(times)),
        ("DATA", f"{first} {first + len(counts) - 1}", _numbers_agree([first, first + len(counts) - 1])),
        ("ROI", rois if spectrum.rois else None, lambda v: v.split() == rois.split()),
        (
            "ENER_FIT",
            None if cal.is_identity else f"{format_number(cal.a)} {format_number(cal.b)}",
            # $ENER_FIT: repeats $MCA_CAL:'s line, often to fewer digits: that is agreement enough.
            _numbers_agree(None if cal.is_identity else [cal.a, cal.b], rtol=1e-5),
        ),
        (
            "MCA_CAL",
            None
            if cal.is_identity
            else f"3\n{format_number(cal.a)} {format_number(cal.b)} {format_number(cal.c)} keV",
            _calibration_agrees(cal),
        ),
    ]
    for key, value, agrees in blocks:
        set_entry(entries, key, value, agrees)
    for entry in entries:
        block = f"${entry.key}:" + (f"\n{entry.value}" if entry.value != "" else "")  # as it reads back
        out.write((entry.raw if entry.raw is not None else block) + "\n")
        if entry.key == "DATA":
            out.write("".join(f"{v:>8}\n" for v in format_column(counts)))
