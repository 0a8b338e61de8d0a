"""The fabio bridge: fabio's other detector formats through beamio, never EDF or HDF5.

Files are generated with fabio's own writers (CBF, TIFF single and multi-page, d*TREK,
Bruker SFRM, NumPy stacks), opened with ``beamio.open`` and compared with fabio's
reading, data and headers; beamio writes CBF, TIFF and d*TREK that fabio reads back.
EDF and HDF5 files stay with their native formats whatever their name.
"""

from __future__ import annotations

import gzip
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import fabio
import numpy as np
import pytest
from fabio.TiffIO import TiffIO

import beamio
from beamio import Dataset, Frame, FrameStack, Header, read_head
from beamio.errors import (
    ClosedFileError,
    FormatError,
    LossyConversionWarning,
    NoFormatMatched,
    NotThisFormat,
    OptionError,
    UnsupportedOperation,
)
from beamio.testing import FormatTests, assert_equal, kit_samples
from beamio_edf import _fabio
from beamio_edf._fabio import Detection, FabioReader, detect

IMAGE = (np.arange(12 * 10).reshape(12, 10) * 7 % 1000).astype(np.uint16)
HEADER = {"title": "lysozyme", "Exposure_time": "0.5 s", "Detector": "PILATUS 1M"}


def fabio_text(value: Any) -> str:
    """A fabio header value as the bridge shows it: text, bytes decoded."""
    return value.decode() if isinstance(value, bytes) else str(value)


def fabio_header(image: Any) -> list[tuple[str, str]]:
    return [(fabio_text(k), fabio_text(v)) for k, v in image.header.items()]


# -- files fabio writes ---------------------------------------------------------------


def write_cbf(path: Path) -> Path:
    fabio.cbfimage.CbfImage(data=IMAGE, header=dict(HEADER)).write(str(path))
    return path


def write_tif(path: Path) -> Path:
    fabio.tifimage.TifImage(data=IMAGE, header=dict(HEADER)).write(str(path))
    return path


def write_tif_pages(path: Path, pages: int = 3) -> Path:
    for i in range(pages):
        tiff = TiffIO(str(path), "wb+" if i == 0 else "rb+")
        tiff.writeImage(IMAGE + i, info={"page": str(i), "title": "scan"}, software="test", date="today")
        tiff.close()
    return path


def write_dtrek(path: Path) -> Path:
    fabio.dtrekimage.DtrekImage(data=IMAGE, header=dict(HEADER)).write(str(path))
    return path


def write_sfrm(path: Path) -> Path:
    fabio.bruker100image.Bruker100Image(data=IMAGE.astype(np.int32), header={}).write(str(path))
    return path


def write_npy_stack(path: Path) -> Path:
    np.save(path, np.stack([IMAGE, IMAGE * 2, IMAGE * 3]).astype(np.float32))
    return path


FABIO_FILES: dict[str, Callable[[Path], Path]] = {
    "image.cbf": write_cbf,
    "image.tif": write_tif,
    "pages.tif": write_tif_pages,
    "image.img": write_dtrek,
    "image.sfrm": write_sfrm,
    "stack.npy": write_npy_stack,
}


def memory_dataset(frames: np.ndarray, headers: list[dict[str, str]] | None = None) -> Dataset:
    headers = headers or [dict(HEADER) for _ in frames]
    pairs = enumerate(zip(frames, headers, strict=True))
    stack = FrameStack.from_frames([Frame(i, a, Header(h)) for i, (a, h) in pairs])
    return Dataset("1.1", "memory", Header(headers[0]), frames=stack)


# -- reading ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", FABIO_FILES)
def test_fabio_files_open_as_fabio_and_equal_fabios_reading(tmp_path: Path, name: str) -> None:
    path = FABIO_FILES[name](tmp_path / name)
    reference = fabio.open(str(path))
    with beamio.open(path) as file:
        assert file.format == "fabio"
        stack = file["1.1"].frames
        assert stack is not None
        assert stack.reads == 0, "opening read frame data"
        assert stack.shape == (reference.nframes, *reference.data.shape)
        assert stack.dtype == reference.data.dtype
        for i, frame in enumerate(stack):
            expected = reference.get_frame(i)
            np.testing.assert_array_equal(frame.data, expected.data)
            assert [(e.key, e.value) for e in frame.header.entries] == fabio_header(expected)
        assert [(e.key, e.value) for e in file["1.1"].header.entries] == fabio_header(reference)
        assert not file.diagnostics
    reference.close()


def test_a_multi_page_tiff_is_one_stack_with_a_header_per_page(tmp_path: Path) -> None:
    path = write_tif_pages(tmp_path / "pages.tif", pages=4)
    with beamio.open(path) as file:
        stack = file["1.1"].frames
        assert stack.shape == (4, 12, 10)
        np.testing.assert_array_equal(stack[1:3, 5, :], np.stack([IMAGE[5] + 1, IMAGE[5] + 2]))
        np.testing.assert_array_equal(stack[[0, 3], :, 2], np.stack([IMAGE[:, 2], IMAGE[:, 2] + 3]))
        assert [h["imageDescription"] for h in stack.headers] == [f"page={i}\ntitle=scan\n" for i in range(4)]
        assert stack.frame(2).header.get_int("nRows") == 12


def test_cbf_opens_from_its_header_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_cbf(tmp_path / "image.cbf")
    reads: list[str] = []
    original = fabio.cbfimage.CbfImage.read

    def counting_read(self: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append("read")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(fabio.cbfimage.CbfImage, "read", counting_read)
    with beamio.open(path) as file:
        stack = file["1.1"].frames
        assert (stack.shape, stack.dtype, reads) == ((1, 12, 10), np.uint16, [])
        assert file["1.1"].header["X-Binary-Element-Type"] == "unsigned 16-bit integer"
        np.testing.assert_array_equal(stack[0], IMAGE)
        np.testing.assert_array_equal(stack[0, 3], IMAGE[3])
        assert reads == ["read"]


@pytest.mark.parametrize("codec", sorted(_fabio._HEADER_ONLY))
def test_header_only_classes_give_reads_header(tmp_path: Path, codec: str) -> None:
    path = tmp_path / f"image.{codec}"
    fabio.fabioformats.factory(codec).__class__(data=IMAGE.astype(np.int32), header={}).write(str(path))
    probe = fabio.fabioformats.factory(codec)
    probe.readheader(str(path))
    image = fabio.open(str(path))
    assert list(probe.header.items()) == list(image.header.items())
    assert (tuple(probe._shape), np.dtype(probe._dtype)) == (image.data.shape, image.data.dtype)


def test_a_gzipped_cbf_opens(tmp_path: Path) -> None:
    path = tmp_path / "image.cbf.gz"
    path.write_bytes(gzip.compress(write_cbf(tmp_path / "image.cbf").read_bytes()))
    with beamio.open(path) as file:
        assert file.format == "fabio"
        np.testing.assert_array_equal(file["1.1"].frames[0], IMAGE)


def test_frames_are_not_read_after_close(tmp_path: Path) -> None:
    with beamio.open(write_tif_pages(tmp_path / "pages.tif")) as file:
        stack = file["1.1"].frames
    with pytest.raises(ClosedFileError):
        stack[1]


def test_fabios_warnings_become_diagnostics(tmp_path: Path) -> None:
    path = write_cbf(tmp_path / "image.cbf")
    text = path.read_bytes()
    start = text.index(b"Content-MD5: ") + len(b"Content-MD5: ")
    path.write_bytes(text[:start] + b"A" * 24 + text[start + 24 :])
    with beamio.open(path) as file:
        np.testing.assert_array_equal(file["1.1"].frames[0], IMAGE)
        assert any("Checksum" in d.message for d in file["1.1"].diagnostics)
    with beamio.open(path, strict=True) as file, pytest.raises(FormatError, match="Checksum"):
        file["1.1"].frames[0]


# -- never EDF, never HDF5 ----------------------------------------------------------------


def test_edf_files_stay_with_the_edf_format(corpus: Path, tmp_path: Path) -> None:
    written = tmp_path / "fabio.edf"
    fabio.edfimage.EdfImage(data=IMAGE, header=dict(HEADER)).write(str(written))
    renamed = tmp_path / "face.cbf"
    renamed.write_bytes((corpus / "edf" / "fabio_face.edf").read_bytes())
    for path in (corpus / "edf" / "fabio_face.edf", corpus / "edf" / "fabio_face.edf.gz", written, renamed):
        with beamio.open(path) as file:
            assert file.format == "edf", path
        ranked = [c.format for c in beamio.detect(path).candidates]
        assert ranked.index("edf") < ranked.index("fabio"), path
        with pytest.raises(NotThisFormat, match="edf"):
            FabioReader.sniff(read_head(path))
        with pytest.raises(NotThisFormat):
            beamio.open(path, format="fabio")


def test_hdf5_files_never_go_to_fabio(corpus: Path, tmp_path: Path) -> None:
    eiger = tmp_path / "eiger.cbf"  # an Eiger file fabio wrote, named like fabio's
    fabio.eigerimage.EigerImage(data=IMAGE, header={}).write(str(eiger))
    for path in (corpus / "hdf5" / "nxex_code_dmc01.h5", eiger):
        with pytest.raises(NotThisFormat, match="HDF5 signature"):
            FabioReader.sniff(read_head(path))
        with pytest.raises(NotThisFormat):
            beamio.open(path, format="fabio")
        report = beamio.detect(path)
        bridge = next(c for c in report.candidates if c.format == "fabio")
        assert not any("magic" in reason for reason in bridge.reasons)
        try:
            with beamio.open(path) as file:
                assert file.format == "nexus"
        except NoFormatMatched as error:  # until the nexus plugin reads
            assert "fabio (refused: the HDF5 signature" in str(error)


def test_the_bridge_ranks_below_native_formats() -> None:
    spec = beamio.default_registry().entry("fabio").spec
    native = [e.spec for e in beamio.default_registry().entries_in_use() if e.spec.name != "fabio"]
    assert all(spec.priority < other.priority for other in native)
    lowest_native = min(s.score for other in native for s in other.signatures)
    assert all(s.score < lowest_native for s in spec.signatures)


@pytest.mark.parametrize(
    "name", ["sample.spec", "sample.csv", "sample.mca", "sample.spe", "random.bin", "empty.bin"]
)
def test_forcing_fabio_on_a_file_that_is_no_image_raises_not_this_format(name: str) -> None:
    path = next(p for p in kit_samples() if p.name == name)
    with pytest.raises(NotThisFormat):
        beamio.open(path, format="fabio")


def test_text_named_like_an_image_is_not_this_format(tmp_path: Path) -> None:
    path = tmp_path / "notes.img"  # four of fabio's classes read .img: each is asked, each refuses
    path.write_text("not an image at all\n")
    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None
    with pytest.raises(NotThisFormat, match="fabio cannot read it") as refused:
        beamio.open(path, format="fabio")
    assert all(name in str(refused.value) for name in ("dtrek", "oxd", "hipic", "raxis"))
    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before, "a refused file left handles open"


@pytest.mark.parametrize("suffix", [".cbf", ".tif"])
def test_truncated_images_give_format_errors_naming_the_file(tmp_path: Path, suffix: str) -> None:
    whole = (write_cbf if suffix == ".cbf" else write_tif)(tmp_path / f"whole{suffix}").read_bytes()
    # fabio's TIFF data ends the file; a CBF's binary data starts after 0C 1A 04 D5.
    data_end = len(whole) if suffix == ".tif" else whole.index(b"\x0c\x1a\x04\xd5") + 40
    for cut in (1, 20, len(whole) // 2, data_end - 10):
        path = tmp_path / f"cut{cut}{suffix}"
        path.write_bytes(whole[:cut])
        with pytest.raises(FormatError) as raised, beamio.open(path, format="fabio") as file:
            np.asarray(file["1.1"].frames)
        assert str(path) in str(raised.value)
        if cut >= 20:  # the magic number is whole: a broken file of the format, not another format
            assert not isinstance(raised.value, NotThisFormat), raised.value


def test_detection_uses_fabios_magic_then_the_name(tmp_path: Path) -> None:
    found = detect(read_head(write_cbf(tmp_path / "noname")))
    assert (found.codecs, found.certain) == (("cbfimage",), True)
    pgm = tmp_path / "image.pgm"
    fabio.pnmimage.PnmImage(data=IMAGE, header={}).write(str(pgm))
    assert detect(read_head(pgm)) == Detection(("pnmimage",), False, "the file name (fabio's guess) says pnm")


def test_the_signature_table_is_fabios_without_edf_and_hdf5() -> None:
    ours = {magic for magic, _, _ in _fabio._MAGIC}
    theirs = {magic for magic, kind in fabio.openimage.MAGIC_NUMBERS if kind != "edf" and "hdf5" not in kind}
    # fabio tells MarCCD and Pilatus TIFFs by two more bytes: their TIFF signature covers them.
    assert ours == {m for m in theirs if not any(m.startswith(o) and m != o for o in theirs)}
    extensions = {f".{e}" for cls in fabio.fabioformats.get_all_classes() for e in cls.DEFAULT_EXTENSIONS}
    assert set(_fabio.FORMAT.extensions) <= extensions
    assert not set(_fabio.FORMAT.extensions) & {".edf", ".h5", ".hdf5", ".nxs", ".bin"}


# -- writing --------------------------------------------------------------------------------


def test_beamio_writes_cbf_that_fabio_reads(tmp_path: Path) -> None:
    ds = memory_dataset(IMAGE[None], [{"_array_data.header_convention": "PILATUS_1.2"}])
    beamio.write(ds, tmp_path / "out.cbf")
    image = fabio.open(str(tmp_path / "out.cbf"))
    np.testing.assert_array_equal(image.data, IMAGE)
    assert image.data.dtype == np.uint16
    assert image.header["_array_data.header_convention"] == "PILATUS_1.2"
    assert b"data_out\r\n" in (tmp_path / "out.cbf").read_bytes(), "the CIF block takes the file's name"
    assert [p.name for p in tmp_path.iterdir()] == ["out.cbf"]


def test_beamio_writes_multi_page_tiff_that_fabio_reads(tmp_path: Path) -> None:
    frames = np.stack([IMAGE, IMAGE + 1, IMAGE + 2]).astype(np.float32)
    headers = [{"imageDescription": f"page={i}\n", "software": "beamio", "date": "2026"} for i in range(3)]
    beamio.write(memory_dataset(frames, headers), tmp_path / "out.tiff")
    image = fabio.open(str(tmp_path / "out.tiff"))
    assert image.nframes == 3
    for i in range(3):
        page = image.get_frame(i)
        np.testing.assert_array_equal(page.data, frames[i])
        assert (page.header["imageDescription"], page.header["software"]) == (f"page={i}\n", "beamio")


def test_beamio_writes_dtrek_that_fabio_reads(tmp_path: Path) -> None:
    beamio.write(memory_dataset(IMAGE[None]), tmp_path / "out.img")
    image = fabio.open(str(tmp_path / "out.img"))
    np.testing.assert_array_equal(image.data, IMAGE)
    assert {k: image.header[k] for k in HEADER} == HEADER


@pytest.mark.parametrize("suffix", [".cbf", ".tif", ".img"])
def test_fabio_files_survive_a_round_trip_in_their_own_format(tmp_path: Path, suffix: str) -> None:
    writer = {".cbf": write_cbf, ".tif": write_tif, ".img": write_dtrek}[suffix]
    source = writer(tmp_path / f"source{suffix}")
    with beamio.open(source) as original, warnings.catch_warnings():
        warnings.simplefilter("error", LossyConversionWarning)
        beamio.write(original, tmp_path / f"again{suffix}")
        with beamio.open(tmp_path / f"again{suffix}") as again:
            assert_equal(original, again)


def test_the_format_comes_from_the_option_or_the_extension(tmp_path: Path) -> None:
    ds = memory_dataset(IMAGE[None], [{}])
    beamio.write(ds, tmp_path / "image.dat", format="fabio", fabio_format="cbf")
    assert (tmp_path / "image.dat").read_bytes().startswith(b"###CBF: VERSION")
    with pytest.raises(UnsupportedOperation, match="fabio_format="):
        beamio.write(ds, tmp_path / "image.raw", format="fabio")
    with pytest.raises(UnsupportedOperation, match="format='edf'"):
        beamio.write(ds, tmp_path / "image.edf", format="fabio")
    with pytest.raises(OptionError, match="format='edf'"):
        beamio.write(ds, tmp_path / "image.x", format="fabio", fabio_format="edf")
    with pytest.raises(OptionError, match="cbf, tif, dtrek"):
        beamio.write(ds, tmp_path / "image.x", format="fabio", fabio_format="mar345")
    beamio.write(ds, tmp_path / "image.edf")
    with beamio.open(tmp_path / "image.edf") as file:
        assert file.format == "edf", ".edf is the edf format's, never fabio's"


def test_one_image_formats_refuse_a_stack(tmp_path: Path) -> None:
    with pytest.raises(UnsupportedOperation, match="one image per file, and <memory> has 3 frames"):
        beamio.write(memory_dataset(np.stack([IMAGE] * 3)), tmp_path / "out.cbf")
    assert not list(tmp_path.iterdir())


def test_header_keys_cbf_cannot_hold_are_said(tmp_path: Path) -> None:
    with pytest.warns(LossyConversionWarning, match="title, Exposure_time, Detector.*header_contents"):
        beamio.write(memory_dataset(IMAGE[None]), tmp_path / "out.cbf")
    assert "# title lysozyme" in fabio.open(str(tmp_path / "out.cbf")).header["_array_data.header_contents"]
    with pytest.raises(UnsupportedOperation, match="title"):
        beamio.write(memory_dataset(IMAGE[None]), tmp_path / "strict.cbf", strict=True)
    assert not (tmp_path / "strict.cbf").exists()


def test_tiff_headers_go_to_the_description_and_the_tags(tmp_path: Path) -> None:
    header = {"title": "scan 3", "software": "bliss", "date": "2026-11-25", "nRows": "999"}
    with pytest.warns(LossyConversionWarning, match="keys title: they go to 'key=value' lines") as said:
        beamio.write(memory_dataset(IMAGE[None], [header]), tmp_path / "out.tif")
    assert len(said) == 1, "nRows describes the data: the writer derives it, nothing is lost"
    written = fabio.open(str(tmp_path / "out.tif")).header
    assert (written["imageDescription"], written["software"], written["date"]) == (
        "title=scan 3\n",
        "bliss",
        "2026-11-25",
    )
    assert written["nRows"] == 12
    # fabio's TiffIO misplaces its software and date tags after a description of 4 bytes or less
    with pytest.warns(LossyConversionWarning, match="keys a: they go to nowhere"):
        beamio.write(memory_dataset(IMAGE[None], [{"a": "1", "software": "bliss"}]), tmp_path / "tiny.tif")
    written = fabio.open(str(tmp_path / "tiny.tif")).header
    assert (written["imageDescription"], written["software"]) == ("1/1", "bliss")


def test_big_endian_frames_are_written_as_their_values(tmp_path: Path) -> None:
    beamio.write(memory_dataset(IMAGE[None].astype(">u2"), [{}]), tmp_path / "big.cbf")
    np.testing.assert_array_equal(fabio.open(str(tmp_path / "big.cbf")).data, IMAGE)


def test_dtype_changes_are_said(tmp_path: Path) -> None:
    exact = IMAGE[None].astype(np.float64)
    with pytest.warns(LossyConversionWarning, match=r"float64 frames of dataset 1.1 as int32$"):
        beamio.write(memory_dataset(exact, [{}]), tmp_path / "exact.cbf")
    with pytest.warns(LossyConversionWarning, match="as int32, and values change"):
        beamio.write(memory_dataset(exact + 0.25, [{}]), tmp_path / "rounded.cbf")
    np.testing.assert_array_equal(fabio.open(str(tmp_path / "rounded.cbf")).data, IMAGE)
    with pytest.warns(
        LossyConversionWarning, match="float64 frames of dataset 1.1 as float32, and values change"
    ):
        beamio.write(memory_dataset(exact / 3, [{}]), tmp_path / "less.tif")
    with pytest.raises(UnsupportedOperation, match="NaN or inf"):
        beamio.write(memory_dataset(np.full((1, 2, 2), np.nan), [{}]), tmp_path / "nan.cbf")
    with pytest.raises(UnsupportedOperation, match="2-D images"):
        beamio.write(memory_dataset(np.zeros((1, 5)), [{}]), tmp_path / "line.tif")


def test_columns_and_spectra_are_said_to_be_left_out(tmp_path: Path) -> None:
    ds = memory_dataset(IMAGE[None], [{}])
    ds.columns = {"I0": np.arange(3.0)}
    with pytest.warns(LossyConversionWarning, match="columns, positioners, spectra left out"):
        beamio.write(ds, tmp_path / "out.tif")


# -- the conformance kit ------------------------------------------------------------------

KIT_FOLDER = Path(tempfile.mkdtemp(prefix="beamio-fabio-kit-"))
KIT_CBF = write_cbf(KIT_FOLDER / "kit.cbf")
KIT_TIF = write_tif(KIT_FOLDER / "kit.tif")


def test_the_kits_tiff_is_read_by_fabio() -> None:
    tif = next(p for p in kit_samples() if p.name == "sample.tif")
    with beamio.open(tif) as file:
        assert file.format == "fabio"
        assert file["1.1"].frames.shape == (1, 2, 2)


class TestFabioConformance(FormatTests):
    format = "fabio"
    samples: ClassVar = [KIT_CBF, KIT_TIF]
