"""Amptek .mca files, from Amptek's "Spectrum File Format" (DP5 SDK documentation).

<<PMCA SPECTRUM>> KEY - value lines, <<CALIBRATION>> (LABEL, channel-value points),
<<ROI>> (first last), <<DATA>> one count per line, <<END>>, then <<DP5 CONFIGURATION>>
(KEY=value;) and <<DPP STATUS>> (Key: value), each closed by <<… END>>.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import Calibration, Roi, Spectrum
from beamio.testing import assert_equal

from . import samples

COUNTS = samples.peak_counts(256)


@pytest.fixture
def amptek(tmp_path: Path) -> Path:
    return samples.write(tmp_path, "fe55.mca", samples.amptek(COUNTS))


def test_every_section_is_read(amptek: Path) -> None:
    with beamio.open(amptek) as f:
        assert f.format == "mca"
        ds = f["1.1"]
        spectrum = ds.spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, COUNTS)
        assert spectrum.counts.dtype == np.float64
        assert ds.title == "Fe55 source, 10 s"
        assert (spectrum.preset_time, spectrum.live_time, spectrum.real_time) == (10.0, 9.874, 10.0)
        assert spectrum.start_time == ds.start_time == "1998-10-20T12:17:17"
        assert spectrum.rois == (Roi("roi_1", 95, 108), Roi("roi_2", 225, 238))
        header = ds.header
        assert header["TAG"] == "live_data"
        assert header["SERIAL_NUMBER"] == "1199"
        assert header["REAL_TIME"] == "10.000000"
        assert header["CALIBRATION/LABEL"] == "keV"
        assert header.get_all("CALIBRATION") == ["101 5.899", "231 13.95"]
        assert header["DP5 CONFIGURATION/MCAC"] == "256"
        assert header.entry("DP5 CONFIGURATION/MCAC").raw == "MCAC=256;    MCA/MCS channels"
        assert header["DPP STATUS/Device Type"] == "DP5"
        assert not f.diagnostics


def test_the_calibration_is_the_line_through_its_points(amptek: Path) -> None:
    with beamio.open(amptek) as f:
        calibration = f[0].spectra["mca_0"].calibration
    gain = (13.95 - 5.899) / (231 - 101)
    assert calibration == Calibration(5.899 - gain * 101, gain)
    assert calibration.energy([101, 231]) == pytest.approx([5.899, 13.95])


def test_one_point_and_many_points(tmp_path: Path) -> None:
    """One point: the line from the origin; three or more: least squares (as PyMca reads them)."""
    text = samples.amptek(COUNTS).decode()
    one = text.replace("101 5.899\r\n231 13.95\r\n", "200 12.0\r\n")
    three = text.replace("231 13.95\r\n", "231 13.95\r\n161 9.0\r\n")
    with beamio.open(samples.write(tmp_path, "one.mca", one.encode())) as f:
        assert f[0].spectra["mca_0"].calibration == Calibration(0.0, 0.06)
    with beamio.open(samples.write(tmp_path, "three.mca", three.encode())) as f:
        calibration = f[0].spectra["mca_0"].calibration
    slope, offset = np.polyfit([101, 231, 161], [5.899, 13.95, 9.0], 1)
    assert calibration.a == pytest.approx(offset, rel=1e-12)
    assert calibration.b == pytest.approx(slope, rel=1e-12)


def test_pymca_reads_the_same(amptek: Path) -> None:
    specfilewrapper = pytest.importorskip("PyMca5.PyMcaIO.specfilewrapper")
    scan = specfilewrapper.Specfile(str(amptek))[0]
    zero, gain, _ = (float(v) for v in scan.header("@CALIB")[0].split()[1:])
    with beamio.open(amptek) as f:
        spectrum = f[0].spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, scan.mca(1))
    assert spectrum.calibration.a == pytest.approx(zero, rel=1e-5)
    assert spectrum.calibration.b == pytest.approx(gain, rel=1e-5)


def test_unix_line_ends_read_alike(tmp_path: Path, amptek: Path) -> None:
    unix = samples.write(tmp_path, "unix.mca", samples.amptek(COUNTS, newline="\n"))
    with beamio.open(amptek) as a, beamio.open(unix) as b:
        assert_equal(a, b)


def test_the_round_trip_keeps_every_line(tmp_path: Path, amptek: Path) -> None:
    again = tmp_path / "again.mca"
    beamio.convert(amptek, again)
    assert again.read_bytes() == amptek.read_bytes()
    with beamio.open(amptek) as a, beamio.open(again) as b:
        assert_equal(a, b)


def test_changed_values_are_written_from_the_model(tmp_path: Path, amptek: Path) -> None:
    with beamio.open(amptek) as f:
        ds = f[0]
        spectrum = ds.spectra["mca_0"]
        changed = beamio.Dataset(
            "1.1",
            "Fe55, again",
            ds.header,
            spectra={
                "mca_0": Spectrum(
                    np.asarray(spectrum.counts) * 2,
                    calibration=Calibration(-0.05, 0.0625),
                    live_time=19.5,
                    real_time=20.0,
                    start_time="2024-01-02T03:04:05",
                    rois=[Roi("roi_1", 10, 20)],
                )
            },
        )
        beamio.write(changed, tmp_path / "changed.mca")
    text = (tmp_path / "changed.mca").read_text()
    assert "LIVE_TIME - 19.5\n" in text and "REAL_TIME - 20\n" in text
    assert "PRESET_TIME" not in text  # the model no longer knows it
    assert "START_TIME - 01/02/2024 03:04:05\n" in text
    assert "<<ROI>>\n10 20\n<<DATA>>" in text
    assert "DESCRIPTION - Fe55, again\n" in text
    assert "<<CALIBRATION>>\nLABEL - keV\n0 -0.05\n255 " in text
    with beamio.open(tmp_path / "changed.mca") as f:
        read = f[0].spectra["mca_0"]
        assert read.calibration == Calibration(-0.05, 0.0625)  # exactly, through two points
        assert (read.live_time, read.real_time, read.start_time) == (19.5, 20.0, "2024-01-02T03:04:05")
        assert f[0].header["DP5 CONFIGURATION/CLCK"] == "20"


def test_a_spectrum_from_elsewhere_becomes_an_amptek_file(tmp_path: Path) -> None:
    spectrum = Spectrum(COUNTS, calibration=Calibration(0.1, 0.02), live_time=0.9, real_time=1.0)
    target = tmp_path / "new.mca"
    beamio.write(beamio.Dataset("1.1", "made here", spectra={"mca_0": spectrum}), target, variant="amptek")
    assert target.read_bytes().startswith(b"<<PMCA SPECTRUM>>\r\nLIVE_TIME - 0.9\r\nREAL_TIME - 1\r\n")
    with beamio.open(target) as f:
        assert_equal(beamio.Dataset("1.1", "made here", f[0].header, spectra={"mca_0": spectrum}), f[0])


def test_a_quadratic_term_is_said_to_be_lost(tmp_path: Path) -> None:
    spectrum = Spectrum(COUNTS, calibration=Calibration(0.1, 0.02, 1e-6))
    with pytest.warns(beamio.LossyConversionWarning, match="quadratic term c=1e-06"):
        beamio.write(beamio.Dataset("1.1", spectra={"mca_0": spectrum}), tmp_path / "q.mca", variant="amptek")
    with beamio.open(tmp_path / "q.mca") as f:
        assert f[0].spectra["mca_0"].calibration == Calibration(0.1, 0.02)


def test_another_format_s_header_is_said_to_be_left_out(tmp_path: Path) -> None:
    spec = samples.write(tmp_path, "pymca.mca", samples.pymca_mca(COUNTS))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        beamio.convert(spec, tmp_path / "amptek.mca", variant="amptek")
    assert [str(w.message) for w in caught] == [
        "mca: an Amptek file keeps no header of another format: S, D, @MCA, @CHANN, @CALIB"
    ]
    with beamio.open(spec) as a, beamio.open(tmp_path / "amptek.mca") as b:
        np.testing.assert_array_equal(a[0].spectra["mca_0"].counts[0], b[0].spectra["mca_0"].counts)
        assert a[0].spectra["mca_0"].calibration == b[0].spectra["mca_0"].calibration
