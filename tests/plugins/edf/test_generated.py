"""Generated EDF files: every dtype × byte order × 1-D/2-D/3-D × compression × frame count, both ways.

(a) fabio and PyMca's EdfFile write, beamio reads; (b) beamio writes, fabio and EdfFile read.
Neither fabio nor EdfFile writes compressed data blocks, so those files are written by beamio
and read by fabio (EdfFile reads no compressed blocks). fabio writes in the machine's byte
order only, so big-endian files come from EdfFile and from beamio. WRITER_DIFFERENCES says
where the other libraries differ from beamio, and why a case is left out; then the header
details of the EDF documents: keys in order, BCU motor/counter keys, keys with spaces, "=" in
values, duplicate keys, non-ASCII bytes, unpadded headers, CRLF, blanks between frames, appending.
"""

from __future__ import annotations

import bz2
import gzip
import sys
import warnings
from itertools import product
from pathlib import Path

import numpy as np
import pytest

import beamio

from .samples import (
    DTYPES,
    MANDATORY,
    ORDERS,
    SHAPES,
    assert_same,
    data_bytes,
    dataset,
    edf_frame,
    entries,
    fabio_write,
    frame_data,
    header_block,
    pymca_header,
    pymca_write,
    static_keys,
    user_entries,
)

fabio = pytest.importorskip("fabio", reason="fabio is a test dependency (requirements-test.txt)")
EdfFile = pytest.importorskip("PyMca5.PyMcaIO.EdfFile", reason="PyMca5 is a test dependency").EdfFile

NATIVE = "little" if sys.byteorder == "little" else "big"
COUNTS = {"1frame": 1, "3frames": 3}
COMPRESSIONS = (None, "gzip", "zlib", "bzip2")

WRITER_DIFFERENCES = {
    "fabio byte order": "fabio writes in the machine's byte order only (its ByteOrder key is set from "
    "numpy.little_endian): big-endian files are written with EdfFile and with beamio.",
    "fabio compression": "neither fabio nor EdfFile writes compressed data blocks: beamio writes them "
    "and fabio reads them (EdfFile ignores the Compression key, so it is not asked).",
    "fabio 1-D": "EdfImage(data) stores a 1-D array as a (1, n) image; EdfFrame keeps it 1-D, so the "
    "tests write through EdfImage(frames=[EdfFrame…]).",
    "fabio numbering": "fabio numbers frames from 0 (Image = 0, HeaderID EH:000000:…) unless fit2dMode.",
    "fabio duplicates": "fabio's header is a dict: of duplicate keys it keeps the last value, at the "
    "first one's place; beamio keeps every occurrence (header.get_all).",
    "fabio non-ASCII": "fabio drops a key or value holding non-ASCII bytes (reading) and strips "
    "non-ASCII characters (writing); beamio keeps the bytes exactly.",
    "EdfFile 64-bit integers": "EdfFile writes int64/uint64 as SignedLong/UnsignedLong with Size = 4 "
    "bytes a value (its type table tests dtype == 'l' before int64) and reads its own file back as "
    "int32: those cases are left out of the EdfFile matrix; a test shows what beamio makes of such a file.",
}


def _frames(dtype: str, dim: str, count: int) -> list[tuple[np.ndarray, dict[str, str]]]:
    return [
        (frame_data(dtype, SHAPES[dim], i), {"title": f"frame {i}", "exposure time": f"0.{i + 1}"})
        for i in range(count)
    ]


def _check_beamio_reads(path: Path, frames: list[tuple[np.ndarray, dict[str, str]]]) -> None:
    with beamio.open(path, strict=True) as f:
        assert list(f) == ["1.1"] and not list(f.diagnostics)
        stack = f["1.1"].frames
        assert stack.shape == (len(frames), *frames[0][0].shape)
        for i, (data, user) in enumerate(frames):
            assert_same(stack[i], data)
            assert user_entries(stack.frame(i).header) == list(user.items())
        assert_same(np.asarray(stack), np.stack([data for data, _ in frames]))


# -- (a) fabio and EdfFile write, beamio reads ----------------------------------------------------
FABIO_CASES = [
    pytest.param(dtype, dim, count, id=f"{dtype}-{NATIVE}-{dim}-{label}")
    for dtype, dim, (label, count) in product(DTYPES, SHAPES, COUNTS.items())
]


@pytest.mark.parametrize(("dtype", "dim", "count"), FABIO_CASES)
def test_fabio_writes_beamio_reads(tmp_path: Path, dtype: str, dim: str, count: int) -> None:
    frames = _frames(dtype, dim, count)
    path = tmp_path / "by_fabio.edf"
    fabio_write(path, frames)
    _check_beamio_reads(path, frames)
    image = fabio.open(str(path))
    with beamio.open(path) as f:
        for i in range(count):
            assert entries(f[0].frames.frame(i).header) == list(image.get_frame(i).header.items())


def test_fabio_documented_multi_frame_api(tmp_path: Path) -> None:
    """EdfImage(data, header), then append_frame(data=, header=) for each further frame, then write()."""
    from fabio.edfimage import EdfImage

    frames = _frames("uint16", "2d", 3)
    image = EdfImage(frames[0][0], frames[0][1])
    for data, header in frames[1:]:
        image.append_frame(data=data, header=header)
    image.write(str(tmp_path / "appended.edf"))
    _check_beamio_reads(tmp_path / "appended.edf", frames)


PYMCA_CASES = [
    pytest.param(dtype, order, dim, count, id=f"{dtype}-{order}-{dim}-{label}")
    for dtype, order, dim, (label, count) in product(DTYPES, ORDERS, SHAPES, COUNTS.items())
    if dtype not in ("int64", "uint64")  # WRITER_DIFFERENCES["EdfFile 64-bit integers"]
]


@pytest.mark.parametrize(("dtype", "order", "dim", "count"), PYMCA_CASES)
def test_pymca_writes_beamio_reads(tmp_path: Path, dtype: str, order: str, dim: str, count: int) -> None:
    frames = _frames(dtype, dim, count)
    path = tmp_path / "by_pymca.edf"
    pymca_write(path, frames, ORDERS[order])
    _check_beamio_reads(path, frames)
    with beamio.open(path) as f:
        for i in range(count):
            header = f[0].frames.frame(i).header
            assert header["ByteOrder"] == ORDERS[order]
            assert dict(entries(header)) == pymca_header(path, i)


def test_pymca_64_bit_integers_read_as_the_header_says(tmp_path: Path) -> None:
    data = np.arange(-2, 10, dtype=np.int64).reshape(3, 4)
    path = tmp_path / "pymca_int64.edf"
    pymca_write(path, [(data, {"title": "int64"})], "LowByteFirst")
    header_size = 1024
    with beamio.open(path) as f:
        header = f[0].frames.frame(0).header
        assert (header["DataType"], header["Size"]) == ("SignedLong", "48")  # 4 bytes a value
        assert_same(f[0].frames[0], np.frombuffer(data.tobytes()[:48], "<i4").reshape(3, 4))
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan 1.1, byte offset {header_size + 48}: 48 bytes after frame 0 are not an EDF header"
        ]


# -- (b) beamio writes, fabio and EdfFile read ----------------------------------------------------
BEAMIO_CASES = [
    pytest.param(
        dtype, order, dim, compression, count, id=f"{dtype}-{order}-{dim}-{compression or 'none'}-{label}"
    )
    for dtype, order, dim, compression, (label, count) in product(
        DTYPES, ORDERS, SHAPES, COMPRESSIONS, COUNTS.items()
    )
]


@pytest.mark.parametrize(("dtype", "order", "dim", "compression", "count"), BEAMIO_CASES)
def test_beamio_writes_fabio_and_pymca_read(
    tmp_path: Path, dtype: str, order: str, dim: str, compression: str | None, count: int
) -> None:
    frames = _frames(dtype, dim, count)
    path = tmp_path / "by_beamio.edf"
    options = {"compression": compression} if compression else {}
    beamio.write(dataset(frames), path, byte_order=ORDERS[order], **options)
    _check_beamio_reads(path, frames)

    image = fabio.open(str(path))
    assert image.nframes == count
    for i, (data, _) in enumerate(frames):
        frame = image.get_frame(i)
        assert_same(frame.data, data)
        assert frame.header["ByteOrder"] == ORDERS[order]
        assert frame.header.get("Compression") == compression
    if compression is None:
        edf = EdfFile(str(path), "rb")
        assert edf.GetNumImages() == count
        for i, (data, _) in enumerate(frames):
            assert_same(edf.GetData(i), data)
    with beamio.open(path) as f:
        for i in range(count):
            header = dict(entries(f[0].frames.frame(i).header))
            assert dict(image.get_frame(i).header) == header
            if compression is None:
                assert pymca_header(path, i) == header


@pytest.mark.parametrize("suffix", [".gz", ".bz2"])
@pytest.mark.parametrize("order", ORDERS)
def test_whole_file_compression(tmp_path: Path, suffix: str, order: str) -> None:
    frames = _frames("uint16", "2d", 3)
    plain = tmp_path / "stack.edf"
    pymca_write(plain, frames, ORDERS[order])
    packed = tmp_path / f"stack.edf{suffix}"
    packed.write_bytes((gzip.compress if suffix == ".gz" else bz2.compress)(plain.read_bytes()))
    _check_beamio_reads(packed, frames)
    image = fabio.open(str(packed))
    with beamio.open(packed) as f:
        for i in range(3):
            assert_same(f[0].frames[i], image.get_frame(i).data)


@pytest.mark.parametrize("compression", ["gzip", "zlib", "bzip2"])
def test_rewriting_compressed_blocks_keeps_them_compressed(tmp_path: Path, compression: str) -> None:
    frames = _frames("float32", "2d", 2)
    beamio.write(dataset(frames), tmp_path / "blocks.edf", compression=compression)
    beamio.convert(tmp_path / "blocks.edf", tmp_path / "copy.edf")
    with beamio.open(tmp_path / "blocks.edf") as f, beamio.open(tmp_path / "copy.edf") as g:
        for i in range(2):
            assert entries(g[0].frames.frame(i).header) == entries(f[0].frames.frame(i).header)
            assert_same(g[0].frames[i], frames[i][0])


# -- headers --------------------------------------------------------------------------------------
USER = {"title": "ascan th 0 1 2 0.1", "zeta": "1", "alpha": "2", "my key": "spaces inside", "mid": "3"}


def test_user_keys_keep_their_order_both_ways(tmp_path: Path) -> None:
    data = frame_data("float32", (3, 4))
    fabio_write(tmp_path / "fabio.edf", [(data, USER)])
    pymca_write(tmp_path / "pymca.edf", [(data, USER)], "LowByteFirst")
    for name in ("fabio.edf", "pymca.edf"):
        with beamio.open(tmp_path / name) as f:
            assert user_entries(f[0].frames.frame(0).header) == list(USER.items())
    beamio.write(dataset([(data, USER)]), tmp_path / "beamio.edf")
    fabio_keys = list(fabio.open(str(tmp_path / "beamio.edf")).header)
    assert [k for k in fabio_keys if k not in MANDATORY] == list(USER)
    assert list(EdfFile(str(tmp_path / "beamio.edf"), "rb").GetHeader(0)) == list(USER)


def test_motor_and_counter_keys_become_positioners_and_columns(tmp_path: Path) -> None:
    frames = [
        (
            frame_data("uint16", (3, 4), i),
            {
                "motor_mne": "th tth",
                "motor_pos": f"{i}.5 {2 * i}",
                "counter_mne": "mon det",
                "counter_pos": f"1000 {7 * i}",
            },
        )
        for i in range(3)
    ]
    fabio_write(tmp_path / "bcu.edf", frames)
    with beamio.open(tmp_path / "bcu.edf") as f:
        ds = f["1.1"]
        assert list(ds.positioners) == ["th", "tth"] and list(ds.columns) == ["mon", "det"]
        np.testing.assert_array_equal(ds.positioners["th"], [0.5, 1.5, 2.5])
        np.testing.assert_array_equal(ds.positioners["tth"], [0.0, 2.0, 4.0])
        np.testing.assert_array_equal(ds.columns["mon"], [1000.0] * 3)
        np.testing.assert_array_equal(ds.columns["det"], [0.0, 7.0, 14.0])
    fabio_write(tmp_path / "one.edf", frames[1:2])
    with beamio.open(tmp_path / "one.edf") as f:
        assert f["1.1"].positioners == {"th": 1.5, "tth": 2.0}  # one frame: scalars
        np.testing.assert_array_equal(f["1.1"].columns["det"], [7.0])


def test_positioners_and_columns_become_motor_and_counter_keys(tmp_path: Path) -> None:
    frames = [(frame_data("int32", (3, 4), i), {"title": f"frame {i}"}) for i in range(3)]
    positioners = {"th": np.array([0.1, 0.2, 0.3]), "chi": 90.0}
    columns = {"mon": np.array([1000.0, 1001.0, 999.0]), "I0": np.array([1.5, 2.5, 1e-9])}
    path = tmp_path / "bcu.edf"
    beamio.write(dataset(frames, positioners=positioners, columns=columns), path)
    image = fabio.open(str(path))
    for i in range(3):
        header = image.get_frame(i).header
        assert header["motor_mne"].split() == ["th", "chi"]
        assert [float(v) for v in header["motor_pos"].split()] == [positioners["th"][i], 90.0]
        assert header["counter_mne"].split() == ["mon", "I0"]
        assert [float(v) for v in header["counter_pos"].split()] == [columns["mon"][i], columns["I0"][i]]
        assert pymca_header(path, i)["motor_pos"] == header["motor_pos"]
    with beamio.open(path) as f:
        ds = f["1.1"]
        np.testing.assert_array_equal(ds.positioners["th"], positioners["th"])
        np.testing.assert_array_equal(ds.positioners["chi"], [90.0] * 3)
        assert list(ds.columns) == ["mon", "I0"]
        for name, values in columns.items():
            np.testing.assert_array_equal(ds.columns[name], values)


def _hand_made(path: Path, user: list[tuple[str, bytes | str]]) -> np.ndarray:
    data = frame_data("uint16", (3, 4))
    path.write_bytes(edf_frame(data, user))
    return data


def test_keys_with_spaces_and_values_with_equals_signs(tmp_path: Path) -> None:
    user = [("DATE (scan begin)", "Mon Jan 31 03:38:04 2005"), ("History-1", "a=b, c = d"), (" lome", "0")]
    path = tmp_path / "keys.edf"
    _hand_made(path, user)
    with beamio.open(path) as f:
        header = f[0].frames.frame(0).header
        assert user_entries(header) == [
            ("DATE (scan begin)", "Mon Jan 31 03:38:04 2005"),
            ("History-1", "a=b, c = d"),
            ("lome", "0"),
        ]
        assert user_entries(header) == [
            (k, v) for k, v in fabio.open(str(path)).header.items() if k not in MANDATORY
        ]
        beamio.write(f, tmp_path / "copy.edf")
    with beamio.open(tmp_path / "copy.edf") as g:
        assert user_entries(g[0].frames.frame(0).header) == user_entries(header)


def test_a_value_over_several_lines(tmp_path: Path) -> None:
    path = tmp_path / "lines.edf"
    _hand_made(path, [("comment", "first line\nsecond line")])
    with beamio.open(path) as f:
        assert f[0].frames.frame(0).header["comment"] == "first line\nsecond line"
    assert fabio.open(str(path)).header["comment"] == "first line\nsecond line"


def test_duplicate_keys_are_all_kept(tmp_path: Path) -> None:
    path = tmp_path / "dup.edf"
    data = _hand_made(path, [("note", "first"), ("other", "x"), ("note", "second")])
    with beamio.open(path) as f:
        header = f[0].frames.frame(0).header
        assert header.get_all("note") == ["first", "second"]
        assert header["note"] == "first"
        assert user_entries(header) == [("note", "first"), ("other", "x"), ("note", "second")]
        beamio.write(f, tmp_path / "copy.edf")
    with beamio.open(tmp_path / "copy.edf") as g:
        assert g[0].frames.frame(0).header.get_all("note") == ["first", "second"]
        assert_same(g[0].frames[0], data)
    # WRITER_DIFFERENCES["fabio duplicates"]
    assert fabio.open(str(path)).header["note"] == "second"
    built = beamio.Header([("note", "1"), ("note", "2")])
    beamio.write(
        beamio.Dataset("1.1", frames=beamio.FrameStack.from_array(data[None], headers=[built])),
        tmp_path / "built.edf",
    )
    with beamio.open(tmp_path / "built.edf") as g:
        assert g[0].frames.frame(0).header.get_all("note") == ["1", "2"]


def test_non_ascii_bytes_in_a_value_are_kept_exactly(tmp_path: Path) -> None:
    raw = b"caf\xe9 (latin-1), \xc3\xa9t\xc3\xa9 (UTF-8), \xff\xfe"
    path = tmp_path / "bytes.edf"
    _hand_made(path, [("sample", raw), ("after", "ok")])
    with beamio.open(path) as f:
        header = f[0].frames.frame(0).header
        assert header.get_str("sample").encode("utf-8", "surrogateescape") == raw
        assert header["after"] == "ok"
        beamio.write(f, tmp_path / "copy.edf")
    assert b"sample = " + raw + b" ;" in (tmp_path / "copy.edf").read_bytes()
    with beamio.open(tmp_path / "copy.edf") as g:
        assert g[0].frames.frame(0).header.get_str("sample").encode("utf-8", "surrogateescape") == raw
    # WRITER_DIFFERENCES["fabio non-ASCII"]
    assert "sample" not in fabio.open(str(path)).header


@pytest.mark.parametrize(
    ("newline", "pad"),
    [(b"\n", None), (b"\r\n", 512), (b"\r\n", None), (b"\n", 1024)],
    ids=["LF-unpadded", "CRLF-padded", "CRLF-unpadded", "LF-1024"],
)
def test_header_layouts(tmp_path: Path, newline: bytes, pad: int | None) -> None:
    frames = [frame_data("int16", (3, 4), i) for i in range(2)]
    path = tmp_path / "layout.edf"
    path.write_bytes(
        b"".join(
            edf_frame(d, [("title", f"f{i}")], i + 1, newline=newline, pad=pad) for i, d in enumerate(frames)
        )
    )
    with beamio.open(path, strict=True) as f:
        stack = f[0].frames
        assert len(stack) == 2
        for i, data in enumerate(frames):
            assert_same(stack[i], data)
            assert user_entries(stack.frame(i).header) == [("title", f"f{i}")]
    image = fabio.open(str(path))
    assert [image.get_frame(i).header["title"] for i in range(image.nframes)] == ["f0", "f1"]


def test_blanks_between_frames(tmp_path: Path) -> None:
    frames = [frame_data("float64", (2, 3), i) for i in range(3)]
    path = tmp_path / "blanks.edf"
    path.write_bytes(
        edf_frame(frames[0], image=1)
        + b"\n\n"
        + edf_frame(frames[1], image=2)
        + b"  \r\n\0\0"
        + edf_frame(frames[2], image=3)
        + b"\n"
    )
    with beamio.open(path, strict=True) as f:
        assert len(f[0].frames) == 3
        for i, data in enumerate(frames):
            assert_same(f[0].frames[i], data)


def test_header_block_helper_pads_to_the_block_size() -> None:
    assert len(header_block([("a", 1)])) == 512
    assert len(header_block([("a", "x" * 600)])) == 1024
    assert len(header_block([("a", 1)], pad=None)) == len(b"{\na = 1 ;\n}\n")


def _written_with(tmp_path: Path, data: np.ndarray, header: beamio.Header) -> Path:
    path = tmp_path / "out.edf"
    stack = beamio.FrameStack.from_frames([beamio.Frame(0, data, header)])
    beamio.write(beamio.Dataset("1.1", frames=stack), path)
    return path


def test_compression_follows_the_source_unless_told(tmp_path: Path) -> None:
    source = [*static_keys(frame_data("uint16", (3, 4))), ("Compression", "gzip"), ("title", "t")]
    data = frame_data("uint16", (3, 4))
    path = _written_with(tmp_path, data, beamio.Header([(k, str(v)) for k, v in source]))
    with beamio.open(path, strict=True) as f:
        assert_same(f[0].frames[0], data)
        assert f[0].frames.frame(0).header["Compression"] == "gzip"
        beamio.write(f, tmp_path / "plain.edf", compression="none")
    with beamio.open(tmp_path / "plain.edf", strict=True) as f:
        assert_same(f[0].frames[0], data)
        assert "Compression" not in f[0].frames.frame(0).header


@pytest.mark.parametrize("shape", [(3, 4), (4,)], ids=["2d", "1d"])
def test_dims_the_data_no_longer_has_are_dropped(tmp_path: Path, shape: tuple[int, ...]) -> None:
    source = beamio.Header([(k, str(v)) for k, v in static_keys(frame_data("uint16", (2, 3, 4)))])
    data = frame_data("uint16", shape)
    path = _written_with(tmp_path, data, source)
    with beamio.open(path, strict=True) as f:
        assert_same(f[0].frames[0], data)
    assert fabio.open(str(path)).data.shape == shape


@pytest.mark.parametrize("value", ["a;b", "{\n  x: 1\n}\n"], ids=["semicolon", "closing-brace"])
def test_values_the_header_syntax_cannot_hold_are_not_written_silently(tmp_path: Path, value: str) -> None:
    data = frame_data("uint16", (3, 4))
    header = beamio.Header([*((k, str(v)) for k, v in static_keys(data)), ("note", value), ("after", "z")])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        path = _written_with(tmp_path, data, header)
    warned = any(issubclass(w.category, beamio.LossyConversionWarning) for w in caught)
    with beamio.open(path) as f:
        kept = user_entries(f[0].frames.frame(0).header) == [("note", value), ("after", "z")]
        assert warned or kept
        assert_same(f[0].frames[0], data)


# -- appending ------------------------------------------------------------------------------------
def _append_two(path: Path, start: int) -> list[np.ndarray]:
    new = [frame_data("uint16", (3, 4), start + i) for i in range(2)]
    beamio.write(dataset([(d, {"title": f"appended {i}"}) for i, d in enumerate(new)]), path, append=True)
    return new


@pytest.mark.parametrize("writer", ["beamio", "fabio", "pymca"])
def test_appending_numbers_frames_on(tmp_path: Path, writer: str) -> None:
    old = [(frame_data("uint16", (3, 4), i), {"title": f"old {i}"}) for i in range(2)]
    path = tmp_path / f"{writer}.edf"
    if writer == "beamio":
        beamio.write(dataset(old), path)
    elif writer == "fabio":
        fabio_write(path, old)
    else:
        pymca_write(path, old, "LowByteFirst")
    before = path.read_bytes()
    new = _append_two(path, 2)
    assert path.read_bytes().startswith(before)
    with beamio.open(path, strict=True) as f:
        stack = f["1.1"].frames
        assert len(stack) == 4
        for i, data in enumerate([d for d, _ in old] + new):
            assert_same(stack[i], data)
        appended = [stack.frame(i).header for i in (2, 3)]
        assert [(h["Image"], h["HeaderID"]) for h in appended] == [
            ("3", "EH:000003:000000:000000"),
            ("4", "EH:000004:000000:000000"),
        ]
        assert [h["title"] for h in appended] == ["appended 0", "appended 1"]
    image = fabio.open(str(path))
    assert image.nframes == 4
    assert_same(image.get_frame(3).data, new[1])
    edf = EdfFile(str(path), "rb")
    assert edf.GetNumImages() == 4
    assert_same(edf.GetData(2), new[0])


def test_appending_to_a_missing_file_creates_it(tmp_path: Path) -> None:
    path = tmp_path / "new.edf"
    new = _append_two(path, 0)
    with beamio.open(path) as f:
        assert [h["Image"] for h in f[0].frames.headers] == ["1", "2"]
        assert_same(f[0].frames[1], new[1])


def test_a_written_header_is_padded_to_512_bytes(tmp_path: Path) -> None:
    data = frame_data("uint8", (3, 4))
    long_value = "v" * 700
    beamio.write(dataset([(data, {"long": long_value})]), tmp_path / "long.edf")
    text = (tmp_path / "long.edf").read_bytes()
    end = text.index(b"}\n") + 2
    assert end == 1024 and text[end:] == data_bytes(data)
    assert [k for k, _ in static_keys(data)] == [k for k in fabio.open(str(tmp_path / "long.edf")).header][:7]


def test_counter_names_are_known_before_any_value_is_read(tmp_path: Path) -> None:
    frames = [
        (frame_data("uint16", (3, 4), 0), {"counter_mne": "mon det", "counter_pos": "1000 7"}),
        (
            frame_data("uint16", (3, 4), 1),
            {"counter_mne": "mon det I0", "counter_pos": "1001 8"},
        ),  # I0: no value
        (frame_data("uint16", (3, 4), 2), {"counter_mne": "mon I0", "counter_pos": "1002 x"}),
    ]
    fabio_write(tmp_path / "counters.edf", frames)
    with beamio.open(tmp_path / "counters.edf") as f:
        ds = f["1.1"]
        assert list(ds.columns) == ["mon", "det", "I0"]
        assert not ds.columns.loaded and not f.diagnostics  # names only: no value parsed yet
        np.testing.assert_array_equal(ds.columns["mon"], [1000.0, 1001.0, 1002.0])
        np.testing.assert_array_equal(ds.columns["det"], [7.0, 8.0, np.nan])
        np.testing.assert_array_equal(ds.columns["I0"], [np.nan, np.nan, np.nan])
        assert list(ds.columns) == ["mon", "det", "I0"]
        assert [(d.frame, d.message) for d in f.diagnostics] == [
            (1, "counter_mne names 3, counter_pos gives 2 values"),
            (2, "counter_pos value 'x' of I0 is not a number"),
        ]


def test_opening_makes_no_frame_until_one_is_used(tmp_path: Path) -> None:
    frames = [(frame_data("uint16", (3, 4), i), {"title": f"t{i}"}) for i in range(20)]
    fabio_write(tmp_path / "many.edf", frames)
    with beamio.open(tmp_path / "many.edf") as f:
        stack = f["1.1"].frames
        made = stack._frames._made  # type: ignore[union-attr]
        assert sum(frame is not None for frame in made) == 1  # frame 0: the Dataset's header
        np.testing.assert_array_equal(stack[5:7], [frames[5][0], frames[6][0]])
        assert [i for i, frame in enumerate(made) if frame is not None] == [0, 5, 6]
        assert stack.frame(12).header["title"] == "t12"
        np.testing.assert_array_equal(np.asarray(stack), [d for d, _ in frames])
        assert all(frame is not None for frame in made)
