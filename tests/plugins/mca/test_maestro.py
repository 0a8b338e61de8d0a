"""ORTEC Maestro .Spe files, from ORTEC's "Software File Structure Manual for DOS and Windows Systems".

$SPEC_ID:, $SPEC_REM:, $DATE_MEA: (MM/DD/YYYY HH:MM:SS), $MEAS_TIM: (live real),
$DATA: (first last channel, then the counts), $ROI: (count, then first last),
$ENER_FIT: (offset slope), $MCA_CAL: (count, then the coefficients and the unit).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import Calibration, Roi, Spectrum
from beamio.testing import assert_equal

from . import samples

COUNTS = samples.peak_counts(128)


@pytest.fixture
def spe(tmp_path: Path) -> Path:
    return samples.write(tmp_path, "fe55.Spe", samples.maestro(COUNTS))


def test_every_block_is_read(spe: Path) -> None:
    with beamio.open(spe) as f:
        ds = f["1.1"]
        spectrum = ds.spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, COUNTS)
        assert ds.title == "Fe55 source, 10 s"
        assert (spectrum.live_time, spectrum.real_time, spectrum.preset_time) == (9874.0, 10000.0, None)
        assert spectrum.start_time == "1998-10-20T12:17:17"
        assert spectrum.rois == (Roi("roi_1", 95, 108), Roi("roi_2", 225, 238))
        # $MCA_CAL: (quadratic) rather than $ENER_FIT: (its line, to fewer digits).
        assert spectrum.calibration == Calibration(-7.355270e-002, 6.030000e-002, 1.25e-6)
        header = ds.header
        assert list(header) == [
            "SPEC_ID", "SPEC_REM", "DATE_MEA", "MEAS_TIM", "DATA", "ROI",
            "PRESETS", "ENER_FIT", "MCA_CAL", "SHAPE_CAL",
        ]  # fmt: skip
        assert header["SPEC_REM"] == "DET# 1\nDETDESC# MCB 129\nAP# Maestro Version 6.08"
        assert header["DATA"] == "0 127"
        assert header.entry("MCA_CAL").raw == "$MCA_CAL:\n3\n-7.355270E-002 6.030000E-002 1.250000E-006 keV"
        assert not f.diagnostics


def test_the_first_channel_numbers_the_channels(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "window.Spe", samples.maestro(COUNTS[:8], first=100))
    with beamio.open(path) as f:
        spectrum = f[0].spectra["mca_0"]
    np.testing.assert_array_equal(spectrum.channels, np.arange(100, 108))
    assert spectrum.energy[0] == pytest.approx(-7.35527e-2 + 6.03 + 1.25e-6 * 100**2)


def test_ener_fit_alone_is_a_line(tmp_path: Path) -> None:
    text = samples.maestro(COUNTS).decode()
    text = text[: text.index("$MCA_CAL:")]
    with beamio.open(samples.write(tmp_path, "linear.Spe", text.encode())) as f:
        assert f[0].spectra["mca_0"].calibration == Calibration(-0.073553, 0.0603)


def test_pymca_reads_the_same(spe: Path) -> None:
    specfilewrapper = pytest.importorskip("PyMca5.PyMcaIO.specfilewrapper")
    scan = specfilewrapper.Specfile(str(spe))[0]
    _, live, real = (float(v) for v in scan.header("@CTIME")[0].split()[1:])
    with beamio.open(spe) as f:
        spectrum = f[0].spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, scan.mca(1))
    assert (spectrum.live_time, spectrum.real_time) == (live, real)


def test_the_round_trip_keeps_every_line(tmp_path: Path, spe: Path) -> None:
    again = tmp_path / "again.spe"
    beamio.convert(spe, again)
    assert again.read_bytes() == spe.read_bytes()


def test_a_spectrum_from_elsewhere_becomes_a_maestro_file(tmp_path: Path) -> None:
    spectrum = Spectrum(
        COUNTS,
        channels=np.arange(16, 16 + len(COUNTS)),
        calibration=Calibration(0.1, 0.02, 3e-7),
        live_time=0.9,
        real_time=1.0,
        start_time="2023-11-14T22:13:20",
        rois=[Roi("roi_1", 40, 60)],
    )
    dataset = beamio.Dataset("1.1", "made here", spectra={"mca_0": spectrum})
    beamio.write(dataset, tmp_path / "new.Spe")
    lines = (tmp_path / "new.Spe").read_bytes().split(b"\r\n")
    assert lines[:10] == [
        b"$SPEC_ID:", b"made here", b"$DATE_MEA:", b"11/14/2023 22:13:20", b"$MEAS_TIM:", b"0.9 1",
        b"$DATA:", b"16 143", b"      40", b"      39",
    ]  # fmt: skip
    assert lines[-9:] == [
        b"$ROI:", b"1", b"40 60", b"$ENER_FIT:", b"0.1 0.02", b"$MCA_CAL:", b"3", b"0.1 0.02 3e-07 keV", b"",
    ]  # fmt: skip
    with beamio.open(tmp_path / "new.Spe") as f:
        assert_equal(beamio.Dataset("1.1", "made here", f[0].header, spectra={"mca_0": spectrum}), f[0])


def test_one_time_alone_is_said_to_be_lost(tmp_path: Path) -> None:
    dataset = beamio.Dataset("1.1", spectra={"mca_0": Spectrum(COUNTS, live_time=1.0)})
    with pytest.warns(beamio.LossyConversionWarning, match=r"\$MEAS_TIM: holds a live and a real time"):
        beamio.write(dataset, tmp_path / "t.spe")
