"""SPEC-style .mca files, from SPEC's "Standard Data File Format" and the lines PyMca writes.

#@MCA (values per line), #@CHANN (count, first, last, step), #@CALIB (a b c),
#@CTIME (preset live real), #@ROI (name first last), @A counts continued by "\\".
beamio-spec parses them; these tests check the MCA plugin's reading against PyMca's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import Calibration, Roi, Spectrum
from beamio.testing import assert_equal

from . import samples

COUNTS = samples.peak_counts(100)

TWO_MCAS = """#F two.mca
#D Tue Nov 14 22:13:20 2023

#S 1 mca acquisition
#D Tue Nov 14 22:13:20 2023
#@MCA %16C
#@CHANN 4 0 3 1
#@CALIB 0.1 0.02 0
#@CTIME 10 9.5 10
#@ROI Fe Ka 1 2
#@CHANN 4 0 3 1
#@CALIB 0.2 0.03 0
#@ROI Cu Ka 0 3
#@ROI Zn Ka 2 2
@A1 1 2 3 4
@A2 5 6 7 8
"""


@pytest.fixture
def pymca(tmp_path: Path) -> Path:
    return samples.write(tmp_path, "pymca.mca", samples.pymca_mca(COUNTS))


def test_a_pymca_file_is_read_like_pymca_reads_it(pymca: Path) -> None:
    specfilewrapper = pytest.importorskip("PyMca5.PyMcaIO.specfilewrapper")
    scan = specfilewrapper.Specfile(str(pymca))[0]
    a, b, c = (float(v) for v in scan.header("@CALIB")[0].split()[1:])
    n, first, last, step = (float(v) for v in scan.header("@CHANN")[0].split()[1:])
    with beamio.open(pymca) as f:
        assert f.format == "mca"
        ds = f["1.1"]
        assert ds.title == "spectrum.mca 1.1.1"
        spectrum = ds.spectra["mca_0"]
        assert scan.nbmca() == 1
        np.testing.assert_array_equal(spectrum.counts[0], scan.mca(1))
        assert spectrum.calibration == Calibration(a, b, c)
        np.testing.assert_array_equal(spectrum.channels, np.arange(first, last + 1, step))
        assert spectrum.n_channels == n
        assert not f.diagnostics


def test_the_corpus_single_column_file_is_read_like_pymca_reads_it(corpus: Path) -> None:
    specfilewrapper = pytest.importorskip("PyMca5.PyMcaIO.specfilewrapper")
    path = corpus / "mca" / "pymca_XRFSpectrum.mca"
    mca = specfilewrapper.Specfile(str(path))[1]  # PyMca shows it as a scan (1.1) and an MCA (2.1)
    with beamio.open(path) as f:
        assert f.format == "mca"
        spectrum = f["1.1"].spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, mca.mca(1))
        assert spectrum.n_channels == 4096
        assert f[0].header.get_all("comment")[0].startswith("This is the simplest file format")
        assert not f.diagnostics


def test_rois_belong_to_the_mca_whose_settings_they_follow(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "two.mca", TWO_MCAS.encode())
    with beamio.open(path) as f:
        spectra = f[0].spectra
        assert spectra["mca_0"].rois == (Roi("Fe Ka", 1, 2),)
        assert spectra["mca_1"].rois == (Roi("Cu Ka", 0, 3), Roi("Zn Ka", 2, 2))
        assert spectra["mca_0"].roi_sums() == {"Fe Ka": 5.0}
        assert spectra["mca_1"].calibration == Calibration(0.2, 0.03)
        assert (spectra["mca_0"].live_time, spectra["mca_0"].real_time) == (9.5, 10.0)
    beamio.convert(path, tmp_path / "again.mca")
    assert (tmp_path / "again.mca").read_text() == TWO_MCAS


def test_rois_from_another_format_become_roi_lines(tmp_path: Path) -> None:
    amptek = samples.write(tmp_path, "fe55.mca", samples.amptek(COUNTS))
    beamio.convert(amptek, tmp_path / "spec.mca", variant="spec")
    text = (tmp_path / "spec.mca").read_text()
    assert "#@ROI roi_1 95 108\n#@ROI roi_2 225 238\n" in text
    with beamio.open(amptek) as a, beamio.open(tmp_path / "spec.mca") as b:
        left, right = a[0].spectra["mca_0"], b[0].spectra["mca_0"]
        assert right.rois == left.rois
        assert right.calibration == left.calibration
        assert (right.preset_time, right.live_time, right.real_time) == (10.0, 9.874, 10.0)
        np.testing.assert_array_equal(right.counts[0], left.counts)
        assert b[0].header["MD"] == "TAG = live_data"  # beamio-spec keeps foreign lines as #MD


def test_a_spectrum_alone_becomes_a_pymca_like_file(tmp_path: Path) -> None:
    spectrum = Spectrum(COUNTS, calibration=Calibration(0.1, 0.02), rois=[Roi("peak", 38, 42)])
    beamio.write(beamio.Dataset("1.1", "made here", spectra={"mca_0": spectrum}), tmp_path / "new.mca")
    with beamio.open(tmp_path / "new.mca") as f:
        assert f.format == "mca"
        read = f[0].spectra["mca_0"]
        np.testing.assert_array_equal(read.counts[0], COUNTS)
        assert read.calibration == spectrum.calibration
        assert read.rois == spectrum.rois
    specfilewrapper = pytest.importorskip("PyMca5.PyMcaIO.specfilewrapper")
    scan = specfilewrapper.Specfile(str(tmp_path / "new.mca"))[0]
    np.testing.assert_array_equal(scan.mca(1), COUNTS)


def test_a_round_trip_of_a_scan_of_spectra(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "two.mca", TWO_MCAS.encode())
    beamio.convert(path, tmp_path / "again.mca")
    with beamio.open(path) as a, beamio.open(tmp_path / "again.mca") as b:
        assert_equal(a, b)
