"""EDF files built on the fly for the EDF plugin's tests: by hand, with fabio, with PyMca, with beamio."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import beamio

DTYPES = ("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64")
ORDERS = {"little": "LowByteFirst", "big": "HighByteFirst"}
SHAPES = {"1d": (5,), "2d": (3, 4), "3d": (2, 3, 4)}
#: The keys an EDF writer derives from the data; every other key is the user's.
MANDATORY = ("HeaderID", "Image", "ByteOrder", "DataType", "Dim_1", "Dim_2", "Dim_3", "Size")
#: The DataType names of the EDF table, by numpy kind and item size.
EDF_TYPES = {
    "i1": "SignedByte",
    "u1": "UnsignedByte",
    "i2": "SignedShort",
    "u2": "UnsignedShort",
    "i4": "SignedInteger",
    "u4": "UnsignedInteger",
    "i8": "Signed64",
    "u8": "Unsigned64",
    "f4": "FloatValue",
    "f8": "DoubleValue",
}
#: What fabio (and beamio, for compressed blocks) adds besides the mandatory keys.
FABIO_KEYS = (*MANDATORY, "Compression", "EDF_DataBlockID", "EDF_BinarySize", "EDF_HeaderSize")


def frame_data(dtype: str, shape: Sequence[int], index: int = 0) -> np.ndarray:
    """Values that show sign, range and byte-order mistakes: the type's extremes, then a ramp."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind in "iu":
        ramp = (np.arange(n) * 37 + 11 * index) % 100 - (50 if dt.kind == "i" else 0)
        values = ramp.astype(dt)
        info = np.iinfo(dt)
        values[0], values[-1] = info.min, info.max
    else:
        values = (np.arange(n) * 0.5 - 3 + index).astype(dt)
        values[0], values[1], values[-1] = np.inf, np.nan, np.finfo(dt).tiny / 4  # a subnormal
    return values.reshape(shape)


def assert_same(actual: Any, expected: np.ndarray) -> None:
    """Same shape, same dtype (native byte order), the same bits — NaN payloads included."""
    actual = np.asarray(actual)
    assert actual.shape == expected.shape, f"shape {actual.shape} != {expected.shape}"
    assert actual.dtype == expected.dtype.newbyteorder("="), f"dtype {actual.dtype} != {expected.dtype}"
    assert actual.dtype.isnative, f"{actual.dtype} is not in native byte order"
    native = np.ascontiguousarray(expected, expected.dtype.newbyteorder("="))
    assert np.ascontiguousarray(actual).tobytes() == native.tobytes(), f"{actual!r} != {expected!r}"


def entries(header: beamio.Header) -> list[tuple[str, str]]:
    """A header's (key, value) pairs, in order, duplicates included."""
    return [(e.key, e.value) for e in header.entries]


def user_entries(header: beamio.Header, derived: Iterable[str] = FABIO_KEYS) -> list[tuple[str, str]]:
    """The (key, value) pairs that are not derived from the data."""
    skip = set(derived)
    return [(e.key, e.value) for e in header.entries if e.key not in skip]


# -- by hand ------------------------------------------------------------------------------------
def header_block(pairs: Iterable[tuple[str, Any]], *, newline: bytes = b"\n", pad: int | None = 512) -> bytes:
    """``{ Key = value ; … }`` with one entry a line; blanks up to a multiple of ``pad`` (None: none)."""
    text = b"{" + newline
    for key, value in pairs:
        value = value if isinstance(value, bytes) else str(value).encode()
        text += key.encode() + b" = " + value + b" ;" + newline
    closing = b"}" + newline
    if pad:
        text += b" " * (-(len(text) + len(closing)) % pad)
    return text + closing


def static_keys(data: np.ndarray, image: int = 1, *, order: str = "LowByteFirst") -> list[tuple[str, Any]]:
    """The mandatory keys of a frame holding ``data``, in the order EDF writers list them."""
    keys: list[tuple[str, Any]] = [
        ("HeaderID", f"EH:{image:06d}:000000:000000"),
        ("Image", image),
        ("ByteOrder", order),
        ("DataType", EDF_TYPES[f"{data.dtype.kind}{data.dtype.itemsize}"]),
    ]
    keys += [(f"Dim_{n}", size) for n, size in enumerate(reversed(data.shape), 1)]
    return [*keys, ("Size", data.nbytes)]


def data_bytes(data: np.ndarray, order: str = "LowByteFirst") -> bytes:
    """The data block of ``data`` in an EDF ByteOrder."""
    return data.astype(data.dtype.newbyteorder("<" if order == "LowByteFirst" else ">")).tobytes()


def edf_frame(
    data: np.ndarray,
    user: Iterable[tuple[str, Any]] = (),
    image: int = 1,
    *,
    order: str = "LowByteFirst",
    newline: bytes = b"\n",
    pad: int | None = 512,
) -> bytes:
    """One frame written by hand: its header (mandatory keys, then ``user``) and its data."""
    pairs = [*static_keys(data, image, order=order), *user]
    return header_block(pairs, newline=newline, pad=pad) + data_bytes(data, order)


# -- with the other libraries -------------------------------------------------------------------
def fabio_write(path: Path, frames: Sequence[tuple[np.ndarray, Mapping[str, str]]]) -> None:
    """Write frames with fabio: an EdfImage of EdfFrames (fabio's multi-frame API), then write()."""
    from fabio.edfimage import EdfFrame, EdfImage

    EdfImage(frames=[EdfFrame(data, dict(header)) for data, header in frames]).write(str(path))


def pymca_write(path: Path, frames: Sequence[tuple[np.ndarray, Mapping[str, str]]], order: str) -> None:
    """Write frames with PyMca's EdfFile, one WriteImage(header, data, Append=1) per frame."""
    from PyMca5.PyMcaIO.EdfFile import EdfFile

    edf = EdfFile(str(path), "wb")
    for data, header in frames:
        edf.WriteImage(dict(header), data, Append=1, ByteOrder=order)


def pymca_header(path: Path, index: int) -> dict[str, str]:
    """Every key PyMca's EdfFile reads for a frame: its static keys and the others, as text."""
    from PyMca5.PyMcaIO.EdfFile import EdfFile

    edf = EdfFile(str(path), "rb")
    return {k: str(v) for k, v in {**edf.GetStaticHeader(index), **edf.GetHeader(index)}.items()}


def dataset(
    frames: Sequence[tuple[np.ndarray, Mapping[str, str]]],
    *,
    positioners: Mapping[str, Any] | None = None,
    columns: Mapping[str, Any] | None = None,
) -> beamio.Dataset:
    """A Dataset to write: frames with their headers, and optionally positioners and columns."""
    stack = beamio.FrameStack.from_frames(
        [beamio.Frame(i, data, beamio.Header(dict(header))) for i, (data, header) in enumerate(frames)]
    )
    return beamio.Dataset(
        "1.1", frames=stack, positioners=dict(positioners or {}), columns=dict(columns or {})
    )


# -- detector series, as beamlines write them ------------------------------------------------

#: A Pilatus 100K frame: 195 rows of 487 pixels, counts in int32.
PILATUS = (195, 487)


def detector_frame(shape: Sequence[int], index: int, dtype: str = "int32", seed: int = 7) -> np.ndarray:
    """A noisy detector image: Poisson background, Bragg spots, a gap of -1 (signed types), a hot pixel."""
    rng = np.random.default_rng(seed + index)
    rows, columns = shape
    counts = rng.poisson(4.0 + 0.25 * index, (rows, columns)).astype(np.float64)
    y, x = np.mgrid[0:rows, 0:columns]
    for _ in range(6):
        cy, cx, width = rng.uniform(0, rows), rng.uniform(0, columns), rng.uniform(1.5, 4)
        counts += rng.uniform(200, 5000) * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * width**2))
    dt = np.dtype(dtype)
    frame = rng.poisson(counts).astype(dt) if dt.kind in "iu" else counts.astype(dt)
    if dt.kind in "if":
        frame[:, columns // 3] = -1  # a gap between modules
    frame[rows // 2, columns // 2] = np.iinfo(dt).max if dt.kind in "iu" else 1e9  # a hot pixel
    return frame


def pilatus_header(index: int) -> dict[str, str]:
    """A Pilatus CBF header whose angle and time change from frame to frame."""
    return {
        "_array_data.header_contents": (
            "# Detector: PILATUS 100K, S/N 1-0001\r\n"
            f"# 2024-05-0{1 + index % 9}T12:00:{index % 60:02d}.000\r\n"
            "# Exposure_time 0.1000000 s\r\n"
            f"# Start_angle {0.1 * index:.4f} deg.\r\n"
            "# Angle_increment 0.1000 deg."
        )
    }


def write_cbf(path: Path, data: np.ndarray, index: int = 0) -> Path:
    """A CBF file written by fabio, with a Pilatus header."""
    import fabio.cbfimage

    fabio.cbfimage.CbfImage(data=data, header=pilatus_header(index)).write(str(path))
    return path


def write_tif(path: Path, data: np.ndarray, index: int = 0) -> Path:
    """A TIFF file written by fabio, its header in the image description."""
    import fabio.tifimage

    fabio.tifimage.TifImage(data=data, header={"frame": str(index), "exposure": "0.5"}).write(str(path))
    return path


def write_edf(path: Path, data: np.ndarray, index: int = 0) -> Path:
    """An EDF file written by fabio, with motor and counter keys."""
    import fabio.edfimage

    header = {"title": f"frame {index}", "motor_mne": "th tth", "motor_pos": f"{0.1 * index} {0.2 * index}",
              "counter_mne": "mon", "counter_pos": str(1000 + index)}  # fmt: skip
    fabio.edfimage.EdfImage(data=data, header=header).write(str(path))
    return path
