"""beamio_edf.compat against PyMca's EdfFile and fabio, value by value."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

import beamio
from beamio_edf import compat

# Corpus files PyMca's EdfFile reads.
PYMCA_READS = [
    "bliss_chart_1.edf",
    "bliss_chart_2.edf",
    "bliss_chart_3.edf",
    "fabio_F2K_Seb_Lyso0675.edf.bz2",
    "fabio_i01f0001.edf",
    "fabio_run2_1_00148.edf.gz",
    "xicam_AgB_10s_hi_1m.edf",
    "xicam_AgB_10s_lo_1m.edf",
]
# Files without a Size key: PyMca refuses them, fabio and beamio read them.
WITHOUT_SIZE = [
    "fabio_face.edf",
    "fabio_face.edf.gz",
    "fabio_fit2d_click.edf.gz",
    "fabio_im0000.edf",
    "fabio_im0000.edf.bz2",
]
# Its only frame's data block stops after 6928 of 8388608 bytes.
TRUNCATED = "fabio_F2K_Seb_Lyso0675_header_only.edf"

# EDF type name → dtype, for the types PyMca writes right (its 64-bit integers get a Size of
# 4 bytes per element, see test_pymca_writes_64_bit_integers_it_cannot_read_back).
PYMCA_TYPES = {
    "SignedByte": "i1",
    "UnsignedByte": "u1",
    "SignedShort": "i2",
    "UnsignedShort": "u2",
    "SignedInteger": "i4",
    "UnsignedInteger": "u4",
    "SignedLong": "i4",
    "UnsignedLong": "u4",
    "FloatValue": "f4",
    "DoubleValue": "f8",
}
DTYPES = ["i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f4", "f8"]
SHAPES = [(7,), (5, 6), (3, 4, 5)]
ORDERS = ["LowByteFirst", "HighByteFirst"]
# (Pos, Size) in EDF order, Dim_1 first, for 2-D images; 0 in Size reaches the end.
REGIONS_2D = [((3, 5), (10, 7)), ((0, 0), (1, 1)), ((17, 2), (0, 0)), ((0, 9), (4, 0))]


@pytest.fixture
def pymca() -> ModuleType:
    """PyMca's EdfFile module: what users migrate from."""
    return pytest.importorskip("PyMca5.PyMcaIO.EdfFile")


@pytest.fixture
def fabio() -> ModuleType:
    return pytest.importorskip("fabio")


def edf(corpus: Path, name: str) -> str:
    path = corpus / "edf" / name
    if not path.is_file():
        pytest.skip(f"{path} is absent from the corpus")
    return str(path)


def same(got: np.ndarray, expected: np.ndarray) -> None:
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    assert np.array_equal(got, expected)


def hand_made(path: Path, keys: bytes, data: np.ndarray) -> Path:
    """An EDF frame whose header text is exactly ``keys`` (padded to 512 bytes), little-endian data."""
    text = b"{\n" + keys
    blocks = (len(text) + 2 + 511) // 512
    header = text.ljust(blocks * 512 - 2) + b"}\n"
    path.write_bytes(header + data.astype(data.dtype.newbyteorder("<")).tobytes())
    return path


def assert_reads_as_pymca(ours: compat.EdfFile, theirs: Any) -> None:
    assert ours.GetNumImages() == theirs.GetNumImages()
    for i in range(theirs.GetNumImages()):
        same(ours.GetData(i), theirs.GetData(i))
        assert list(ours.GetHeader(i).items()) == list(theirs.GetHeader(i).items())
        assert ours.GetStaticHeader(i) == theirs.GetStaticHeader(i)
        ndim = ours.GetData(i).ndim
        for pos, size in [((1, 2, 1)[:ndim], (2, 1, 0)[:ndim]), ((0, 0, 0)[:ndim], (0, 0, 0)[:ndim])]:
            same(ours.GetData(i, Pos=pos, Size=size), theirs.GetData(i, Pos=pos, Size=size))
        same(ours.GetData(i, "DoubleValue"), theirs.GetData(i, "DoubleValue"))


# -- the corpus ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PYMCA_READS)
def test_corpus_reads_as_pymca_reads(corpus: Path, pymca: ModuleType, name: str) -> None:
    path = edf(corpus, name)
    ours, theirs = compat.EdfFile(path, "r"), pymca.EdfFile(path, "r")

    assert ours.GetNumImages() == theirs.GetNumImages() == 1
    same(ours.GetData(0), theirs.GetData(0))
    assert list(ours.GetHeader(0).items()) == list(theirs.GetHeader(0).items())
    assert list(ours.GetStaticHeader(0).items()) == list(theirs.GetStaticHeader(0).items())
    for pos, size in REGIONS_2D:
        same(ours.GetData(0, Pos=pos, Size=size), theirs.GetData(0, Pos=pos, Size=size))
    same(ours.GetData(0, "FloatValue", Pos=(2, 3)), theirs.GetData(0, "FloatValue", Pos=(2, 3)))
    same(ours.GetData(0, Size=(5, 4)), theirs.GetData(0, Size=(5, 4)))
    assert ours.GetPixel(0, (4, 6)) == theirs.GetPixel(0, (4, 6))


@pytest.mark.parametrize("name", WITHOUT_SIZE)
def test_files_without_size_are_read_where_pymca_refuses(
    corpus: Path, pymca: ModuleType, fabio: ModuleType, name: str
) -> None:
    path = edf(corpus, name)
    with pytest.raises(TypeError, match="size information"):
        pymca.EdfFile(path, "r")

    ours = compat.EdfFile(path, "r")

    assert ours.GetNumImages() == 1
    same(ours.GetData(0), fabio.open(path).data)
    assert "Size" not in ours.GetStaticHeader(0)


@pytest.mark.parametrize("name", PYMCA_READS + WITHOUT_SIZE)
def test_fabio_open_reads_as_fabio(corpus: Path, fabio: ModuleType, name: str) -> None:
    path = edf(corpus, name)
    theirs = fabio.open(path)

    with compat.fabio_open(path) as ours:
        assert (ours.nframes, ours.shape, ours.dtype) == (theirs.nframes, theirs.shape, theirs.dtype)
        same(ours.data, theirs.data)
        assert list(ours.header.items()) == list(theirs.header.items())


def test_truncated_frame_is_left_out_not_zero_padded(
    corpus: Path, pymca: ModuleType, fabio: ModuleType
) -> None:
    path = edf(corpus, TRUNCATED)
    # fabio makes up the 8 MB that are not there; PyMca counts the image and cannot read it.
    padded = fabio.open(path)
    assert padded.nframes == 1 and not padded.data[-1].any()
    with pytest.raises(ValueError, match="cannot reshape"):
        pymca.EdfFile(path, "r").GetData(0)

    with pytest.warns(UserWarning, match="frame 0 needs 8388608 bytes of data, the file has 6928"):
        ours = compat.EdfFile(path, "r")
    assert ours.GetNumImages() == 0
    with pytest.raises(ValueError, match="Index 0 out of limit"):
        ours.GetData(0)
    with pytest.raises(beamio.FormatError, match=r"frame 0, byte offset 3072: frame 0 needs 8388608 bytes"):
        compat.fabio_open(path)


# -- files PyMca and fabio write ------------------------------------------------------------------


@pytest.fixture(params=ORDERS)
def pymca_written(request: pytest.FixtureRequest, pymca: ModuleType, tmp_path: Path) -> Path:
    """Every EDF type PyMca writes right, 1-D, 2-D and 3-D one after the other, in one byte order."""
    path = tmp_path / f"pymca_{request.param}.edf"
    out = pymca.EdfFile(str(path))
    rng = np.random.default_rng(7)
    for (name, dtype), shape in itertools.product(PYMCA_TYPES.items(), SHAPES):
        data = (rng.random(shape) * 120).astype(dtype)
        out.WriteImage({"type": name, "equation": "a = b", "shape": str(shape)}, data,
                       DataType=name, ByteOrder=request.param)  # fmt: skip
    return path


def test_pymca_written_files_read_as_pymca_reads(pymca_written: Path, pymca: ModuleType) -> None:
    ours = compat.EdfFile(pymca_written, "r")

    assert ours.GetNumImages() == len(PYMCA_TYPES) * len(SHAPES)
    assert len(ours.file.datasets) > 1  # frames of several shapes: one list of images all the same
    assert_reads_as_pymca(ours, pymca.EdfFile(str(pymca_written), "r"))


def test_pymca_written_files_read_as_fabio_reads(pymca_written: Path, fabio: ModuleType) -> None:
    theirs = fabio.open(str(pymca_written))
    ours = compat.fabio_open(pymca_written)

    assert ours.nframes == theirs.nframes
    for i in range(theirs.nframes):
        frame = ours.getframe(i)
        same(frame.data, theirs.getframe(i).data)
        assert frame.header == dict(theirs.getframe(i).header)


def test_fabio_written_stack_walks_as_fabio_walks(fabio: ModuleType, tmp_path: Path) -> None:
    from fabio.edfimage import EdfImage

    path = str(tmp_path / "stack.edf")
    first = np.arange(20, dtype=np.float32).reshape(4, 5)
    image = EdfImage(data=first, header={"frame": "0"})
    for i in range(1, 4):
        image.append_frame(data=first * i, header={"frame": str(i)})
    image.write(path)

    theirs, ours = fabio.open(path), compat.fabio_open(path)
    assert ours.nframes == theirs.nframes == 4
    for _ in range(3):
        theirs, ours = theirs.next(), ours.next()
        assert ours.currentframe == theirs.currentframe
        same(ours.data, theirs.data)
        assert ours.header == dict(theirs.header)
    for last in (theirs, ours):
        with pytest.raises(OSError, match=r"Cannot access frame 4: 0<=frame<4"):
            last.next()
    with pytest.raises(OSError, match="Cannot access frame 9"):
        ours.getframe(9)


def test_single_frame_next_opens_the_next_file_of_the_series(
    corpus: Path, fabio: ModuleType, tmp_path: Path
) -> None:
    source = edf(corpus, "fabio_im0000.edf")
    for number in (7, 8):
        shutil.copy(source, tmp_path / f"im{number:04d}.edf")

    theirs, ours = fabio.open(str(tmp_path / "im0007.edf")), compat.fabio_open(tmp_path / "im0007.edf")
    assert ours.next().filename == theirs.next().filename == str(tmp_path / "im0008.edf")
    for last in (theirs.next(), ours.next()):
        with pytest.raises(FileNotFoundError, match=r"im0009\.edf"):
            last.next()
    with pytest.raises(OSError, match="has no number"):
        compat.fabio_open(edf(corpus, "fabio_face.edf")).next()


# -- files the compat layer writes ----------------------------------------------------------------


@pytest.mark.parametrize("order", ORDERS)
def test_written_images_read_back_in_pymca_and_fabio(
    pymca: ModuleType, fabio: ModuleType, tmp_path: Path, order: str
) -> None:
    path = tmp_path / "written.edf"
    out = compat.EdfFile(path)
    rng = np.random.default_rng(3)
    arrays = [(rng.random(shape) * 100).astype(dtype) for dtype, shape in itertools.product(DTYPES, SHAPES)]
    for i, data in enumerate(arrays):
        out.WriteImage({"number": i, "equation": "x = y"}, data, ByteOrder=order)

    theirs, stack = pymca.EdfFile(str(path), "r"), fabio.open(str(path))
    assert out.GetNumImages() == theirs.GetNumImages() == stack.nframes == len(arrays)
    for i, data in enumerate(arrays):
        same(theirs.GetData(i), data)
        same(stack.getframe(i).data, data)
        assert theirs.GetHeader(i) == out.GetHeader(i) == {"number": str(i), "equation": "x = y"}
        static = theirs.GetStaticHeader(i)
        assert static == out.GetStaticHeader(i)
        assert (static["Image"], static["ByteOrder"]) == (str(i + 1), order)
    assert_reads_as_pymca(out, theirs)


def test_static_keys_given_are_set_from_the_data(pymca: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "static.edf"
    bogus = {"Dim_1": "999", "DataType": "FloatValue", "Size": "1", "Image": "42", "Offset_1": "3", "k": "v"}
    compat.EdfFile(path).WriteImage(bogus, np.ones((2, 3), np.int16))

    theirs = pymca.EdfFile(str(path), "r")
    assert theirs.GetStaticHeader(0) == {
        "HeaderID": "EH:000001:000000:000000",
        "Image": "1",
        "ByteOrder": "LowByteFirst" if np.little_endian else "HighByteFirst",
        "DataType": "SignedShort",
        "Dim_1": "3",
        "Dim_2": "2",
        "Size": "12",
        "Offset_1": "3",
    }
    assert theirs.GetHeader(0) == {"k": "v"}
    same(theirs.GetData(0), np.ones((2, 3), np.int16))


def test_append_0_replaces_the_file(pymca: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "replaced.edf"
    out = compat.EdfFile(path)
    out.WriteImage({"a": 1}, np.zeros((4, 4)))
    out.WriteImage({"a": 2}, np.zeros((4, 4)))

    out.WriteImage({"b": 3}, np.arange(6, dtype=np.uint8), Append=0)

    theirs = pymca.EdfFile(str(path), "r")
    assert out.GetNumImages() == theirs.GetNumImages() == 1
    assert theirs.GetHeader(0) == {"b": "3"}
    assert theirs.GetStaticHeader(0)["Image"] == "1"


def test_datatype_converts_and_is_written_under_the_table_name(pymca: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "converted.edf"
    out = compat.EdfFile(path)
    out.WriteImage({}, np.linspace(0.1, 6.6, 6).reshape(2, 3), DataType="FloatValue")
    out.WriteImage({}, np.arange(6), DataType="UnsignedLong", ByteOrder="HighByteFirst")

    theirs = pymca.EdfFile(str(path), "r")
    same(theirs.GetData(0), np.linspace(0.1, 6.6, 6).reshape(2, 3).astype(np.float32))
    same(theirs.GetData(1), np.arange(6, dtype=np.uint32))
    assert [theirs.GetStaticHeader(i)["DataType"] for i in (0, 1)] == ["FloatValue", "UnsignedInteger"]
    same(out.GetData(1, "SignedShort"), theirs.GetData(1, "SignedShort"))


def test_pymca_writes_64_bit_integers_it_cannot_read_back(pymca: ModuleType, tmp_path: Path) -> None:
    data = np.arange(6, dtype=np.int64).reshape(2, 3) * 10**10
    theirs = pymca.EdfFile(str(tmp_path / "pymca.edf"))
    theirs.WriteImage({}, data)
    assert theirs.GetStaticHeader(0)["DataType"] == "SignedLong"
    assert not np.array_equal(pymca.EdfFile(str(tmp_path / "pymca.edf"), "r").GetData(0), data)

    compat.EdfFile(tmp_path / "ours.edf").WriteImage({}, data)

    back = pymca.EdfFile(str(tmp_path / "ours.edf"), "r")
    assert back.GetStaticHeader(0)["DataType"] == "Signed64"
    same(back.GetData(0), data)


def test_pymca_writes_the_size_before_converting_its_own_reader_misses_images(
    pymca: ModuleType, tmp_path: Path
) -> None:
    path = tmp_path / "converted_by_pymca.edf"
    theirs = pymca.EdfFile(str(path))
    for i in range(3):
        theirs.WriteImage({"i": i}, np.full((4, 5), i + 1.0), DataType="SignedByte")
    assert pymca.EdfFile(str(path), "r").GetNumImages() == 2

    with pytest.warns(UserWarning, match=r"Size = 160 but \(4, 5\) SignedByte takes 20 bytes"):
        ours = compat.EdfFile(path, "r")

    assert ours.GetNumImages() == 3
    for i in range(3):
        assert ours.GetHeader(i) == {"i": str(i)}
        same(ours.GetData(i), np.full((4, 5), i + 1, np.int8))


# -- the calls' own rules -------------------------------------------------------------------------


def test_regions_read_only_the_region(pymca_written: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ours = compat.EdfFile(pymca_written, "r")
    image = next(i for i in range(ours.GetNumImages()) if ours.GetData(i).ndim == 3)
    asked = []
    read_basic = beamio.LazyArray._read_basic

    def spy(self: beamio.LazyArray, key: Any) -> np.ndarray:
        asked.append(key)
        return read_basic(self, key)

    monkeypatch.setattr(beamio.LazyArray, "_read_basic", spy)

    region = ours.GetData(image, Pos=(1, 2, 1), Size=(3, 1, 2))

    assert region.shape == (2, 1, 3)
    assert asked == [(slice(1, 3, 1), slice(2, 3, 1), slice(1, 4, 1))]


def test_bad_calls_raise_as_pymca(pymca: ModuleType, pymca_written: Path, tmp_path: Path) -> None:
    ours, theirs = compat.EdfFile(pymca_written, "r"), pymca.EdfFile(str(pymca_written), "r")
    for edf_file in (ours, theirs):
        with pytest.raises(ValueError, match=r"Index (99 )?out of limit"):
            edf_file.GetData(99)
        with pytest.raises(ValueError, match="out of limit"):
            edf_file.GetHeader(-1)
        with pytest.raises(TypeError, match="unknown"):
            edf_file.GetData(0, "Complex")
    image = next(i for i in range(ours.GetNumImages()) if ours.GetData(i).shape == (5, 6))
    with pytest.raises(ValueError, match=r"Dim_1 is 6, the region spans 4:8"):
        ours.GetData(image, Pos=(4, 0), Size=(4, 1))
    with pytest.raises(ValueError, match="need 2 values"):
        ours.GetData(image, Pos=(1,))
    with pytest.raises(TypeError, match="dimension not supported"):
        compat.EdfFile(tmp_path / "4d.edf").WriteImage({}, np.zeros((1, 2, 3, 4)))


def test_access_modes(pymca: ModuleType, tmp_path: Path) -> None:
    missing = tmp_path / "missing.edf"
    for edf_file in (compat.EdfFile, pymca.EdfFile):
        with pytest.raises(OSError, match="not found"):
            edf_file(str(missing), "r")
    path = tmp_path / "modes.edf"
    compat.EdfFile(path).WriteImage({"first": 1}, np.ones(3))

    with pytest.raises(OSError, match="read-only"):
        compat.EdfFile(path, "r").WriteImage({}, np.ones(3))
    fresh = compat.EdfFile(path, "w")
    assert fresh.GetNumImages() == 0 and path.stat().st_size > 0  # replaced at the first write
    fresh.WriteImage({"second": 2}, np.ones(3))
    assert pymca.EdfFile(str(path), "r").GetHeader(0) == {"second": "2"}
    assert pymca.EdfFile(str(path), "r").GetNumImages() == 1


def test_fabio_image_data_is_read_once_and_assignable(tmp_path: Path) -> None:
    path = tmp_path / "one.edf"
    compat.EdfFile(path).WriteImage({"k": "v"}, np.arange(12, dtype=np.uint16).reshape(3, 4))

    with compat.fabio_open(path) as image:
        assert image.data is image.data
        image.data = image.data * 2
        assert image.data[1, 1] == 10
        assert image.getframe(0).data[1, 1] == 5  # a new object reads the file again
    assert image.file.closed


# -- the documented differences -------------------------------------------------------------------


def test_header_text_as_fabio_splits_it_with_pymca_decoding(
    pymca: ModuleType, fabio: ModuleType, tmp_path: Path
) -> None:
    keys = (
        b"HeaderID = EH:000001:000000:000000 ;\nImage = 1 ;\nByteOrder = LowByteFirst ;\n"
        b"DataType = UnsignedShort ;\nDim_1 = 3 ;\nDim_2 = 2 ;\nSize = 12 ;\n"
        b"repeat = first ;\nmotor = th ; counter = mon ;\ncomment = on two\n lines ;\n"
        b"repeat = last ;\nsample = caf\xe9 ;\nunit = \xc3\x85ngstr\xc3\xb6m ;\n"
    )
    path = hand_made(tmp_path / "text.edf", keys, np.arange(6, dtype=np.uint16).reshape(2, 3))
    ours = compat.EdfFile(path, "r").GetHeader(0)
    theirs = pymca.EdfFile(str(path), "r").GetHeader(0)
    fabios = dict(fabio.open(str(path)).header)

    assert ours == {
        "repeat": "last",  # the last value at the first place, as both tools
        "motor": "th",
        "counter": "mon",  # PyMca reads only the first pair of a line
        "comment": "on two\n lines",  # PyMca stops at the line's end
        "sample": "café",  # not UTF-8: Latin-1, as PyMca; fabio drops it
        "unit": "Ångström",  # UTF-8, as PyMca; fabio drops it
    }
    assert list(theirs.items()) == [
        ("repeat", "last"),
        ("motor", "th"),
        ("comment", "on two"),
        ("sample", "café"),
        ("unit", "Ångström"),
    ]
    assert {k: v for k, v in fabios.items() if k in ours} == {
        k: v for k, v in ours.items() if k not in ("sample", "unit")
    }
    assert compat.fabio_open(path).header == {**fabios, "sample": "café", "unit": "Ångström"}


@pytest.mark.filterwarnings("ignore:.*are not an EDF header:UserWarning")
def test_append_after_a_truncated_frame_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cut.edf"
    out = compat.EdfFile(path)
    for i in range(3):
        out.WriteImage({"i": i}, np.full((10, 10), i, np.uint16))
    out.close()
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size - 50)
    before = path.read_bytes()
    with pytest.warns(UserWarning, match="frame 2 needs 200 bytes"):
        out = compat.EdfFile(path)
    with pytest.raises(beamio.FormatError, match="appending after it would bury the new frames"):
        out.WriteImage({"i": "new"}, np.full((10, 10), 9, np.uint16))
    assert path.read_bytes() == before
