"""Hostile input through the fabio bridge (issue 8): a FormatError naming the file, whatever fabio raises.

fabio's own readers follow what a header says: a TIFF whose directories loop is read
forever, a TIFF or CBF that says it is gigabytes has its image allocated first. The
bridge looks before fabio does; what fabio raises then becomes a FormatError naming
the file and the frame.
"""

from __future__ import annotations

import logging
import struct
from collections.abc import Iterator
from pathlib import Path

import fabio.cbfimage
import fabio.tifimage
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beamio
from beamio.errors import FormatError
from beamio.testing import read_everything

IMAGE = (np.arange(24 * 32, dtype=np.int32).reshape(24, 32) * 37) % 1000
LITTLE = np.arange(12, dtype="<u2").reshape(3, 4)


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    """fabio logs every file it cannot read; hundreds of them here."""
    logging.disable(logging.CRITICAL)
    yield
    logging.disable(logging.NOTSET)


def _tiff(width: int, length: int, *, bits: int = 16, compression: int = 1, following: int = 0) -> bytes:
    """A little-endian TIFF of one directory (at byte 8) and LITTLE's bytes; ``following``: the next IFD."""
    data = 8 + 2 + 12 * 6 + 4
    entries = [(256, 4, width), (257, 4, length), (258, 3, bits), (259, 3, compression), (273, 4, data),
               (279, 4, min(width * length * bits // 8, 2**32 - 1))]  # fmt: skip
    directory = struct.pack("<H", len(entries)) + b"".join(
        struct.pack("<HHII" if kind == 4 else "<HHIH2x", tag, kind, 1, value) for tag, kind, value in entries
    )
    return b"II*\0" + struct.pack("<I", 8) + directory + struct.pack("<I", following) + LITTLE.tobytes()


def _refusal(path: Path) -> str:
    with pytest.raises(FormatError) as caught:
        beamio.open(path, format="fabio")
    return str(caught.value)


def test_a_tiff_made_by_hand_reads(tmp_path: Path) -> None:
    path = tmp_path / "little.tif"
    path.write_bytes(_tiff(4, 3))
    with beamio.open(path) as f:
        np.testing.assert_array_equal(f["1.1"].frames[0], LITTLE)


def test_a_tiff_whose_directories_loop_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.tif"
    path.write_bytes(_tiff(4, 3, following=8))  # fabio's TiffIO would follow it forever
    assert _refusal(path) == (
        f"{path}, byte offset 8: fabio's magic number says tif, but the TIFF's image file directories loop:"
        " the one at byte offset 8 names the one at byte offset 8 as the next, which came before"
    )


@pytest.mark.parametrize(
    ("compression", "holds"),
    [
        (1, "more than the file's 110 bytes"),
        (5, "more than 268435456 bytes, what 110 compressed bytes may hold"),
    ],
    ids=["uncompressed", "LZW"],
)
def test_a_tiff_larger_than_its_file_may_hold_is_refused(
    tmp_path: Path, compression: int, holds: str
) -> None:
    path = tmp_path / "large.tif"
    path.write_bytes(_tiff(100000, 100000, compression=compression))  # TiffIO allocates it first
    assert _refusal(path) == (
        f"{path}, byte offset 8: fabio's magic number says tif, but the TIFF's image file directory at byte"
        f" offset 8 describes an image of 100000 × 100000 pixels of 16 bits, 20000000000 bytes: {holds}"
    )


def test_a_cbf_whose_header_promises_terabytes_is_refused(tmp_path: Path) -> None:
    fabio.cbfimage.CbfImage(data=IMAGE).write(str(tmp_path / "small.cbf"))
    content = (tmp_path / "small.cbf").read_bytes()
    for dimension, size in ((b"Fastest", b"32"), (b"Second", b"24")):
        before = b"X-Binary-Size-" + dimension + b"-Dimension: " + size
        assert content.count(before) == 1
        content = content.replace(before, before + b"00000")
    path = tmp_path / "large.cbf"
    path.write_bytes(content)
    assert _refusal(path) == (
        f"{path}, frame 0: fabio's magic number says cbf, but the cbf header says the image is"
        f" (2400000, 3200000) int32, 30720000000000 bytes: more than 268435456 bytes, what the file's"
        f" {len(content)} bytes may hold"
    )


def test_what_fabio_raises_becomes_a_format_error_naming_the_file(tmp_path: Path) -> None:
    fabio.cbfimage.CbfImage(data=IMAGE).write(str(tmp_path / "whole.cbf"))
    path = tmp_path / "cut.cbf"
    path.write_bytes((tmp_path / "whole.cbf").read_bytes()[:1200])  # inside the binary section
    with beamio.open(path) as f:  # the header says shape and type; the data is read when asked for
        assert f["1.1"].frames.shape == (1, 24, 32)
        with pytest.raises(FormatError) as caught:
            f["1.1"].frames[0]
    assert str(caught.value) == f"{path}, frame 0: fabio's cbf reader failed: AssertionError in fabio"


# -- mutations of fabio's own files -------------------------------------------------------------
@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A CBF and TIFFs of three types, as fabio writes them."""
    folder = tmp_path_factory.mktemp("fabio")
    fabio.cbfimage.CbfImage(
        data=IMAGE, header={"_array_data.header_contents": "# Exposure_time 0.1 s"}
    ).write(str(folder / "x.cbf"))
    for dtype in ("int32", "uint16", "float32"):
        fabio.tifimage.TifImage(data=IMAGE.astype(dtype)).write(str(folder / f"{dtype}.tif"))
    return {path.name: path.read_bytes() for path in folder.iterdir()}


# The same examples in every run: fabio is not beamio's to fix, and a test run must not find its
# next endless loop by chance (fuzz/targets/fabio.py looks for those).
@settings(
    max_examples=150,
    deadline=5000,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_damaged_cbf_and_tiff_files_read_or_are_refused(
    tmp_path: Path, written: dict[str, bytes], data: st.DataObject
) -> None:
    name = data.draw(st.sampled_from(sorted(written)), label="file")
    content = bytearray(written[name])
    if data.draw(st.booleans(), label="cut"):
        del content[data.draw(st.integers(0, len(content))) :]
    for _ in range(data.draw(st.integers(0, 6), label="flips")) if content else ():
        content[data.draw(st.integers(0, len(content) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / name
    path.write_bytes(bytes(content))
    try:
        with beamio.open(path, format="fabio") as f:
            read_everything(f)
    except FormatError as error:
        assert error.file == str(path)
