"""File: datasets by key and index, the path view, closing, refreshing."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from beamio import Header
from beamio._dataset import Dataset
from beamio._diagnostics import Diagnostics
from beamio._file import File, Refresher
from beamio._lazy import LazyArray
from beamio._tree import Array, Group
from beamio.errors import ClosedFileError

PATH = "/data/id10/scans.spec"
DET = np.array([5, 17, 3, 8])


def scans() -> list[Dataset]:
    return [
        Dataset(
            "1.1",
            title="ascan th 0 1 3 0.1",
            columns={"th": np.linspace(0, 1, 4), "det": DET},
            positioners={"th": 0.5, "chi": -90.0},
        ),
        Dataset("2.1", title="timescan 0.1"),
        Dataset("3.1", title="ct 1"),
    ]


def spec_file(refresher: Refresher | None = None) -> File:
    return File(PATH, scans(), header={"#F": PATH, "#E": "1700000000"}, format="spec", refresher=refresher)


def test_datasets_by_key_and_by_index_in_file_order() -> None:
    f = spec_file()
    datasets = f.datasets
    assert [ds.key for ds in datasets] == ["1.1", "2.1", "3.1"]
    assert list(f) == ["1.1", "2.1", "3.1"]
    assert len(f) == 3
    assert f["2.1"] is datasets[1]
    assert f[0] is datasets[0]
    assert f[-1] is datasets[2]
    assert f[np.int64(1)] is datasets[1]
    assert "1.1" in f
    assert "4.1" not in f
    assert 0 not in f
    assert f.get("4.1") is None


def test_an_index_out_of_range_says_how_many_datasets_there_are() -> None:
    with pytest.raises(IndexError) as info:
        spec_file()[3]
    assert str(info.value) == f"{PATH} has 3 datasets; index 3 is out of range"


def test_an_unknown_key_lists_the_datasets() -> None:
    with pytest.raises(KeyError) as info:
        spec_file()["9.1"]
    message = str(info.value)
    assert PATH in message
    assert "'9.1'" in message
    assert "datasets: 1.1, 2.1, 3.1" in message


def test_a_key_of_another_type_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        spec_file()[1.5]  # type: ignore[index]


def test_the_file_header_and_attributes() -> None:
    f = spec_file()
    assert isinstance(f.header, Header)
    assert f.header["#F"] == PATH
    assert f.path == PATH
    assert f.format == "spec"
    assert isinstance(f.diagnostics, Diagnostics)
    assert f.diagnostics.file == PATH
    assert f.guard.path == PATH
    assert not f.closed
    assert repr(f) == f"<beamio.File {PATH!r} format='spec' (3 datasets)>"
    assert len(File("empty.spec").header) == 0


def test_the_path_view_reaches_columns_and_positioners() -> None:
    f = spec_file()
    det = f["/1.1/measurement/det"]
    assert isinstance(det, Array)
    assert det.shape == (4,)
    np.testing.assert_array_equal(det[:], DET)
    assert f["/1.1/instrument/positioners/th"][()] == 0.5
    assert f["1.1/instrument/positioners/chi"][()] == -90.0
    assert np.asarray(f["/2.1/title"]).item() == "timescan 0.1"


def test_a_dataset_path_gives_the_dataset_and_the_root_gives_the_tree() -> None:
    f = spec_file()
    assert f["/1.1"] is f["1.1"]
    root = f["/"]
    assert isinstance(root, Group)
    assert root.attrs == {"NX_class": "NXroot"}
    assert list(root) == ["1.1", "2.1", "3.1"]
    assert root["1.1"].attrs["NX_class"] == "NXentry"


def test_a_missing_path_names_what_is_missing() -> None:
    with pytest.raises(KeyError) as info:
        spec_file()["/1.1/measurement/Monitor"]
    assert "'Monitor'" in str(info.value)
    assert PATH in str(info.value)


def test_a_native_tree_is_shown_beside_the_datasets_and_built_once() -> None:
    built = []

    def tree() -> Group:
        built.append(1)
        members = {"entry": {"data": np.arange(3)}, "1.1": {"x": 1}}
        return Group("", members, {"NX_class": "NXroot", "creator": "x"})

    f = File("scan.h5", scans()[:1], tree=tree)
    assert built == []
    np.testing.assert_array_equal(f["/entry/data"][:], [0, 1, 2])
    assert list(f.tree) == ["entry", "1.1"]
    # The format's own tree wins where both have a name.
    assert f["/1.1/x"][()] == 1
    assert f.tree.attrs["creator"] == "x"
    assert built == [1]


def test_the_context_manager_closes_every_handle_once() -> None:
    closed: list[str] = []
    with spec_file() as f:
        f.add_closer(lambda: closed.append("data"))
        f.add_closer(lambda: closed.append("index"))
        assert not f.closed
    assert f.closed
    assert closed == ["index", "data"]
    f.close()
    assert closed == ["index", "data"]
    assert repr(f).endswith("(closed)>")


def test_the_context_manager_closes_on_error() -> None:
    closed: list[str] = []
    with pytest.raises(RuntimeError, match="boom"), spec_file() as f:
        f.add_closer(lambda: closed.append("handle"))
        raise RuntimeError("boom")
    assert f.closed
    assert closed == ["handle"]


def test_use_after_close_raises_closed_file_error_naming_the_file() -> None:
    f = spec_file()
    data = LazyArray.from_array(np.arange(5), guard=f.guard)
    f.close()
    for use in (
        lambda: f["1.1"],
        lambda: f[0],
        lambda: f["/1.1/measurement/det"],
        lambda: list(f),
        lambda: f.datasets,
        lambda: f.tree,
        f.refresh,
        lambda: data[0],
    ):
        with pytest.raises(ClosedFileError) as info:
            use()
        assert f"{PATH} is closed" in str(info.value)


def test_refresh_adds_the_datasets_that_appeared() -> None:
    appended = [Dataset("4.1", title="ascan th 1 2 3 0.1")]

    def refresher(f: File) -> Sequence[Dataset]:
        return [*f.datasets, *appended]

    f = spec_file(refresher=refresher)
    new = f.refresh()
    assert [ds.key for ds in new] == ["4.1"]
    assert list(f) == ["1.1", "2.1", "3.1", "4.1"]
    assert f[-1] is appended[0]
    assert f.refresh() == []
    assert len(f) == 4


def test_refresh_without_a_refresher_finds_nothing() -> None:
    f = spec_file()
    assert f.refresh() == []
    assert len(f) == 3


def test_two_datasets_with_one_key_are_refused() -> None:
    with pytest.raises(ValueError) as info:
        File(PATH, [Dataset("1.1"), Dataset("2.1"), Dataset("1.1")])
    assert str(info.value) == f"{PATH}: two datasets share the key '1.1'"
