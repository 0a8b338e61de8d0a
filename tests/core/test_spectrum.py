"""Spectrum, Calibration and Roi: MCA counts with the meaning of their channels."""

from __future__ import annotations

import attrs
import numpy as np
import pytest

from beamio import Header
from beamio._lazy import LazyArray
from beamio._spectrum import Calibration, Roi, Spectrum


def test_energy_is_a_plus_b_ch_plus_c_ch_squared() -> None:
    calibration = Calibration(a=-0.05, b=0.01, c=2e-7)
    channels = np.array([0, 1, 100, 2047])
    expected = [-0.05, -0.05 + 0.01 + 2e-7, -0.05 + 1.0 + 2e-3, -0.05 + 20.47 + 2e-7 * 2047**2]
    np.testing.assert_allclose(calibration.energy(channels), expected, rtol=1e-12)
    assert calibration.energy(channels).dtype == np.float64


def test_default_calibration_is_the_identity() -> None:
    calibration = Calibration()
    assert (calibration.a, calibration.b, calibration.c) == (0.0, 1.0, 0.0)
    assert calibration.is_identity
    np.testing.assert_array_equal(calibration.energy([0, 5, 9]), [0.0, 5.0, 9.0])
    assert not Calibration(0.0, 1.0, 1e-9).is_identity


def test_energy_keeps_precision_of_large_channel_numbers() -> None:
    channels = np.array([2**20], dtype=np.int32)
    assert Calibration(c=1.0).energy(channels)[0] == float(2**20) ** 2 + 2**20


def test_channels_default_to_zero_to_n_minus_one() -> None:
    spectrum = Spectrum(np.arange(10, 20))
    np.testing.assert_array_equal(spectrum.channels, np.arange(10))
    assert spectrum.n_channels == 10
    np.testing.assert_array_equal(spectrum.energy, np.arange(10.0))


def test_points_by_channels_count_channels_on_the_last_axis() -> None:
    spectrum = Spectrum(np.zeros((5, 2048), dtype=np.uint32), calibration=Calibration(0.0, 0.01, 0.0))
    assert spectrum.n_channels == 2048
    assert spectrum.channels.shape == (2048,)
    assert spectrum.energy[-1] == pytest.approx(20.47)


def test_channels_given_by_the_source() -> None:
    spectrum = Spectrum(np.array([1, 2, 3]), channels=[100, 101, 102], calibration=Calibration(1.0, 2.0, 0.0))
    np.testing.assert_array_equal(spectrum.channels, [100, 101, 102])
    np.testing.assert_array_equal(spectrum.energy, [201.0, 203.0, 205.0])


def test_counts_are_lazy() -> None:
    keys = []

    def read(key: object) -> np.ndarray:
        keys.append(key)
        return np.arange(8)[key]  # type: ignore[index]

    spectrum = Spectrum(LazyArray((8,), np.int64, read), live_time=0.98, real_time=1.0)
    assert spectrum.n_channels == 8
    assert len(spectrum.channels) == 8
    assert keys == []
    np.testing.assert_array_equal(spectrum.counts[2:4], [2, 3])
    assert spectrum.live_time == 0.98
    assert spectrum.real_time == 1.0
    assert spectrum.preset_time is None


def test_spectrum_defaults() -> None:
    spectrum = Spectrum(np.ones(4))
    assert isinstance(spectrum.counts, LazyArray)
    assert spectrum.calibration == Calibration()
    assert spectrum.rois == ()
    assert spectrum.header == Header()
    assert spectrum.start_time is None


def test_rois_become_a_tuple() -> None:
    rois = [Roi("Fe Ka", 630, 660), Roi("Cu Ka", 795, 815)]
    spectrum = Spectrum(np.ones(1024), rois=rois)
    assert spectrum.rois == tuple(rois)


def test_a_roi_includes_both_ends() -> None:
    roi = Roi("peak", 10, 10)
    assert (roi.name, roi.first, roi.last) == ("peak", 10, 10)


def test_a_roi_ending_before_it_starts_is_refused() -> None:
    with pytest.raises(ValueError) as info:
        Roi("Fe Ka", 660, 630)
    assert str(info.value) == "ROI 'Fe Ka': last channel 630 < first 660"


def test_values_are_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Calibration().a = 1.0  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        Roi("x", 1, 2).last = 0  # type: ignore[misc]
