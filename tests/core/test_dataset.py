"""Dataset and LazyMapping: one measurement, its columns parsed only when first asked for."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from beamio import Guard, Header
from beamio._dataset import Dataset, LazyMapping
from beamio._diagnostics import Diagnostics
from beamio._tree import Array, Group
from beamio.errors import ClosedFileError

COLUMNS = {"th": np.array([0.0, 0.5, 1.0]), "I0": np.array([1000, 1002, 998]), "det": np.array([5, 17, 3])}


class Loader:
    """Parses a scan's data block (here: hands out COLUMNS) and counts how often it did."""

    def __init__(self, columns: Mapping[str, Any] = COLUMNS) -> None:
        self.columns = columns
        self.calls = 0

    def __call__(self) -> Mapping[str, Any]:
        self.calls += 1
        return dict(self.columns)


# -- LazyMapping ----------------------------------------------------------


def test_keys_are_known_without_loading() -> None:
    load = Loader()
    columns = LazyMapping(load, ["th", "I0", "det"])
    assert list(columns) == ["th", "I0", "det"]
    assert len(columns) == 3
    assert "I0" in columns
    assert "Monitor" not in columns
    assert not columns.loaded
    assert load.calls == 0
    assert "not loaded" in repr(columns)


def test_values_load_once_on_first_access() -> None:
    load = Loader()
    columns = LazyMapping(load, ["th", "I0", "det"])
    np.testing.assert_array_equal(columns["I0"], COLUMNS["I0"])
    np.testing.assert_array_equal(columns["det"], COLUMNS["det"])
    assert dict(columns.items()).keys() == COLUMNS.keys()
    assert columns.loaded
    assert load.calls == 1
    assert "(loaded)" in repr(columns)


def test_without_known_keys_asking_for_them_loads() -> None:
    load = Loader()
    columns = LazyMapping(load)
    assert list(columns) == ["th", "I0", "det"]
    assert columns.loaded
    assert len(columns) == 3
    assert load.calls == 1


def test_after_loading_the_keys_are_those_loaded() -> None:
    columns = LazyMapping(Loader(), ["th", "I0", "det", "Epoch"])
    columns["th"]
    assert list(columns) == ["th", "I0", "det"]


def test_a_missing_column_is_a_key_error() -> None:
    columns = LazyMapping(Loader(), ["th", "I0", "det"])
    with pytest.raises(KeyError):
        columns["Monitor"]
    assert columns.get("Monitor") is None


def test_loading_from_a_closed_file_names_the_file() -> None:
    guard = Guard("scans.spec")
    load = Loader()
    columns = LazyMapping(load, ["th", "I0", "det"], guard=guard)
    guard.close()
    assert list(columns) == ["th", "I0", "det"]
    with pytest.raises(ClosedFileError, match=r"scans\.spec is closed"):
        columns["th"]
    assert load.calls == 0
    assert not columns.loaded


def test_a_failed_load_is_tried_again() -> None:
    attempts = []

    def load() -> Mapping[str, Any]:
        attempts.append(1)
        if len(attempts) == 1:
            raise OSError("network hiccup")
        return {"a": 1}

    columns = LazyMapping(load, ["a"])
    with pytest.raises(OSError, match="network hiccup"):
        columns["a"]
    assert columns["a"] == 1
    assert len(attempts) == 2


# -- Dataset --------------------------------------------------------------


def test_dataset_defaults() -> None:
    ds = Dataset("1.1")
    assert ds.key == "1.1"
    assert ds.title == ""
    assert isinstance(ds.header, Header)
    assert len(ds.header) == 0
    assert ds.columns == {}
    assert ds.positioners == {}
    assert ds.frames is None
    assert ds.spectra == {}
    assert ds.instrument == {}
    assert ds.sample == {}
    assert ds.start_time is None
    assert ds.end_time is None
    assert isinstance(ds.diagnostics, Diagnostics)
    assert len(ds.diagnostics) == 0


def test_datasets_do_not_share_their_default_containers() -> None:
    first, second = Dataset("1.1"), Dataset("2.1")
    first.columns["I0"] = np.zeros(3)  # type: ignore[index]
    first.diagnostics.report("short row", line=3)
    assert second.columns == {}
    assert len(second.diagnostics) == 0


def test_a_header_given_as_pairs_becomes_a_header() -> None:
    ds = Dataset("1.1", header=[("#S", "1  ascan th 0 1 2 0.1"), ("#D", "Mon Jan 01 2024")])
    assert isinstance(ds.header, Header)
    assert ds.header["#D"] == "Mon Jan 01 2024"
    header = Header([("a", 1)], origin="x.spec")
    assert Dataset("1.1", header=header).header is header


def scan() -> Dataset:
    return Dataset(
        "1.1",
        title="ascan th 0 1 2 0.1",
        columns=COLUMNS,
        positioners={"th": 0.25, "tth": 12.5},
    )


def test_path_access_below_the_measurement() -> None:
    ds = scan()
    node = ds["measurement/I0"]
    assert isinstance(node, Array)
    np.testing.assert_array_equal(np.asarray(node), COLUMNS["I0"])
    assert ds["/measurement/I0"].shape == (3,)
    assert ds["instrument/positioners/tth"][()] == 12.5
    assert np.asarray(ds["title"]).item() == "ascan th 0 1 2 0.1"
    assert isinstance(ds["measurement"], Group)
    assert list(ds["measurement"]) == ["th", "I0", "det"]


def test_path_access_to_a_lazy_column() -> None:
    load = Loader()
    ds = Dataset("2.1", columns=LazyMapping(load, ["th", "I0", "det"]))
    np.testing.assert_array_equal(ds["measurement/det"][1:], COLUMNS["det"][1:])
    assert load.calls == 1


def test_a_missing_path_is_a_key_error_naming_it() -> None:
    with pytest.raises(KeyError, match="'Monitor'"):
        scan()["measurement/Monitor"]


def test_repr_summarises() -> None:
    text = repr(scan())
    assert "key='1.1'" in text
    assert "title='ascan th 0 1 2 0.1'" in text
    assert "columns=3" in text


def test_a_dataset_lists_its_members_like_an_h5py_group() -> None:
    import beamio

    with beamio.open(Path(__file__).resolve().parents[2] / "examples" / "data" / "sample.spec") as f:
        scan = f["/1.1"]
        assert list(scan) == ["title", "start_time", "instrument", "measurement"]
        assert "measurement/Detector" in scan and "nothing" not in scan and 3 not in scan
        with pytest.raises(TypeError, match="a Dataset is indexed by a path like 'measurement/I0', not by 0"):
            scan[0]
