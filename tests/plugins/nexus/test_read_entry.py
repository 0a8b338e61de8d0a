"""What an NXentry or NXsubentry says, as a Dataset: sample, subentries, detector images."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest

import beamio


def _group(parent: h5py.Group, name: str, nx_class: str) -> h5py.Group:
    group = parent.create_group(name)
    group.attrs["NX_class"] = nx_class
    return group


def test_the_nxsample_whatever_its_name_is_a_mapping_read_on_first_use(tmp_path: Path) -> None:
    path = tmp_path / "sample.h5"
    ub = np.arange(9.0).reshape(3, 3) / 10
    with h5py.File(path, "w") as f:
        entry = _group(f, "entry", "NXentry")
        crystal = _group(entry, "crystal", "NXsample")
        crystal["name"] = "Si (111)"
        crystal["temperature"] = 295.5
        crystal["temperature"].attrs["units"] = "K"
        crystal["chemical_formula"] = np.array([b"Si"])  # the NeXus API's one-element array
        crystal["unit_cell"] = np.array([5.431, 5.431, 5.431, 90.0, 90.0, 90.0])
        crystal["ub_matrix"] = ub
        crystal["orientation_matrix"] = ub.T
        phi = _group(crystal, "transformations", "NXtransformations")
        phi["phi"] = np.linspace(0, 90, 4)
    with beamio.open(path) as f:
        sample = f["entry"].sample
        assert isinstance(sample, beamio.LazyMapping) and not sample.loaded
        assert list(sample) == [
            "chemical_formula",
            "name",
            "orientation_matrix",
            "temperature",
            "transformations",
            "ub_matrix",
            "unit_cell",
        ]
        assert (sample["name"], sample["temperature"], sample["chemical_formula"]) == (
            "Si (111)",
            295.5,
            "Si",
        )
        assert isinstance(sample["ub_matrix"], beamio.LazyArray) and sample["ub_matrix"].shape == (3, 3)
        np.testing.assert_array_equal(sample["ub_matrix"][...], ub)
        np.testing.assert_array_equal(sample["orientation_matrix"][...], ub.T)
        np.testing.assert_array_equal(sample["unit_cell"][...], [5.431, 5.431, 5.431, 90.0, 90.0, 90.0])
        np.testing.assert_array_equal(sample["transformations"]["phi"][...], [0.0, 30.0, 60.0, 90.0])


def test_corpus_samples(corpus: Path) -> None:
    with beamio.open(corpus / "hdf5" / "nxex_DLS_538039.nxs") as f:
        sample = f["entry1"].sample
        assert sample["name"] == "Default Sample"
        assert sample["depends_on"] == "/entry1/sample/transformations/phi"
        np.testing.assert_array_equal(sample["unit_cell"][...], [[4.662, 4.662, 14.963, 90.0, 90.0, 120.0]])
        assert sample["orientation_matrix"].shape == (1, 3, 3)
        assert sample["orientation_matrix"][0, 0, 0] == pytest.approx(-0.11416171)
        assert list(sample["beam"]) == ["incident_energy", "incident_wavelength"]
    with beamio.open(corpus / "hdf5" / "bliss_id01_PTO_STO_SL_0001.h5") as f:
        assert dict(f["20.1"].sample) == {"name": "m21027a"}


def _subentries(path: Path) -> Path:
    with h5py.File(path, "w") as f:
        entry = _group(f, "entry", "NXentry")
        entry["title"] = "a scan of two techniques"
        entry["definition"] = "NXmx"
        mx = _group(entry, "mx", "NXsubentry")
        mx["definition"] = "NXmx"
        mx["title"] = "diffraction"
        mx["start_time"] = "2026-11-25T09:00:00"
        mx.attrs["default"] = "data"
        data = _group(mx, "data", "NXdata")
        data.attrs.update(signal="counts", axes="omega")
        data["counts"] = np.arange(5)
        data["omega"] = np.linspace(0, 4, 5)
        entry.create_group("plain")
        sas = _group(entry, "sas", "NXsubentry")
        sas["definition"] = np.array([b"NXsas"])
        later = _group(f, "later", "NXentry")
        later["title"] = "the next scan"
    return path


def test_each_nxsubentry_is_a_dataset_right_after_its_entry(tmp_path: Path) -> None:
    with beamio.open(_subentries(tmp_path / "sub.h5")) as f:
        assert list(f) == ["entry", "entry/mx", "entry/sas", "later"]
        assert f["entry"].header["definition"] == "NXmx"
        mx = f["entry/mx"]
        assert (mx.title, mx.start_time, mx.header["definition"]) == (
            "diffraction",
            "2026-11-25T09:00:00",
            "NXmx",
        )
        assert mx.header["NX_class"] == "NXsubentry"
        assert mx.header.origin == f"{f.path}::/entry/mx"
        assert mx.plot == beamio.Plot("/entry/mx/data/counts", ("/entry/mx/data/omega",))
        np.testing.assert_array_equal(f[mx.plot.signal][...], np.arange(5))
        np.testing.assert_array_equal(f["/entry/mx/data/omega"][...], np.linspace(0, 4, 5))
        assert f["entry/sas"].header["definition"] == "NXsas" and f["entry/sas"].title == ""
        assert f[3].title == "the next scan"


def test_without_measurement_the_images_come_from_an_nxdetector(tmp_path: Path) -> None:
    path = tmp_path / "detector.h5"
    with h5py.File(path, "w") as f:
        entry = _group(f, "entry", "NXentry")
        instrument = _group(entry, "beamline", "NXinstrument")
        _group(instrument, "diode", "NXdetector")["data"] = np.arange(4.0)  # a 1-D detector: no images
        camera = _group(instrument, "pilatus", "NXdetector")
        camera["data"] = np.arange(4 * 3 * 2, dtype=np.uint32).reshape(4, 3, 2)
    with beamio.open(path) as f:
        frames = f["entry"].frames
        assert frames is not None and (frames.name, frames.shape, frames.dtype) == (
            "pilatus",
            (4, 3, 2),
            np.uint32,
        )
        assert frames.reads == 0
        np.testing.assert_array_equal(frames[3], [[18, 19], [20, 21], [22, 23]])
        assert f["entry"].columns == {}


def test_bliss_files_keep_their_measurement(corpus: Path) -> None:
    with beamio.open(corpus / "hdf5" / "bliss_id01_PTO_STO_SL_0001.h5") as f:
        scan = f["20.1"]
        assert scan.title == "ascan eta 15.24 19.24 50 1"
        assert scan.frames is not None and (scan.frames.name, scan.frames.shape) == ("mpx1x4", (51, 516, 516))
        assert len(scan.columns) == 46 and scan.columns["eta"].shape == (51,)
        assert scan.positioners["eta"].shape == (51,)
    with beamio.open(corpus / "hdf5" / "darfix_316H_dummy_insitu_g1_RSM_2.h5") as f:
        assert f["1.1"].frames is not None and f["1.1"].frames.shape == (11, 68, 1456)


def test_a_virtual_dataset_over_a_dangling_link_of_its_own_file_is_reported(corpus: Path) -> None:
    with beamio.open(corpus / "hdf5" / "nxex_DLS_Therm_6_2.nxs") as f:
        assert f["/entry/data/data"].shape == (488, 4362, 4148)
        messages = [d.message for d in f.diagnostics]
    assert "/entry/data/data: virtual dataset whose sources are missing (/entry/data/data_000001): HDF5" in (
        " ".join(messages)
    )


def test_an_entry_beamio_wrote_without_header_reads_as_before(tmp_path: Path) -> None:
    """Earlier writers wrote no ``header`` for a Dataset without one: the entry's attributes stand in."""
    path = beamio.write(beamio.File("<memory>", [beamio.Dataset("1.1", "t")]), tmp_path / "old.h5")
    with h5py.File(path, "a") as f:
        assert list(f["_1_1/header/keys"]) == []
        del f["_1_1/header"]
    with beamio.open(path) as f:
        assert dict(f["1.1"].header) == {"original_name": "1.1", "NX_class": "NXentry"}


def test_frame_header_values_beamio_wrote_without_at_json_read_as_text(tmp_path: Path) -> None:
    """Earlier writers wrote a frame's values that are not text as JSON without saying so: text they stay."""
    stack = beamio.FrameStack.from_array(np.zeros((1, 2, 2)), [beamio.Header([("count", 5)])])
    path = beamio.write(beamio.Dataset("1.1", frames=stack), tmp_path / "old.h5")
    with h5py.File(path, "a") as f:
        del f["_1_1/instrument/image/header/count"].attrs["json"]
    with beamio.open(path) as f:
        assert f["1.1"].frames.frame(0).header["count"] == "5"
