"""Reading the arrays of a running SPEC: listing, scans, MCA spectra, images, every SPEC type."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

import beamio
from beamio import LazyArray

from .fakespec import (
    CHAR,
    DOUBLE,
    FLOAT,
    INT,
    SHORT,
    STRING,
    TAG_FRAMES,
    TAG_IMAGE,
    TAG_MCA,
    TAG_SCAN,
    UCHAR,
    UINT,
    USHORT,
    FakeSpec,
)

SCAN = np.arange(30, dtype=np.float64).reshape(10, 3) * 1.5
LABELS = {"0": "th", "1": "I0", "2": "det"}


def _scan(spec: FakeSpec, points: int = 4) -> None:
    spec.create("SCAN_D", 10, 3, DOUBLE, TAG_SCAN)
    spec.put("SCAN_D", SCAN.tolist())
    spec.info("SCAN_D", f"[{points}]")
    spec.metadata(
        "SCAN_D",
        [
            LABELS,
            {"npts": points, "title": "ascan th 0 1 3 1", "allmotorm": "th;chi", "allpositions": "0.5;90"},
        ],
    )


def test_a_scan_array_gives_the_columns_of_the_points_filled_so_far(fourc: FakeSpec) -> None:
    _scan(fourc, points=4)
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        assert f.format == "sps" and list(f) == ["SCAN_D"]
        scan = f["SCAN_D"]
        assert scan.title == "ascan th 0 1 3 1"
        assert list(scan.columns) == ["th", "I0", "det"]
        for i, name in enumerate(["th", "I0", "det"]):
            column = scan.columns[name]
            assert column.dtype == np.float64
            np.testing.assert_array_equal(column, SCAN[:4, i])
        assert scan.positioners == {"th": 0.5, "chi": 90.0}
        assert scan.header["points"] == "4" and scan.header["npts"] == "4"
        assert scan.header["tag"] == "scan" and scan.header["rows"] == "10" and scan.header["cols"] == "3"
        assert scan.header["pid"] == str(fourc.pid)
        np.testing.assert_array_equal(f["/SCAN_D/measurement/det"][...], SCAN[:4, 2])


def test_pymca_reads_back_the_info_and_metadata_the_fake_spec_writes(fourc: FakeSpec) -> None:
    _scan(fourc, points=4)
    assert fourc.pymca("getinfo", "SCAN_D") == "[4]"
    assert fourc.pymca("getmetadata", "SCAN_D").startswith('[{"0": "th"')
    assert fourc.pymca("getarraylist") == ["SCAN_D"]
    assert fourc.pymca("getarrayinfo", "SCAN_D") == [10, 3, DOUBLE, TAG_SCAN | 0x2]


def test_the_metadata_counts_the_points_where_the_info_says_nothing(fourc: FakeSpec) -> None:
    fourc.create("SCAN_D", 10, 3, DOUBLE, TAG_SCAN)
    fourc.put("SCAN_D", SCAN.tolist())
    fourc.metadata("SCAN_D", [LABELS, {"npts": 6}])
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        np.testing.assert_array_equal(f[0].columns["I0"], SCAN[:6, 1])
        assert f[0].title == "SCAN_D"


def test_older_spec_says_labels_and_points_in_the_env_array(fourc: FakeSpec) -> None:
    fourc.create("SCAN_D", 10, 3, DOUBLE, TAG_SCAN)
    fourc.put("SCAN_D", SCAN.tolist())
    fourc.create("SCAN_D_ENV", 8, 128, STRING)
    fourc.env("SCAN_D_ENV", "nopts", "2")  # the index of the last point
    fourc.env("SCAN_D_ENV", "axistitles", "Theta {I 0} det")
    fourc.env("SCAN_D_ENV", "title", "dscan th -1 1 2 1")
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        scan = f["SCAN_D"]
        assert list(scan.columns) == ["Theta", "I 0", "det"]
        np.testing.assert_array_equal(scan.columns["I 0"], SCAN[:3, 1])
        assert scan.title == "dscan th -1 1 2 1"
        assert scan.header.get_all("nopts") == ["2"]


def test_without_labels_or_a_count_every_row_is_a_point_and_columns_are_named(fourc: FakeSpec) -> None:
    fourc.create("SCAN_D", 5, 3, DOUBLE, TAG_SCAN)
    fourc.put("SCAN_D", SCAN[:5].tolist())
    fourc.metadata("SCAN_D", [{"0": "th", "1": "th"}, {}])  # too few labels, one repeated
    with beamio.open(f"sps://{fourc.name}/SCAN_D") as f:
        assert list(f[0].columns) == ["th", "th_1", "column_3"]
        np.testing.assert_array_equal(f[0].columns["column_3"], SCAN[:5, 2])


def test_an_mca_array_is_a_spectrum_with_its_calibration(fourc: FakeSpec) -> None:
    counts = np.arange(16, dtype=np.uint32) * 7
    fourc.create("MCA_DATA", 1, 16, UINT, TAG_MCA)
    fourc.put("MCA_DATA", [counts.tolist()])
    fourc.create("MCA_DATA_PARAM", 1, 3, DOUBLE)
    fourc.put("MCA_DATA_PARAM", [[0.1, 0.02, 0.0001]])
    with beamio.open(f"sps://{fourc.name}/MCA_DATA") as f:
        spectrum = f["MCA_DATA"].spectra["MCA_DATA"]
        assert spectrum.counts.shape == (16,) and spectrum.counts.dtype == np.uint32
        np.testing.assert_array_equal(spectrum.counts, counts)
        assert (spectrum.calibration.a, spectrum.calibration.b, spectrum.calibration.c) == (0.1, 0.02, 0.0001)
        np.testing.assert_array_equal(spectrum.counts[3:6], counts[3:6])


def test_an_mca_array_of_several_rows_is_points_by_channels(fourc: FakeSpec) -> None:
    counts = np.arange(24, dtype=np.int32).reshape(3, 8)
    fourc.create("MCA", 3, 8, INT, TAG_MCA)
    fourc.put("MCA", counts.tolist())
    with beamio.open(f"sps://{fourc.name}/MCA") as f:
        spectrum = f[0].spectra["MCA"]
        assert spectrum.counts.shape == (3, 8)
        np.testing.assert_array_equal(spectrum.counts, counts)
        assert spectrum.calibration.is_identity


def test_an_image_array_is_one_frame_and_a_frames_array_a_stack(fourc: FakeSpec) -> None:
    image = np.arange(20, dtype=np.uint16).reshape(4, 5)
    fourc.create("IMAGE", 4, 5, USHORT, TAG_IMAGE)
    fourc.put("IMAGE", image.tolist())
    stack = np.arange(60, dtype=np.float32).reshape(6, 10)
    fourc.create("FRAMES", 6, 10, FLOAT, TAG_IMAGE | TAG_FRAMES)
    fourc.put("FRAMES", stack.tolist())
    fourc.poke("FRAMES", 100, 2)  # frame_size: two rows a frame (sps.create leaves it 0)
    with beamio.open(f"sps://{fourc.name}") as f:
        frames = f["IMAGE"].frames
        assert frames.shape == (1, 4, 5) and frames.dtype == np.uint16 and frames.name == "IMAGE"
        np.testing.assert_array_equal(frames[0], image)
        np.testing.assert_array_equal(frames[0, 1:3, 2], image[1:3, 2])
        stacked = f["FRAMES"].frames
        assert stacked.shape == (3, 2, 10)
        np.testing.assert_array_equal(np.asarray(stacked), stack.reshape(3, 2, 10))
        assert f["FRAMES"].header["frame_size"] == "2"


@pytest.mark.parametrize(
    ("kind", "dtype"),
    [(DOUBLE, "f8"), (FLOAT, "f4"), (INT, "i4"), (UINT, "u4"), (SHORT, "i2"), (USHORT, "u2"), (CHAR, "i1"),
     (UCHAR, "u1"), (9, "i8")],
)  # fmt: skip
def test_every_spec_type_keeps_its_values_and_dtype(fourc: FakeSpec, kind: int, dtype: str) -> None:
    values = (np.arange(12).reshape(3, 4) * 3 - 5).astype(dtype)
    fourc.create("DATA", 3, 4, kind, 0)
    fourc.put("DATA", values.tolist())
    with beamio.open(f"sps://{fourc.name}/DATA") as f:
        frames = f["DATA"].frames
        assert frames.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(frames[0], values)
        assert f["DATA"].header["tag"] == "array"


def test_a_session_lists_its_arrays_and_sps_lists_every_session(
    spec_session: Callable[..., FakeSpec],
) -> None:
    one, two = spec_session(), spec_session()
    _scan(one)
    one.create("MCA", 1, 8, UINT, TAG_MCA)
    one.create("SCAN_D_ENV", 4, 64, STRING)
    one.env("SCAN_D_ENV", "title", "ascan")
    two.create("IMAGE", 2, 2, UCHAR, TAG_IMAGE)
    with beamio.open(f"sps://{one.name}") as f:
        assert list(f) == ["SCAN_D", "MCA", "SCAN_D_ENV"]
        assert f["SCAN_D_ENV"].header["title"] == "ascan"
        assert f["SCAN_D_ENV"].header["tag"] == "string"
        assert dict(f.header) == {
            f"sps://{one.name}": f"SPEC session, pid {one.pid}, 3 arrays",
            f"sps://{one.name}/SCAN_D": "scan, 10×3 double, 4 points, update 1",
            f"sps://{one.name}/MCA": "mca, 1×8 ulong, update 0",
            f"sps://{one.name}/SCAN_D_ENV": "string, 4×64 string, update 1",
        }
    with beamio.open("sps://") as f:
        keys = set(f)
        assert {f"{one.name}:SCAN_D", f"{one.name}:MCA", f"{two.name}:IMAGE"} <= keys
        assert f[f"{two.name}/IMAGE"] is f[f"{two.name}:IMAGE"]  # the address form, as an alias
        assert f[f"{two.name}:IMAGE"].frames.shape == (1, 2, 2)
        assert f.header[f"sps://{two.name}"] == f"SPEC session, pid {two.pid}, 1 arrays"


def test_opening_reads_headers_only(fourc: FakeSpec) -> None:
    _scan(fourc)
    fourc.create("MCA", 1, 8, UINT, TAG_MCA)
    fourc.create("IMAGE", 4, 5, USHORT, TAG_IMAGE)
    with beamio.open(f"sps://{fourc.name}") as f:
        assert not f["SCAN_D"].columns.loaded
        counts = f["MCA"].spectra["MCA"].counts
        assert isinstance(counts, LazyArray) and counts.reads == 0
        assert f["IMAGE"].frames.reads == 0
        np.asarray(f["IMAGE"].frames)
        assert f["IMAGE"].frames.reads == 1
