"""assert_equal reports the first differences in words."""

from __future__ import annotations

import numpy as np
import pytest

import beamio
from beamio.testing import assert_equal, differences


def _scan(**changes: object) -> beamio.Dataset:
    fields: dict[str, object] = {
        "key": "1.1",
        "title": "ascan th 0 1 2 0.1",
        "header": beamio.Header([("D", "Tue Nov 14"), ("T", "0.1")]),
        "columns": {"th": np.array([0.0, 0.5, 1.0]), "det": np.array([1.0, np.nan, 3.0])},
        "positioners": {"chi": 90.0},
    }
    fields.update(changes)
    return beamio.Dataset(**fields)  # type: ignore[arg-type]


def test_equal_datasets_pass_with_nan_equal_to_nan() -> None:
    assert_equal(_scan(), _scan())
    assert differences(_scan(), _scan()) == []


def test_a_changed_value_is_named_with_its_place() -> None:
    other = _scan(columns={"th": np.array([0.0, 0.5, 1.0]), "det": np.array([1.0, np.nan, 3.5])})
    with pytest.raises(AssertionError) as error:
        assert_equal(_scan(), other)
    text = str(error.value)
    assert "dataset '1.1' column 'det': 1 of 3 values differ, first at (2,): 3.0 != 3.5" in text


def test_header_title_and_missing_column_differences() -> None:
    other = _scan(
        title="dscan",
        header=beamio.Header([("D", "Tue Nov 14"), ("T", "0.2")]),
        columns={"th": np.array([0.0, 0.5, 1.0])},
    )
    found = differences(_scan(), other)
    assert "dataset '1.1': title 'ascan th 0 1 2 0.1' != 'dscan'" in found
    assert "dataset '1.1' header entry 1: T='0.1' != T='0.2'" in found
    assert "dataset '1.1' column: only in the first ['det'], only in the second []" in found
    assert differences(_scan(), other, check_headers=False) == [f for f in found if "header" not in f]


def test_float32_narrowing_is_a_difference() -> None:
    value = np.array([0.1, 0.2])
    other = _scan(columns={"th": value.astype(np.float32).astype(np.float64), "det": value})
    found = differences(_scan(columns={"th": value, "det": value}), other)
    assert found and "column 'th'" in found[0]


def test_frames_and_spectra_are_compared() -> None:
    stack = beamio.FrameStack.from_array(np.arange(12.0).reshape(2, 2, 3))
    changed = np.arange(12.0).reshape(2, 2, 3)
    changed[1, 1, 2] = -1
    a = beamio.Dataset("e", frames=stack)
    b = beamio.Dataset("e", frames=beamio.FrameStack.from_array(changed))
    assert differences(a, b) == ["dataset 'e' frame 1: 1 of 6 values differ, first at (1, 2): 11.0 != -1.0"]
    s1 = beamio.Spectrum(np.arange(4), calibration=beamio.Calibration(0.1, 0.01))
    s2 = beamio.Spectrum(np.arange(4), calibration=beamio.Calibration(0.1, 0.02))
    found = differences(
        beamio.Dataset("m", spectra={"mca_0": s1}), beamio.Dataset("m", spectra={"mca_0": s2})
    )
    assert found and "calibration" in found[0]


def test_files_compare_keys_and_file_headers(toy_registry: beamio.Registry, toy_file: object) -> None:
    with toy_registry.open(toy_file) as a, toy_registry.open(toy_file) as b:
        assert_equal(a, b)
        b.header = b.header.set("facility", "elsewhere")
        with pytest.raises(
            AssertionError, match="file header entry 0: facility='demo' != facility='elsewhere'"
        ):
            assert_equal(a, b)


def test_comparing_a_file_with_a_dataset_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        differences(_scan(), beamio.File("x", [_scan()]))
