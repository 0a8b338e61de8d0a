"""The NeXus writer, checked from the outside: h5py, silx and nexusformat read what it writes."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path
from typing import Any

import h5py
import numpy as np
import pytest

import beamio
from beamio import Calibration, Dataset, FrameStack, Header, LazyArray, Spectrum
from beamio.cli import main
from beamio.errors import OptionError, TargetExistsError, UnsupportedOperation
from beamio_nexus._layout import chunk_shape, nexus_name

nxdata = pytest.importorskip("silx.io.nxdata", reason="silx is a test dependency (requirements-test.txt)")

REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "data" / "sample.spec"


def _written(tmp_path: Path, source: Any = SAMPLE, name: str = "out.h5", **options: Any) -> Path:
    target = tmp_path / name
    if isinstance(source, Path):
        beamio.convert(source, target, **options)
    else:
        beamio.write(source, target, **options)
    return target


def _stack(shape: tuple[int, ...], dtype: Any = np.float32) -> FrameStack:
    return FrameStack.from_array(np.arange(int(np.prod(shape))).reshape(shape).astype(dtype))


# -- the layout ----------------------------------------------------------------------------------
def test_root_attributes_say_what_wrote_the_file(tmp_path: Path) -> None:
    path = _written(tmp_path)
    with h5py.File(path) as h5:
        attrs = dict(h5.attrs)
    assert attrs["NX_class"] == "NXroot" and attrs["file_name"] == "out.h5"
    assert attrs["creator"] == f"beamio {beamio.__version__}"
    assert attrs["HDF5_Version"] == h5py.version.hdf5_version
    assert datetime.datetime.fromisoformat(attrs["file_time"]).tzinfo is not None
    assert attrs["default"] == "_1_1"


def test_a_spec_scan_becomes_an_nxentry_with_its_columns_positioners_and_plot(tmp_path: Path) -> None:
    path = _written(tmp_path)
    with beamio.open(SAMPLE) as spec, h5py.File(path) as h5:
        scan = spec["1.1"]
        entry = h5["_1_1"]
        assert entry.attrs["NX_class"] == "NXentry" and entry.attrs["original_name"] == "1.1"
        assert entry["title"].shape == () and entry["title"][()].decode() == scan.title
        assert h5py.check_string_dtype(entry["title"].dtype).encoding == "utf-8"
        assert entry["start_time"][()].decode() == scan.start_time
        measurement = entry["measurement"]
        assert measurement.attrs["NX_class"] == "NXcollection"
        assert list(measurement) == list(scan.columns)
        for name, values in scan.columns.items():
            assert measurement[name].dtype == np.float64
            np.testing.assert_array_equal(measurement[name][()], values)
        positioners = entry["instrument/positioners"]
        assert positioners["_2_theta"].attrs["original_name"] == "2-theta"
        assert positioners["_2_theta"].shape == ()
        for name, value in scan.positioners.items():
            assert positioners[nexus_name(name)][()] == value
        default = nxdata.get_default(entry)
        assert nxdata.is_valid_nxdata(entry["plot"]) and default is not None
        assert default.signal.name == "/_1_1/plot/Detector" and [a.name for a in default.axes] == [
            "/_1_1/plot/theta"
        ]
        np.testing.assert_array_equal(default.signal[()], scan.columns["Detector"])


def test_an_mca_becomes_a_detector_linked_from_measurement(tmp_path: Path) -> None:
    path = _written(tmp_path)
    with beamio.open(SAMPLE) as spec, h5py.File(path) as h5:
        spectrum = spec["2.1"].spectra["mca_0"]
        detector = h5["_2_1/instrument/mca_0"]
        assert detector.attrs["NX_class"] == "NXdetector"
        np.testing.assert_array_equal(detector["data"][()], np.asarray(spectrum.counts))
        np.testing.assert_array_equal(detector["channels"][()], spectrum.channels)
        c = spectrum.calibration
        np.testing.assert_array_equal(detector["calibration"][()], [c.a, c.b, c.c])
        assert h5["_2_1/measurement/mca_0"].attrs["interpretation"] == "spectrum"
        assert h5.get("_2_1/measurement/mca_0", getlink=True).path == "/_2_1/instrument/mca_0/data"
        assert h5.get("_2_1/measurement/mca_0_info", getlink=True).path == "/_2_1/instrument/mca_0"
        assert h5["_2_1/measurement/mca_0_info"].attrs["NX_class"] == "NXdetector"


def test_the_source_header_is_kept_line_by_line(tmp_path: Path) -> None:
    path = _written(tmp_path)
    with beamio.open(SAMPLE) as spec, h5py.File(path) as h5:
        header = h5["_1_1/header"]
        entries = spec["1.1"].header.entries
        assert [k.decode() for k in header["keys"][()]] == [e.key for e in entries]
        assert [r.decode() for r in header["raw"][()]] == [e.raw for e in entries]
        assert header["rows"][()].tolist() == [-1 if e.row is None else e.row for e in entries]
        file_lines = [r.decode() for r in h5["file_header/raw"][()]]
        assert file_lines == [e.raw for e in spec.header.entries]


def test_nexusformat_loads_the_file(tmp_path: Path) -> None:
    nexus = pytest.importorskip("nexusformat.nexus")
    path = _written(tmp_path)
    root = nexus.nxload(str(path))
    assert root["_1_1"].nxclass == "NXentry"
    assert root["_1_1/plot"].nxsignal.nxname == "Detector"
    np.testing.assert_array_equal(root["_2_1/instrument/mca_0/data"].nxvalue.shape, (3, 16))


def test_spec_g_lines_give_the_sample_unit_cell_and_ub_matrix(tmp_path: Path) -> None:
    header = Header(
        [("G1", "5.43 5.43 5.43 90 90 90 1.157 1.157 1.157 90 90 90"), ("G3", "1 0 0 0 1 0 0 0 1.5")]
    )
    ds = Dataset("1.1", "hklscan", header, columns={"H": np.arange(3.0), "det": np.arange(3.0)})
    path = _written(tmp_path, ds)
    with h5py.File(path) as h5:
        sample = h5["_1_1/sample"]
        assert sample.attrs["NX_class"] == "NXsample"
        np.testing.assert_array_equal(sample["unit_cell"][()], [5.43, 5.43, 5.43, 90, 90, 90])
        np.testing.assert_array_equal(sample["ub_matrix"][()], [[1, 0, 0], [0, 1, 0], [0, 0, 1.5]])


@pytest.mark.parametrize(
    ("g1", "g3"),
    [
        ("not measured", "1 0 0 0 1 0 0 0 1.5"),
        ("5.43 5.43", "1 0 0 0 1 0 0 0 1.5"),
        ("5.43 5.43 5.43 90 90 90", "?"),
    ],
)
def test_a_g_line_that_is_not_enough_numbers_stays_text_and_makes_no_sample_value(
    tmp_path: Path, g1: str, g3: str
) -> None:
    path = _written(tmp_path, Dataset("1.1", "hklscan", Header([("G1", g1), ("G3", g3)])))
    with h5py.File(path) as h5:
        sample = h5["_1_1/sample"]
        assert ("unit_cell" in sample, "ub_matrix" in sample) == (g1.endswith("90"), g3.endswith("1.5"))
        assert [v.decode() for v in h5["_1_1/header/values"][()]] == [g1, g3]


# -- names, scalars, types -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "taken", "expected"),
    [
        ("det", (), "det"),
        ("1.1", (), "_1_1"),
        ("2-theta", (), "_2_theta"),
        ("Cross Section (cm2/g)", (), "Cross_Section__cm2_g_"),
        ("I0/I0", ("I0_I0",), "I0_I0_2"),
        ("a b", ("a_b", "a_b_2"), "a_b_3"),
        ("", (), "_"),
    ],
)
def test_names_are_made_valid_and_unique(name: str, taken: tuple[str, ...], expected: str) -> None:
    assert nexus_name(name, taken) == expected


def test_keys_of_one_nexus_name_are_entries_of_their_own(tmp_path: Path) -> None:
    path = _written(tmp_path, beamio.File("<memory>", [Dataset("a b", "t"), Dataset("a_b", "u")]))
    with h5py.File(path) as h5:
        assert [(name, h5[name].attrs["original_name"]) for name in h5] == [("a_b", "a b"), ("a_b_2", "a_b")]


def test_text_holding_a_nul_is_written_as_json_where_hdf5_strings_end_at_it(tmp_path: Path) -> None:
    nul = "a\x00b"
    ds = Dataset(nul, nul, Header([(nul, nul)]), columns={"x": np.arange(3.0), nul: np.arange(3.0)})
    path = _written(tmp_path, ds)
    with h5py.File(path) as h5:
        entry = h5["a_b"]
        assert dict(entry.attrs)["original_name_json"] == '"a\\u0000b"' and "original_name" not in entry.attrs
        assert entry["title"][()].decode() == '"a\\u0000b"' and entry["title"].attrs["json"].tolist() == [0]
        assert [k.decode() for k in entry["header/keys"][()]] == ['"a\\u0000b"']
        assert entry["header/keys"].attrs["json"].tolist() == [0] and entry["header"].attrs[
            "json"
        ].tolist() == [0]
        assert entry["measurement/a_b"].attrs["original_name_json"] == '"a\\u0000b"'
        assert entry["plot"].attrs["title_json"] == '"a\\u0000b"' and "title" not in entry["plot"].attrs
        assert nxdata.is_valid_nxdata(entry["plot"])


def test_the_hdf5_exercise_scalars_strings_and_a_float32_stack(tmp_path: Path) -> None:
    # The exercise of ESRF's HDF5 notes: true scalars of their own type, a scalar title, a big stack.
    stack = np.arange(100 * 512 * 1024, dtype=np.float32).reshape(100, 512, 1024)
    ds = Dataset(
        "exercise",
        "HDF5 exercise",
        positioners={"count": np.int32(7), "gain": np.int16(-3), "energy": 8.04},
        frames=FrameStack.from_array(stack, name="image"),
    )
    path = _written(tmp_path, ds)
    with h5py.File(path) as h5:
        entry = h5["exercise"]
        assert entry["title"].shape == () and entry["title"][()].decode() == "HDF5 exercise"
        count, gain = entry["instrument/positioners/count"], entry["instrument/positioners/gain"]
        assert (count.shape, count.dtype, count[()]) == ((), np.int32, 7)
        assert (gain.shape, gain.dtype, gain[()]) == ((), np.int16, -3)
        assert entry["instrument/positioners/energy"].dtype == np.float64
        data = entry["instrument/image/data"]
        assert (data.shape, data.dtype, data.chunks) == ((100, 512, 1024), np.float32, (1, 512, 1024))
        assert data.attrs["interpretation"] == "image"
        np.testing.assert_array_equal(data[99], stack[99])
        assert data[99, 511, 1023] == 100 * 512 * 1024 - 1
        assert entry["measurement/image"].shape == (100, 512, 1024)


@pytest.mark.parametrize("dtype", ["int8", "uint16", "int32", "uint64", "float32", "float64", ">i4", ">f8"])
def test_dtypes_are_kept(tmp_path: Path, dtype: str) -> None:
    values = np.arange(24).astype(dtype).reshape(2, 3, 4)
    ds = Dataset("d", columns={"c": values[0, 0]}, frames=FrameStack.from_array(values))
    path = _written(tmp_path, ds)
    with h5py.File(path) as h5:
        assert h5["d/measurement/c"].dtype == np.dtype(dtype)
        assert h5["d/instrument/image/data"].dtype == np.dtype(dtype)
        np.testing.assert_array_equal(h5["d/instrument/image/data"][()], values)


# -- chunks and compression -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        ("frame", (1, 512, 1024)),
        ("spectrum", (200, 32, 32)),
        ("balanced", (4, 128, 64)),
        ((4, 128, 128), (4, 128, 128)),
        ((500, 2000, 2000), (200, 512, 1024)),
    ],
)
def test_chunk_policies(policy: Any, expected: tuple[int, ...]) -> None:
    assert chunk_shape((200, 512, 1024), 4, policy) == expected


def test_a_spectrum_chunk_holds_one_pixel_spectrum_in_about_one_mebibyte() -> None:
    chunks = chunk_shape((200, 1024, 1024), 4, "spectrum")
    assert chunks is not None and chunks[0] == 200
    assert 0.5 * 2**20 <= np.prod(chunks) * 4 <= 2**20 and 1024 % chunks[1] == 0


@pytest.mark.parametrize("policy", ["frame", "spectrum", "balanced", (3, 5, 7)])
def test_a_stack_written_in_any_chunking_reads_back_equal(tmp_path: Path, policy: Any) -> None:
    stack = _stack((12, 40, 30), np.uint32)
    path = _written(tmp_path, Dataset("s", frames=stack), chunks=policy)
    with h5py.File(path) as h5:
        data = h5["s/instrument/image/data"]
        assert data.chunks == chunk_shape((12, 40, 30), 4, policy)
        np.testing.assert_array_equal(data[()], np.asarray(stack))


def test_a_chunk_shape_is_for_the_image_stacks_and_spectra_keep_theirs(tmp_path: Path) -> None:
    stack = _stack((6, 32, 40), np.uint16)
    counts = np.arange(6 * 64, dtype=np.int32).reshape(6, 64)
    ds = Dataset("s", frames=stack, spectra={"mca": Spectrum(counts)})
    path = _written(tmp_path, ds, chunks=(2, 16, 16))
    with h5py.File(path) as h5:
        assert h5["s/instrument/image/data"].chunks == (2, 16, 16)
        spectrum = h5["s/instrument/mca/data"]
        assert spectrum.chunks == chunk_shape((6, 64), 4, "frame")
        np.testing.assert_array_equal(spectrum[()], counts)


def test_a_chunk_shape_of_another_rank_than_the_stack_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedOperation) as caught:
        beamio.write(Dataset("s", frames=_stack((6, 32, 40))), tmp_path / "out.h5", chunks=(2, 16))
    assert str(caught.value) == (
        "chunks=(2, 16) has 2 axes, but the stack /s/instrument/image/data has 3 axes (6, 32, 40):"
        " give a chunk shape of its rank"
    )
    assert not list(tmp_path.iterdir())


ROW = 4 * 64 * 48 * 2  # bytes of a row of balanced chunks (4 frames of 64 × 48 uint16)


@pytest.mark.parametrize(("rows", "block_bytes"), [(1, 1), (1, ROW), (1, ROW + 1), (2, ROW * 5 // 2)])
def test_a_stack_is_read_from_its_source_a_block_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int, block_bytes: int
) -> None:
    monkeypatch.setattr("beamio_nexus._layout.BLOCK_BYTES", block_bytes)
    source = np.arange(16 * 64 * 48, dtype=np.uint16).reshape(16, 64, 48)
    asked: list[int] = []

    def read(key: Any) -> np.ndarray:
        part = source[key]
        asked.append(part.size)
        return part

    stack = FrameStack.from_array(LazyArray(source.shape, source.dtype, read))
    _written(tmp_path, Dataset("s", frames=stack), chunks="balanced")
    # whole rows of balanced chunks (clamped to the frame), as many as fit in BLOCK_BYTES, never all
    assert max(asked) == rows * 4 * 64 * 48
    assert sum(asked) == source.size  # and every value once


def test_small_spectra_are_read_from_their_source_in_few_blocks(tmp_path: Path) -> None:
    counts = np.arange(100 * 1024, dtype=np.int64).reshape(100, 1024)  # a SPEC scan's MCA: 800 KB
    asked: list[tuple[int, ...]] = []

    def read(key: Any) -> np.ndarray:
        asked.append(counts[key].shape)
        return counts[key]

    spectrum = Spectrum(LazyArray(counts.shape, counts.dtype, read))
    path = _written(tmp_path, Dataset("s", spectra={"mca_0": spectrum}))
    assert asked == [(100, 1024)]  # one read, though each spectrum is its own chunk
    with h5py.File(path) as h5:
        data = h5["s/instrument/mca_0/data"]
        assert data.chunks == (1, 1024)
        np.testing.assert_array_equal(data[()], counts)


def test_gzip_with_shuffle(tmp_path: Path) -> None:
    stack = _stack((4, 64, 64), np.uint16)
    path = _written(tmp_path, Dataset("s", frames=stack), compression="gzip", compression_level=6)
    with h5py.File(path) as h5:
        data = h5["s/instrument/image/data"]
        assert (data.compression, data.compression_opts, data.shuffle) == ("gzip", 6, True)
        np.testing.assert_array_equal(data[()], np.asarray(stack))


def test_a_filter_that_is_not_installed_is_refused_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "hdf5plugin", None)  # as if it were not installed
    with pytest.raises(
        OptionError, match=r"compression='zstd' needs the hdf5plugin filters.*pip install hdf5plugin"
    ):
        _written(tmp_path, Dataset("s", frames=_stack((2, 4, 4))), compression="zstd")
    assert list(tmp_path.iterdir()) == []


def test_hdf5plugin_filters_when_installed(tmp_path: Path) -> None:
    pytest.importorskip("hdf5plugin")
    stack = _stack((4, 32, 32), np.uint16)
    path = _written(tmp_path, Dataset("s", frames=stack), compression="zstd")
    with h5py.File(path) as h5:
        data = h5["s/instrument/image/data"]
        assert "32015" in data._filters  # the Zstd filter id
        np.testing.assert_array_equal(data[()], np.asarray(stack))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"chunks": "pixel"}, "chunks='pixel'"),
        ({"chunks": (0, 4)}, "positive integers"),
        ({"compression": "rar"}, "compression='rar'"),
        ({"compression_level": 40}, "compression level"),
        ({"group": "scan_7"}, "absolute HDF5 path"),
    ],
)
def test_bad_options_are_refused_before_anything_is_written(
    tmp_path: Path, options: dict[str, Any], message: str
) -> None:
    with pytest.raises(OptionError, match=message):
        _written(tmp_path, Dataset("s", columns={"a": np.arange(3.0)}), **options)
    assert list(tmp_path.iterdir()) == []


# -- appending, groups, overwriting ---------------------------------------------------------------
def test_appending_adds_entries_and_refuses_to_replace_one_unless_asked(tmp_path: Path) -> None:
    path = _written(tmp_path)
    extra = Dataset("7.1", "extra", columns={"x": np.arange(4.0), "y": np.arange(4.0) ** 2})
    beamio.write(extra, path, append=True)
    with h5py.File(path) as h5:
        assert [n for n in h5 if h5[n].attrs.get("NX_class") == "NXentry"] == ["_1_1", "_2_1", "_7_1"]
        assert h5.attrs["default"] == "_1_1"
        np.testing.assert_array_equal(h5["_7_1/measurement/y"][()], [0, 1, 4, 9])
    again = Dataset("7.1", "again", columns={"x": np.arange(2.0)})
    with pytest.raises(TargetExistsError) as caught:
        beamio.write(again, path, append=True)
    assert str(caught.value) == f"{path}: entry /_7_1 exists; pass replace_entries=True to replace it"
    with h5py.File(path) as h5:
        assert h5["_7_1/title"][()].decode() == "extra"  # the file is as it was
    beamio.write(again, path, append=True, replace_entries=True)
    with h5py.File(path) as h5:
        assert h5["_7_1/title"][()].decode() == "again" and h5["_7_1/measurement/x"].shape == (2,)


def test_an_existing_file_is_not_replaced_unless_asked(tmp_path: Path) -> None:
    path = _written(tmp_path)
    with pytest.raises(TargetExistsError, match=r"pass overwrite=True .* or append=True"):
        _written(tmp_path)
    before = path.stat().st_mtime_ns
    _written(tmp_path, Dataset("other", columns={"a": np.arange(2.0)}), overwrite=True)
    assert path.stat().st_mtime_ns != before
    with h5py.File(path) as h5:
        assert [n for n in h5 if n != "file_header"] == ["other"]


def test_writing_under_a_group_given_in_the_address(tmp_path: Path) -> None:
    target = f"{tmp_path / 'out.h5'}::/scan_7"
    beamio.convert(SAMPLE, target)
    with h5py.File(tmp_path / "out.h5") as h5:
        assert list(h5["scan_7"]) == ["_1_1", "_2_1"]
        assert h5.attrs["default"] == "scan_7" and h5["scan_7"].attrs["default"] == "_1_1"
        assert nxdata.get_default(h5["scan_7/_1_1"]) is not None
    with pytest.raises(OptionError, match="names a group, not an index"):
        beamio.convert(SAMPLE, f"{tmp_path / 'other.h5'}::/scan_7[0]")


def test_the_command_line_passes_writer_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "cli.h5"
    assert (
        main(["convert", str(SAMPLE), str(target), "-o", "compression=gzip", "-o", "compression_level=2"])
        == 0
    )
    assert main(["convert", str(SAMPLE), f"{target}::/again", "--append"]) == 0
    with h5py.File(target) as h5:
        assert h5["_2_1/instrument/mca_0/data"].compression == "gzip"
        assert list(h5["again"]) == ["_1_1", "_2_1"]
    assert main(["convert", str(SAMPLE), str(target), "-o", "oops"]) == 1
    assert "-o 'oops': expected KEY=VALUE" in capsys.readouterr().err


# -- EDF frames and their headers -----------------------------------------------------------------
def test_edf_frames_keep_their_headers_key_by_key(tmp_path: Path) -> None:
    frames = [np.full((3, 4), i, np.uint16) for i in range(3)]
    headers = [
        Header(
            [("HeaderID", f"EH:{i}"), ("motor_pos", f"{i} 1"), *([("extra", "only here")] if i == 1 else [])]
        )
        for i in range(3)
    ]
    stack = FrameStack.from_array(np.stack(frames), headers, name="pilatus")
    path = _written(tmp_path, Dataset("1.1", frames=stack))
    with h5py.File(path) as h5:
        header = h5["_1_1/instrument/pilatus/header"]
        assert list(header) == ["HeaderID", "motor_pos", "extra"]
        assert [v.decode() for v in header["motor_pos"][()]] == ["0 1", "1 1", "2 1"]
        assert header["extra"].attrs["absent"].tolist() == [0, 2]
        assert h5["_1_1/plot"].attrs["signal"] == "pilatus"


def test_frame_header_keys_named_as_the_reader_names_its_parts_come_back(tmp_path: Path) -> None:
    headers = [
        Header([("b", "1"), ("order", "2"), ("keys", "k"), ("raw", "r")]),
        Header([("order", "3"), ("b", "4")]),
    ]
    stack = FrameStack.from_array(np.zeros((2, 2, 2), np.uint16), headers)
    path = _written(tmp_path, Dataset("1.1", frames=stack))
    with h5py.File(path) as h5:
        header = h5["_1_1/instrument/image/header"]
        assert list(header) == ["b", "order_2", "keys_2", "raw_2", "order"]
        assert [header[n].attrs["original_name"] for n in ("order_2", "keys_2", "raw_2")] == [
            "order",
            "keys",
            "raw",
        ]
    with beamio.open(path) as f:
        assert [f["1.1"].frames.frame(i).header.entries for i in range(2)] == [h.entries for h in headers]


def test_frame_header_values_that_are_not_text_are_json_listed_in_at_json(tmp_path: Path) -> None:
    headers = [Header([("count", 5), ("gain", "low")]), Header([("count", "?")]), Header([("count", [1, 2])])]
    stack = FrameStack.from_array(np.zeros((3, 2, 2), np.uint16), headers)
    path = _written(tmp_path, Dataset("1.1", frames=stack))
    with h5py.File(path) as h5:
        header = h5["_1_1/instrument/image/header"]
        assert [v.decode() for v in header["count"][()]] == ["5", "?", "[1, 2]"]
        assert header["count"].attrs["json"].tolist() == [0, 2]
        assert [v.decode() for v in header["gain"][()]] == ["low", "", ""]
        assert "json" not in header["gain"].attrs


def test_a_spectrum_alone_is_plotted_against_its_energy(tmp_path: Path) -> None:
    counts = np.array([0, 5, 40, 12, 3, 0], dtype=np.int64)
    spectrum = Spectrum(
        counts, calibration=Calibration(0.1, 0.02, 1e-5), live_time=9.5, real_time=10.0, preset_time=10.0
    )
    path = _written(tmp_path, Dataset("xrf", "XRF spectrum", spectra={"mca_0": spectrum}))
    with h5py.File(path) as h5:
        detector = h5["xrf/instrument/mca_0"]
        np.testing.assert_array_equal(detector["data"][()], counts)
        assert detector["data"].dtype == np.int64
        np.testing.assert_array_equal(
            detector["energy"][()], 0.1 + 0.02 * np.arange(6) + 1e-5 * np.arange(6) ** 2
        )
        assert (detector["live_time"][()], detector["real_time"][()], detector["preset_time"][()]) == (
            9.5,
            10.0,
            10.0,
        )
        default = nxdata.get_default(h5["xrf"])
        assert default is not None and default.signal.name == "/xrf/plot/mca_0"
        assert [a.name for a in default.axes] == ["/xrf/plot/energy"]


@pytest.mark.parametrize(("policy", "chunks_in_cache"), [("frame", None), ("balanced", 64), ("spectrum", 32)])
def test_the_reader_sizes_the_chunk_cache_to_hold_a_frames_chunks_when_frames_share_them(
    tmp_path: Path, policy: str, chunks_in_cache: int | None
) -> None:
    from beamio_nexus._read_tree import Tree, chunk_cache

    stack = _stack((16, 512, 1024), np.float32)  # a frame is 2 MiB
    path = _written(tmp_path, Dataset("s", frames=stack), chunks=policy)
    with beamio.open(path) as f:
        np.testing.assert_array_equal(f["s"].frames[:, 100, 200], np.asarray(stack)[:, 100, 200])
        np.testing.assert_array_equal(f["s"].frames[3], np.asarray(stack)[3])
    with h5py.File(path) as h5:
        tree = Tree(h5, beamio.Guard(), beamio.Diagnostics(str(path)), str(path))
        assert isinstance(tree.node(h5["s/instrument/image"], "data"), beamio.Array)
        data = next(iter(tree._datasets.values()))
        chunk_bytes = int(np.prod(data.chunks)) * 4
        if chunks_in_cache is None:
            assert chunk_cache(data) is None
        else:
            assert data.id.get_access_plist().get_chunk_cache()[1] == chunks_in_cache * chunk_bytes


def test_silx_shows_the_layout(tmp_path: Path) -> None:
    silx_io = pytest.importorskip("silx.io")
    path = _written(tmp_path)
    with silx_io.open(str(path)) as h5, beamio.open(SAMPLE) as spec:
        assert silx_io.is_group(h5["/_1_1/measurement"]) and silx_io.is_group(h5["/_2_1/instrument/mca_0"])
        np.testing.assert_array_equal(h5["/_1_1/measurement/Detector"][()], spec["1.1"].columns["Detector"])
        assert h5["/_1_1/instrument/positioners/theta"][()] == spec["1.1"].positioners["theta"]
        assert h5["/_2_1/measurement/mca_0"].shape == (3, 16)


@pytest.mark.parametrize("dtype", ["uint8", "uint16", "float32", ">f8"])
def test_gzip_chunks_compressed_on_every_core_are_the_chunks_hdf5_writes(tmp_path: Path, dtype: str) -> None:
    rng = np.random.default_rng(7)
    values = (rng.poisson(50, (6, 40, 30)) + np.arange(30)).astype(dtype)
    path = _written(tmp_path, Dataset("s", frames=FrameStack.from_array(values)), compression="gzip")
    with h5py.File(tmp_path / "h5py.h5", "w") as h5:
        h5.create_dataset(
            "x", data=values, chunks=(1, 40, 30), compression="gzip", compression_opts=4, shuffle=True
        )
    with h5py.File(path) as ours, h5py.File(tmp_path / "h5py.h5") as theirs:
        data = ours["s/instrument/image/data"]
        assert (data.compression, data.compression_opts, data.shuffle) == ("gzip", 4, True)
        np.testing.assert_array_equal(data[()], values)
        for i in range(6):  # byte for byte what HDF5's own shuffle and deflate write
            assert data.id.read_direct_chunk((i, 0, 0)) == theirs["x"].id.read_direct_chunk((i, 0, 0))


def test_a_column_named_like_the_detector_keeps_the_default_plot_valid(tmp_path: Path) -> None:
    """A counter called "image" beside the image stack: the plot is the counters, each 1-D of the points."""
    import silx.io.nxdata

    ds = beamio.Dataset(
        "1.1",
        "t",
        {"k": "v"},
        columns={"image": np.array([1.0, 2.0, 3.0]), "det": np.array([4.0, 5.0, 6.0])},
        frames=beamio.FrameStack.from_array(np.zeros((3, 2, 2))),
    )
    beamio.write(ds, tmp_path / "out.h5")
    with h5py.File(tmp_path / "out.h5") as h5:
        plot = h5["_1_1/plot"]
        assert plot.attrs["signal"] == "det"
        axis = plot[plot.attrs["axes"][0]]
        np.testing.assert_array_equal(axis[()], [1.0, 2.0, 3.0])
        assert silx.io.nxdata.is_valid_nxdata(plot)
