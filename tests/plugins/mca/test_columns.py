"""Spectra as columns: PyMca's single-column .mca, and plain text or CSV read only when asked (mca-text).

The single-column form is PyMca's "simplest file format" (PyMca5/PyMcaData/XRFSpectrum.mca):
optional # comment lines, then one count per line. Plain exports put the channel or the
energy beside the counts, as PyMca's McaWindow "ASCII" and "CSV" saves do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import Calibration, NoFormatMatched, NotThisFormat

from . import samples

COUNTS = samples.peak_counts(32)


def test_a_single_column_mca_keeps_its_comments(tmp_path: Path) -> None:
    path = samples.write(
        tmp_path, "plain.mca", samples.lines("# a comment", "#", *map(str, COUNTS.astype(int)))
    )
    with beamio.open(path) as f:
        ds = f[0]
        np.testing.assert_array_equal(ds.spectra["mca_0"].counts, COUNTS)
        assert ds.header.get_all("comment") == ["a comment", ""]
    beamio.convert(path, tmp_path / "again.mca")
    assert (tmp_path / "again.mca").read_bytes() == path.read_bytes()


def test_the_single_column_writer_says_what_it_leaves_out(tmp_path: Path) -> None:
    spectrum = beamio.Spectrum(COUNTS, calibration=Calibration(0.1, 0.02), live_time=1.0)
    with pytest.warns(beamio.LossyConversionWarning, match="its calibration, times are left out"):
        beamio.write(beamio.Dataset("1.1", spectra={"mca_0": spectrum}), tmp_path / "c.mca", variant="column")
    assert (tmp_path / "c.mca").read_text().split() == [str(int(c)) for c in COUNTS]


def test_plain_columns_are_never_guessed(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "spectrum.csv", samples.lines("channel,counts", "0,3", "1,7", "2,2"))
    with pytest.raises(NoFormatMatched):
        beamio.open(path)
    one = samples.write(tmp_path, "counts.txt", samples.lines("3", "7", "2"))
    with beamio.open(one) as f:
        assert f.format == "spec"  # a table of numbers, to beamio-spec; as counts only when asked


def test_one_column_of_counts(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "counts.txt", samples.lines("# from a script", *map(str, COUNTS)))
    with beamio.open(path, "mca-text") as f:
        assert f.format == "mca-text"
        spectrum = f["1.1"].spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, COUNTS)
        np.testing.assert_array_equal(spectrum.channels, np.arange(32))


def test_channels_and_counts_in_csv_with_labels(tmp_path: Path) -> None:
    rows = [f"{ch},{int(c)}" for ch, c in zip(range(100, 132), COUNTS, strict=True)]
    path = samples.write(tmp_path, "export.csv", samples.lines('"channel","counts"', *rows))
    with beamio.open(path, "mca-text") as f:
        spectrum = f[0].spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.channels, np.arange(100, 132))
        np.testing.assert_array_equal(spectrum.counts, COUNTS)
        assert f[0].header["labels"] == "channel  counts"


def test_energies_become_the_calibration(tmp_path: Path) -> None:
    """PyMca's OMNIC-style CSV: energy and counts, "%.7E"."""
    energy = Calibration(-0.05, 0.01, 2e-6).energy(np.arange(32))
    rows = [f"{e:.7E};{c:.7E}" for e, c in zip(energy, COUNTS, strict=True)]
    path = samples.write(tmp_path, "omnic.csv", samples.lines(*rows))
    with beamio.open(path, "mca-text") as f:
        spectrum = f[0].spectra["mca_0"]
    np.testing.assert_allclose(spectrum.energy, energy, atol=1e-7)
    assert spectrum.calibration.c == pytest.approx(2e-6, rel=1e-3)


def test_a_straight_line_of_energies_has_no_quadratic_term(tmp_path: Path) -> None:
    rows = [f"{0.5 + 0.25 * ch}\t{int(c)}" for ch, c in enumerate(COUNTS)]
    with beamio.open(
        samples.write(tmp_path, "tab.txt", samples.lines("keV\tcounts", *rows)), "mca-text"
    ) as f:
        assert f[0].spectra["mca_0"].calibration == Calibration(0.5, 0.25, 0.0)


def test_the_first_column_as_asked(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "two.txt", samples.lines("1 10", "2 20", "3 30"))
    with beamio.open(path, "mca-text") as f:
        np.testing.assert_array_equal(f[0].spectra["mca_0"].channels, [1, 2, 3])
    with beamio.open(path, "mca-text", first="energy") as f:
        assert f[0].spectra["mca_0"].calibration == Calibration(1.0, 1.0, 0.0)


def test_what_is_not_one_or_two_columns_is_refused(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "three.txt", samples.lines("1 2 3", "4 5 6"))
    with pytest.raises(NotThisFormat, match="not one or two columns of numbers"):
        beamio.open(path, "mca-text")


def test_bad_rows_are_said(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "bad.txt", samples.lines("0 3", "1 x", "2 5 9", "3 4"))
    with beamio.open(path, "mca-text") as f:
        counts = np.asarray(f[0].spectra["mca_0"].counts)
        assert [(d.line, d.message) for d in f.diagnostics] == [
            (2, "a value that is not a number; read as NaN"),
            (3, "3 values where 2 are expected; left out"),
        ]
    np.testing.assert_array_equal(counts, [3, np.nan, 4])
    with pytest.raises(beamio.FormatError, match="line 2"):
        beamio.open(path, "mca-text", strict=True)
