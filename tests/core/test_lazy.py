"""LazyArray and normalize_index: numpy's answers, read only what is asked."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings

from beamio import Guard
from beamio._lazy import LazyArray, basic_shape, normalize_index
from beamio.errors import ClosedFileError

from .strategies import shapes_and_keys


class Recorder:
    """A read function over a numpy array that records every key it receives."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data
        self.keys: list[tuple[Any, ...]] = []

    def __call__(self, key: tuple[Any, ...]) -> np.ndarray:
        self.keys.append(key)
        return self.data[key]


def lazy(
    shape: tuple[int, ...], dtype: Any = np.int64, **kwargs: Any
) -> tuple[np.ndarray, LazyArray, Recorder]:
    """A counting lazy array over ``arange`` data, with that data and its recorder."""
    data = np.arange(int(np.prod(shape)), dtype=dtype).reshape(shape)
    recorder = Recorder(data)
    return data, LazyArray(shape, dtype, recorder, **kwargs), recorder


def assert_basic(key: tuple[Any, ...], shape: tuple[int, ...]) -> None:
    """A key a read function may receive: one in-bounds int or positive-step slice per axis."""
    assert len(key) == len(shape)
    for k, size in zip(key, shape, strict=True):
        if isinstance(k, slice):
            assert k.step > 0
            assert 0 <= k.start <= k.stop <= size
        else:
            assert type(k) is int
            assert 0 <= k < size


SHAPE = (4, 5, 6)
MASK = np.array([True, False, True, True])

KEYS = [
    0,
    -1,
    np.int64(2),
    (1, 2, 3),
    (-1, -2, -6),
    slice(1, 3),
    slice(None, None, 2),
    slice(None, None, -1),
    slice(3, 0, -2),
    slice(-2, None),
    slice(-100, 100),
    (slice(None), slice(1, 5, 3), slice(None, None, -4)),
    (slice(None, None, -3), 2, slice(5, None, -2)),
    Ellipsis,
    (Ellipsis,),
    (Ellipsis, 2),
    (1, Ellipsis),
    (1, Ellipsis, slice(None, None, -1)),
    (slice(None), slice(1, 4), -1),
    [0, 3],
    [3, 0, 3],
    [-1, 0],
    (slice(None), [4, 0]),
    (Ellipsis, [1, 2]),
    (slice(None, None, -1), [1, 0], slice(1, None, 2)),
    (1, [0, 2]),
    (1, slice(None), [0, 5]),
    ([0, 2], slice(None), 1),
    (slice(None), 2, [5, 1]),
    (slice(None), [0, 4], Ellipsis, 1),
    (0, Ellipsis, [5, 1]),
    MASK,
    (slice(None), np.array([False, True, False, True, True])),
    (2, slice(None), np.ones(6, dtype=bool)),
    slice(2, 2),
    slice(3, 1),
    slice(10, 20),
    (slice(None), slice(0, 0)),
    (1, slice(4, 1, 1)),
    [],
    (0, slice(None), []),
]


@pytest.mark.parametrize("key", KEYS, ids=repr)
def test_indexing_gives_numpys_answer(key: Any) -> None:
    data, array, recorder = lazy(SHAPE)
    result = array[key]
    expected = data[key]
    assert isinstance(result, np.ndarray)
    assert result.shape == expected.shape
    assert result.dtype == expected.dtype
    np.testing.assert_array_equal(result, expected)
    assert len(recorder.keys) <= 1
    for received in recorder.keys:
        assert_basic(received, SHAPE)


@settings(max_examples=300, deadline=None)
@given(shapes_and_keys())
def test_any_key_gives_numpys_answer(case: tuple[tuple[int, ...], Any]) -> None:
    shape, key = case
    data, array, recorder = lazy(shape)
    expected = data[key]
    result = array[key]
    assert result.shape == expected.shape
    assert result.dtype == data.dtype
    np.testing.assert_array_equal(result, expected)
    assert array.reads == len(recorder.keys) <= 1
    for received in recorder.keys:
        assert_basic(received, shape)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (4, "index 4 is out of bounds for axis 0 with size 4"),
        (-5, "index -5 is out of bounds for axis 0 with size 4"),
        ((0, 5), "index 5 is out of bounds for axis 1 with size 5"),
        ((0, 0, -7), "index -7 is out of bounds for axis 2 with size 6"),
        ([0, 4], "out of bounds for axis 0 with size 4"),
        ((slice(None), [-6]), "out of bounds for axis 1 with size 5"),
        ((0, 0, 0, 0), "too many indices: array is 3-dimensional, but 4 were indexed"),
        ((Ellipsis, 0, Ellipsis), "single ellipsis"),
        (np.array([True, False]), "boolean index of shape (2,) does not match axis 0 of size 4"),
        (True, "boolean scalars are not supported"),
        ((None, 0), "np.newaxis is not supported"),
        (1.5, "only integers, slices"),
        ([[0, 1], [1, 2]], "only integers, slices"),
    ],
    ids=repr,
)
def test_bad_keys_raise_index_error_that_says_why(key: Any, message: str) -> None:
    _, array, recorder = lazy(SHAPE)
    with pytest.raises(IndexError) as info:
        array[key]
    assert message in str(info.value)
    assert recorder.keys == []


def test_out_of_bounds_keys_fail_like_numpy() -> None:
    data, array, _ = lazy(SHAPE)
    for key in (4, -5, (0, 5), (0, 0, 6), [0, 4]):
        with pytest.raises(IndexError):
            data[key]
        with pytest.raises(IndexError):
            array[key]


@pytest.mark.parametrize("key", [([0, 1], [1, 2]), ([0, 1], slice(None), [True, False] * 3)], ids=repr)
def test_two_list_axes_are_rejected(key: Any) -> None:
    _, array, recorder = lazy(SHAPE)
    with pytest.raises(IndexError, match="only one axis may be indexed with a list"):
        array[key]
    assert recorder.keys == []


def test_shape_and_dtype_are_known_without_reading() -> None:
    _, array, recorder = lazy((100, 8), dtype=np.uint16)
    assert array.shape == (100, 8)
    assert array.dtype == np.dtype(np.uint16)
    assert array.ndim == 2
    assert array.size == 800
    assert array.nbytes == 1600
    assert len(array) == 100
    assert "shape=(100, 8)" in repr(array)
    assert array.reads == 0
    assert recorder.keys == []


def test_slicing_reads_once_and_only_what_is_asked() -> None:
    data, array, recorder = lazy((100, 8))
    np.testing.assert_array_equal(array[10:20], data[10:20])
    assert array.reads == 1
    assert recorder.keys == [(slice(10, 20, 1), slice(0, 8, 1))]


def test_a_frame_pixel_column_reads_one_column() -> None:
    data, array, recorder = lazy((100, 4, 8))
    np.testing.assert_array_equal(array[10:20, :, 5], data[10:20, :, 5])
    assert recorder.keys == [(slice(10, 20, 1), slice(0, 4, 1), 5)]


def test_negative_steps_are_read_forwards_and_reversed_after() -> None:
    data, array, recorder = lazy((100,))
    np.testing.assert_array_equal(array[::-2], data[::-2])
    np.testing.assert_array_equal(array[50:10:-10], data[50:10:-10])
    assert recorder.keys == [(slice(1, 100, 2),), (slice(20, 51, 10),)]


def test_an_index_list_reads_the_span_it_covers() -> None:
    data, array, recorder = lazy((100, 8))
    np.testing.assert_array_equal(array[[7, 2, 5], 3], data[[7, 2, 5], 3])
    assert recorder.keys == [(slice(2, 8, 1), slice(3, 4, 1))]


def test_ints_beside_a_list_keep_numpys_axis_order() -> None:
    # numpy puts the list's axis first when a slice separates it from an int.
    data, array, recorder = lazy((3, 4, 5))
    result = array[1, :, [0, 2]]
    assert result.shape == data[1, :, [0, 2]].shape == (2, 4)
    np.testing.assert_array_equal(result, data[1, :, [0, 2]])
    assert recorder.keys == [(slice(1, 2, 1), slice(0, 4, 1), slice(0, 3, 1))]


def test_empty_selections_read_nothing() -> None:
    data, array, recorder = lazy((100, 8), dtype=np.float32)
    for key in (slice(5, 5), slice(20, 10), (slice(None), slice(8, None)), []):
        result = array[key]
        assert result.shape == data[key].shape
        assert result.dtype == np.float32
    assert array.reads == 0
    assert recorder.keys == []


def test_np_asarray_reads_everything_once() -> None:
    data, array, recorder = lazy((3, 4), dtype=np.int32)
    result = np.asarray(array)
    np.testing.assert_array_equal(result, data)
    assert result.dtype == np.int32
    assert recorder.keys == [(slice(0, 3, 1), slice(0, 4, 1))]
    assert np.asarray(array, dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(array.read(), data)


def test_zero_dimensional_array() -> None:
    data = np.array(2.5)
    array = LazyArray.from_array(data)
    assert array.shape == ()
    assert array[()] == 2.5
    assert float(np.asarray(array)) == 2.5
    with pytest.raises(TypeError, match="0-d"):
        len(array)


def test_iteration_yields_rows() -> None:
    data, array, _ = lazy((3, 2))
    rows = list(array)
    assert len(rows) == 3
    for row, expected in zip(rows, data, strict=True):
        np.testing.assert_array_equal(row, expected)


def test_a_read_function_may_return_flat_data() -> None:
    data = np.arange(12.0).reshape(3, 4)
    array = LazyArray((3, 4), np.float64, lambda key: data[key].ravel())
    assert array[1:3].shape == (2, 4)
    np.testing.assert_array_equal(array[1:3], data[1:3])


def test_negative_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="negative sizes"):
        LazyArray((3, -1), np.uint8, lambda key: np.empty(0))


def test_from_array_wraps_numpy_and_keeps_lazy_arrays() -> None:
    data = np.arange(10, dtype=np.int16)
    array = LazyArray.from_array(data, name="det")
    assert array.shape == (10,)
    assert array.dtype == np.int16
    assert array.name == "det"
    assert "'det'" in repr(array)
    np.testing.assert_array_equal(array[2:8:3], data[2:8:3])
    assert LazyArray.from_array(array) is array


def test_to_dask_equals_numpy() -> None:
    data, array, recorder = lazy((6, 5, 4), dtype=np.float64)
    dask_array = array.to_dask(chunks=(2, 5, 4))
    assert recorder.keys == []
    assert dask_array.shape == data.shape
    assert dask_array.dtype == data.dtype
    np.testing.assert_array_equal(dask_array.compute(), data)
    np.testing.assert_array_equal(dask_array[1:4, :, 2].compute(), data[1:4, :, 2])
    assert float(dask_array.sum().compute()) == float(data.sum())


def test_normalize_index_splits_reading_from_picking() -> None:
    basic, picks = normalize_index((slice(None, None, -1), 2), (5, 3))
    assert basic == (slice(0, 5, 1), 2)
    assert picks == (slice(None, None, -1),)
    basic, picks = normalize_index([4, 1], (5,))
    assert basic == (slice(1, 5, 1),)
    np.testing.assert_array_equal(picks[0], [3, 0])
    assert basic_shape((slice(1, 5, 2), 3, slice(0, 0, 1))) == (2, 0)


def test_reading_after_the_file_closed_names_the_file() -> None:
    guard = Guard("/data/sample_0001.h5")
    data, array, recorder = lazy((4, 3), guard=guard)
    np.testing.assert_array_equal(array[0], data[0])
    guard.close()
    with pytest.raises(ClosedFileError, match=r"sample_0001\.h5 is closed"):
        array[1]
    with pytest.raises(ClosedFileError, match=r"/data/sample_0001\.h5"):
        np.asarray(array)
    assert array.shape == (4, 3)
    assert len(recorder.keys) == 1
