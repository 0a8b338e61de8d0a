"""The MCA writer: which file it writes, what it says it leaves out, and conversions between kinds."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import Calibration, Spectrum
from beamio.testing import assert_equal

from . import samples

COUNTS = samples.peak_counts(64)


@pytest.mark.parametrize(
    ("source", "target", "marker"),
    [
        ("amptek.mca", "out.mca", b"<<PMCA SPECTRUM>>"),
        ("amptek.mca", "out.Spe", b"$SPEC_ID:"),
        ("amptek.mca", "out.chn", b"\xff\xff"),
        ("maestro.Spe", "out.mca", b"#S 1"),  # a .mca from anything but Amptek is SPEC-style
        ("column.mca", "out.mca", b"# counts only"),
    ],
)
def test_the_kind_written_follows_the_extension_and_the_source(
    tmp_path: Path, source: str, target: str, marker: bytes
) -> None:
    files = {
        "amptek.mca": samples.amptek(COUNTS),
        "maestro.Spe": samples.maestro(COUNTS),
        "column.mca": samples.lines("# counts only", *map(str, COUNTS)),
    }
    path = samples.write(tmp_path, source, files[source])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", beamio.LossyConversionWarning)  # another kind's header
        beamio.convert(path, tmp_path / target)
    assert (tmp_path / target).read_bytes().lstrip().startswith(marker)


def test_every_kind_carries_the_spectrum(tmp_path: Path) -> None:
    """Amptek → Maestro → CHN → SPEC-style → Amptek: counts, calibration and times survive each step."""
    spectrum = Spectrum(COUNTS, calibration=Calibration(-0.5, 0.0625), live_time=9.5, real_time=10.0)
    path = tmp_path / "start.mca"
    beamio.write(beamio.Dataset("1.1", spectra={"mca_0": spectrum}), path, variant="amptek")
    for name in ("step.Spe", "step.chn", "step.mca", "end.mca"):
        variant = "amptek" if name == "end.mca" else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", beamio.LossyConversionWarning)  # each kind's own header
            beamio.convert(path, tmp_path / name, **({"variant": variant} if variant else {}))
        path = tmp_path / name
        with beamio.open(path) as f:
            read = f[0].spectra["mca_0"]
            np.testing.assert_array_equal(np.ravel(read.counts), COUNTS)
            assert read.calibration == spectrum.calibration
            assert (read.live_time, read.real_time) == (9.5, 10.0)


def test_one_spectrum_per_file_is_said(tmp_path: Path) -> None:
    scan = samples.write(
        tmp_path,
        "two.mca",
        samples.lines(
            "#S 1 ascan x 0 1 1 1",
            "#@CALIB 0 1 0",
            "#N 1",
            "#L x",
            "0",
            "@A1 1 2 3",
            "@A2 4 5 6",
            "1",
            "@A1 7 8 9",
            "@A2 1 1 1",
        ),
    )
    with pytest.warns(beamio.LossyConversionWarning) as caught:
        beamio.convert(scan, tmp_path / "one.Spe")
    assert [str(w.message) for w in caught] == [
        "mca: a Maestro .Spe file holds one spectrum: mca_0 of 1.1 is written, 1 other spectra are left out",
        "mca: a Maestro .Spe file holds one spectrum: point 0 of the 2 of mca_0 is written",
        "mca: a Maestro .Spe file holds a spectrum alone; the columns are left out",
        "mca: a Maestro .Spe file keeps no header of another format: S, @CALIB, N, L",
    ]
    with beamio.open(tmp_path / "one.Spe") as f:
        np.testing.assert_array_equal(f[0].spectra["mca_0"].counts, [1, 2, 3])
    with pytest.raises(beamio.errors.UnsupportedOperation, match="one spectrum"):
        beamio.convert(scan, tmp_path / "strict.Spe", strict=True)


def test_no_spectrum_no_file(tmp_path: Path) -> None:
    with pytest.raises(
        beamio.errors.UnsupportedOperation, match="holds no spectrum to write as an Amptek file"
    ):
        beamio.write(
            beamio.Dataset("1.1", columns={"x": np.arange(3.0)}), tmp_path / "x.mca", variant="amptek"
        )
    assert not (tmp_path / "x.mca").exists()


def test_an_mca_file_in_nexus(tmp_path: Path) -> None:
    """NeXus: an NXdetector with data, channels, calibration and times; an NXdata of counts against energy."""
    h5py = pytest.importorskip("h5py")
    amptek = samples.write(tmp_path, "fe55.mca", samples.amptek(COUNTS))
    beamio.convert(amptek, tmp_path / "fe55.h5")
    with h5py.File(tmp_path / "fe55.h5") as h5:
        entry = h5[next(iter(h5))]
        detector = entry["instrument/mca_0"]
        assert detector.attrs["NX_class"] == "NXdetector"
        np.testing.assert_array_equal(detector["data"][()], COUNTS)
        np.testing.assert_array_equal(detector["channels"][()], np.arange(64))
        gain = (13.95 - 5.899) / 130
        np.testing.assert_allclose(detector["calibration"][()], [5.899 - 101 * gain, gain, 0.0])
        assert (detector["live_time"][()], detector["real_time"][()]) == (9.874, 10.0)
        plot = entry[entry.attrs["default"]]
        assert plot.attrs["NX_class"] == "NXdata"
        assert list(plot.attrs["axes"]) == ["energy"]
        np.testing.assert_allclose(plot["energy"][()], 5.899 + gain * (np.arange(64) - 101))
    beamio.convert(tmp_path / "fe55.h5", tmp_path / "back.mca")
    with beamio.open(amptek) as a, beamio.open(tmp_path / "back.mca") as b:
        assert_equal(a, b)


def test_an_mca_file_converted_to_nexus_is_a_detector_plotted_against_energy(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    nxdata = pytest.importorskip("silx.io.nxdata")
    source = samples.write(tmp_path, "xrf.mca", samples.amptek(samples.peak_counts()))
    beamio.convert(source, tmp_path / "xrf.h5")
    with beamio.open(source) as f, h5py.File(tmp_path / "xrf.h5") as h5:
        ds = f[0]
        spectrum = next(iter(ds.spectra.values()))
        entry = h5[h5.attrs["default"]]
        detector = next(g for g in entry["instrument"].values() if g.attrs.get("NX_class") == "NXdetector")
        np.testing.assert_array_equal(detector["data"][()], np.asarray(spectrum.counts))
        np.testing.assert_array_equal(detector["channels"][()], spectrum.channels)
        c = spectrum.calibration
        np.testing.assert_array_equal(detector["calibration"][()], [c.a, c.b, c.c])
        assert (
            detector["live_time"][()] == spectrum.live_time
            and detector["real_time"][()] == spectrum.real_time
        )
        plot = nxdata.get_default(entry)
        assert plot is not None and plot.axes_dataset_names[-1] == "energy"
        np.testing.assert_allclose(plot.axes[-1][()], spectrum.energy)
        np.testing.assert_array_equal(plot.signal[()], np.asarray(spectrum.counts))
