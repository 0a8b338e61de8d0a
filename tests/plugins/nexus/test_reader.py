"""The first NeXus/HDF5 reader: every dataset of any HDF5 file by its path, NXentry groups as Datasets."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import ClassVar

import h5py
import numpy as np
import pytest

import beamio
from beamio.testing import FormatTests

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus" / "hdf5"
FILES = sorted(p.name for p in CORPUS.glob("*")) if CORPUS.is_dir() else []


def _bliss_like(path: Path) -> Path:
    with h5py.File(path, "w") as f:
        entry = f.create_group("1.1")
        entry.attrs["NX_class"] = "NXentry"
        entry["title"] = "ascan th 0 1 4 0.1"
        entry["start_time"] = "2026-11-25T08:00:00"
        positioners = entry.create_group("instrument/positioners")
        positioners["th"] = np.linspace(0, 1, 5)
        positioners["chi"] = 90.0
        measurement = entry.create_group("measurement")
        measurement["diode"] = np.arange(5, dtype=np.int32)
        measurement["mon"] = np.arange(5.0) * 10
        measurement["cam"] = np.arange(5 * 3 * 4, dtype=np.uint16).reshape(5, 3, 4)
        entry["instrument/cam/data"] = h5py.SoftLink("/1.1/measurement/cam")
        entry["instrument/gone"] = h5py.ExternalLink("missing_file.h5", "/data")
    return path


@pytest.mark.parametrize("name", FILES or ["(corpus absent)"])
def test_every_hdf5_dataset_of_the_corpus_is_reachable(corpus: Path, name: str) -> None:
    path = corpus / "hdf5" / name
    with h5py.File(path, "r", locking=False) as h5, beamio.open(path) as f:
        assert f.format == "nexus"
        found: list[str] = []
        h5.visititems(lambda key, obj: found.append(key) if isinstance(obj, h5py.Dataset) else None)
        for key in found:
            node = f["/" + key]
            assert (node.shape, node.dtype) == (h5[key].shape, h5[key].dtype), key
        small = [k for k in found if h5[k].size and h5[k].size < 1000 and h5[k].dtype.kind in "iuf"]
        for key in small[:20]:
            np.testing.assert_array_equal(np.asarray(f["/" + key][...]), h5[key][()])


def test_dangling_links_and_missing_virtual_sources_are_reported(corpus: Path) -> None:
    with beamio.open(corpus / "hdf5" / "nxex_DLS_p45-1168.nxs") as f:
        list(f["/entry/instrument/mic"])
        messages = [d.message for d in f.diagnostics]
    assert any("dangling external link to p45-1168-mic" in m for m in messages)
    with beamio.open(corpus / "hdf5" / "bliss_id01_PTO_STO_SL_0001.h5") as f:
        f["/20.1/measurement/mpx1x4"]
        assert any("virtual dataset whose sources are missing" in d.message for d in f.diagnostics)


def test_an_nxentry_becomes_a_dataset_with_counters_positioners_and_frames(tmp_path: Path) -> None:
    with beamio.open(_bliss_like(tmp_path / "scan.h5")) as f:
        assert list(f) == ["1.1"]
        scan = f["1.1"]
        assert scan.title == "ascan th 0 1 4 0.1" and scan.start_time == "2026-11-25T08:00:00"
        assert list(scan.columns) == ["diode", "mon"]
        assert scan.frames is not None and scan.frames.shape == (5, 3, 4) and scan.frames.reads == 0
        np.testing.assert_array_equal(scan.frames[2, 1], [28, 29, 30, 31])
        np.testing.assert_array_equal(scan.columns["diode"][...], np.arange(5))
        assert scan.columns["diode"].dtype == np.int32  # the file's type, not float64
        np.testing.assert_array_equal(scan.positioners["th"][...], np.linspace(0, 1, 5))
        assert scan.positioners["chi"] == 90.0
        np.testing.assert_array_equal(f["/1.1/instrument/cam/data"][4, 2], [56, 57, 58, 59])
        with pytest.raises(KeyError):
            f["/1.1/instrument/gone"]
        assert [d.message for d in f.diagnostics] == [
            "/1.1/instrument/gone: dangling external link to missing_file.h5::/data; left out"
        ]
        frames = scan.frames
    with pytest.raises(beamio.errors.ClosedFileError):
        frames[0]


def test_whole_file_gzip_and_other_formats(tmp_path: Path) -> None:
    path = _bliss_like(tmp_path / "scan.h5")
    packed = tmp_path / "scan.h5.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    with beamio.open(packed) as f:
        np.testing.assert_array_equal(f["1.1"].columns["mon"][...], np.arange(5.0) * 10)
    text = tmp_path / "notes.h5"
    text.write_text("not HDF5\n")
    with pytest.raises(beamio.NotThisFormat, match="file signature not found"):
        beamio.open(text, "nexus")


_KIT = Path(tempfile.mkdtemp(prefix="beamio-nexus-kit-"))


class TestNexusConformance(FormatTests):
    format = "nexus"
    samples: ClassVar = [_bliss_like(_KIT / "kit.h5")]
