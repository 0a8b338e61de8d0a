"""beamio.open, detect, read, write and convert on a scoped registry with the TOY format."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import beamio
import beamio.testing.toy as toy
from beamio import FormatSpec, Registry
from beamio.errors import (
    ClosedFileError,
    FormatError,
    NoFormatMatched,
    NotThisFormat,
    OptionError,
    PluginFailed,
    TargetExistsError,
    UnsupportedOperation,
)
from beamio.testing import StaticPlugin, assert_equal
from beamio.testing.toy_io import ToyReader


class _BuggyReader(ToyReader):
    def read(self, source: beamio.Source) -> beamio.File:
        raise KeyError("oops")


class _WrongResult(ToyReader):
    def read(self, source: beamio.Source) -> Any:
        return {"not": "a file"}


class _RefusesLate(ToyReader):
    def read(self, source: beamio.Source) -> beamio.File:
        raise NotThisFormat("the second line is not what I want", source.path)


def _rival(name: str, reader: str) -> FormatSpec:
    """A format that claims TOY files just as TOY does, ranked before it."""
    return FormatSpec(
        name, reader=f"{__name__}:{reader}", signatures=toy.SPEC.signatures, extensions=".toy", priority=5
    )


def _with(*specs: FormatSpec) -> Registry:
    return Registry(plugins=[toy, StaticPlugin(specs)], entry_points=False)


def test_open_detects_reads_and_closes(toy_registry: Registry, toy_file: Path) -> None:
    with toy_registry.open(toy_file) as file:
        assert file.format == "toy" and list(file) == ["1", "2"]
        scan = file["1"]
        assert file[0] is scan and file[-1] is file["2"]
        assert scan.columns["det"].dtype == np.float64
        np.testing.assert_array_equal(scan.columns["det"], [12.0, 15.0, 11.25])
        np.testing.assert_array_equal(file["/1/measurement/toy_detector"][1], [[6, 7, 8], [9, 10, 11]])
        assert file.detection.chosen == "toy"
        frames = scan.frames
    assert file.closed
    with pytest.raises(ClosedFileError, match=r"sample\.toy is closed"):
        frames[0]
    with pytest.raises(ClosedFileError):
        file["1"]


def test_open_through_whole_file_gzip(toy_registry: Registry, toy_file: Path, tmp_path: Path) -> None:
    packed = tmp_path / "sample.toy.gz"
    packed.write_bytes(gzip.compress(toy_file.read_bytes()))
    with toy_registry.open(packed) as file, toy_registry.open(toy_file) as plain:
        assert file.detection.compression == "gzip"
        assert_equal(file, plain)


def test_open_missing_file_and_directory(toy_registry: Registry, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nothere\.toy"):
        toy_registry.open(tmp_path / "nothere.toy")
    with pytest.raises(IsADirectoryError):
        toy_registry.open(tmp_path)


def test_no_format_matched_carries_the_report(toy_registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "scan.spec"
    path.write_text("#F scan.spec\n#S 1 ascan\n#L a  b\n1 2\n")
    with pytest.raises(NoFormatMatched) as error:
        toy_registry.open(path)
    text = str(error.value)
    assert str(path) in text
    assert "toy (refused: no 'TOY 1' first line)" in text
    assert "looks like spec" in text and "pip install beamio-spec" in text
    report = error.value.report
    assert [c.format for c in report.candidates] == ["toy"]
    assert report.candidates[0].score == 0
    assert isinstance(error.value, FormatError) and isinstance(error.value, ValueError)


def test_a_late_refusal_moves_on_to_the_next_candidate(toy_file: Path) -> None:
    first = _rival("eager", "_RefusesLate")
    registry = _with(first)
    with registry.open(toy_file) as file:
        assert file.format == "toy"
        outcomes = {c.format: c.outcome for c in file.detection.candidates}
    assert outcomes == {"eager": "refused: the second line is not what I want", "toy": "accepted"}


def test_a_bug_in_a_reader_surfaces_with_the_plugin(toy_file: Path) -> None:
    buggy = _rival("buggy", "_BuggyReader")
    with pytest.raises(
        PluginFailed, match=r"StaticPlugin#1: the buggy reader failed on .*sample\.toy: KeyError"
    ):
        _with(buggy).open(toy_file)
    wrong = _rival("wrong", "_WrongResult")
    with pytest.raises(PluginFailed, match=r"the wrong reader returned dict, not a beamio\.File"):
        _with(wrong).open(toy_file)


def test_format_given_bypasses_guessing_and_never_falls_back(toy_file: Path) -> None:
    late = FormatSpec("late", reader=f"{__name__}:_RefusesLate", extensions=(".late",))
    registry = _with(late)
    with pytest.raises(NotThisFormat, match="the second line is not what I want"):
        registry.open(toy_file, "late")
    with registry.open(toy_file, "toy") as file:
        assert file.format == "toy" and file.detection.candidates == []


def test_options_are_validated_before_the_file_is_touched(toy_registry: Registry, tmp_path: Path) -> None:
    missing = tmp_path / "absent.toy"
    with pytest.raises(OptionError, match="toy reader has no option 'colour'; valid options: strict"):
        toy_registry.open(missing, "toy", colour="red")
    with pytest.raises(OptionError, match="toy reader option strict='yes': expected bool, got str"):
        toy_registry.open(missing, "toy", strict="yes")


def test_strict_turns_the_first_diagnostic_into_an_error(toy_registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "short.toy"
    path.write_text("TOY 1\n@ 1 x\n: a b\n1 2\n3\n4 5\n")
    with toy_registry.open(path) as file:
        np.testing.assert_array_equal(file["1"].columns["b"], [2.0, 5.0])
        (diagnostic,) = file["1"].diagnostics
        assert diagnostic.line == 5 and diagnostic.scan == "1"
        assert str(diagnostic) == f"{path}, scan 1, line 5: 1 values for 2 columns; row skipped"
        assert list(file.diagnostics) == [diagnostic]
    with toy_registry.open(path, strict=True) as file, pytest.raises(FormatError) as error:
        file["1"].columns["a"]
    assert (error.value.file, error.value.line, error.value.scan) == (str(path), 5, "1")


def test_detect_ranks_without_reading(toy_registry: Registry, toy_file: Path) -> None:
    report = toy_registry.detect(toy_file)
    (candidate,) = report.candidates
    assert candidate.score == 110 and candidate.reasons == ["the TOY magic line", "extension .toy"]
    assert candidate.outcome == "not tried"
    assert "toy" in str(report) and "the TOY magic line" in str(report)


def test_read_a_url_returns_numpy_and_closes(toy_registry: Registry, toy_file: Path) -> None:
    det = beamio.read(f"{toy_file}::/1/measurement/det", registry=toy_registry)
    np.testing.assert_array_equal(det, [12.0, 15.0, 11.25])
    frame = beamio.read(f"{toy_file}::/1/frames[2]", registry=toy_registry)
    np.testing.assert_array_equal(frame, np.arange(12, 18).reshape(2, 3))
    column = beamio.read(f"{toy_file}::/1/frames[:, 1, 2]", registry=toy_registry)
    np.testing.assert_array_equal(column, [5, 11, 17])
    with pytest.raises(ValueError, match="is a group, not an array"):
        beamio.read(f"{toy_file}::/1/measurement", registry=toy_registry)
    with pytest.raises(ValueError, match="give a path inside the file"):
        beamio.read(toy_file, registry=toy_registry)


def test_write_and_convert_are_atomic_and_refuse_to_overwrite(
    toy_registry: Registry, toy_file: Path, tmp_path: Path
) -> None:
    target = tmp_path / "copy.toy"
    assert toy_registry.convert(toy_file, target) == target
    with toy_registry.open(toy_file) as a, toy_registry.open(target) as b:
        assert_equal(a, b)
    before = target.read_bytes()
    with pytest.raises(TargetExistsError, match=r"copy\.toy exists; pass overwrite=True"):
        toy_registry.convert(toy_file, target)
    assert target.read_bytes() == before
    toy_registry.convert(toy_file, target, overwrite=True)
    with pytest.raises(TargetExistsError, match="a file being read"):
        toy_registry.convert(toy_file, toy_file, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["copy.toy", "sample.toy"]


def test_write_one_dataset_and_say_what_is_lost(toy_registry: Registry, tmp_path: Path) -> None:
    ds = beamio.Dataset("7", "ct 1", columns={"I0": np.array([1.5, 2.5])}, positioners={"th": 1.0})
    with pytest.warns(beamio.LossyConversionWarning, match="TOY has no positioners; 1 left out"):
        toy_registry.write(ds, tmp_path / "one.toy")
    with toy_registry.open(tmp_path / "one.toy") as file:
        np.testing.assert_array_equal(file["7"].columns["I0"], [1.5, 2.5])
    with pytest.raises(UnsupportedOperation, match="TOY has no positioners"):
        toy_registry.write(ds, tmp_path / "two.toy", strict=True)
    assert not (tmp_path / "two.toy").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one.toy"]


def test_no_writer_for_the_extension(toy_registry: Registry, toy_file: Path, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedOperation, match=r"no installed format writes 'out\.xyz'.*toy \(\.toy\)"):
        toy_registry.convert(toy_file, tmp_path / "out.xyz")
    with pytest.raises(OptionError, match="toy writer has no option 'level'"):
        toy_registry.convert(toy_file, tmp_path / "out.toy", level=3)
    assert not (tmp_path / "out.toy").exists()


def test_module_level_functions_use_the_default_registry(toy_file: Path) -> None:
    with pytest.raises(NoFormatMatched, match="no installed format reads this file"):
        beamio.open(toy_file)
