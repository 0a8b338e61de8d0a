"""Series of files of several formats: each file detected on its own, the frames one stack in order.

Two formats of frames, TOY and a tiny RAW format defined here, neither of which opens
series: the core alone stacks their frames, whatever reads them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import beamio
import beamio.testing.toy as toy
from beamio import Capabilities, FormatReader, FormatSpec, Frame, FrameStack, Header, Registry, Signature
from beamio.cli import main
from beamio.errors import ClosedFileError, FormatError, NoFormatMatched, UnsupportedOperation
from beamio.testing import StaticPlugin

MAGIC = b"RAW1\n"


class RawReader(FormatReader):
    """RAW: ``RAW1``, a line ``rows columns title``, then float64 values; one frame, read when asked."""

    @classmethod
    def sniff(cls, head: beamio.Head) -> None:
        if not head.data.startswith(MAGIC):
            raise beamio.NotThisFormat("no RAW1 line", head.path)

    def read(self, source: beamio.Source) -> beamio.File:
        with open(source.path, "rb") as handle:
            handle.readline()
            rows, columns, title = handle.readline().decode().strip().split(maxsplit=2)
            offset = handle.tell()
        shape = (int(rows), int(columns))

        def read(key: Any) -> np.ndarray:
            return np.fromfile(source.path, np.float64, shape[0] * shape[1], offset=offset).reshape(shape)[
                key
            ]

        frame = Frame(
            0, beamio.LazyArray(shape, np.float64, read, guard=source.guard), Header({"title": title})
        )
        stack = FrameStack.from_frames([frame], guard=source.guard)
        return source.file([beamio.Dataset("1", title, Header({"title": title}), frames=stack)])


RAW = FormatSpec(
    "raw",
    "RAW, a one-frame test format",
    extensions=(".raw",),
    signatures=(Signature(magic=MAGIC, description="the RAW1 line"),),
    capabilities=Capabilities(read=True),
    reader=f"{__name__}:RawReader",
)


@pytest.fixture
def registry() -> Registry:
    return Registry(plugins=[toy, StaticPlugin([RAW])], entry_points=False)


def write_raw(path: Path, values: np.ndarray, title: str = "raw") -> Path:
    path.write_bytes(
        MAGIC + f"{values.shape[0]} {values.shape[1]} {title}\n".encode() + values.astype("<f8").tobytes()
    )
    return path


def write_toy(path: Path, frames: int = 3) -> Path:
    toy.write_sample(path, frames=frames)
    return path


def test_files_of_two_formats_open_as_one_stack_in_the_order_given(
    registry: Registry, tmp_path: Path
) -> None:
    first = write_raw(tmp_path / "a.raw", np.full((2, 3), -1.5), "dark")
    middle = write_toy(tmp_path / "b.toy")  # three frames: 0..5, 6..11, 12..17
    last = write_raw(tmp_path / "c.raw", np.arange(6.0).reshape(2, 3) * 0.25, "flat")
    with registry.open([first, middle, last]) as file:
        assert file.format == "raw+toy"
        assert file.paths == (str(first), str(middle), str(last)) and file.path == str(first)
        assert file.detection.chosen == "raw+toy"
        assert list(file) == ["1.1"]
        stack = file["1.1"].frames
        assert stack.shape == (5, 2, 3) and stack.dtype == np.float64
        assert stack.reads == 0
        np.testing.assert_array_equal(stack[:, 0, 0], [-1.5, 0, 6, 12, 0])
        np.testing.assert_array_equal(stack[4], np.arange(6.0).reshape(2, 3) * 0.25)
        assert [frame.source for frame in stack] == [str(first)] + [str(middle)] * 3 + [str(last)]
        assert [frame.index for frame in stack] == [0, 1, 2, 3, 4]
        assert [h.get("title") for h in stack.headers] == ["dark", None, None, None, "flat"]
        assert file["1.1"].title == "dark"
    with pytest.raises(ClosedFileError):
        stack[1]


def test_a_file_given_twice_gives_its_frames_twice(registry: Registry, tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "a.raw", np.ones((2, 3)))
    one = write_toy(tmp_path / "b.toy", frames=1)
    with registry.open([one, raw, one]) as file:
        np.testing.assert_array_equal(file["1.1"].frames[:, 1, 2], [5, 1, 5])


def test_frames_of_another_shape_start_a_dataset_and_do_not_convert(
    registry: Registry, tmp_path: Path
) -> None:
    files = [write_toy(tmp_path / "a.toy"), write_raw(tmp_path / "b.raw", np.zeros((4, 4)))]
    with registry.open(files) as file:
        assert list(file) == ["1.1", "2.1"]
        assert file["2.1"].frames.shape == (1, 4, 4)
    message = (
        f"{files[1]}: its frames are (4, 4) float64, those of the files before it (2, 3) float64:"
        " a series converts to one stack of one shape and dtype"
    )
    with pytest.raises(FormatError, match=f"^{re.escape(message)}$"):
        registry.convert(files, tmp_path / "out.toy")
    assert not (tmp_path / "out.toy").exists()


def test_each_file_is_detected_and_one_no_format_reads_is_named(registry: Registry, tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "a.raw", np.zeros((2, 3)))
    notes = tmp_path / "notes.raw"
    notes.write_text("not data\n")
    with pytest.raises(NoFormatMatched) as caught:
        registry.open([raw, notes])
    assert str(caught.value) == (
        f"{notes}: no installed format reads this file of the series (asked: raw, toy); its first file is raw"
    )


def test_a_file_without_frames_cannot_join_a_mixed_series(registry: Registry, tmp_path: Path) -> None:
    raw = write_raw(tmp_path / "a.raw", np.zeros((2, 3)))
    scans = write_toy(tmp_path / "b.toy", frames=0)
    with pytest.raises(FormatError) as caught:
        registry.open([raw, scans])
    assert (
        str(caught.value)
        == f"{scans}: it holds no frames (toy): files of several formats open as one stack of frames"
    )


def test_a_list_is_files_or_patterns_in_order(registry: Registry, tmp_path: Path) -> None:
    raws = [write_raw(tmp_path / f"r_{i}.raw", np.full((2, 3), float(i))) for i in range(3)]
    with registry.open([str(raws[2]), write_toy(tmp_path / "t.toy", frames=1), tmp_path / "r_*.raw"]) as file:
        np.testing.assert_array_equal(file[0].frames[:, 0, 0], [2, 0, 0, 1, 2])
    with pytest.raises(FileNotFoundError, match=r"absent\.raw"):
        registry.open([raws[0], tmp_path / "absent.raw"])
    with pytest.raises(FileNotFoundError, match=r"No file matches the pattern: '.*none_\*\.raw'"):
        registry.open([raws[0], tmp_path / "none_*.raw"])
    with pytest.raises(ValueError, match=r"^an empty list of files: give one file or more$"):
        registry.open([])


def test_one_format_that_does_not_open_series_refuses_a_list(registry: Registry, tmp_path: Path) -> None:
    raws = [write_raw(tmp_path / f"r_{i}.raw", np.zeros((2, 3))) for i in range(2)]
    with pytest.raises(NoFormatMatched, match=r"raw \(refused: it does not open file series\)"):
        registry.open(raws)
    with pytest.raises(UnsupportedOperation, match="the raw format does not open file series"):
        registry.open(raws, "raw")


def test_the_command_line_takes_several_sources_the_last_argument_is_the_target(
    registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = write_raw(tmp_path / "a.raw", np.full((2, 3), 7.0))
    b = write_toy(tmp_path / "b.toy", frames=2)
    target = tmp_path / "stack.toy"
    assert main(["convert", str(a), str(b), str(target)], registry=registry) == 0
    report = capsys.readouterr().out
    assert re.fullmatch(
        rf"wrote {re.escape(str(target))}: 1 dataset, 3 frames, 0\.0 MB of arrays from 2 files"
        rf" \({re.escape(str(a))} … {re.escape(str(b))}\) \(raw\+toy\) in \d+\.\d s\n",
        report,
    ), report
    with registry.open(target) as copy:
        np.testing.assert_array_equal(copy["1.1"].frames[:, 0, 0], [7, 0, 6])
