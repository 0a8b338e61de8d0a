"""The SPEC writer: every corpus file round-trips, shortest exact numbers, atomic append."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio.testing import assert_equal

from .samples import HEADER, MCA, SCAN, write

CORPUS_FILES = sorted(p.name for p in (Path(__file__).resolve().parents[4] / "shared/corpus/spec").glob("*"))


@pytest.mark.parametrize("name", CORPUS_FILES or ["(corpus absent)"])
def test_every_corpus_file_reads_back_equal(corpus: Path, tmp_path: Path, name: str) -> None:
    source = corpus / "spec" / name
    target = tmp_path / f"{name}.spec"
    beamio.convert(source, target)
    with beamio.open(source) as original, beamio.open(target) as again:
        assert again.format == "spec"
        assert_equal(original, again)


def test_a_file_without_irregularities_is_written_byte_for_byte(corpus: Path, tmp_path: Path) -> None:
    source = corpus / "spec" / "s2ntest_issue82_data.txt"
    beamio.convert(source, tmp_path / "copy.spec")
    assert (tmp_path / "copy.spec").read_bytes() == source.read_bytes()


def test_numbers_are_the_shortest_exact_text(tmp_path: Path) -> None:
    values = np.array([0.1, 1 / 3, 1e-320, 12345678901234567.0, -0.0, np.nan, np.inf, 3.0, 2.5e-7])
    ds = beamio.Dataset("1.1", "ct 1", columns={"x": values, "n": np.arange(9.0)})
    beamio.write(ds, tmp_path / "n.spec")
    lines = (tmp_path / "n.spec").read_text().splitlines()
    data = lines[lines.index("#L x  n") + 1 :]
    assert data[:3] == ["0.1 0", "0.3333333333333333 1", "1e-320 2"]
    assert data[4:8] == ["-0 4", "nan 5", "inf 6", "3 7"]
    with beamio.open(tmp_path / "n.spec") as f:
        np.testing.assert_array_equal(f["1.1"].columns["x"], values)
        assert np.signbit(f["1.1"].columns["x"][4])


def test_a_dataset_from_elsewhere_gets_a_generated_header(tmp_path: Path) -> None:
    ds = beamio.Dataset(
        "7",
        "dscan th -1 1 2 0.5",
        beamio.Header({"ExposureTime": "0.5", "Title": "from an EDF"}),
        columns={"th": np.array([-1.0, 0.0, 1.0]), "det": np.array([3.0, 9.0, 4.0])},
        positioners={"th": 0.5, "tth": 1.0},
    )
    beamio.write(ds, tmp_path / "new.spec")
    text = (tmp_path / "new.spec").read_text()
    assert text.startswith("#F new.spec\n#E ")
    assert "#O0 th  tth\n" in text and "#S 7  dscan th -1 1 2 0.5\n" in text
    assert "#MD ExposureTime = 0.5\n" in text and "#P0 0.5 1\n" in text
    with beamio.open(tmp_path / "new.spec") as f:
        scan = f["7.1"]
        assert scan.positioners == {"th": 0.5, "tth": 1.0}
        np.testing.assert_array_equal(scan.columns["det"], [3, 9, 4])


def test_mca_spectra_round_trip(tmp_path: Path) -> None:
    source = write(tmp_path, MCA, "mca.spec")
    beamio.convert(source, tmp_path / "again.spec")
    with beamio.open(source) as a, beamio.open(tmp_path / "again.spec") as b:
        assert_equal(a, b)
        np.testing.assert_array_equal(b["5.1"].spectra["mca_1"].counts[0], [10, 20, 30, 40, 50, 60])
    assert "@A1 1 2 3 4 5 6\n" in (tmp_path / "again.spec").read_text()


def test_what_spec_cannot_hold_is_said(tmp_path: Path) -> None:
    ds = beamio.Dataset(
        "1.1",
        "x",
        columns={"a": np.arange(3.0)},
        frames=beamio.FrameStack.from_array(np.zeros((3, 2, 2))),
        positioners={"th": np.array([1.0, 2.0, 3.0])},
    )
    with pytest.warns(beamio.LossyConversionWarning) as caught:
        beamio.write(ds, tmp_path / "x.spec")
    assert [str(w.message) for w in caught] == [
        "spec: scan 1.1: SPEC has no images; the (3, 2, 2) frame stack is left out",
        "spec: scan 1.1: positioners ['th'] vary along the scan; SPEC #P holds one value each",
    ]
    with pytest.raises(beamio.errors.UnsupportedOperation, match="SPEC has no images"):
        beamio.write(ds, tmp_path / "y.spec", strict=True)
    assert not (tmp_path / "y.spec").exists()


def test_append_adds_scans_numbered_after_the_last(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + SCAN)
    before = path.read_bytes()
    extra = beamio.Dataset("1.1", "timescan 1", columns={"t": np.array([0.0, 1.0])})
    beamio.write(extra, path, append=True)
    assert path.read_bytes().startswith(before)
    with beamio.open(path) as f:
        assert list(f) == ["1.1", "2.1"]
        assert f["2.1"].title == "timescan 1"
        np.testing.assert_array_equal(f["2.1"].columns["t"], [0, 1])
        np.testing.assert_array_equal(f["1.1"].columns["Monitor"], [1000, 1001, 999])
    with pytest.raises(beamio.errors.TargetExistsError):
        beamio.write(extra, path)  # without append, an existing file is never overwritten
    assert [p.name for p in tmp_path.iterdir()] == ["demo.spec"]


def test_append_is_atomic_for_a_reader_that_has_the_file_open(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + SCAN)
    with beamio.open(path) as f:
        assert len(f) == 1
        beamio.write(beamio.Dataset("1", "ct", columns={"a": np.array([1.0])}), path, append=True)
        new = f.refresh()
        assert [ds.key for ds in new] == ["2.1"] and list(f) == ["1.1", "2.1"]
        np.testing.assert_array_equal(f["2.1"].columns["a"], [1])


def test_writing_never_leaves_a_partial_file(tmp_path: Path) -> None:
    class Exploding(np.ndarray):
        pass

    ds = beamio.Dataset("1.1", "x", columns={"a": np.arange(3.0), "b": np.arange(4.0)})
    with pytest.raises(beamio.errors.PluginFailed, match="columns of unequal lengths"):
        beamio.write(ds, tmp_path / "bad.spec")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert list(tmp_path.iterdir()) == []
