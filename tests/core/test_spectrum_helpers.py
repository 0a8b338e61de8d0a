"""Spectrum helpers: sums over channel and energy ranges, rebinning, summing spectra and points."""

from __future__ import annotations

import numpy as np
import pytest

from beamio._lazy import LazyArray
from beamio._spectrum import Calibration, Roi, Spectrum

# An XRF detector: 10 eV per channel from -50 eV, so Fe Kα (6.404 keV) falls in channel 645.
XRF = Calibration(a=-0.05, b=0.01)


def fe_spectrum(points: int | None = None) -> Spectrum:
    """2048 channels: a flat background of 2 counts and an Fe Kα peak of 1000 counts in channel 645."""
    counts = np.full(2048, 2, dtype=np.int64)
    counts[640:651] += [1, 4, 22, 89, 248, 1000, 248, 89, 22, 4, 1]
    if points is not None:
        counts = np.stack([counts * (i + 1) for i in range(points)])
    return Spectrum(counts, calibration=XRF, rois=[Roi("Fe Ka", 640, 650), Roi("background", 100, 199)])


# -- sums over channel and energy ranges ----------------------------------------------------------
def test_a_channel_range_sum_includes_both_ends() -> None:
    spectrum = fe_spectrum()
    assert spectrum.sum_channels(645, 645) == 1002
    assert spectrum.sum_channels(640, 650) == 1728 + 22
    assert spectrum.sum_channels(0, 2047) == 2 * 2048 + 1728
    assert isinstance(spectrum.sum_channels(640, 650), int)  # integer counts give an integer sum


def test_channel_numbers_are_those_of_the_spectrum() -> None:
    spectrum = Spectrum(np.arange(10.0), channels=np.arange(100, 110))
    assert spectrum.sum_channels(102, 104) == 2 + 3 + 4
    assert spectrum.sum_channels(0, 99) == 0


def test_an_energy_range_sums_the_channels_whose_energy_lies_in_it() -> None:
    spectrum = fe_spectrum()
    # Channels 640..650 have energies 6.35..6.45 keV.
    assert spectrum.sum_energy(6.345, 6.455) == spectrum.sum_channels(640, 650) == 1750
    assert spectrum.sum_energy(6.399, 6.401) == 1002  # the Kα channel alone
    assert spectrum.sum_energy(30.0, 40.0) == 0  # beyond the last channel (20.42 keV)


def test_a_quadratic_calibration_picks_by_energy() -> None:
    spectrum = Spectrum(np.ones(100), calibration=Calibration(0.0, 0.0, 0.01))  # E = ch² / 100
    assert spectrum.sum_energy(1.0, 4.0) == 11  # channels 10 to 20


def test_points_by_channels_give_one_sum_per_point() -> None:
    spectrum = fe_spectrum(points=3)
    np.testing.assert_array_equal(spectrum.sum_channels(645, 645), [1002, 2004, 3006])
    np.testing.assert_array_equal(spectrum.sum_energy(6.345, 6.455), [1750, 3500, 5250])


def test_roi_sums_by_name() -> None:
    assert fe_spectrum().roi_sums() == {"Fe Ka": 1750, "background": 200}


def test_a_range_sum_reads_only_its_channels() -> None:
    keys = []
    data = np.arange(2048.0)

    def read(key: tuple) -> np.ndarray:
        keys.append(key)
        return data[key]

    spectrum = Spectrum(LazyArray((2048,), np.float64, read), calibration=XRF)
    assert spectrum.sum_energy(6.345, 6.455) == sum(range(640, 651))
    assert keys == [(slice(640, 651, 1),)]


# -- rebinning -------------------------------------------------------------------------------------
def test_rebinning_sums_groups_of_channels() -> None:
    spectrum = fe_spectrum()
    rebinned = spectrum.rebin(4)
    assert rebinned.n_channels == 512
    counts = np.asarray(rebinned.counts)
    assert counts.sum() == np.asarray(spectrum.counts).sum()
    assert counts[161] == spectrum.sum_channels(644, 647)  # the group holding the peak
    np.testing.assert_array_equal(rebinned.channels, np.arange(512))


def test_rebinning_keeps_energies_right() -> None:
    spectrum = fe_spectrum()
    rebinned = spectrum.rebin(4)
    # Group k covers channels 4k..4k+3: its energy is that of channel 4k + 1.5.
    np.testing.assert_allclose(
        rebinned.energy, spectrum.calibration.energy(4 * np.arange(512) + 1.5), rtol=1e-12
    )
    assert rebinned.calibration.b == pytest.approx(0.04)
    assert rebinned.calibration.a == pytest.approx(-0.035)
    # The peak stays at Fe Kα: its group, channels 644 to 647, is centred on 6.405 keV.
    assert rebinned.energy[int(np.argmax(np.asarray(rebinned.counts)))] == pytest.approx(6.405)


def test_rebinning_a_quadratic_calibration() -> None:
    calibration = Calibration(0.1, 0.02, 3e-6)
    spectrum = Spectrum(np.ones(1024), channels=np.arange(100, 1124), calibration=calibration)
    rebinned = spectrum.rebin(8)
    centres = 100 + 8 * np.arange(128) + 3.5
    np.testing.assert_allclose(rebinned.energy, calibration.energy(centres), rtol=1e-12)
    assert np.asarray(rebinned.counts).tolist() == [8.0] * 128


def test_rebinning_points_and_rois() -> None:
    spectrum = fe_spectrum(points=2).rebin(2)
    assert spectrum.counts.shape == (2, 1024)
    assert spectrum.rois == (Roi("Fe Ka", 320, 325), Roi("background", 50, 99))
    # New channels 320..325 hold old channels 640..651: the ROI and one channel of background.
    assert spectrum.roi_sums()["Fe Ka"].tolist() == [1752, 3504]


@pytest.mark.parametrize("factor", [0, -2, 2.0, True])
def test_a_rebinning_factor_is_a_positive_integer(factor: object) -> None:
    with pytest.raises(ValueError, match="factor"):
        fe_spectrum().rebin(factor)  # type: ignore[arg-type]


def test_rebinning_needs_a_multiple_of_the_factor() -> None:
    with pytest.raises(ValueError, match="2048 channels do not make groups of 3"):
        fe_spectrum().rebin(3)


def test_rebinning_needs_evenly_spaced_channels() -> None:
    with pytest.raises(ValueError, match="evenly spaced"):
        Spectrum(np.ones(4), channels=[0, 1, 3, 4]).rebin(2)


# -- summing ------------------------------------------------------------------------------------------
def test_summing_the_points_of_a_scan() -> None:
    counts = np.array([[1, 2, 3], [10, 20, 30], [100, 200, 300]])
    spectrum = Spectrum(counts, live_time=np.array([0.9, 0.8, 0.95]), real_time=1.0, calibration=XRF)
    total = spectrum.sum_points()
    np.testing.assert_array_equal(total.counts, [111, 222, 333])
    assert total.live_time == pytest.approx(2.65)
    assert total.real_time == 3.0  # one real time stands for each of the three points
    assert total.preset_time is None
    assert total.calibration == XRF


def test_summing_one_spectrum_gives_it_back() -> None:
    spectrum = fe_spectrum()
    assert spectrum.sum_points() is spectrum


def test_summing_spectra_adds_counts_and_times() -> None:
    first = Spectrum(
        [1, 2, 3], calibration=XRF, live_time=9.5, real_time=10.0, start_time="2023-11-14T22:13:20"
    )
    second = Spectrum([[4, 5, 6], [7, 8, 9]], calibration=XRF, live_time=[9.0, 8.0], real_time=10.0)
    third = Spectrum(
        [1, 1, 1], calibration=XRF, live_time=1.0, real_time=1.0, start_time="2023-11-14T08:00:00"
    )
    total = Spectrum.sum_of([first, second, third])
    np.testing.assert_array_equal(total.counts, [13, 16, 19])
    assert total.live_time == pytest.approx(27.5)
    assert total.real_time == 31.0
    assert total.start_time == "2023-11-14T08:00:00"  # the earliest


def test_a_sum_keeps_shared_rois_and_channels() -> None:
    rois = [Roi("Fe Ka", 1, 2)]
    a = Spectrum([1, 2, 3], channels=[5, 6, 7], rois=rois, live_time=1.0)
    b = Spectrum([1, 2, 3], channels=[5, 6, 7], rois=rois)
    total = Spectrum.sum_of([a, b])
    assert total.rois == tuple(rois)
    np.testing.assert_array_equal(total.channels, [5, 6, 7])
    assert total.live_time is None  # one spectrum does not say
    assert Spectrum.sum_of([a, Spectrum([1, 2, 3], channels=[5, 6, 7])]).rois == ()


def test_only_the_same_channels_and_energies_add_up() -> None:
    with pytest.raises(ValueError, match="spectrum 1 has the calibration"):
        Spectrum.sum_of([Spectrum([1, 2]), Spectrum([1, 2], calibration=XRF)])
    with pytest.raises(ValueError, match="spectrum 1 has 3 channels"):
        Spectrum.sum_of([Spectrum([1, 2]), Spectrum([1, 2, 3])])
    with pytest.raises(ValueError, match="no spectra"):
        Spectrum.sum_of([])
