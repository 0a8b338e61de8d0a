"""SPEC scans as beamio-spec reads them: the header lines verbatim, and the values they give.

A scan is built from the lines SPEC writes — ``#S`` number and command, then in some
order date, count time, comments, geometry and lines no reader knows, ``#O`` motor
names with ``#P`` positions, the ``#@`` settings of each MCA, ``#N`` and ``#L`` —
then its rows, with comments between them and ``@A`` spectra after each. The Dataset
holds those lines as header entries (key, stripped value, the line as ``raw``) and
the columns, positioners and spectra the reader derives from them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from ..._dataset import Dataset
from ..._header import Header, HeaderEntry
from ..._spectrum import Calibration, Roi, Spectrum
from ._text import float64s, float_arrays, line_text, names, number_text

__all__ = ["header_line", "scan_datasets", "spec_datasets", "spec_label"]

_PER_LINE = 8  # names per #O line, as SPEC writes them

# Letters whose lines mean something to the reader: #S and #F start blocks, the others name
# columns, motors, parameters, counters and MCA settings. Lines of other keys are kept verbatim.
_RESERVED = ("S", "F", "L", "N", "O", "P", "o", "H", "V", "J", "j", "@")
_KNOWN_KEYS = ("D", "T", "M", "C", "E", "G0", "G1", "G2", "G3", "G4", "Q", "X", "UXML", "MD", "U", "R")


def spec_label(max_words: int = 2) -> st.SearchStrategy[str]:
    """A SPEC column or motor name: words of printable ASCII joined by single spaces."""
    word = st.text(alphabet=[chr(c) for c in range(33, 127)], min_size=1, max_size=8)
    return st.lists(word, min_size=1, max_size=max_words).map(" ".join)


_keys = st.sampled_from(_KNOWN_KEYS) | names(6).filter(lambda k: not k.startswith(_RESERVED))


@st.composite
def header_line(draw: st.DrawFn, key: st.SearchStrategy[str] = _keys) -> HeaderEntry:
    """``#KEY value``: the entry the reader makes of it (value without surrounding blanks)."""
    name = draw(key)
    text = draw(line_text())
    separator = draw(st.sampled_from([" ", "  ", "\t"]))
    if not text.strip() and draw(st.booleans()):
        return HeaderEntry(name, "", f"#{name}")
    return HeaderEntry(name, text.strip(), f"#{name}{separator}{text}")


def _entry(key: str, value: str) -> HeaderEntry:
    return HeaderEntry(key, value, f"#{key} {value}")


def _name_lines(letter: str, values: list[str], joiner: str) -> list[HeaderEntry]:
    return [
        _entry(f"{letter}{n // _PER_LINE}", joiner.join(values[n : n + _PER_LINE]))
        for n in range(0, len(values), _PER_LINE)
    ]


@st.composite
def _spectrum(
    draw: st.DrawFn, points: int, mca_id: str, settings: dict[str, bool], rois: bool
) -> tuple[Spectrum, list[HeaderEntry]]:
    """One MCA: its counts (points × channels) and its ``#@`` lines."""
    channels = draw(st.integers(1, 40))
    counts = draw(float_arrays((points, channels)))
    lines = [_entry("@MCA", f"{min(channels, 16)}C")] if settings["mca"] else []
    numbers: Any = None
    if settings["chann"]:
        first, step = draw(st.integers(0, 2048)), draw(st.integers(1, 4))
        numbers = first + step * np.arange(channels, dtype=np.float64)
        lines.append(_entry("@CHANN", f"{channels} {first} {first + step * (channels - 1)} {step}"))
    calibration = Calibration()
    if settings["calib"]:
        finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
        calibration = Calibration(draw(finite), draw(finite), draw(finite))
        lines.append(_entry("@CALIB", " ".join(number_text(v) for v in _coefficients(calibration))))
    times: list[float | None] = [None, None, None]
    if settings["ctime"]:
        times = [draw(st.floats(0, 1e6)) for _ in range(3)]
        lines.append(_entry("@CTIME", " ".join(number_text(t) for t in times if t is not None)))
    regions: tuple[Roi, ...] = ()
    if rois:
        regions = tuple(draw(st.lists(_roi(), max_size=3)))
        lines.extend(_entry("@ROI", f"{r.name} {r.first} {r.last}") for r in regions)
    spectrum = Spectrum(
        counts,
        channels=numbers,
        calibration=calibration,
        preset_time=times[0],
        live_time=times[1],
        real_time=times[2],
        rois=regions,
        header=Header([("mca", mca_id)]),
    )
    return spectrum, lines


@st.composite
def _roi(draw: st.DrawFn) -> Roi:
    first = draw(st.integers(-5, 2000))
    return Roi(draw(spec_label(2)), first, first + draw(st.integers(0, 100)))


def _coefficients(calibration: Calibration) -> tuple[float, float, float]:
    return calibration.a, calibration.b, calibration.c


@st.composite
def scan_datasets(
    draw: st.DrawFn,
    number: int | None = None,
    *,
    max_points: int = 6,
    min_spectra: int = 0,
    max_spectra: int = 2,
    rois: bool = False,
    mca_ids: tuple[str, ...] = ("A", "A1", "B"),
) -> Dataset:
    """A SPEC scan; :func:`spec_datasets` without ROIs, the SPEC-style MCA file's with them."""
    number = draw(st.integers(1, 9999)) if number is None else number
    title = draw(line_text(40)).strip()
    labels = draw(st.lists(spec_label(), max_size=5, unique=True))
    mcas = draw(st.integers(min_spectra, max_spectra))
    # Rows need labels; each MCA has a spectrum per row (or, in a scan without rows, some).
    points = draw(st.integers(1 if mcas else 0, max_points)) if labels else 0
    columns = {label: draw(float_arrays(points)) for label in labels}
    motors = draw(st.lists(spec_label(), max_size=2 * _PER_LINE + 1, unique=True))
    positions = [draw(float64s) for _ in motors]

    # Each kind of MCA setting is given for every MCA or for none (the reader takes the
    # k-th line for MCA k, the last one when there are fewer); ROIs of MCA k follow its
    # #@CALIB line, which says whose they are.
    settings = {k: draw(st.booleans()) for k in ("mca", "chann", "calib", "ctime")}
    settings["calib"] = settings["calib"] or (rois and mcas > 1)
    ids = ["@" + draw(st.sampled_from(mca_ids))] if mcas == 1 else [f"@A{k + 1}" for k in range(mcas)]
    spectra: dict[str, Spectrum] = {}
    mca_lines: list[HeaderEntry] = []
    for k, mca_id in enumerate(ids):
        spectrum, lines = draw(_spectrum(points or draw(st.integers(1, 3)), mca_id, settings, rois))
        spectra[f"mca_{k}"] = spectrum
        mca_lines += lines

    blocks: list[list[HeaderEntry]] = [[line] for line in draw(st.lists(header_line(), max_size=6))]
    if motors:
        blocks.append(_name_lines("O", motors, "  "))
        blocks.append(_name_lines("P", [number_text(p) for p in positions], " "))
    if mca_lines:
        blocks.append(mca_lines)
    command = f"#S {number}" + (draw(st.sampled_from([" ", "  "])) + title if title else "")
    entries = [HeaderEntry("S", command[3:].strip(), command)]
    entries += [entry for block in draw(st.permutations(blocks)) for entry in block]
    if labels:
        entries += [_entry("N", str(len(labels))), _entry("L", "  ".join(labels))]
    # Comments between the rows (after the first): each keeps the number of rows before it.
    inside = (
        draw(st.lists(st.tuples(st.integers(1, max(points, 1)), header_line()), max_size=2)) if points else []
    )
    for row, line in sorted(inside, key=lambda pair: pair[0]):
        entries.append(HeaderEntry(line.key, line.value, line.raw, row))
    return Dataset(
        f"{number}.1",
        title,
        Header(entries),
        columns=columns,
        positioners=dict(zip(motors, positions, strict=True)),
        spectra=spectra,
    )


def spec_datasets(number: int | None = None, *, max_points: int = 6) -> st.SearchStrategy[Dataset]:
    """SPEC scans: title, header lines (unknown ones too), float64 columns, positioners, MCA spectra.

    Parameters
    ----------
    number
        The scan number (key ``"<number>.1"``); drawn when None.
    max_points
        At most this many rows (and spectra per MCA).
    """
    return scan_datasets(number, max_points=max_points)
