"""Amptek MCA files (DppMCA, ADMCA): ``<<PMCA SPECTRUM>>`` … ``<<DATA>>`` counts ``<<END>>``.

The sections, as Amptek's "Spectrum File Format" describes them: ``<<PMCA SPECTRUM>>``
holds ``KEY - value`` lines (TAG, DESCRIPTION, GAIN, THRESHOLD, LIVE_MODE,
PRESET_TIME, LIVE_TIME, REAL_TIME, START_TIME, SERIAL_NUMBER); ``<<CALIBRATION>>`` a
LABEL and ``channel value`` points; ``<<ROI>>`` ``first last`` channel pairs;
``<<DATA>>`` one count per line up to ``<<END>>``. After it, firmware-5 files add
``<<DP5 CONFIGURATION>>`` (``KEY=value;``) and ``<<DPP STATUS>>`` (``Key: value``)
sections, each closed by ``<<… END>>``.

In the header, a line of the first section is keyed by its name (``REAL_TIME``), a
line of another section by ``SECTION/name`` (``DP5 CONFIGURATION/MCAC``), a line
without a name by its section (``CALIBRATION`` → ``"10 1.5"``); each keeps its text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

from beamio import Calibration, Diagnostics, File, Header, HeaderEntry, Roi, Source, Spectrum
from beamio_spec._numbers import format_column, format_number, parse_whole

from ._text import iso_date, numbered_lines, one_spectrum_file, set_entry, text, text_counts, us_date

__all__ = ["fit_calibration", "looks_amptek", "read", "write"]

MAIN = "PMCA SPECTRUM"
_BEFORE_DATA = (MAIN, "CALIBRATION", "ROI")  # the sections Amptek writes before <<DATA>>
_MARKER = re.compile(r"^<<(.+)>>$")
_PMCA_LINE = re.compile(r"^(\w+) +[-\u2013](?: (.*))?$")  # "REAL_TIME - 10.0" (the document prints "–")
_CONFIG_LINE = re.compile(r"^(\w+)=([^;]*);")  # "MCAC=1024;    comment"
_STATUS_LINE = re.compile(r"^([^:=]+): ?(.*)$")  # "Device Type: DP5"
_TIMES = {"PRESET_TIME": "preset_time", "LIVE_TIME": "live_time", "REAL_TIME": "real_time"}


def looks_amptek(header: Header) -> bool:
    """Whether a header was read from an Amptek file (its first-section lines are ``KEY - value``).

    A file whose first section is empty (no times, no description) is known by its
    other sections alone: calibration points and ROIs.
    """
    for entry in header.entries:
        match = _PMCA_LINE.match(entry.raw or "")
        if match and match.group(1) == entry.key:
            return True
    entries = header.entries
    return bool(entries) and all(e.key in ("CALIBRATION", "ROI") and e.raw is not None for e in entries)


# -- reading -----------------------------------------------------------------------------------
def _entry(section: str, line: str) -> HeaderEntry:
    """One line of a section as a header entry: ``KEY - v``, ``KEY=v;`` or ``Key: v``, else the line."""
    for pattern in (_PMCA_LINE, _CONFIG_LINE, _STATUS_LINE):
        match = pattern.match(line)
        if match:
            name, value = match.group(1).strip(), (match.group(2) or "").strip()
            return HeaderEntry(name if section == MAIN else f"{section}/{name}", value, line)
    return HeaderEntry(section, line.strip(), line)  # a line without a name: keyed by its section


class _Parsed:
    """The lines of an Amptek file sorted into header entries (with their line numbers) and counts."""

    def __init__(self, content: bytes, log: Diagnostics) -> None:
        self.entries: list[HeaderEntry] = []
        self.lines: list[int] = []
        self.rows: list[tuple[int, bytes]] = []
        section: str | None = None
        data, ended, last = 0, False, 0
        for number, raw in numbered_lines(content):
            line, last = text(raw).rstrip(), number
            marker = _MARKER.match(line.strip())
            if marker:
                name = marker.group(1).strip()
                if name == "DATA":
                    data += 1
                    if data > 1:
                        log.report("a second <<DATA>> section; its counts are left out", line=number)
                elif name == "END":
                    ended = ended or section == "DATA"
                section = None if name == "END" or name.endswith(" END") else name
                continue
            if section == "DATA":
                if data == 1 and line.strip():
                    self.rows.append((number, raw))
            elif line.strip():
                if section is None:
                    log.report(f"a line outside any <<SECTION>>: {line.strip()!r}", line=number)
                self.entries.append(_entry(section or MAIN, line))
                self.lines.append(number)
        if not data:
            log.report("no <<DATA>> section: the file holds no counts", line=last)
        elif not ended:
            log.report("no <<END>> after the counts: the file is truncated", line=last)
        elif section is not None and section not in (*_BEFORE_DATA, "DATA"):  # DP5 CONFIGURATION …
            log.report(f"no <<{section} END>> after <<{section}>>: the file is truncated", line=last)

    def line_of(self, key: str) -> int | None:
        return next((n for e, n in zip(self.entries, self.lines, strict=True) if e.key == key), None)


def _number(parsed: _Parsed, key: str, log: Diagnostics) -> float | None:
    """A numeric value of the first section; None when absent or empty, reported when not a number."""
    entry = next((e for e in parsed.entries if e.key == key), None)
    if entry is None or not entry.value:
        return None
    try:
        return float(entry.value)
    except ValueError:
        log.report(f"{key} {entry.value!r} is not a number; left unknown", line=parsed.line_of(key))
        return None


def _pairs(parsed: _Parsed, section: str, log: Diagnostics, what: str) -> list[tuple[float, float]]:
    out = []
    for entry, line in zip(parsed.entries, parsed.lines, strict=True):
        if entry.key != section:
            continue
        words = entry.value.split()
        try:
            if len(words) != 2:
                raise ValueError
            out.append((float(words[0]), float(words[1])))
        except ValueError:
            log.report(f"<<{section}>>: {entry.value!r} is not {what}; left out", line=line)
    return out


def fit_calibration(points: list[tuple[float, float]]) -> Calibration:
    """The line through Amptek calibration points, computed as PyMca computes it.

    One point: the line from the origin; two: the line through both; more: the
    least-squares line. (Amptek calibrations are linear.)
    """
    if not points:
        return Calibration()
    if len(points) <= 2:
        (x0, y0), (x1, y1) = ((0.0, 0.0), points[0]) if len(points) == 1 else points
        gain = (y1 - y0) / (x1 - x0)
        return Calibration(y0 - gain * x0, gain)
    x, y = np.array(points).T
    n, sxy, sxx, sx, sy = len(x), float(x @ y), float(x @ x), float(x.sum()), float(y.sum())
    d = n * sxx - sx * sx
    return Calibration((sxx * sy - sx * sxy) / d, (n * sxy - sx * sy) / d)


def _calibration(parsed: _Parsed, log: Diagnostics) -> Calibration:
    try:
        return fit_calibration(_pairs(parsed, "CALIBRATION", log, "a 'channel value' point"))
    except ZeroDivisionError:
        log.report(
            "<<CALIBRATION>>: the points share one channel; no calibration",
            line=parsed.line_of("CALIBRATION"),
        )
        return Calibration()


def _rois(parsed: _Parsed, log: Diagnostics) -> list[Roi]:
    rois: list[Roi] = []
    for first, last in _pairs(parsed, "ROI", log, "a 'first last' channel pair"):
        if first.is_integer() and last.is_integer() and first <= last:
            rois.append(Roi(f"roi_{len(rois) + 1}", int(first), int(last)))
        else:
            log.report(
                f"<<ROI>>: {first:g} {last:g} is no channel range; left out", line=parsed.line_of("ROI")
            )
    return rois


def _check_channels(parsed: _Parsed, n: int, log: Diagnostics) -> None:
    """The DP5 configuration's MCAC (number of MCA channels) against the counts present."""
    for key in ("DP5 CONFIGURATION/MCAC", "DPP CONFIGURATION/MCAC"):
        entry = next((e for e in parsed.entries if e.key == key), None)
        declared = None if entry is None else parse_whole(entry.value)
        if entry is not None and declared is not None and declared != n:
            log.report(
                f"{key}={entry.value} channels, but <<DATA>> holds {n} counts", line=parsed.line_of(key)
            )


def read(source: Source, content: bytes) -> File:
    """The File of an Amptek .mca file: one Dataset, one spectrum."""
    log = source.diagnostics
    parsed = _Parsed(content, log)
    header = Header(parsed.entries, origin=source.path)
    counts = text_counts(parsed.rows, log, source.guard, "<<DATA>>")
    _check_channels(parsed, counts.shape[0], log)
    start = header.get("START_TIME") or None
    start_time = iso_date(start) if start else None
    if start and start_time is None:
        log.report(
            f"START_TIME {start!r} is not MM/DD/YYYY HH:MM:SS; left unknown",
            line=parsed.line_of("START_TIME"),
            severity="info",
        )
    times: dict[str, Any] = {field: _number(parsed, key, log) for key, field in _TIMES.items()}
    spectrum = Spectrum(
        counts,
        calibration=_calibration(parsed, log),
        start_time=start_time,
        rois=_rois(parsed, log),
        **times,
    )
    return one_spectrum_file(source, header.get("DESCRIPTION", ""), header, spectrum)


# -- writing -----------------------------------------------------------------------------------
def _section_of(key: str) -> str:
    """The section of a key: ``DP5 CONFIGURATION/MCAC`` → ``DP5 CONFIGURATION``, ``TAG`` → the first."""
    if "/" in key:
        return key.rpartition("/")[0]
    return key if key in _BEFORE_DATA or " " in key else MAIN


def _line(section: str, entry: HeaderEntry) -> str:
    """An entry as a line of its section: its own text, else made in the section's style."""
    if entry.raw is not None:
        return entry.raw
    if entry.key == section:
        return str(entry.value)
    name = entry.key.rpartition("/")[2]
    if "CONFIGURATION" in section:
        return f"{name}={entry.value};"
    return f"{name}: {entry.value}" if "STATUS" in section else f"{name} - {entry.value}"


def _same_time(time: Any) -> Callable[[str], bool]:
    """Whether a written time says ``time`` (an empty or OFF value says there is none)."""

    def agrees(value: str) -> bool:
        try:
            return time is not None and float(value) == float(time)
        except ValueError:
            return time is None

    return agrees


def _points(entries: list[HeaderEntry]) -> list[tuple[float, float]]:
    out = []
    for entry in entries:
        words = str(entry.value).split()
        if entry.key == "CALIBRATION" and len(words) == 2:
            try:
                out.append((float(words[0]), float(words[1])))
            except ValueError:
                continue
    return out


def _exact_energy(a: float, b: float, x: float) -> float:
    """An energy at channel ``x`` from which the two-point line gives back exactly ``b`` (when one exists)."""
    energy = a + b * x
    for _ in range(8):
        gain = (energy - a) / x
        if gain == b:
            break
        energy = float(np.nextafter(energy, np.inf if gain < b else -np.inf))
    return energy


def _calibration_lines(entries: list[HeaderEntry], spectrum: Spectrum, lossy: Callable[[str], None]) -> None:
    """The CALIBRATION section: its points when they give the spectrum's calibration, else two new ones."""
    calibration = spectrum.calibration
    if fit_calibration(_points(entries)) == calibration:
        return
    entries[:] = [e for e in entries if e.key != "CALIBRATION"]
    if calibration.is_identity:
        return
    if calibration.c:
        lossy(f"Amptek calibrations are linear; the quadratic term c={calibration.c!r} is left out")
    last = float(max(spectrum.n_channels - 1, 1))
    energy = _exact_energy(calibration.a, calibration.b, last)
    if fit_calibration([(0.0, calibration.a), (last, energy)]) != Calibration(calibration.a, calibration.b):
        lossy(
            f"Amptek calibrations are two points; no energy at channel {format_number(last)} gives back"
            f" the gain {calibration.b!r} from the offset {calibration.a!r}: the nearest is written"
        )
    entries.append(HeaderEntry("CALIBRATION", f"0 {format_number(calibration.a)}"))
    entries.append(HeaderEntry("CALIBRATION", f"{format_number(last)} {format_number(energy)}"))


def write(header: Header, title: str, spectrum: Spectrum, out: TextIO, lossy: Callable[[str], None]) -> None:
    """Write one spectrum as an Amptek file; the lines of ``header`` (from an Amptek file) are kept.

    Times, start time, description, calibration points and ROIs are those of the
    model: a line of the header is kept when it says the same, else replaced.
    """
    sections: dict[str, list[HeaderEntry]] = {MAIN: []}
    for entry in header.entries:
        sections.setdefault(_section_of(entry.key), []).append(entry)
    main = sections[MAIN]
    for key, field in _TIMES.items():
        time = getattr(spectrum, field)
        set_entry(main, key, None if time is None else format_number(float(time)), _same_time(time))
    start = spectrum.start_time
    set_entry(main, "START_TIME", us_date(start) if start else None, lambda v: iso_date(v) == start)
    set_entry(main, "DESCRIPTION", title or None, lambda v: v == title)
    _calibration_lines(sections.setdefault("CALIBRATION", []), spectrum, lossy)
    rois = [HeaderEntry("ROI", f"{r.first} {r.last}") for r in spectrum.rois]
    if [str(e.value).split() for e in sections.get("ROI", [])] != [str(e.value).split() for e in rois]:
        sections["ROI"] = rois
    after = [name for name in sections if name not in _BEFORE_DATA]
    for name in _BEFORE_DATA:
        if sections.get(name) or name == MAIN:
            out.write(f"<<{name}>>\n" + "".join(_line(name, e) + "\n" for e in sections[name]))
    out.write("<<DATA>>\n" + "".join(v + "\n" for v in format_column(np.asarray(spectrum.counts))))
    out.write("<<END>>\n")
    for name in after:
        out.write(f"<<{name}>>\n" + "".join(_line(name, e) + "\n" for e in sections[name]))
        out.write(f"<<{name} END>>\n")
