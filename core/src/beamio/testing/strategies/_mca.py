"""MCA files' spectra: SPEC-style scans with ROIs, and the one-spectrum kinds (Amptek, Maestro, CHN, column).

A SPEC-style .mca (as PyMca writes it) is a SPEC file whose scans hold MCA spectra
with ``#@ROI`` lines; it holds what :func:`~beamio.testing.strategies.spec_datasets`
does, and the ROIs. The other kinds hold one spectrum each, and only some of what a
Spectrum can say; each strategy below draws exactly that:

- ``amptek``: counts, a linear calibration given by two points (energies within ±1e6),
  preset, live and real times, the start time to the second, ROIs (named ``roi_1``…),
  the title (``DESCRIPTION``).
- ``maestro``: counts from a first channel on, a quadratic calibration, live and real
  time together, the start time, ROIs, the title (``$SPEC_ID:``).
- ``chn``: 32-bit integer counts from a first channel on, times in 20 ms ticks, a
  calibration in 32-bit floats, the start time, a title of up to 63 Latin-1 characters,
  and the CHN header (MCA number, segment, width calibration, detector).
- ``column``: counts, after ``#`` comment lines.

The Amptek and Maestro writers make their header lines from the model: those
Datasets have no header, and a round trip gives back the values, not header lines.
"""

from __future__ import annotations

import datetime
from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ..._dataset import Dataset
from ..._header import Header, HeaderEntry
from ..._spectrum import Calibration, Roi, Spectrum
from ._spec import scan_datasets
from ._text import float_arrays, line_text

__all__ = ["MCA_VARIANTS", "mca_datasets"]

#: The kinds of MCA file beamio-mca writes (its ``variant`` option).
MCA_VARIANTS = ("spec", "amptek", "maestro", "chn", "column")

_finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
_energies = st.floats(-1e6, 1e6)  # eV or keV: Amptek's two-point calibrations are exact there
_times = st.floats(0, 1e7, allow_nan=False)
_starts = st.datetimes(datetime.datetime(1970, 1, 1), datetime.datetime(2099, 12, 31)).map(
    lambda moment: moment.replace(microsecond=0).isoformat()
)


@st.composite
def _rois(draw: st.DrawFn, *, negative: bool = True) -> tuple[Roi, ...]:
    pairs = draw(
        st.lists(st.tuples(st.integers(-100 if negative else 0, 5000), st.integers(0, 200)), max_size=3)
    )
    return tuple(Roi(f"roi_{k}", first, first + width) for k, (first, width) in enumerate(pairs, 1))


def _title(**kwargs: Any) -> st.SearchStrategy[str]:
    return line_text(40, **kwargs).map(str.strip)


@st.composite
def _amptek(draw: st.DrawFn) -> Dataset:
    times: dict[str, Any] = {t: draw(st.none() | _times) for t in ("preset_time", "live_time", "real_time")}
    n = draw(st.integers(1, 64))
    # Amptek gives a calibration as points: the energy at channel 0 and at the last one.
    last = float(max(n - 1, 1))
    points = draw(st.none() | st.tuples(_energies, _energies))
    spectrum = Spectrum(
        draw(float_arrays(n)),
        calibration=Calibration(points[0], (points[1] - points[0]) / last) if points else Calibration(),
        start_time=draw(st.none() | _starts),
        rois=draw(_rois()),
        **times,
    )
    return _one(draw(_title()), Header(), spectrum)


@st.composite
def _maestro(draw: st.DrawFn) -> Dataset:
    n = draw(st.integers(1, 64))
    first = draw(st.integers(0, 4096))
    times = draw(st.none() | st.tuples(_times, _times))
    quadratic = draw(st.none() | st.tuples(_finite, _finite, _finite))
    spectrum = Spectrum(
        draw(float_arrays(n)),
        channels=first + np.arange(n) if first else None,
        calibration=Calibration(*quadratic) if quadratic else Calibration(),
        live_time=times[0] if times else None,
        real_time=times[1] if times else None,
        start_time=draw(st.none() | _starts),
        rois=draw(_rois()),
    )
    title = draw(_title().filter(lambda t: not t.startswith("$")))  # a "$KEY:" line starts a block
    return _one(title, Header(), spectrum)


_float32s = st.floats(width=32, allow_nan=False, allow_infinity=False)
_latin1 = st.text(alphabet=[c for c in map(chr, range(32, 256)) if c.isprintable()], max_size=63).map(
    str.strip
)


@st.composite
def _chn(draw: st.DrawFn) -> Dataset:
    n = draw(st.integers(1, 64))
    first = draw(st.integers(0, 0xFFFF))
    counts = draw(hnp.arrays(np.int32, n))
    ab = draw(st.tuples(_float32s, _float32s).filter(lambda ab: ab != (0.0, 0.0)))
    c = draw(_float32s)
    calibration = draw(st.sampled_from([Calibration(), Calibration(*ab), Calibration(*ab, c)]))
    ticks = st.integers(0, 2**31 - 1).map(lambda t: t * 0.02)
    spectrum = Spectrum(
        counts,
        channels=first + np.arange(n) if first else None,
        calibration=calibration,
        live_time=draw(ticks),
        real_time=draw(ticks),
        start_time=draw(st.none() | _starts.filter(lambda s: s >= "1900")),
    )
    width = " ".join(repr(float(v)) for v in draw(st.lists(_float32s, min_size=3, max_size=3)))
    header = Header(
        [
            ("mca_number", str(draw(st.integers(-(2**15), 2**15 - 1)))),
            ("segment", str(draw(st.integers(-(2**15), 2**15 - 1)))),
            ("width_calibration", width),
            ("detector", draw(_latin1)),
        ]
    )
    return _one(draw(_latin1), header, spectrum)


@st.composite
def _column(draw: st.DrawFn) -> Dataset:
    comments = draw(
        st.lists(st.tuples(st.sampled_from(["#", "# ", "#\t", "  # "]), line_text(30)), max_size=3)
    )
    header = Header([HeaderEntry("comment", text.strip(), mark + text) for mark, text in comments])
    return _one("", header, Spectrum(draw(float_arrays(draw(st.integers(1, 64))))))


def _one(title: str, header: Header, spectrum: Spectrum) -> Dataset:
    return Dataset("1.1", title, header, spectra={"mca_0": spectrum}, start_time=spectrum.start_time)


_ONE_SPECTRUM = {"amptek": _amptek, "maestro": _maestro, "chn": _chn, "column": _column}


def mca_datasets(variant: str = "spec", number: int | None = None) -> st.SearchStrategy[Dataset]:
    """Datasets an MCA file of the kind ``variant`` holds (see the module's list).

    Parameters
    ----------
    variant
        One of :data:`MCA_VARIANTS`: ``spec`` (SPEC-style, several MCAs per scan, ROIs),
        ``amptek``, ``maestro``, ``chn`` or ``column`` (one spectrum, key ``"1.1"``).
    number
        The scan number of a SPEC-style scan (drawn when None).
    """
    if variant == "spec":
        return scan_datasets(number, min_spectra=1, rois=True, mca_ids=("A", "A1"))
    if variant not in _ONE_SPECTRUM:
        raise ValueError(f"an MCA variant is one of {', '.join(MCA_VARIANTS)}, not {variant!r}")
    return _ONE_SPECTRUM[variant]()
