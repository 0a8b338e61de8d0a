"""The path view: groups and arrays in the NeXus-like layout every format shows."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from beamio._dataset import Dataset
from beamio._frames import FrameStack
from beamio._lazy import LazyArray
from beamio._spectrum import Calibration, Spectrum
from beamio._tree import Array, Group, dataset_group, split_path

LABEL = "Cross Section (cm2/g)"


def counting(data: np.ndarray) -> tuple[LazyArray, list[Any]]:
    keys: list[Any] = []

    def read(key: Any) -> np.ndarray:
        keys.append(key)
        return data[key]

    return LazyArray(data.shape, data.dtype, read), keys


def xcom_scan() -> Dataset:
    return Dataset(
        "1.1",
        title="xcom water",
        columns={"Energy (MeV)": np.array([0.01, 0.02]), LABEL: np.array([5.3, 0.8])},
        positioners={"th": 0.5},
    )


@pytest.mark.parametrize(
    ("path", "parts"),
    [("/1.1/measurement/det", ["1.1", "measurement", "det"]), ("a//b/", ["a", "b"]), ("/", []), ("", [])],
)
def test_split_path(path: str, parts: list[str]) -> None:
    assert split_path(path) == parts


# -- Array ----------------------------------------------------------------


def test_an_array_knows_shape_and_dtype_without_reading() -> None:
    data = np.arange(12, dtype=np.int32).reshape(3, 4)
    lazy, keys = counting(data)
    node = Array("det", lazy, {"interpretation": "image"})
    assert node.shape == (3, 4)
    assert node.dtype == np.int32
    assert node.ndim == 2
    assert len(node) == 3
    assert node.value is lazy
    assert node.attrs == {"interpretation": "image"}
    assert "'det'" in repr(node)
    assert keys == []
    np.testing.assert_array_equal(node[1, ::2], data[1, ::2])
    assert keys == [(1, slice(0, 4, 2))]
    np.testing.assert_array_equal(np.asarray(node), data)


def test_an_array_over_numpy_data_or_a_scalar() -> None:
    column = Array("I0", [1.0, 2.0, 3.0])
    assert column.shape == (3,)
    assert column.dtype == np.float64
    np.testing.assert_array_equal(column[::-1], [3.0, 2.0, 1.0])
    scalar = Array("th", 0.25)
    assert scalar.shape == ()
    assert scalar.ndim == 0
    assert scalar[()] == 0.25
    assert np.asarray(scalar, dtype=np.float32).dtype == np.float32
    assert scalar.attrs == {}


# -- Group ----------------------------------------------------------------


def test_a_group_is_a_mapping_with_nested_paths() -> None:
    group = Group("entry", {"data": {"signal": np.arange(4)}, "title": "x"}, {"NX_class": "NXentry"})
    assert list(group) == ["data", "title"]
    assert len(group) == 2
    assert group.attrs == {"NX_class": "NXentry"}
    assert isinstance(group["data"], Group)
    signal = group["data/signal"]
    assert isinstance(signal, Array)
    assert signal.name == "signal"
    np.testing.assert_array_equal(signal[:], np.arange(4))
    assert group["/data/signal/"].shape == (4,)
    assert group[""] is group
    assert "data/signal" in group
    assert "data/noise" not in group


def test_children_are_built_on_first_access_only() -> None:
    built: list[int] = []

    def children() -> dict[str, Any]:
        built.append(1)
        return {"a": 1, "b": 2}

    group = Group("big", children)
    assert built == []
    assert list(group) == ["a", "b"]
    assert group["b"][()] == 2
    assert built == [1]


def test_missing_members_are_key_errors_that_name_them() -> None:
    group = Group("", {"entry": {"data": np.arange(3)}})
    with pytest.raises(KeyError, match="no 'nothing' in '/'"):
        group["nothing"]
    with pytest.raises(KeyError, match="no 'signal' in 'entry'"):
        group["entry/signal"]
    with pytest.raises(KeyError, match="'data' is an array, it has no member 'x/y'"):
        group["entry/data/x/y"]


def test_names_with_a_slash_are_reachable() -> None:
    ds = xcom_scan()
    measurement = ds["measurement"]
    assert list(measurement) == ["Energy (MeV)", LABEL]
    np.testing.assert_array_equal(ds[f"measurement/{LABEL}"][:], [5.3, 0.8])
    np.testing.assert_array_equal(measurement[LABEL][:], [5.3, 0.8])
    assert LABEL in measurement
    assert measurement[LABEL].name == LABEL


def test_the_longest_name_wins() -> None:
    group = Group("", {"a": {"b": "short"}, "a/b": "long"})
    assert np.asarray(group["a/b"]).item() == "long"
    assert np.asarray(group["a"]["b"]).item() == "short"


def test_a_long_path_is_looked_up_once_per_part() -> None:
    # A hostile file's @default may name "loop/loop/…/loop" through a group linked to itself:
    # trying every joined prefix of the rest at every step was cubic in the path's length.
    class Counted(dict):
        asked = 0

        def __contains__(self, key: object) -> bool:
            Counted.asked += 1
            return super().__contains__(key)

    members = Counted(other=1)
    loop = Group("loop", members)
    members["loop"] = loop
    assert loop["/".join(["loop"] * 300)].name == "loop"
    assert Counted.asked < 2 * 300  # linear: one name a part (every prefix of the last few only)
    with pytest.raises(KeyError, match="no 'nowhere' in 'loop'"):
        loop["/".join(["loop"] * 300 + ["nowhere"])]


def test_visit_walks_depth_first_with_paths() -> None:
    group = Group("", {"entry": {"data": {"signal": np.arange(3)}, LABEL: np.ones(2)}, "title": "t"})
    visited = list(group.visit())
    assert [path for path, _ in visited] == [
        "/entry",
        "/entry/data",
        "/entry/data/signal",
        f"/entry/{LABEL}",
        "/title",
    ]
    assert [type(node).__name__ for _, node in visited] == ["Group", "Group", "Array", "Array", "Array"]
    assert visited[3][1].shape == (2,)


def test_visit_of_a_dataset_reaches_every_column_and_positioner() -> None:
    paths = [path for path, _ in dataset_group(xcom_scan()).visit()]
    assert paths == [
        "/title",
        "/instrument",
        "/instrument/positioners",
        "/instrument/positioners/th",
        "/measurement",
        "/measurement/Energy (MeV)",
        f"/measurement/{LABEL}",
    ]


# -- the layout of a Dataset ----------------------------------------------


def detector_scan(frame_shape: tuple[int, ...] = (3, 4)) -> Dataset:
    frames = FrameStack.from_array(np.zeros((2, *frame_shape), dtype=np.uint16), name="pilatus")
    counts = np.arange(2 * 8).reshape(2, 8)
    spectrum = Spectrum(counts, calibration=Calibration(0.1, 0.01, 1e-6), live_time=np.array([0.9, 0.95]))
    return Dataset(
        "2.1",
        title="ascan th 0 1 1 1",
        columns={"I0": np.array([1.0, 2.0])},
        positioners={"th": 0.5},
        frames=frames,
        spectra={"mca0": spectrum},
        instrument={"monochromator": {"energy": 8.05}},
        sample={"name": "Si wafer"},
        start_time="2024-02-01T10:00:00",
    )


def test_nx_class_attributes() -> None:
    entry = dataset_group(detector_scan())
    assert entry.name == "2.1"
    assert entry.attrs["NX_class"] == "NXentry"
    assert entry["instrument"].attrs["NX_class"] == "NXinstrument"
    assert entry["instrument/positioners"].attrs["NX_class"] == "NXcollection"
    assert entry["instrument/pilatus"].attrs["NX_class"] == "NXdetector"
    assert entry["instrument/mca0"].attrs["NX_class"] == "NXdetector"
    assert entry["measurement"].attrs["NX_class"] == "NXcollection"
    assert entry["sample"].attrs["NX_class"] == "NXsample"


def test_interpretation_of_images_and_spectra() -> None:
    entry = dataset_group(detector_scan())
    for path in ("frames", "measurement/pilatus", "instrument/pilatus/data"):
        assert entry[path].attrs == {"interpretation": "image"}, path
        assert entry[path].shape == (2, 3, 4)
    for path in ("measurement/mca0", "instrument/mca0/data"):
        assert entry[path].attrs == {"interpretation": "spectrum"}, path
        assert entry[path].shape == (2, 8)


def test_frames_of_a_one_dimensional_detector_are_spectra() -> None:
    entry = dataset_group(detector_scan(frame_shape=(1024,)))
    for path in ("frames", "measurement/pilatus", "instrument/pilatus/data"):
        assert entry[path].attrs == {"interpretation": "spectrum"}, path


def test_an_mca_detector_has_data_channels_calibration_and_times() -> None:
    mca = dataset_group(detector_scan())["instrument/mca0"]
    assert list(mca) == ["data", "channels", "calibration", "live_time"]
    np.testing.assert_array_equal(mca["calibration"][:], [0.1, 0.01, 1e-6])
    np.testing.assert_array_equal(mca["channels"][:], np.arange(8))
    np.testing.assert_array_equal(mca["data"][1], np.arange(8, 16))
    np.testing.assert_array_equal(mca["live_time"][:], [0.9, 0.95])


def test_title_and_times_are_scalar_text() -> None:
    entry = dataset_group(detector_scan())
    title = entry["title"]
    assert title.shape == ()
    assert title[()] == "ascan th 0 1 1 1"
    assert entry["start_time"][()] == "2024-02-01T10:00:00"
    assert "end_time" not in entry


def test_instrument_and_sample_from_the_source() -> None:
    entry = dataset_group(detector_scan())
    assert entry["instrument/monochromator/energy"][()] == 8.05
    assert np.asarray(entry["sample/name"]).item() == "Si wafer"
    assert list(entry["instrument"]) == ["positioners", "pilatus", "mca0", "monochromator"]


def test_the_source_cannot_hide_the_positioners() -> None:
    ds = Dataset("1.1", positioners={"th": 1.0}, instrument={"positioners": {"fake": 0.0}})
    assert list(dataset_group(ds)["instrument/positioners"]) == ["th"]


def test_a_dataset_without_detectors_has_no_detector_groups() -> None:
    entry = dataset_group(Dataset("3.1"))
    assert list(entry) == ["title", "instrument", "measurement"]
    assert list(entry["instrument"]) == ["positioners"]
    assert list(entry["measurement"]) == []
