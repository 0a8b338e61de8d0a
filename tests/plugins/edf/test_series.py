"""EDF file series (ROOT_%04d_%04d_%04d.edf and any numbered names) open as one frame stack."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import Dataset, Frame, FrameStack, Header
from beamio.cli import main


def _write_series(folder: Path, count: int, pattern: str = "ROOT_0007_0001_{:04d}.edf") -> list[Path]:
    paths = []
    for i in range(count):
        frame = Frame(0, np.full((3, 4), i, dtype=np.uint16) + np.arange(12, dtype=np.uint16).reshape(3, 4),
                      Header({"motor_mne": "th tth", "motor_pos": f"{i * 0.5} {i}", "counter_mne": "mon",
                              "counter_pos": f"{1000 + i}", "title": f"frame {i}"}))  # fmt: skip
        path = folder / pattern.format(i)
        beamio.write(Dataset("1.1", frames=FrameStack.from_frames([frame])), path)
        paths.append(path)
    return paths


@pytest.mark.parametrize("spelling", ["ROOT_*.edf", "ROOT_%04d_%04d_%04d.edf", "ROOT_0007_0001_%04d.edf"])
def test_a_glob_or_percent_pattern_opens_one_stack_in_numeric_order(tmp_path: Path, spelling: str) -> None:
    _write_series(tmp_path, 12)
    with beamio.open(tmp_path / spelling) as f:
        assert f.format == "edf" and len(f.paths) == 12
        ds = f["1.1"]
        assert ds.frames.shape == (12, 3, 4) and ds.frames.dtype == np.uint16
        np.testing.assert_array_equal(ds.frames[:, 0, 0], np.arange(12))
        assert ds.frames.frame(10).source.endswith("ROOT_0007_0001_0010.edf")
        assert ds.frames.frame(10).header["title"] == "frame 10"
        np.testing.assert_array_equal(ds.positioners["tth"], np.arange(12.0))
        np.testing.assert_array_equal(ds.columns["mon"], 1000 + np.arange(12.0))


def test_the_first_file_with_series_opens_it_and_the_files_after(tmp_path: Path) -> None:
    paths = _write_series(tmp_path, 5)
    with beamio.open(paths[2], series=True) as f:
        np.testing.assert_array_equal(f[0].frames[:, 0, 0], [2, 3, 4])
    with beamio.open(paths[2]) as f:
        assert f[0].frames.shape == (1, 3, 4)
        assert f[0].positioners == {"th": 1.0, "tth": 2.0}


def test_a_series_reads_only_the_frames_asked(tmp_path: Path) -> None:
    _write_series(tmp_path, 6)
    with beamio.open(tmp_path / "ROOT_*.edf") as f:
        stack = f[0].frames
        np.testing.assert_array_equal(stack[[1, 4], 2, 3], [1 + 11, 4 + 11])
        frames = list(stack)
        assert [frame.array.reads for frame in frames] == [0, 1, 0, 0, 1, 0]


def test_frames_of_another_shape_make_another_dataset(tmp_path: Path) -> None:
    _write_series(tmp_path, 2)
    odd = Frame(0, np.zeros((5, 5), dtype=np.float32), Header({}))
    beamio.write(Dataset("1.1", frames=FrameStack.from_frames([odd])), tmp_path / "ROOT_0007_0001_0002.edf")
    with beamio.open(tmp_path / "ROOT_*.edf") as f:
        assert list(f) == ["1.1", "2.1"]
        assert f["2.1"].frames.shape == (1, 5, 5)
    # Converted, a series is one stack: the first file that differs is named.
    odd_file = tmp_path / "ROOT_0007_0001_0002.edf"
    for convert in (
        lambda: beamio.convert(tmp_path / "ROOT_*.edf", tmp_path / "stack.h5"),
        lambda: main(["--debug", "convert", str(tmp_path / "ROOT_*.edf"), str(tmp_path / "stack.h5")]),
    ):
        with pytest.raises(beamio.FormatError) as caught:
            convert()
        assert str(caught.value) == (
            f"{odd_file}: its frames are (5, 5) float32, those of the files before it (3, 4) uint16:"
            " a series converts to one stack of one shape and dtype"
        )
    assert not (tmp_path / "stack.h5").exists()


def test_no_matching_file_and_a_format_without_series(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No file matches the pattern"):
        beamio.open(tmp_path / "ROOT_*.edf")
    (tmp_path / "a_1.spec").write_text("#S 1 x\n#L a\n1\n")
    (tmp_path / "a_2.spec").write_text("#S 1 x\n#L a\n2\n")
    with pytest.raises(beamio.errors.UnsupportedOperation, match="does not open file series"):
        beamio.open(tmp_path / "a_*.spec", "spec")
    with pytest.raises(beamio.NoFormatMatched, match=r"spec \(refused: it does not open file series\)"):
        beamio.open(tmp_path / "a_*.spec")


def test_compressed_data_blocks_round_trip(tmp_path: Path) -> None:
    data = np.arange(24, dtype=">i4").reshape(2, 3, 4)
    ds = Dataset("1.1", frames=FrameStack.from_array(data))
    for kind in ("gzip", "zlib", "bzip2"):
        target = tmp_path / f"{kind}.edf"
        beamio.write(ds, target, compression=kind, byte_order="HighByteFirst")
        with beamio.open(target) as f:
            header = f[0].frames.frame(1).header
            assert header["Compression"] == kind and header["ByteOrder"] == "HighByteFirst"
            np.testing.assert_array_equal(np.asarray(f[0].frames), data)


def test_a_series_read_whole_lands_in_one_array_file_by_file(tmp_path: Path) -> None:
    _write_series(tmp_path, 6)
    with beamio.open(tmp_path / "ROOT_*.edf") as f:
        stack = f["1.1"].frames
        everything = np.asarray(stack)
        assert everything.shape == (6, 3, 4) and everything.dtype == np.uint16
        for i in range(6):
            np.testing.assert_array_equal(everything[i], stack[i])
        np.testing.assert_array_equal(stack[1:5, 2, :], everything[1:5, 2, :])


def test_a_list_of_files_is_a_series_in_the_order_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = _write_series(tmp_path, 4)
    given = [paths[3], paths[0], str(paths[2])]
    with beamio.open(given) as f:
        assert f.format == "edf" and f.paths == tuple(map(str, given)) and f.path == str(paths[3])
        ds = f["1.1"]
        np.testing.assert_array_equal(ds.frames[:, 0, 0], [3, 0, 2])
        assert [frame.header["title"] for frame in ds.frames] == ["frame 3", "frame 0", "frame 2"]
        np.testing.assert_array_equal(ds.positioners["tth"], [3.0, 0.0, 2.0])
    with beamio.open(given, "edf") as f:
        assert f[0].frames.shape == (3, 3, 4)
    target = tmp_path / "stack.h5"
    assert main(["convert", *map(str, given), str(target)]) == 0
    assert f"from 3 files ({paths[3]} … {paths[2]}) (edf)" in capsys.readouterr().out
    with beamio.open(target) as back:
        assert [h["title"] for h in back["1.1"].frames.headers] == ["frame 3", "frame 0", "frame 2"]
        np.testing.assert_array_equal(back["1.1"].frames[:, 0, 0], [3, 0, 2])
    assert main(["convert", str(paths[1]), str(tmp_path / "one.h5")]) == 0  # one source: as ever
    assert f"from {paths[1]} (edf)" in capsys.readouterr().out


def test_an_empty_file_in_a_series_is_forgiven_and_said(tmp_path: Path) -> None:
    paths = _write_series(tmp_path, 3)
    paths[1].write_bytes(b"")  # a detector still writing
    with beamio.open(tmp_path / "ROOT_*.edf") as f:
        np.testing.assert_array_equal(f["1.1"].frames[:, 0, 0], [0, 2])
        assert [d.message for d in f.diagnostics] == [f"{paths[1]} holds no complete frame"]


def test_files_of_both_byte_orders_are_one_stack(tmp_path: Path) -> None:
    from .samples import edf_frame, frame_data

    for i, order in enumerate(["LowByteFirst", "HighByteFirst", "LowByteFirst"]):
        (tmp_path / f"s_{i:04d}.edf").write_bytes(edf_frame(frame_data("int32", (3, 4), i), order=order))
    with beamio.open(tmp_path / "s_*.edf") as f:
        assert len(f) == 1
        frames = f[0].frames
        assert frames.dtype == np.dtype("=i4")
        np.testing.assert_array_equal(np.asarray(frames), [frame_data("int32", (3, 4), i) for i in range(3)])
        assert [frames.frame(i).extent.dtype.str for i in range(3)] == ["<i4", ">i4", "<i4"]
