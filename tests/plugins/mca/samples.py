"""MCA files written by hand for the MCA plugin's tests, each from its published description.

- SPEC-style: SPEC's "Standard Data File Format" (certif.com, SPEC manual) and the
  lines PyMca's McaWindow writes (PyMca5/PyMcaGui/pymca/McaWindow.py, "Specfile" save).
- Amptek: "Amptek Spectrum File Format" (Amptek DP5 SDK documentation), with the
  firmware-5 sections after <<END>>: <<DP5 CONFIGURATION>> and <<DPP STATUS>>.
- ORTEC Maestro .Spe and .chn: ORTEC's "Software File Structure Manual for DOS and
  Windows Systems" (the ASCII SPE blocks; the CHN 32-byte header, int32 counts and
  512-byte trailer).
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus"
CORPUS_MCA = CORPUS / "mca" / "pymca_XRFSpectrum.mca"


def peak_counts(n: int = 256) -> np.ndarray:
    """Whole counts of a fluorescence-like spectrum: a falling background and two peaks."""
    ch = np.arange(n, dtype=np.float64)
    background = 40 * np.exp(-ch / (n / 3))
    peaks = 900 * np.exp(-0.5 * ((ch - 0.4 * n) / 3) ** 2) + 300 * np.exp(-0.5 * ((ch - 0.45 * n) / 3) ** 2)
    return np.round(background + peaks)


def lines(*rows: str, newline: str = "\n") -> bytes:
    return "".join(row + newline for row in rows).encode()


# -- Amptek ------------------------------------------------------------------------------------
def amptek(counts: np.ndarray, *, newline: str = "\r\n", end: bool = True) -> bytes:
    """An Amptek .mca with every section: spectrum, calibration, ROI, data, DP5 configuration, status."""
    head = [
        "<<PMCA SPECTRUM>>",
        "TAG - live_data",
        "DESCRIPTION - Fe55 source, 10 s",
        "GAIN - 2",
        "THRESHOLD - 50",
        "LIVE_MODE - 0",
        "PRESET_TIME - 10",
        "LIVE_TIME - 9.874000",
        "REAL_TIME - 10.000000",
        "START_TIME - 10/20/1998 12:17:17",
        "SERIAL_NUMBER - 1199",
        "<<CALIBRATION>>",
        "LABEL - keV",
        "101 5.899",
        "231 13.95",
        "<<ROI>>",
        "95 108",
        "225 238",
        "<<DATA>>",
        *(str(int(c)) for c in counts),
    ]
    tail = [
        "<<END>>",
        "<<DP5 CONFIGURATION>>",
        "RESC=Y;",
        "CLCK=20;",
        f"MCAC={len(counts)};    MCA/MCS channels",
        "TPEA=12.800;",
        "GAIN=20.000;",
        "<<DP5 CONFIGURATION END>>",
        "<<DPP STATUS>>",
        "Device Type: DP5",
        "Serial Number: 1199",
        "Firmware: 6.06.04",
        "Fast Count: 12345",
        "<<DPP STATUS END>>",
    ]
    return lines(*head, *(tail if end else []), newline=newline)


# -- ORTEC Maestro .Spe ------------------------------------------------------------------------
def maestro(counts: np.ndarray, *, first: int = 0, last: int | None = None, newline: str = "\r\n") -> bytes:
    """A Maestro .Spe as Maestro writes it: counts right-aligned in 8 columns, calibrations at the end."""
    last = first + len(counts) - 1 if last is None else last
    return lines(
        "$SPEC_ID:",
        "Fe55 source, 10 s",
        "$SPEC_REM:",
        "DET# 1",
        "DETDESC# MCB 129",
        "AP# Maestro Version 6.08",
        "$DATE_MEA:",
        "10/20/1998 12:17:17",
        "$MEAS_TIM:",
        "9874 10000",
        "$DATA:",
        f"{first} {last}",
        *(f"{int(c):>8}" for c in counts),
        "$ROI:",
        "2",
        "95 108",
        "225 238",
        "$PRESETS:",
        "None",
        "0",
        "0",
        "$ENER_FIT:",
        "-0.073553 0.0603",
        "$MCA_CAL:",
        "3",
        "-7.355270E-002 6.030000E-002 1.250000E-006 keV",
        "$SHAPE_CAL:",
        "3",
        "1.000000E+000 0.000000E+000 0.000000E+000",
        newline=newline,
    )


# -- ORTEC .chn --------------------------------------------------------------------------------
def chn(
    counts: np.ndarray,
    *,
    declared: int | None = None,
    first: int = 0,
    tag: int = -102,
    calibration: tuple[float, float, float] = (-0.5, 0.0625, 2.0**-20),
    trailer: bool = True,
) -> bytes:
    """An ORTEC .chn: header (times 987 and 1000 ticks of 20 ms, 14 Nov 2023 22:13:20), counts, trailer."""
    declared = len(counts) if declared is None else declared
    header = struct.pack("<hhh2sii8s4sHH", -1, 2, 1, b"20", 1000, 987, b"14NOV231", b"2213", first, declared)
    data = np.asarray(counts, dtype="<i4").tobytes()
    tail = struct.pack(
        "<hh3f3f228sB63sB63s128s",
        tag,
        0,
        *calibration,
        0.5,
        0.01,
        0.0,
        b"",
        12,
        b"HPGe coaxial",
        9,
        b"soil 17 b",
        b"",
    )
    return header + data + (tail if trailer else b"")


# -- SPEC-style, as PyMca writes --------------------------------------------------------------
def pymca_mca(counts: np.ndarray, calibration: tuple[float, float, float] = (0.1, 0.02, 0.0)) -> bytes:
    """What PyMca's McaWindow saves as "Specfile": #F, #D, #S, #@MCA, #@CHANN, #@CALIB, @A by 16 with \\."""
    values = [f"{c:.8g} " for c in counts]  # PlotWindow.array2SpecMca writes "%.8g " by 16
    chunks = ["".join(values[i : i + 16]) for i in range(0, len(values), 16)]
    a, b, c = calibration
    return lines(
        "#F /tmp/spectrum.mca",
        "#D Tue Nov 14 22:13:20 2023",
        "",
        "#S 1 spectrum.mca 1.1.1",
        "#D Tue Nov 14 22:13:20 2023",
        "#@MCA %16C",
        f"#@CHANN {len(counts)} 0 {len(counts) - 1} 1",
        f"#@CALIB {a:.7g} {b:.7g} {c:.7g}",
        "@A " + "\\\n".join(chunks),
        "",
    )


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path
