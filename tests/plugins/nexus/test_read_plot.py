"""The NXdata default plot of an entry as Dataset.plot, checked against the NeXus rules and silx."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import h5py
import numpy as np
import pytest
from silx.io import nxdata

import beamio


def _entry(f: h5py.File, name: str = "entry") -> h5py.Group:
    entry = f.create_group(name)
    entry.attrs["NX_class"] = "NXentry"
    return entry


def _nxdata(parent: h5py.Group, name: str, **attrs: object) -> h5py.Group:
    group = parent.create_group(name)
    group.attrs["NX_class"] = "NXdata"
    for key, value in attrs.items():
        group.attrs[key] = value
    return group


def test_the_default_chain_names_a_nested_nxdata_with_its_errors_and_title(tmp_path: Path) -> None:
    path = tmp_path / "chain.h5"
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "scan"
        entry = _entry(f, "scan")
        raw = _nxdata(entry, "raw", signal="counts")  # first, but not the default
        raw["counts"] = np.arange(4)
        entry.attrs["default"] = "results/fit"
        results = entry.create_group("results")
        fit = _nxdata(results, "fit", signal="y", axes="x", title="fit of y")
        fit["y"] = np.array([1.0, 4.0, 9.0])
        fit["x"] = np.array([1.0, 2.0, 3.0])
        fit["y_errors"] = np.array([0.1, 0.2, 0.3])
    with beamio.open(path) as f:
        plot = f["scan"].plot
        assert plot == beamio.Plot(
            "/scan/results/fit/y", ("/scan/results/fit/x",), "fit of y", "/scan/results/fit/y_errors"
        )
        np.testing.assert_array_equal(f[plot.signal][...], [1.0, 4.0, 9.0])
        np.testing.assert_array_equal(f[plot.errors][...], [0.1, 0.2, 0.3])
        assert list(f.diagnostics) == []


def test_a_root_default_may_name_the_nxdata_inside_an_entry(tmp_path: Path) -> None:
    path = tmp_path / "root.h5"
    with h5py.File(path, "w") as f:
        f.attrs["default"] = "entry/fit"
        entry = _entry(f)
        _nxdata(entry, "raw", signal="counts")["counts"] = np.arange(4)
        _nxdata(entry, "fit", signal="y")["y"] = np.arange(3.0)
        _nxdata(_entry(f, "next"), "raw", signal="counts")["counts"] = np.arange(2)
    with beamio.open(path) as f:
        assert f["entry"].plot == beamio.Plot("/entry/fit/y", (None,))
        assert f["next"].plot == beamio.Plot("/next/raw/counts", (None,))


def test_without_default_the_first_nxdata_with_axes_placed_by_their_indices(tmp_path: Path) -> None:
    path = tmp_path / "indices.h5"
    with h5py.File(path, "w") as f:
        entry = _entry(f)
        entry["title"] = "a map of spectra"
        entry.create_group("notes")  # not NXdata
        data = _nxdata(entry, "map", signal="data", axes=["energy", ".", "."])
        data.attrs["energy_indices"] = 2  # the axis list says dimension 0, its _indices say 2
        data.attrs["y_indices"] = np.array([0], np.int32)
        data["data"] = np.zeros((2, 3, 4))
        data["energy"] = np.linspace(1, 2, 4)
        data["y"] = np.arange(2)
        data["errors"] = np.ones((2, 3, 4))  # the older name of the uncertainties
        title = data.create_dataset("title", data=b"energy map")
        assert title.shape == ()
        _nxdata(entry, "second", signal="data")["data"] = np.zeros(3)
    with beamio.open(path) as f:
        plot = f["entry"].plot
        assert plot.signal == "/entry/map/data"
        assert plot.axes == (None, None, "/entry/map/energy")
        assert (plot.title, plot.errors) == ("energy map", "/entry/map/errors")


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("signal attribute on the dataset, axes 'x:y' on it", ("/entry/data/tth", "/entry/data/chi")),
        ("datasets numbered with @axis from 1, @primary choosing", ("/entry/data/tth", "/entry/data/chi")),
    ],
)
def test_the_styles_before_nexus_2014(tmp_path: Path, style: str, expected: tuple[str, ...]) -> None:
    path = tmp_path / "old.h5"
    with h5py.File(path, "w") as f:
        data = _nxdata(_entry(f), "data")
        counts = data.create_dataset("counts", data=np.ones((5, 3)))
        counts.attrs["signal"] = np.int32(1)
        data["tth"] = np.arange(5.0)
        data["tth_set"] = np.arange(5.0)
        data["chi"] = np.arange(3.0)
        if style.startswith("signal"):
            counts.attrs["axes"] = b"tth:chi"
        else:
            for name, axis, primary in (("tth_set", b"1", 2), ("tth", b"1", 1), ("chi", b"2", 1)):
                data[name].attrs["axis"] = axis
                data[name].attrs["primary"] = primary
    with beamio.open(path) as f:
        assert f["entry"].plot == beamio.Plot("/entry/data/counts", expected)


def test_an_nxdata_naming_a_missing_signal_is_a_warning_and_no_plot(tmp_path: Path) -> None:
    path = tmp_path / "missing.h5"
    with h5py.File(path, "w") as f:
        entry = _entry(f)
        entry.attrs["default"] = "plot"
        _nxdata(entry, "plot", signal="det", axes="x")["x"] = np.arange(3.0)
        other = _entry(f, "other")
        other.attrs["default"] = "gone"
        _nxdata(other, "data", signal="y", axes=["x", "lost"])["y"] = np.ones((3, 2))
        other["data/x"] = np.arange(3.0)
    with beamio.open(path) as f:
        assert f["entry"].plot is None
        # A broken @default: the first NXdata, without the axis it lacks.
        assert f["other"].plot == beamio.Plot("/other/data/y", ("/other/data/x", None))
        found = [(d.scan, d.severity, d.message) for d in f.diagnostics]
    assert found == [
        (
            "entry",
            "warning",
            "/entry/plot: the NXdata names the signal 'det', which it does not hold; no default plot",
        ),
        ("other", "warning", "/other: @default names 'gone', which leads to no NXdata group"),
        ("other", "warning", "/other/data: the NXdata names the axis 'lost', which it does not hold"),
    ]


def _curve(data: h5py.Group) -> None:
    data.attrs.update(signal="y", axes="x")
    data["y"], data["x"] = np.arange(5.0), np.linspace(0, 1, 5)


def _image_with_dot(data: h5py.Group) -> None:
    data.attrs.update(signal="image", axes=[".", "col"])
    data["image"], data["col"] = np.zeros((3, 4)), np.arange(4.0)


def _stack_of_images(data: h5py.Group) -> None:
    data.attrs.update(signal="stack", axes=["row", "col"])
    data["stack"] = np.zeros((2, 3, 4))
    data["stack"].attrs["interpretation"] = "image"
    data["row"], data["col"] = np.arange(3.0), np.arange(4.0)


def _scatter(data: h5py.Group) -> None:
    data.attrs.update(signal="z", axes=["x", "y"])
    data["z"], data["x"], data["y"] = np.arange(6.0), np.arange(6.0), np.arange(6.0) * 2


def _old_signal(data: h5py.Group) -> None:
    data["counts"] = np.arange(6.0).reshape(2, 3)
    data["counts"].attrs.update(signal=1, axes="a:b")
    data["a"], data["b"], data["counts_errors"] = np.arange(2.0), np.arange(3.0), np.ones((2, 3))


def _map_with_indices(data: h5py.Group) -> None:
    data.attrs.update(signal="data", axes=["energy", "position"], energy_indices=0, position_indices=1)
    data["data"], data["energy"], data["position"] = np.zeros((4, 5)), np.arange(4.0), np.arange(5.0)


@pytest.mark.parametrize(
    "build", [_curve, _image_with_dot, _stack_of_images, _scatter, _old_signal, _map_with_indices]
)
def test_beamio_names_what_silx_names(tmp_path: Path, build: Callable[[h5py.Group], None]) -> None:
    path = tmp_path / "silx.h5"
    with h5py.File(path, "w") as f:
        entry = _entry(f)
        entry.attrs["default"] = "plot"
        build(_nxdata(entry, "plot"))
    with h5py.File(path, "r") as h5, beamio.open(path) as f:
        expected = nxdata.get_default(h5["entry"])
        assert expected is not None and expected.is_valid
        _assert_same(f["entry"].plot, expected)


def _assert_same(plot: beamio.Plot | None, silx: nxdata.NXdata) -> None:
    where = silx.group.name
    assert plot is not None
    assert plot.signal == f"{where}/{silx.signal_dataset_name}"
    assert list(plot.axes) == [None if a is None else f"{where}/{a}" for a in silx.axes_dataset_names]
    assert plot.errors == (None if silx.errors is None else silx.errors.name)


# Each corpus entry's plot and the group it comes from: its @default, else its first NXdata.
CORPUS_PLOTS = [
    ("bliss_id01_PTO_STO_SL_0001.h5", "20.1", "/20.1/plotselect"),
    ("nxex_APS_AgBehenate_228.hdf5", "entry", "/entry/data"),
    ("nxex_APS_ID34_not_complete.h5", "entry1", "/entry1/data"),
    ("nxex_SLS_Sample_Line_2021-03-16_096.hdf5", "entry1", "/entry1/counter0"),
    ("nxex_Soleil_file_2.nxs", "theta_00062_salsa.scan 1D.Timescan.tscan_Cpt_Basler_MStat_xbpms_00001", None),
    ("nxex_hdf5_writer_1_3__niac2014.h5", "Scan", "/Scan/data"),
]


@pytest.mark.parametrize(("name", "entry", "group"), CORPUS_PLOTS)
def test_corpus_plots_name_what_silx_names(corpus: Path, name: str, entry: str, group: str | None) -> None:
    group = group or f"/{entry}/scan_data"
    with h5py.File(corpus / "hdf5" / name, "r") as h5, beamio.open(corpus / "hdf5" / name) as f:
        expected = nxdata.get_default(h5[entry]) or nxdata.NXdata(h5[group])
        assert expected.is_valid and expected.group.name == group
        plot = f[entry].plot
        _assert_same(plot, expected)
        assert plot is not None
        np.testing.assert_array_equal(f[plot.signal][...], expected.signal[()])


def test_corpus_plots_silx_does_not_read(corpus: Path) -> None:
    # @axis counted from 1 (NeXus); silx counts from 0 and finds no axis here.
    with beamio.open(corpus / "hdf5" / "nxex_code_dmc01.h5") as f:
        assert f["entry1"].plot == beamio.Plot("/entry1/data1/counts", ("/entry1/data1/two_theta",))
    # 751 bin edges for 750 bins: silx calls the NXdata invalid, the plot is still what it says.
    with beamio.open(corpus / "hdf5" / "nxex_IPNS_lrcs3701.nx5") as f:
        plot = f["Histogram1"].plot
        assert plot is not None and plot.axes == (
            "/Histogram1/data/polar_angle",
            "/Histogram1/data/time_of_flight",
        )
        assert plot.title == "MgB2 PDOS 43.37g 8K 120meV E0@240Hz T0@120Hz"
        assert f[plot.axes[1]].shape == (751,) and f[plot.signal].shape == (148, 750)
    # One axis for a 3-D signal and no _indices: NeXus places it on the first dimension.
    with beamio.open(corpus / "hdf5" / "nxex_DLS_Therm_6_2.nxs") as f:
        assert f["entry"].plot == beamio.Plot("/entry/data/data", ("/entry/data/omega", None, None))
    # Both NXdata groups name a signal that is a dangling external link (silx raises KeyError).
    with beamio.open(corpus / "hdf5" / "nxex_DLS_p45-1168.nxs") as f:
        assert f["entry"].plot is None
        warned = [d.message for d in f["entry"].diagnostics]
    assert warned == [
        "/entry/mic: the NXdata names the signal 'data', which it does not hold; no default plot",
        "/entry/mic_total: the NXdata names the signal 'total', which it does not hold; no default plot",
    ]
