"""A live array is a source like any other: converted to NeXus or SPEC, shown by `beamio info`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio.cli import main

from .fakespec import DOUBLE, TAG_MCA, TAG_SCAN, UINT, FakeSpec

TABLE = np.arange(30, dtype=np.float64).reshape(10, 3) / 7  # values that need all 17 digits


@pytest.fixture
def live(fourc: FakeSpec) -> FakeSpec:
    """A session with a scan of 4 points (of 10 rows) and an MCA."""
    fourc.create("SCAN_D", 10, 3, DOUBLE, TAG_SCAN)
    fourc.put("SCAN_D", TABLE.tolist())
    fourc.info("SCAN_D", "[4]")
    fourc.metadata(
        "SCAN_D",
        [
            {"0": "th", "1": "I0", "2": "det"},
            {"title": "ascan th 0 1 3 1", "allmotorm": "chi", "allpositions": "90"},
        ],
    )
    fourc.create("MCA", 1, 8, UINT, TAG_MCA)
    fourc.put("MCA", [list(range(0, 80, 10))])
    return fourc


@pytest.mark.parametrize("extension", ["h5", "spec"])
def test_a_live_scan_converts_to_nexus_and_spec(live: FakeSpec, tmp_path: Path, extension: str) -> None:
    target = tmp_path / f"scan.{extension}"
    beamio.convert(f"sps://{live.name}/SCAN_D", target)
    with beamio.open(target) as f:
        [scan] = f.datasets
        assert scan.title == "ascan th 0 1 3 1"
        assert list(scan.columns) == ["th", "I0", "det"]
        for i, name in enumerate(scan.columns):
            np.testing.assert_array_equal(scan.columns[name], TABLE[:4, i])
        assert float(np.asarray(scan.positioners["chi"])) == 90.0


def test_a_session_converts_with_its_spectra(
    live: FakeSpec, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "session.h5"
    assert main(["convert", f"sps://{live.name}", str(target)]) == 0
    assert f"2 datasets, 0.0 MB of arrays from sps://{live.name} (sps)" in capsys.readouterr().out
    with beamio.open(target) as f:
        assert list(f) == ["SCAN_D", "MCA"]
        np.testing.assert_array_equal(f["MCA"].spectra["MCA"].counts, np.arange(0, 80, 10))


def test_info_lists_the_sessions_and_their_arrays(live: FakeSpec, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["info", "sps://"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("sps://: sps (opens sps:// addresses)\n")
    for line in [
        f"  sps://{live.name}  SPEC session, pid {live.pid}, 2 arrays",
        f"  sps://{live.name}/SCAN_D  scan, 10×3 double, 4 points, update 1",
        f"  sps://{live.name}/MCA  mca, 1×8 ulong, update 1",
        f"  {live.name}:SCAN_D  ascan th 0 1 3 1",
        "      columns (3): th, I0, det",
        f"  {live.name}:MCA  MCA",
        "      spectrum MCA: (8,) uint32",
    ]:
        assert line + "\n" in out


def test_info_explains_who_opened_an_address_and_reads_inside_it(
    live: FakeSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["info", "--explain", f"sps://{live.name}/SCAN_D"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"detection report for sps://{live.name}/SCAN_D"
    assert out[2].split() == [
        "sps",
        "0",
        "beamio-sps",
        "0.1.0",
        "(sps)",
        "opens",
        "sps://",
        "addresses",
        "→",
        "accepted",
    ]
    np.testing.assert_array_equal(
        beamio.read(f"sps://{live.name}/SCAN_D::/SCAN_D/measurement/det"), TABLE[:4, 2]
    )
