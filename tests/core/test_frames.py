"""Frame and FrameStack: frames from many files, read frame by frame, with their headers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from beamio import Guard, Header
from beamio._frames import Frame, FrameStack
from beamio._lazy import LazyArray
from beamio.errors import ClosedFileError, FormatError


class CountingFrame:
    """An image in its own file whose reads are counted, as in an EDF file series."""

    def __init__(self, index: int, shape: tuple[int, ...] = (4, 5), dtype: Any = np.uint16) -> None:
        self.data = (np.arange(int(np.prod(shape))).reshape(shape) + 100 * index).astype(dtype)
        self.keys: list[Any] = []
        self.source = f"series_{index:04d}.edf"
        array = LazyArray(shape, dtype, self._read, name=self.source)
        self.frame = Frame(0, array, Header([("Image", str(index))], origin=self.source), self.source)

    def _read(self, key: Any) -> np.ndarray:
        self.keys.append(key)
        return self.data[key]


def series(n: int = 5) -> tuple[list[CountingFrame], FrameStack]:
    files = [CountingFrame(i) for i in range(n)]
    return files, FrameStack.from_frames([f.frame for f in files], name="pilatus")


def reads(files: list[CountingFrame]) -> list[int]:
    return [len(f.keys) for f in files]


# -- Frame ----------------------------------------------------------------


def test_a_frame_knows_shape_and_dtype_before_reading() -> None:
    file = CountingFrame(3, shape=(2, 3), dtype=np.int32)
    frame = file.frame
    assert frame.shape == (2, 3)
    assert frame.dtype == np.int32
    assert file.keys == []
    np.testing.assert_array_equal(frame.data, file.data)
    np.testing.assert_array_equal(np.asarray(frame), file.data)
    assert np.asarray(frame, dtype=np.float64).dtype == np.float64
    assert frame.header["Image"] == "3"
    assert frame.source == "series_0003.edf"


def test_a_frame_wraps_a_numpy_array() -> None:
    frame = Frame(2, np.ones((3, 3), dtype=np.float32))
    assert isinstance(frame.array, LazyArray)
    assert frame.shape == (3, 3)
    assert frame.index == 2
    assert frame.header == Header()
    assert frame.source is None


# -- from_frames ----------------------------------------------------------


def test_a_stack_over_frames_of_several_files() -> None:
    files, stack = series(3)
    assert stack.shape == (3, 4, 5)
    assert stack.dtype == np.uint16
    assert stack.name == "pilatus"
    assert len(stack) == 3
    assert reads(files) == [0, 0, 0]
    np.testing.assert_array_equal(np.asarray(stack), np.stack([f.data for f in files]))
    assert [stack.frame(i).source for i in range(3)] == [f.source for f in files]
    assert [h["Image"] for h in stack.headers] == ["0", "1", "2"]


def test_slicing_across_frames_reads_only_the_frames_asked() -> None:
    files, stack = series(5)
    result = stack[1:3, :, 2]
    np.testing.assert_array_equal(result, np.stack([files[1].data[:, 2], files[2].data[:, 2]]))
    assert reads(files) == [0, 1, 1, 0, 0]
    assert files[1].keys == [(slice(0, 4, 1), 2)]


def test_a_step_across_frames_skips_the_frames_between() -> None:
    files, stack = series(5)
    np.testing.assert_array_equal(stack[::2, 0, 0], [files[i].data[0, 0] for i in (0, 2, 4)])
    assert reads(files) == [1, 0, 1, 0, 1]
    np.testing.assert_array_equal(stack[::-2, 1], [files[i].data[1] for i in (4, 2, 0)])
    assert reads(files) == [2, 0, 2, 0, 2]


def test_one_frame_index_reads_one_frame() -> None:
    files, stack = series(5)
    np.testing.assert_array_equal(stack[-1], files[4].data)
    np.testing.assert_array_equal(stack[3, 1:3, ::2], files[3].data[1:3, ::2])
    assert reads(files) == [0, 0, 0, 1, 1]


def test_mismatched_shapes_name_the_frame_and_its_file() -> None:
    frames = [CountingFrame(0).frame, CountingFrame(1).frame, CountingFrame(2, shape=(4, 6)).frame]
    frames[2] = Frame(7, frames[2].array, source="series_0002.edf")
    with pytest.raises(FormatError) as info:
        FrameStack.from_frames(frames)
    message = str(info.value)
    assert "frame 7 is (4, 6) uint16" in message
    assert "frame 0 is (4, 5) uint16" in message
    assert "series_0002.edf" in message
    assert info.value.file == "series_0002.edf"
    assert info.value.frame == 7


def test_mismatched_dtypes_are_refused() -> None:
    frames = [CountingFrame(0).frame, CountingFrame(1, dtype=np.float32).frame]
    with pytest.raises(FormatError, match="frame 0 is \\(4, 5\\) float32"):
        FrameStack.from_frames(frames)


def test_a_stack_of_no_frames_is_empty() -> None:
    stack = FrameStack.from_frames([])
    assert stack.shape == (0,)
    assert len(stack) == 0
    assert list(stack) == []
    assert stack.headers == []


def test_the_frames_of_a_stack_are_the_frames_given() -> None:
    files, stack = series(3)
    assert stack.frame(1) is files[1].frame
    assert stack.frame(-1) is files[2].frame
    assert [frame.header["Image"] for frame in stack] == ["0", "1", "2"]


# -- from_array -----------------------------------------------------------


def images(n: int = 3) -> np.ndarray:
    return np.arange(n * 2 * 4, dtype=np.float64).reshape(n, 2, 4)


def test_from_array_with_a_list_of_headers() -> None:
    data = images()
    headers = [Header([("Image", str(i + 1))], origin=f"stack.edf, frame {i}") for i in range(3)]
    stack = FrameStack.from_array(data, headers)
    assert stack.shape == (3, 2, 4)
    assert stack.name == "image"
    assert stack.headers == headers
    np.testing.assert_array_equal(stack[1:, 1], data[1:, 1])
    np.testing.assert_array_equal(np.asarray(stack), data)


def test_from_array_with_a_header_callable_asks_only_for_the_frames_used() -> None:
    asked: list[int] = []

    def header_of(i: int) -> Header:
        asked.append(i)
        return Header([("Image", str(i))])

    stack = FrameStack.from_array(images(5), header_of, name="frelon")
    assert asked == []
    assert stack.frame(2).header["Image"] == "2"
    assert asked == [2]
    assert stack.name == "frelon"


def test_from_array_refuses_a_wrong_number_of_headers() -> None:
    with pytest.raises(ValueError, match="2 headers given for 3 frames"):
        FrameStack.from_array(images(3), [Header(), Header()])


def test_from_array_without_headers_gives_empty_headers() -> None:
    stack = FrameStack.from_array(images(2))
    assert stack.headers == [Header(), Header()]


def test_iteration_yields_frames_with_index_header_and_data() -> None:
    data = images()
    stack = FrameStack.from_array(data, lambda i: Header([("Image", str(i))]))
    frames = list(stack)
    assert len(frames) == 3
    for i, frame in enumerate(frames):
        assert isinstance(frame, Frame)
        assert frame.index == i
        assert frame.header["Image"] == str(i)
        assert frame.shape == (2, 4)
        np.testing.assert_array_equal(frame.data, data[i])


def test_a_frame_of_an_array_stack_reads_only_that_frame() -> None:
    data = images(4)
    keys: list[Any] = []

    def read(key: Any) -> np.ndarray:
        keys.append(key)
        return data[key]

    stack = FrameStack.from_array(LazyArray(data.shape, data.dtype, read))
    frame = stack.frame(2)
    assert keys == []
    np.testing.assert_array_equal(frame.data[1], data[2, 1])
    np.testing.assert_array_equal(frame.array[:, 3], data[2, :, 3])
    assert keys == [(2, slice(0, 2, 1), slice(0, 4, 1)), (2, slice(0, 2, 1), 3)]


@pytest.mark.parametrize(("index", "expected"), [(0, 0), (2, 2), (-1, 2), (-3, 0)])
def test_frame_counts_negative_indices_from_the_end(index: int, expected: int) -> None:
    data = images()
    frame = FrameStack.from_array(data).frame(index)
    assert frame.index == expected
    np.testing.assert_array_equal(frame.data, data[expected])


@pytest.mark.parametrize("index", [3, -4, 100])
def test_frame_out_of_range_says_how_many_frames_there_are(index: int) -> None:
    with pytest.raises(IndexError) as info:
        FrameStack.from_array(images(3)).frame(index)
    assert str(info.value) == f"frame {index} is out of range: the stack has 3 frames"


def test_a_stack_has_a_frame_axis() -> None:
    with pytest.raises(ValueError, match="at least one axis"):
        FrameStack((), np.float64, lambda key: np.empty(()))


def test_to_dask_equals_numpy() -> None:
    files, stack = series(4)
    expected = np.stack([f.data for f in files])
    np.testing.assert_array_equal(stack.to_dask(chunks=(1, 4, 5)).compute(), expected)


def test_reading_a_closed_stack_names_the_file() -> None:
    guard = Guard("stack.edf")
    stack = FrameStack.from_array(images(), guard=guard)
    frame = stack.frame(0)
    guard.close()
    assert stack.shape == (3, 2, 4)
    with pytest.raises(ClosedFileError, match=r"stack\.edf is closed"):
        stack[0]
    with pytest.raises(ClosedFileError, match=r"stack\.edf is closed"):
        frame.array.read()


# -- from_reader: frames made on demand -------------------------------------------------
def test_from_reader_makes_a_frame_only_when_it_is_used() -> None:
    files = [CountingFrame(i) for i in range(6)]
    made: list[int] = []

    def frame_of(i: int) -> Frame:
        made.append(i)
        return files[i].frame

    stack = FrameStack.from_reader(6, frame_of, (4, 5), np.uint16, name="pilatus")
    assert stack.shape == (6, 4, 5) and stack.dtype == np.uint16 and made == []
    np.testing.assert_array_equal(stack[4, 1], files[4].data[1])
    np.testing.assert_array_equal(stack[1:4:2, :, 0], [files[1].data[:, 0], files[3].data[:, 0]])
    assert made == [4, 1, 3] and reads(files) == [0, 1, 0, 1, 1, 0]
    assert stack.frame(-1).header["Image"] == "5" and made == [4, 1, 3, 5]
    stack.frame(4)
    assert made == [4, 1, 3, 5]  # made once
    np.testing.assert_array_equal(np.asarray(stack), [f.data for f in files])
    assert sorted(made) == list(range(6))


def test_from_reader_refuses_a_frame_of_another_shape_when_it_is_made() -> None:
    files = [CountingFrame(0), CountingFrame(1, shape=(5, 4))]
    stack = FrameStack.from_reader(2, lambda i: files[i].frame, (4, 5), np.uint16)
    np.testing.assert_array_equal(stack[0], files[0].data)
    with pytest.raises(FormatError) as caught:
        stack[1]
    assert caught.value.file == "series_0001.edf"
    assert "frame 0 is (5, 4) uint16, but the stack's frames are (4, 5) uint16" in str(caught.value)


def test_an_extent_says_where_a_frame_lies_and_how_many_bytes() -> None:
    from beamio import Extent

    extent = Extent("/data/a.edf", 1024, ">u2", [3, 4])
    assert (extent.shape, extent.dtype, extent.nbytes, extent.end) == ((3, 4), np.dtype(">u2"), 24, 1048)
    frame = Frame(0, np.zeros((3, 4), np.uint16), extent=extent)
    assert frame.extent is extent and frame.not_in_place is None


def test_a_frame_made_with_another_array_is_no_longer_in_place() -> None:
    import attrs

    from beamio import Extent

    extent = Extent("/data/a.edf", 1024, "<u2", (3, 4))
    frame = Frame(0, np.zeros((3, 4), np.uint16), extent=extent)
    corrected = attrs.evolve(frame, array=np.ones((3, 4), np.uint16))  # a dark current taken off, say
    assert corrected.extent is None
    assert corrected.not_in_place == "its values were replaced since they were read from the file"
    assert attrs.evolve(frame, index=5).extent is extent  # the same array: the same place
    assert attrs.evolve(corrected, index=5).extent is None  # replaced stays replaced
    again = frame.read_through(np.zeros((3, 4), np.uint16))  # the same values read another way
    assert again.extent is extent and again.not_in_place is None
    assert corrected.read_through(np.ones((3, 4), np.uint16)).extent is None
    elsewhere = Extent("/data/b.edf", 2048, "<u2", (3, 4))  # new values and where they lie
    assert attrs.evolve(frame, array=np.ones((3, 4), np.uint16), extent=elsewhere).extent is elsewhere


def test_a_frame_pickles_with_its_extent_as_it_stands_and_not_its_old_array() -> None:
    import pickle

    import attrs

    from beamio import Extent

    extent = Extent("/data/a.edf", 1024, "<u2", (300, 400))
    frame = Frame(0, np.zeros((300, 400), np.uint16), extent=extent)
    assert pickle.loads(pickle.dumps(frame)).extent == extent
    corrected = attrs.evolve(frame, array=np.ones((300, 400), np.uint16))
    sent = pickle.loads(pickle.dumps(corrected))
    assert sent.extent is None and sent.not_in_place == corrected.not_in_place
    np.testing.assert_array_equal(sent.data, np.ones((300, 400)))
    assert len(pickle.dumps(corrected)) < 300 * 400 * 2 * 1.5  # the replaced array is not carried along


def test_a_watched_stack_keeps_each_frame_s_extent_and_counts_its_reads() -> None:
    import attrs

    from beamio import Dataset, Extent, File
    from beamio._progress import watched

    frames = [
        Frame(
            i,
            np.full((2, 2), i, np.int32),
            Header({"i": str(i)}),
            f"/f{i}",
            extent=Extent(f"/f{i}", 512, "<i4", (2, 2)),
        )
        for i in range(3)
    ]
    counted: list[int] = []
    view = watched(File("x", [Dataset("1.1", frames=FrameStack.from_frames(frames))]), counted.append)
    stack = view[0].frames
    assert [stack.frame(i).extent for i in range(3)] == [f.extent for f in frames]
    assert stack.frame(1).header["i"] == "1" and stack.frame(2).source == "/f2"
    np.testing.assert_array_equal(stack.frame(2).data, np.full((2, 2), 2))
    np.testing.assert_array_equal(stack[0:2], np.stack([f.data for f in frames[:2]]))
    assert counted == [16, 32]
    assert attrs.evolve(stack.frame(0)).extent == frames[0].extent
