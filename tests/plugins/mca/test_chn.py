"""ORTEC .chn files, from ORTEC's "Software File Structure Manual for DOS and Windows Systems".

A 32-byte header (-1, MCA number, segment, start seconds, real and live time in
20 ms ticks, DDMMMYY* date, HHMM time, first channel, channel count), int32 counts,
and a 512-byte trailer (-101 or -102, energy and width calibrations, descriptions).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import Calibration, Spectrum
from beamio.testing import assert_equal

from . import samples

COUNTS = samples.peak_counts(128)


def test_header_counts_and_trailer_are_read(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "soil.chn", samples.chn(COUNTS, first=16))
    with beamio.open(path) as f:
        assert f.format == "mca"
        ds = f["1.1"]
        spectrum = ds.spectra["mca_0"]
        assert spectrum.counts.dtype == np.int32
        np.testing.assert_array_equal(spectrum.counts, COUNTS)
        np.testing.assert_array_equal(spectrum.channels, np.arange(16, 144))
        assert (spectrum.real_time, spectrum.live_time) == (20.0, 19.740000000000002)  # ticks × 0.02 s
        assert spectrum.start_time == ds.start_time == "2023-11-14T22:13:20"
        assert spectrum.calibration == Calibration(-0.5, 0.0625, 2.0**-20)
        assert ds.title == "soil 17 b"
        assert dict(ds.header) == {
            "mca_number": "2",
            "segment": "1",
            "width_calibration": "0.5 0.009999999776482582 0.0",
            "detector": "HPGe coaxial",
        }


def test_a_linear_trailer_has_no_quadratic_term(tmp_path: Path) -> None:
    """Tag -101: the third calibration float is reserved, not a coefficient."""
    path = samples.write(tmp_path, "linear.chn", samples.chn(COUNTS, tag=-101, calibration=(1.0, 0.5, 99.0)))
    with beamio.open(path) as f:
        assert f[0].spectra["mca_0"].calibration == Calibration(1.0, 0.5, 0.0)


def test_the_round_trip_is_byte_for_byte(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "soil.chn", samples.chn(COUNTS, first=16))
    beamio.convert(path, tmp_path / "again.chn")
    assert (tmp_path / "again.chn").read_bytes() == path.read_bytes()


def test_a_spectrum_from_elsewhere_becomes_a_chn_file(tmp_path: Path) -> None:
    spectrum = Spectrum(
        COUNTS,
        calibration=Calibration(0.25, 0.5),
        live_time=9.5,
        real_time=10.0,
        start_time="1999-12-31T23:59:58",
    )
    beamio.write(beamio.Dataset("1.1", "sample", spectra={"mca_0": spectrum}), tmp_path / "new.chn")
    data = (tmp_path / "new.chn").read_bytes()
    assert data[16:28] == b"31DEC9902359" and data[6:8] == b"58"  # the century flag 0: before 2000
    assert len(data) == 32 + 4 * 128 + 512
    with beamio.open(tmp_path / "new.chn") as f:
        assert_equal(beamio.Dataset("1.1", "sample", f[0].header, spectra={"mca_0": spectrum}), f[0])


def test_what_chn_cannot_hold_is_said(tmp_path: Path) -> None:
    spectrum = Spectrum(COUNTS + 0.5, calibration=Calibration(0.1, 0.02), live_time=0.015)
    with pytest.warns(beamio.LossyConversionWarning) as caught:
        beamio.write(beamio.Dataset("1.1", spectra={"mca_0": spectrum}), tmp_path / "lossy.chn")
    assert [str(w.message).split(";")[0] for w in caught] == [
        "mca: a CHN file always holds a live and a real time: the unknown ['real_time'] are written as 0",
        "mca: CHN counts are 32-bit integers",
        "mca: CHN times count 20 ms ticks",
        "mca: CHN holds the calibration in 32-bit floats",
    ]
