"""Which plugin reads an MCA file: signatures for Amptek, Maestro and CHN; the extension for SPEC-style.

A SPEC-style .mca file is a SPEC file: the mca format's SPEC signatures score just
under SPEC's own, so .mca goes to the mca plugin, .spec/.dat (and unknown endings)
to the spec plugin. A column of numbers is an MCA spectrum only in a .mca file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import beamio
from beamio import Head, NotThisFormat
from beamio_mca._reader import McaReader

from . import samples

COUNTS = samples.peak_counts(16)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("pymca.mca", samples.pymca_mca(COUNTS), "mca"),
        ("pymca.dat", samples.pymca_mca(COUNTS), "spec"),
        ("pymca.spec", samples.pymca_mca(COUNTS), "spec"),
        ("pymca.txt", samples.pymca_mca(COUNTS), "spec"),
        ("amptek.txt", samples.amptek(COUNTS), "mca"),
        ("maestro.dat", samples.maestro(COUNTS), "mca"),
        ("binary.dat", samples.chn(COUNTS), "mca"),
        ("column.mca", samples.lines(*map(str, COUNTS)), "mca"),
        ("column.txt", samples.lines(*map(str, COUNTS)), "spec"),
        ("scan.mca", samples.lines("#S 1 ascan", "#L x  y", "1 2"), "spec"),
    ],
)
def test_the_right_plugin_reads_it(tmp_path: Path, name: str, content: bytes, expected: str) -> None:
    with beamio.open(samples.write(tmp_path, name, content)) as f:
        assert f.format == expected


def test_the_report_says_why(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "pymca.mca", samples.pymca_mca(COUNTS))
    report = beamio.detect(path)
    mca, spec = report.candidates[:2]
    assert (mca.format, mca.score, spec.format, spec.score) == ("mca", 104, "spec", 100)
    assert mca.reasons == ["a SPEC scan of MCA spectra", "a SPEC file of MCA spectra", "extension .mca"]


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01binary WinView .spe header" + bytes(4100),  # Princeton's .spe is an image, not Maestro
        samples.lines("#S 1 ascan", "#L x  y", "1 2"),  # SPEC without spectra
        samples.lines("channel,counts", "0,3"),
    ],
)
def test_what_is_no_mca_file_is_refused(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(NotThisFormat):
        McaReader.sniff(Head.from_bytes(content, "x.spe"))
    with pytest.raises(NotThisFormat):
        beamio.open(samples.write(tmp_path, "x.spe", content), "mca")
