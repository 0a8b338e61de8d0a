"""Malformed EDF files made by hand, each with the exact message beamio gives (file, frame, byte offset).

The rules (issue 4): data shorter than the header promises → lenient: the complete frames and a
diagnostic, never zero padding, never a frame dropped silently; strict: FormatError naming the
file, the frame, the bytes expected and found. Bad dims, types and byte orders → FormatError
with the key and the value, and never an allocation larger than the file.
"""

from __future__ import annotations

import bz2
import gzip
import os
import zlib
from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio.errors import FormatError, NoFormatMatched, NotThisFormat
from beamio.testing import allocating_at_most, read_everything

from .samples import assert_same, edf_frame, frame_data, header_block, static_keys

DATA = np.arange(12, dtype=np.uint16).reshape(3, 4)
#: What reading a small broken file may allocate at its peak: a 1 MiB head read, never what the dims say.
LIMIT = 4 << 20


def _write(tmp_path: Path, name: str, content: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content)
    return path


def _frames(count: int) -> list[np.ndarray]:
    return [frame_data("uint16", (3, 4), i) for i in range(count)]


def _header(*pairs: tuple[str, object], **keys: object) -> bytes:
    """A 512-byte header of a (3, 4) UnsignedShort frame without Size; ``keys`` replace (None: drop) keys."""
    base: dict[str, object] = dict(static_keys(DATA)[:-1])  # without Size
    base.update(keys)
    return header_block([*((k, v) for k, v in base.items() if v is not None), *pairs])


@pytest.fixture(autouse=True, scope="module")
def _reader_loaded(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Open one good file first, so that the allocation checks count reading, not importing."""
    path = tmp_path_factory.mktemp("warm") / "good.edf"
    path.write_bytes(edf_frame(DATA))
    with beamio.open(path) as f:
        read_everything(f)


def _read(path: Path, strict: bool) -> tuple[list[beamio.Dataset], list[str]]:
    """Open and read everything; the datasets and the diagnostics, as text."""
    with beamio.open(path, format="edf", strict=strict) as f:
        read_everything(f)
        return f.datasets, [str(d) for d in f.diagnostics]


# -- data shorter than promised ---------------------------------------------------------------
def test_short_data_keeps_the_complete_frames(tmp_path: Path) -> None:
    frames = _frames(3)
    whole = b"".join(edf_frame(d, image=i + 1) for i, d in enumerate(frames))
    path = _write(tmp_path, "short.edf", whole[:-14])  # 10 of frame 2's 24 bytes are left
    with beamio.open(path) as f:
        stack = f["1.1"].frames
        assert len(stack) == 2  # frame 2 is neither zero-padded nor silently dropped
        for i in range(2):
            assert_same(stack[i], frames[i])
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan 1.1, frame 2, byte offset 1584: frame 2 needs 24 bytes of data,"
            " the file has 10 after its header; the frame is left out"
        ]
        (diagnostic,) = f.diagnostics
        assert (diagnostic.frame, diagnostic.offset) == (2, 1584)


def test_the_dataset_keeps_its_diagnostics(tmp_path: Path) -> None:
    whole = b"".join(edf_frame(d, image=i + 1) for i, d in enumerate(_frames(2)))
    path = _write(tmp_path, "short.edf", whole[:-14])
    with beamio.open(path) as f:
        assert [d.message for d in f["1.1"].diagnostics] == [d.message for d in f.diagnostics]
        assert f.diagnostics[0].scan == "1.1"


def test_short_data_is_an_error_in_strict_mode(tmp_path: Path) -> None:
    whole = b"".join(edf_frame(d, image=i + 1) for i, d in enumerate(_frames(2)))
    path = _write(tmp_path, "short.edf", whole[:-14])
    with pytest.raises(FormatError) as caught:
        beamio.open(path, strict=True)
    assert (caught.value.file, caught.value.frame, caught.value.offset) == (str(path), 1, 1048)
    assert str(caught.value) == (
        f"{path}, frame 1, byte offset 1048: frame 1 needs 24 bytes of data, the file has 10 after its"
        " header; the frame is left out"
    )


def test_a_single_frame_without_its_data(tmp_path: Path) -> None:
    path = _write(tmp_path, "header_only.edf", _header(("Size", 24)))
    with beamio.open(path) as f:
        assert f["1.1"].frames is None
        assert f["1.1"].header["Dim_1"] == "4"
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, frame 0, byte offset 512: frame 0 needs 24 bytes of data, the file has 0 after its"
            " header; the frame is left out"
        ]


# -- headers that never close ------------------------------------------------------------------
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_a_header_that_never_closes(tmp_path: Path, strict: bool) -> None:
    path = _write(tmp_path, "open.edf", _header()[:200])
    with pytest.raises(FormatError) as caught:
        _read(path, strict)
    assert str(caught.value) == f"{path}, frame 0, byte offset 0: the header's '{{' is never closed by '}}'"


def _cut_in_second_header(tmp_path: Path) -> tuple[Path, list[np.ndarray]]:
    frames = _frames(2)
    first = edf_frame(frames[0])
    return _write(tmp_path, "cut.edf", first + edf_frame(frames[1], image=2)[:100]), frames


def test_a_file_cut_inside_a_later_header_is_an_error_in_strict_mode(tmp_path: Path) -> None:
    path, _ = _cut_in_second_header(tmp_path)
    with pytest.raises(FormatError) as caught:
        beamio.open(path, strict=True)
    assert (caught.value.file, caught.value.offset) == (str(path), 536)
    assert "never closed" in caught.value.message


def test_a_file_cut_inside_a_later_header_keeps_the_complete_frames(tmp_path: Path) -> None:
    path, frames = _cut_in_second_header(tmp_path)
    with beamio.open(path) as f:
        assert len(f["1.1"].frames) == 1
        assert_same(f["1.1"].frames[0], frames[0])
        (diagnostic,) = f.diagnostics
        assert (diagnostic.frame, diagnostic.offset) == (1, 536)
        assert "never closed" in diagnostic.message


# -- dims, types, byte orders ------------------------------------------------------------------
BAD_KEYS = {
    "Dim_1-negative": ({"Dim_1": -5}, "Dim_1 = -5 is not a usable size"),
    "Dim_1-zero": ({"Dim_1": 0}, "Dim_1 = 0 is not a usable size"),
    "Dim_1-huge": ({"Dim_1": 999999999999}, "Dim_1 = 999999999999 is not a usable size"),
    "Dim_2-negative": ({"Dim_2": -1}, "Dim_2 = -1 is not a usable size"),
    "Dim_1-text": ({"Dim_1": "four"}, "Dim_1 = 'four' is not an integer"),
    "Dim_1-missing": ({"Dim_1": None, "Dim_2": None}, "the header has no Dim_1"),
    "DataType-unknown": ({"DataType": "Complex64"}, "unknown DataType 'Complex64'"),
    "DataType-missing": ({"DataType": None}, "the header has no DataType"),
    "ByteOrder-unknown": ({"ByteOrder": "MiddleByteFirst"}, "unknown ByteOrder 'MiddleByteFirst'"),
    "Compression-unknown": ({"Compression": "lzma"}, "unknown Compression 'lzma'"),
}


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
@pytest.mark.parametrize(("keys", "message"), list(BAD_KEYS.values()), ids=list(BAD_KEYS))
def test_bad_keys_name_the_key_and_the_value(
    tmp_path: Path, keys: dict[str, object], message: str, strict: bool
) -> None:
    path = _write(tmp_path, "bad.edf", _header(**keys) + DATA.tobytes())
    with allocating_at_most(LIMIT), pytest.raises(FormatError) as caught:
        _read(path, strict)
    assert str(caught.value) == f"{path}, frame 0, byte offset 0: {message}"
    assert caught.value.frame == 0


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_dims_larger_than_the_file_allocate_nothing(tmp_path: Path, strict: bool) -> None:
    path = _write(tmp_path, "absurd.edf", _header(Dim_1=100000, Dim_2=100000) + DATA.tobytes())
    message = (
        f"{path}, frame 0, byte offset 512: frame 0 needs 20000000000 bytes of data, the file has 24"
        " after its header; the frame is left out"
    )
    if strict:
        with allocating_at_most(LIMIT), pytest.raises(FormatError) as caught:
            _read(path, strict)
        assert str(caught.value) == message
    else:
        with allocating_at_most(LIMIT):
            datasets, diagnostics = _read(path, strict)
        assert [ds.frames for ds in datasets] == [None]
        assert diagnostics == [message]


def test_dims_whose_product_overflows_int64(tmp_path: Path) -> None:
    dims = {"Dim_1": 2**21, "Dim_2": 2**21, "Dim_3": 2**22}
    path = _write(tmp_path, "wrap.edf", _header(DataType="UnsignedByte", **dims) + DATA.tobytes())
    datasets, diagnostics = _read(path, strict=False)
    assert [ds.frames for ds in datasets] == [None]
    assert diagnostics == [
        f"{path}, frame 0, byte offset 512: frame 0 needs {2**64} bytes of data, the file has 24 after"
        " its header; the frame is left out"
    ]


# -- Size against dims -------------------------------------------------------------------------
def test_size_smaller_than_the_dims_need(tmp_path: Path) -> None:
    path = _write(tmp_path, "size.edf", _header(("Size", 16)) + DATA.tobytes())
    message = "Size = 16 but (3, 4) UnsignedShort takes 24 bytes; read 24"
    with beamio.open(path) as f:
        assert_same(f["1.1"].frames[0], DATA)
        assert [str(d) for d in f.diagnostics] == [f"{path}, scan 1.1, frame 0, byte offset 0: {message}"]
    with pytest.raises(FormatError) as caught:
        beamio.open(path, strict=True)
    assert str(caught.value) == f"{path}, frame 0, byte offset 0: {message}"


def test_edf_binary_size_is_checked_like_size(tmp_path: Path) -> None:
    path = _write(tmp_path, "binary.edf", _header(("EDF_BinarySize", 30), ("Size", 24)) + DATA.tobytes())
    with beamio.open(path) as f:
        assert_same(f["1.1"].frames[0], DATA)
        assert [d.message for d in f.diagnostics] == [
            "EDF_BinarySize = 30 but (3, 4) UnsignedShort takes 24 bytes; read 24"
        ]


def test_size_larger_than_the_dims_need_is_the_block_length(tmp_path: Path) -> None:
    frames = _frames(2)
    blocks = [_header(("Size", 32), Image=i + 1) + d.tobytes() + b"PADDING!" for i, d in enumerate(frames)]
    path = _write(tmp_path, "padded.edf", b"".join(blocks))
    with beamio.open(path) as f:
        assert len(f["1.1"].frames) == 2
        for i in range(2):
            assert_same(f["1.1"].frames[i], frames[i])
        assert not any("not an EDF header" in d.message for d in f.diagnostics)


# -- compressed data blocks ----------------------------------------------------------------------
@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_a_block_that_does_not_decompress(tmp_path: Path, strict: bool) -> None:
    path = _write(tmp_path, "bad.edf", _header(("Compression", "gzip"), ("Size", 24)) + b"not gzip" * 3)
    with beamio.open(path, strict=strict) as f:  # lazy: the block is read with the frame
        assert f["1.1"].frames.shape == (1, 3, 4)
        with pytest.raises(FormatError) as caught:
            f["1.1"].frames[0]
    error = caught.value
    assert (error.file, error.frame, error.offset) == (str(path), 0, 512)
    assert str(error).startswith(
        f"{path}, frame 0, byte offset 512: the gzip data block does not decompress: "
    )


@pytest.mark.parametrize("strict", [False, True], ids=["lenient", "strict"])
def test_a_block_that_decompresses_to_the_wrong_size(tmp_path: Path, strict: bool) -> None:
    block = zlib.compress(DATA.tobytes()[:20])
    path = _write(tmp_path, "wrong.edf", _header(("Compression", "zlib"), ("Size", len(block))) + block)
    with beamio.open(path, strict=strict) as f, pytest.raises(FormatError) as caught:
        f["1.1"].frames[0]
    assert str(caught.value) == (
        f"{path}, frame 0, byte offset 512: the data block decompresses to 20 bytes, (3, 4) uint16 needs 24"
    )


def test_absurd_dims_of_a_compressed_block_allocate_nothing(tmp_path: Path) -> None:
    block = zlib.compress(DATA.tobytes())
    content = _header(("Compression", "zlib"), ("Size", len(block)), Dim_1=100000, Dim_2=100000) + block
    path = _write(tmp_path, "absurd.edf", content)
    with (
        allocating_at_most(LIMIT),
        beamio.open(path) as f,
        pytest.raises(FormatError, match="decompresses to 24 bytes"),
    ):
        f["1.1"].frames[0]


def test_a_compressed_block_larger_than_its_dims_is_not_inflated_whole(tmp_path: Path) -> None:
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = b"".join(packer.compress(bytes(1 << 20)) for _ in range(32)) + packer.flush()
    path = _write(tmp_path, "bomb.edf", _header(("Compression", "gzip"), ("Size", len(block))) + block)
    with (
        allocating_at_most(LIMIT),
        beamio.open(path) as f,
        pytest.raises(FormatError, match="decompresses to"),
    ):
        f["1.1"].frames[0]


# -- whole-file compression ----------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".gz", ".bz2"])
def test_a_truncated_compressed_file(tmp_path: Path, suffix: str) -> None:
    # Larger than the head beamio reads to detect the format (64 KiB), which would see the damage.
    frames = [frame_data("uint16", (128, 128), i) for i in range(3)]
    plain = b"".join(edf_frame(d, image=i + 1) for i, d in enumerate(frames))
    assert len(plain) > 64 * 1024
    packed = (gzip.compress if suffix == ".gz" else bz2.compress)(plain)
    path = _write(tmp_path, f"cut.edf{suffix}", packed[: len(packed) - 8])
    with pytest.raises(FormatError) as caught:
        beamio.open(path, strict=True)
    assert caught.value.file == str(path)
    try:
        with beamio.open(path) as f:
            assert len(f.diagnostics) >= 1
            for i in range(len(f["1.1"].frames)):
                assert_same(f["1.1"].frames[i], frames[i])
    except FormatError:
        pass


# -- bytes after the last frame ------------------------------------------------------------------
def test_bytes_after_the_last_frame_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "tail.edf", edf_frame(DATA) + b"  \n" + b"not a header")
    with beamio.open(path) as f:
        assert_same(f["1.1"].frames[0], DATA)
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan 1.1, byte offset 536: 15 bytes after frame 0 are not an EDF header"
        ]
    with pytest.raises(FormatError, match="15 bytes after frame 0 are not an EDF header"):
        beamio.open(path, strict=True)


def test_blanks_after_the_last_frame_are_no_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "blanks.edf", edf_frame(DATA) + b" \r\n\0" * 100)
    with beamio.open(path, strict=True) as f:
        assert_same(f["1.1"].frames[0], DATA)


def test_bytes_after_many_blanks_are_reported(tmp_path: Path) -> None:
    path = _write(tmp_path, "tail.edf", edf_frame(DATA) + b" " * 100 + b"not a header")
    with beamio.open(path) as f:
        assert [d.message for d in f.diagnostics] == ["112 bytes after frame 0 are not an EDF header"]


# -- not EDF at all ------------------------------------------------------------------------------
def test_a_file_that_is_not_edf(tmp_path: Path) -> None:
    path = _write(tmp_path, "notes.edf", b"hello world\n" * 10)
    with pytest.raises(NotThisFormat) as caught:
        beamio.open(path, format="edf")
    assert str(caught.value) == f"{path}: no EDF header ('{{ Key = value ; }}') at the start"
    with pytest.raises(NoFormatMatched):
        beamio.open(path)


def test_an_empty_file_is_not_edf(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.edf", b"")
    with pytest.raises(NotThisFormat) as caught:
        beamio.open(path, format="edf")
    assert str(path) in str(caught.value)


def test_an_empty_file_matches_no_format(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.edf", b"")
    assert os.path.getsize(path) == 0
    with pytest.raises(NoFormatMatched):
        beamio.open(path)


def test_a_json_file_is_not_edf(tmp_path: Path) -> None:
    path = _write(tmp_path, "data.edf", b'{"name": "not an image", "values": [1, 2, 3]}\n')
    with pytest.raises(NotThisFormat):
        beamio.open(path, format="edf")


def test_frames_of_one_layout_each_report_their_own_size_mismatch(tmp_path: Path) -> None:
    # Frames whose layout keys agree are interpreted once; what was forgiven is still said per frame.
    frames = _frames(3)
    path = _write(
        tmp_path,
        "three.edf",
        b"".join(_header(("Size", 16), Image=i + 1) + d.tobytes() for i, d in enumerate(frames)),
    )
    with beamio.open(path) as f:
        for i in range(3):
            assert_same(f["1.1"].frames[i], frames[i])
        assert [(d.frame, d.offset) for d in f.diagnostics] == [(0, 0), (1, 536), (2, 1072)]
        assert {d.message for d in f.diagnostics} == {
            "Size = 16 but (3, 4) UnsignedShort takes 24 bytes; read 24"
        }


def test_a_bad_dim_after_good_frames_of_the_same_layout_is_still_found(tmp_path: Path) -> None:
    frames = _frames(2)
    path = _write(
        tmp_path,
        "late.edf",
        _header(Image=1) + frames[0].tobytes() + _header(Image=2, Dim_1="x") + frames[1].tobytes(),
    )
    with beamio.open(path) as f:
        assert len(f["1.1"].frames) == 1
        assert [d.message for d in f.diagnostics] == [
            "Dim_1 = 'x' is not an integer; frame 1 and those after it are left out"
        ]


def test_a_file_cut_after_it_was_opened_names_the_frame_and_the_place(tmp_path: Path) -> None:
    frames = _frames(3)
    path = _write(
        tmp_path, "cut.edf", b"".join(_header(Image=i + 1) + d.tobytes() for i, d in enumerate(frames))
    )
    with beamio.open(path) as f:
        stack = f["1.1"].frames
        assert_same(stack[0], frames[0])
        with open(path, "r+b") as handle:
            handle.truncate(2 * 536 + 512 + 10)  # frame 2 keeps 10 of its 24 bytes
        with pytest.raises(FormatError) as caught:
            stack[2]
    assert (caught.value.file, caught.value.frame, caught.value.offset) == (str(path), 2, 2 * 536 + 512 + 10)
    assert "the file ends 14 bytes before the end of the frame's data" in str(caught.value)
