"""Hostile EDF input (issue 8): any bytes read whole or are refused with a FormatError, in bounded memory.

Property tests feed the reader arbitrary bytes and mutations of real frames (bytes
flipped, the file cut anywhere, header keys deleted or repeated, Size, Dim_1, Dim_2,
DataType, ByteOrder, Compression that lie); hand-made files check each message: a
file cut at every structural boundary, headers whose values lie, bytes that are not
UTF-8, NULs, CR and CRLF line ends, a whole-file compression bomb. The rules for
short data and bad keys are in test_bad_input.py.
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beamio
from beamio.errors import FormatError, NotThisFormat
from beamio.testing import allocating_at_most, read_everything

from .samples import assert_same, edf_frame, header_block, static_keys

DATA = np.arange(12, dtype=np.uint16).reshape(3, 4)
HOSTILE = settings(
    max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(autouse=True, scope="module")
def _reader_loaded(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Open one good file first, so that the allocation checks count reading, not importing."""
    path = tmp_path_factory.mktemp("warm") / "good.edf"
    path.write_bytes(edf_frame(DATA) + edf_frame(DATA, image=2))
    with beamio.open(path) as f:
        read_everything(f)
    path.write_bytes(gzip.compress(path.read_bytes()))
    with beamio.open(path) as f:
        read_everything(f)


def _reads_or_refuses(path: Path, content: bytes, **options: Any) -> None:
    """``content`` as an EDF file reads whole, or is refused with a FormatError; either way in little memory.

    Little: the 1 MiB a header search may read, and a few times the content (whole-file
    gzip and bz2 are inflated; what they inflate to counts instead).
    """
    path.write_bytes(content)
    size = len(content)
    with contextlib.suppress(OSError, EOFError, ValueError, zlib.error):  # a damaged stream: what it holds
        size = max(
            size, len(gzip.decompress(content) if content[:2] == b"\x1f\x8b" else bz2.decompress(content))
        )
    with allocating_at_most((2 << 20) + 8 * size):
        try:
            with beamio.open(path, format="edf", **options) as f:
                read_everything(f)
        except FormatError:
            pass


# -- arbitrary bytes ---------------------------------------------------------------------------
@HOSTILE
@given(st.binary(max_size=2048))
def test_any_bytes_read_or_are_refused(tmp_path: Path, content: bytes) -> None:
    _reads_or_refuses(tmp_path / "any.edf", content)


@HOSTILE
@given(
    st.binary(max_size=1024), st.sampled_from([b"{", b"{\n", b"{\nDim_1 = 4 ;\nDataType = UnsignedByte ;"])
)
def test_any_bytes_after_a_brace_read_or_are_refused(tmp_path: Path, content: bytes, start: bytes) -> None:
    _reads_or_refuses(tmp_path / "brace.edf", start + content)


# -- real frames, mutated -------------------------------------------------------------------------
#: What a lying key may say: sizes of every kind, numbers that are not integers, text, nothing.
_LIES = st.sampled_from(
    ["0", "-1", "1", "3", "4", "24", "25", "1e3", "12.0", "12.5", " 7 ", "0x10", "nan", "", "four", "\0",
     str(2**31 - 1), str(2**31), str(10**12), str(2**63), str(2**64 + 1), "9" * 40,
     "UnsignedByte", "SignedInteger", "DoubleValue", "Complex64", "LowByteFirst", "HighByteFirst",
     "gzip", "zlib", "bzip2", "none", "lzma"]
)  # fmt: skip
_KEYS = ("Dim_1", "Dim_2", "Dim_3", "Size", "EDF_BinarySize", "DataType", "ByteOrder", "Compression")


@st.composite
def edf_files(draw: st.DrawFn) -> bytes:
    """One to three frames whose headers may lie, lack keys or repeat them; blocks maybe compressed."""
    frames = []
    for image in range(1, draw(st.integers(1, 3)) + 1):
        dtype = draw(st.sampled_from(["u1", "i2", "<u4", ">f4", "f8", "i8"]))
        shape = draw(st.sampled_from([(3, 4), (5,), (2, 2, 3)]))
        data = (np.arange(int(np.prod(shape))) * 7 % 100).astype(dtype).reshape(shape)
        order = "HighByteFirst" if data.dtype.byteorder == ">" else "LowByteFirst"
        block = data.tobytes()
        keys: list[tuple[str, Any]] = static_keys(
            data.astype(data.dtype.newbyteorder("=")), image, order=order
        )
        compression = draw(st.sampled_from([None, "gzip", "zlib", "bzip2"]))
        if compression:
            block = {"gzip": gzip.compress, "zlib": zlib.compress, "bzip2": bz2.compress}[compression](block)
            keys += [("Compression", compression), ("EDF_BinarySize", len(block))]
        for _ in range(draw(st.integers(0, 3))):
            key = draw(st.sampled_from(_KEYS))
            action = draw(st.sampled_from(["lie", "delete", "repeat"]))
            if action == "delete":
                keys = [(k, v) for k, v in keys if k != key]
            elif action == "repeat":
                keys.append((key, draw(_LIES)))
            else:
                keys = [(k, v) for k, v in keys if k != key] + [(key, draw(_LIES))]
        newline = draw(st.sampled_from([b"\n", b"\r\n"]))
        frames.append(header_block(keys, newline=newline, pad=draw(st.sampled_from([512, None]))) + block)
    return b"".join(frames)


@st.composite
def damaged(draw: st.DrawFn, files: st.SearchStrategy[bytes]) -> bytes:
    """A file cut somewhere, some bytes flipped, maybe compressed whole."""
    content = bytearray(draw(files))
    if draw(st.booleans()):
        del content[draw(st.integers(0, len(content))) :]
    for _ in range(draw(st.integers(0, 4)) if content else 0):
        content[draw(st.integers(0, len(content) - 1))] ^= draw(st.integers(1, 255))
    whole = draw(st.sampled_from([None, "gzip", "bz2"]))
    if whole == "gzip":
        return gzip.compress(bytes(content))
    return bz2.compress(bytes(content)) if whole == "bz2" else bytes(content)


@HOSTILE
@given(edf_files())
def test_frames_whose_headers_lie_read_or_are_refused(tmp_path: Path, content: bytes) -> None:
    _reads_or_refuses(tmp_path / "lies.edf", content)
    _reads_or_refuses(tmp_path / "lies.edf", content, strict=True)


@HOSTILE
@given(damaged(edf_files()))
def test_damaged_files_read_or_are_refused(tmp_path: Path, content: bytes) -> None:
    _reads_or_refuses(tmp_path / "damaged.edf", content)


# -- cut at every structural boundary --------------------------------------------------------------
TWO = edf_frame(DATA) + edf_frame(DATA + 1, image=2)  # headers 0-512 and 536-1048, data after each
NEVER_CLOSED = "the header's '{' is never closed by '}'"
SECOND = "scan 1.1, frame 1"
NEEDS = "needs 24 bytes of data, the file has {} after its header; the frame is left out"
CUTS = {  # where the file ends: (frames read, what a lenient read says, at which byte offset)
    "after the first brace": (1, None, f"frame 0, byte offset 0: {NEVER_CLOSED}"),
    "inside the first header": (200, None, f"frame 0, byte offset 0: {NEVER_CLOSED}"),
    "inside the padding": (509, None, f"frame 0, byte offset 0: {NEVER_CLOSED}"),
    "at the closing brace": (511, 0, f"frame 0, byte offset 511: frame 0 {NEEDS.format(0)}"),
    "after the closing line": (512, 0, f"frame 0, byte offset 512: frame 0 {NEEDS.format(0)}"),
    "inside the data": (520, 0, f"frame 0, byte offset 512: frame 0 {NEEDS.format(8)}"),
    "between the frames": (536, 1, None),
    "inside the second header": (600, 1, f"{SECOND}, byte offset 536: {NEVER_CLOSED}; frame 1 is left out"),
    "at the second closing brace": (1047, 1, f"{SECOND}, byte offset 1047: frame 1 {NEEDS.format(0)}"),
    "inside the second data": (1060, 1, f"{SECOND}, byte offset 1048: frame 1 {NEEDS.format(12)}"),
}  # fmt: skip


@pytest.mark.parametrize(("cut", "frames", "said"), list(CUTS.values()), ids=list(CUTS))
def test_a_file_cut_at_each_boundary(tmp_path: Path, cut: int, frames: int | None, said: str | None) -> None:
    path = tmp_path / "cut.edf"
    path.write_bytes(TWO[:cut])
    if frames is None:  # the first header is incomplete: nothing to read
        for strict in (False, True):
            with pytest.raises(FormatError) as caught:
                beamio.open(path, format="edf", strict=strict)
            assert str(caught.value) == f"{path}, {said}"
        return
    with beamio.open(path) as f:
        stack = f["1.1"].frames
        assert (0 if stack is None else len(stack)) == frames
        for i in range(frames):
            assert_same(stack[i], DATA + i)
        assert [str(d) for d in f.diagnostics] == ([f"{path}, {said}"] if said else [])
    if said is None:
        return
    with pytest.raises(FormatError) as caught:
        beamio.open(path, strict=True)
    assert str(caught.value) == f"{path}, {said.removeprefix('scan 1.1, ')}"


def test_an_empty_file_is_said_to_be_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.edf"
    path.write_bytes(b"")
    with pytest.raises(NotThisFormat) as caught:
        beamio.open(path, format="edf")
    assert str(caught.value) == f"{path}: the file is empty"


# -- header values that lie -------------------------------------------------------------------------
def _header(**keys: object) -> bytes:
    """The 512-byte header of DATA, ``keys`` replacing (None: dropping) its own."""
    pairs = dict(static_keys(DATA))
    pairs.update(keys)
    return header_block([(k, v) for k, v in pairs.items() if v is not None])


def test_a_size_past_the_end_of_the_file_hides_no_frame(tmp_path: Path) -> None:
    path = tmp_path / "size.edf"
    path.write_bytes(_header(Size=10**12) + DATA.tobytes() + _header(Image=2) + (DATA + 1).tobytes())
    with allocating_at_most(2 << 20), beamio.open(path) as f:
        assert len(f["1.1"].frames) == 2
        assert_same(f["1.1"].frames[1], DATA + 1)
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan 1.1, frame 0, byte offset 0: Size = 1000000000000 but (3, 4) UnsignedShort takes"
            " 24 bytes; read 24"
        ]


def test_a_compressed_block_that_promises_a_terabyte(tmp_path: Path) -> None:
    path = tmp_path / "terabyte.edf"
    block = gzip.compress(DATA.tobytes())
    path.write_bytes(_header(Compression="gzip", Size=10**12) + block)
    with allocating_at_most(2 << 20), beamio.open(path) as f:
        assert f["1.1"].frames is None
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, frame 0, byte offset 512: frame 0 needs 1000000000000 bytes of data, the file has"
            f" {len(block)} after its header; the frame is left out"
        ]


def test_the_largest_dims_allocate_nothing(tmp_path: Path) -> None:
    path = tmp_path / "largest.edf"
    path.write_bytes(_header(Dim_1=2**31 - 1, Dim_2=2**31 - 1) + DATA.tobytes())
    needed = (2**31 - 1) ** 2 * 2
    with allocating_at_most(2 << 20), beamio.open(path) as f:
        assert f["1.1"].frames is None
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, frame 0, byte offset 0: Size = 24 but (2147483647, 2147483647) UnsignedShort takes"
            f" {needed} bytes; read {needed}",
            f"{path}, frame 0, byte offset 512: frame 0 needs {needed} bytes of data, the file has 24 after"
            " its header; the frame is left out",
        ]


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        ({"DataType": b"Unsigned\0Short"}, "unknown DataType 'Unsigned\\x00Short'"),
        ({"Dim_1": b"4\xff"}, "Dim_1 = '4\\udcff' is not an integer"),
        ({"Dim_2": "3.5"}, "Dim_2 = '3.5' is not an integer"),
        ({"Size": -5}, "Size = -5 is negative"),
        ({"ByteOrder": b"Low\xe9ByteFirst"}, "unknown ByteOrder 'Low\\udce9ByteFirst'"),
    ],
    ids=["DataType-NUL", "Dim_1-not-UTF-8", "Dim_2-fraction", "Size-negative", "ByteOrder-not-UTF-8"],
)
def test_values_that_lie_are_named_with_the_key(
    tmp_path: Path, keys: dict[str, object], message: str
) -> None:
    path = tmp_path / "lies.edf"
    path.write_bytes(_header(**keys) + DATA.tobytes())
    with pytest.raises(FormatError) as caught:
        beamio.open(path)
    assert str(caught.value) == f"{path}, frame 0, byte offset 0: {message}"


# -- bytes that are not UTF-8, NULs, line ends -------------------------------------------------------
def test_header_values_that_are_not_utf8_are_kept_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "latin1.edf"
    path.write_bytes(edf_frame(DATA, [("title", b"caf\xe9 \xff"), (b"\xb0C".decode("latin-1"), "1")]))
    with beamio.open(path, strict=True) as f:
        assert f["1.1"].title == "caf\udce9 \udcff"
        assert f["1.1"].header["title"] == "caf\udce9 \udcff"
        assert_same(f["1.1"].frames[0], DATA)


def test_nuls_in_values_between_frames_and_as_padding(tmp_path: Path) -> None:
    header = header_block([*static_keys(DATA), ("note", b"a\0b")], pad=None)
    nul_padded = header[:-2] + b"\0" * 300 + b"}\n"  # the header padded with NULs, not blanks
    path = tmp_path / "nul.edf"
    path.write_bytes(nul_padded + DATA.tobytes() + b"\0" * 40 + edf_frame(DATA + 1, image=2))
    with beamio.open(path, strict=True) as f:
        assert f["1.1"].header["note"] == "a\0b"
        assert "" not in f["1.1"].header  # the NULs are padding, no entry
        assert len(f["1.1"].frames) == 2
        assert_same(f["1.1"].frames[1], DATA + 1)


@pytest.mark.parametrize("newline", [b"\r", b"\r\n", b"mixed"], ids=["CR", "CRLF", "LF-and-CRLF"])
def test_headers_of_any_line_end_read_alike(tmp_path: Path, newline: bytes) -> None:
    pairs = [*static_keys(DATA), ("title", "line ends")]
    if newline == b"mixed":
        lines = [f"{k} = {v} ;".encode() + (b"\r\n" if i % 2 else b"\n") for i, (k, v) in enumerate(pairs)]
        header = b"{\r\n" + b"".join(lines) + b"}\r\n"
    else:
        header = header_block(pairs, newline=newline)
    path = tmp_path / "ends.edf"
    path.write_bytes(header + DATA.tobytes() + header.replace(b"= 1 ", b"= 2 ") + (DATA + 1).tobytes())
    with beamio.open(path, strict=True) as f:
        assert f["1.1"].title == "line ends"
        assert f["1.1"].header["Dim_1"] == "4"
        assert len(f["1.1"].frames) == 2
        assert_same(f["1.1"].frames[1], DATA + 1)


# -- whole-file compression ------------------------------------------------------------------------------
def test_a_compressed_file_that_inflates_past_the_bound_is_refused(tmp_path: Path) -> None:
    packer = bz2.BZ2Compressor(9)
    header = _header(DataType="UnsignedByte", Dim_1=1 << 24, Dim_2=17, Size=17 << 24)
    chunks = [packer.compress(header), *(packer.compress(bytes(1 << 24)) for _ in range(17))]
    path = tmp_path / "bomb.edf.bz2"
    path.write_bytes(b"".join(chunks) + packer.flush())
    size = path.stat().st_size
    assert size < 4096  # 272 MiB of zeros
    with allocating_at_most(300 << 20), pytest.raises(FormatError) as caught:
        beamio.open(path)
    assert str(caught.value) == (
        f"{path}: the bz2 content inflates beyond {256 << 20} bytes, more than {(256 << 20) // size} times"
        f" its {size} bytes: a decompression bomb? Decompress it first to read it"
    )


def test_a_compressed_block_that_inflates_past_the_bound_stops_there(tmp_path: Path) -> None:
    packer = bz2.BZ2Compressor(9)
    block = b"".join(packer.compress(bytes(1 << 24)) for _ in range(17)) + packer.flush()  # 272 MiB
    header = _header(
        DataType="UnsignedByte", Dim_1=100000, Dim_2=100000, Compression="bzip2", Size=len(block)
    )
    path = tmp_path / "bomb.edf"
    path.write_bytes(header + block)
    with allocating_at_most(300 << 20), beamio.open(path) as f:
        assert f["1.1"].frames.shape == (1, 100000, 100000)  # 10 GB, said by 2 kB
        with pytest.raises(FormatError) as caught:
            f["1.1"].frames[0]
    assert str(caught.value) == (
        f"{path}, frame 0, byte offset 512: the data block decompresses to more than {256 << 20} bytes, what"
        f" {len(block)} compressed bytes may hold (a bomb?), (100000, 100000) uint8 needs 10000000000"
    )


def test_a_compressed_file_within_the_bound_reads(tmp_path: Path) -> None:
    path = tmp_path / "zeros.edf.gz"
    zeros = np.zeros((1024, 1024), np.float32)
    path.write_bytes(gzip.compress(edf_frame(zeros)))  # 4 MiB in 4 kB: 1000 times, and read
    with beamio.open(path) as f:
        assert_same(f["1.1"].frames[0], zeros)


def test_a_brace_never_closed_where_size_promised_padding(tmp_path: Path) -> None:
    # The fuzzer's first find (fuzz/regressions/edf/unclosed-brace-where-size-promised-padding):
    # the search for the padding's end met an unclosed '{' and raised a ValueError.
    path = tmp_path / "padding.edf"
    path.write_bytes(_header(Size=40) + DATA.tobytes() + b"\0" * 8 + b"{{ not closed")
    with beamio.open(path) as f:
        assert_same(f["1.1"].frames[0], DATA)
        assert [d.message for d in f.diagnostics] == [
            "Size = 40 but (3, 4) UnsignedShort takes 24 bytes; read 24",
            f"{NEVER_CLOSED}; frame 1 is left out",
        ]
