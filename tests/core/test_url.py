"""Addresses inside files: ``file::/inner/path[index]``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from beamio import Url, parse_url
from beamio._lazy import LazyArray
from beamio._url import parse_index


def test_a_path_inside_a_file() -> None:
    assert parse_url("a.spec::/1.1/measurement/det") == Url("a.spec", "/1.1/measurement/det", None)


@pytest.mark.parametrize(
    ("text", "index"),
    [
        ("[5]", (5,)),
        ("[-1]", (-1,)),
        ("[10:20, :, 5]", (slice(10, 20), slice(None), 5)),
        ("[10:20,:,5]", (slice(10, 20), slice(None), 5)),
        ("[...]", (Ellipsis,)),
        ("[..., 3]", (Ellipsis, 3)),
        ("[::-1]", (slice(None, None, -1),)),
        ("[1:10:2, -3:]", (slice(1, 10, 2), slice(-3, None))),
    ],
)
def test_an_index_after_the_path(text: str, index: tuple[Any, ...]) -> None:
    url = parse_url(f"stack.edf::/1.1/frames{text}")
    assert url.file == "stack.edf"
    assert url.inner == "/1.1/frames"
    assert url.index == index


@pytest.mark.parametrize("text", ["[a]", "[1.5]", "[]", "[1:2:3:4]", "[5,,6]", "[1:x]", "[....]"])
def test_a_malformed_index_is_a_value_error_that_shows_it(text: str) -> None:
    with pytest.raises(ValueError) as info:
        parse_url(f"a.spec::/1.1/measurement/det{text}")
    assert str(info.value) == f"{text} is not an index like [5], [10:20], [:, 3]"


def test_parse_index() -> None:
    assert parse_index(" 2 , 3:4 ") == (2, slice(3, 4))
    with pytest.raises(ValueError, match="is not an index"):
        parse_index("x")


def test_an_index_slices_like_numpy() -> None:
    data = np.arange(5 * 30 * 8).reshape(5, 30, 8)
    url = parse_url("stack.edf::/1.1/frames[1:4, 10:20, -1]")
    assert url.index is not None
    np.testing.assert_array_equal(LazyArray.from_array(data)[url.index], data[1:4, 10:20, -1])


@pytest.mark.parametrize("path", ["scan.spec", "/data/id10/scan_0001.h5", "relative/dir/a.edf", "x[5]"])
def test_a_plain_path_has_no_inner_part(path: str) -> None:
    assert parse_url(path) == Url(path)


def test_a_path_object() -> None:
    assert parse_url(Path("data") / "a.spec") == Url(str(Path("data") / "a.spec"))


@pytest.mark.parametrize("path", ["C:\\x", "C:\\data\\scan.spec", "D:relative.edf", "C:/a/b.h5"])
def test_a_windows_drive_is_not_taken_for_a_separator(path: str) -> None:
    url = parse_url(path)
    assert url.file == path
    assert url.inner is None
    assert url.index is None


def test_a_windows_path_with_an_inner_path() -> None:
    assert parse_url("C:\\data\\scan.h5::/entry/data[0]") == Url("C:\\data\\scan.h5", "/entry/data", (0,))


def test_an_empty_inner_path_is_the_root() -> None:
    assert parse_url("scan.h5::") == Url("scan.h5", "/")
    assert parse_url("scan.h5::[3]") == Url("scan.h5", "/", (3,))
