"""Broken MCA files: lenient reading gives what can be read and says where; strict raises there.

Structural problems (a channel range that disagrees with the counts, a truncated
file, a CHN header whose channel count lies) are found at open; the values of the
counts (negative, not numbers) when they are first read, as beamio-spec does.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import FormatError

from . import samples

COUNTS = samples.peak_counts(64)


def messages(file: beamio.File) -> list[tuple[int | None, int | None, str]]:
    return [(d.line, d.offset, d.message) for d in file.diagnostics]


# -- a channel count that disagrees with the counts present ----------------------------------------
def test_a_data_range_longer_than_the_counts(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "short.Spe", samples.maestro(COUNTS, last=99_999_999))
    with beamio.open(path) as f:
        spectrum = f[0].spectra["mca_0"]
        assert spectrum.counts.shape == (64,)  # never sized by the header
        np.testing.assert_array_equal(spectrum.counts, COUNTS)
        assert messages(f) == [
            (11, None, "$DATA: channels 0 to 99999999 are 100000000 channels, but 64 counts follow")
        ]
    with pytest.raises(FormatError, match=r"short\.Spe, line 11: \$DATA: channels 0 to 99999999"):
        beamio.open(path, strict=True)


def test_the_mcac_setting_against_the_counts(tmp_path: Path) -> None:
    text = samples.amptek(COUNTS).replace(b"MCAC=64;", b"MCAC=1024;")
    with beamio.open(samples.write(tmp_path, "mcac.mca", text)) as f:
        assert messages(f) == [
            (88, None, "DP5 CONFIGURATION/MCAC=1024 channels, but <<DATA>> holds 64 counts")
        ]


def test_a_truncated_amptek_file(tmp_path: Path) -> None:
    cut = b"\r\n".join(samples.amptek(COUNTS).split(b"\r\n")[:60])  # up to line 60, the 41st count
    path = samples.write(tmp_path, "cut.mca", cut)
    with beamio.open(path) as f:
        counts = np.asarray(f[0].spectra["mca_0"].counts)
        assert messages(f) == [(60, None, "no <<END>> after the counts: the file is truncated")]
    np.testing.assert_array_equal(counts, COUNTS[:41])
    with pytest.raises(FormatError, match=r"cut\.mca, line 60: no <<END>>"):
        beamio.open(path, strict=True)


# -- values of counts ------------------------------------------------------------------------------------
def test_negative_and_non_numeric_counts(tmp_path: Path) -> None:
    text = (
        samples.amptek(COUNTS)
        .replace(b"\r\n40\r\n", b"\r\n-40\r\n", 1)
        .replace(b"\r\n38\r\n", b"\r\n3B\r\n", 1)
    )
    path = samples.write(tmp_path, "bad.mca", text)
    with beamio.open(path) as f:
        assert not f.diagnostics  # values are checked when first read
        counts = np.asarray(f[0].spectra["mca_0"].counts)
        assert [(d.line, d.column, d.message) for d in f.diagnostics] == [
            (21, 1, "<<DATA>>: count '3B' is not a number; read as NaN"),
            (20, None, "<<DATA>>: negative count -40 in channel 0 (from 0)"),
        ]
    assert counts[0] == -40 and np.isnan(counts[1])
    with (
        beamio.open(path, strict=True) as f,
        pytest.raises(FormatError, match=r"bad\.mca, line 21, column 1"),
    ):
        np.asarray(f[0].spectra["mca_0"].counts)


def test_negative_counts_of_a_spec_scan_are_placed_by_point(tmp_path: Path) -> None:
    text = samples.pymca_mca(COUNTS).replace(b"@A 40 ", b"@A -40 ")
    with beamio.open(samples.write(tmp_path, "neg.mca", text)) as f:
        np.asarray(f[0].spectra["mca_0"].counts)
        assert [(d.scan, d.frame, d.message) for d in f.diagnostics] == [
            ("1.1", 0, "MCA mca_0: negative count -40 in channel 0 (from 0)")
        ]


# -- a binary .chn whose header lies ------------------------------------------------------------
def test_a_chn_header_claiming_more_channels(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "lies.chn", samples.chn(COUNTS, declared=60_000))
    with beamio.open(path) as f:
        spectrum = f[0].spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, COUNTS)  # the trailer shows where the counts end
        assert spectrum.calibration.b == 0.0625
        assert messages(f) == [
            (None, 30, "the header says 60000 channels, the file holds 64 before its trailer")
        ]
    with pytest.raises(FormatError, match=r"lies.chn, byte offset 30: the header says 60000 channels"):
        beamio.open(path, strict=True)


def test_a_truncated_chn(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "cut.chn", samples.chn(COUNTS)[: 32 + 4 * 40 + 2])
    with beamio.open(path) as f:
        spectrum = f[0].spectra["mca_0"]
        np.testing.assert_array_equal(spectrum.counts, COUNTS[:40])
        assert spectrum.calibration == beamio.Calibration()  # the trailer is lost
        assert messages(f) == [
            (None, 194, "the file ends at byte 194, before the 64 channels and the trailer its header"
             " announces; 40 channels read")
        ]  # fmt: skip


def test_a_chn_shorter_than_its_header(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "stub.chn", samples.chn(COUNTS)[:20])
    with pytest.raises(FormatError, match="a CHN header is 32 bytes; the file has 20"):
        beamio.open(path)


def test_a_negative_chn_count_is_placed_by_byte(tmp_path: Path) -> None:
    counts = COUNTS.copy()
    counts[5] = -3
    with beamio.open(samples.write(tmp_path, "neg.chn", samples.chn(counts))) as f:
        np.asarray(f[0].spectra["mca_0"].counts)
        assert messages(f) == [(None, 52, "counts: negative count -3 in channel 5 (from 0)")]


def test_a_maestro_roi_count_that_disagrees(tmp_path: Path) -> None:
    text = samples.maestro(COUNTS).replace(b"$ROI:\r\n2\r\n", b"$ROI:\r\n3\r\n")
    with beamio.open(samples.write(tmp_path, "roi.Spe", text)) as f:
        assert len(f[0].spectra["mca_0"].rois) == 2
        assert messages(f) == [(77, None, "$ROI: says '3' ROIs, 2 follow")]
