"""Read a Medipix EDF frame the fast way (seek past a 3072-byte header) and check beamio reads the same.

    python examples/medipix_fast_path.py              # writes a sample file in a temporary folder
    python examples/medipix_fast_path.py frame.edf    # or reads yours: 256x256 UnsignedShort

Medipix detectors write 256×256 UnsignedShort frames after a header padded to
3072 bytes. Scripts at beamlines read them without parsing the header: open,
seek 3072, ``numpy.fromfile``, reshape. That is fast and right only while every
file has exactly that header; ``beamio.open`` reads the header, so it stays right
when a file differs. This script shows both, checks they agree, and times them
(and fabio, when installed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

import beamio

__all__ = ["HEADER_SIZE", "SHAPE", "header_size", "read_beamio", "read_fast", "write_medipix"]

HEADER_SIZE = 3072  # bytes, "{" to "}\n" included
SHAPE = (256, 256)  # Dim_2, Dim_1
DTYPE = np.dtype("<u2")  # UnsignedShort, LowByteFirst


def write_medipix(path: str | Path, data: np.ndarray, **keys: object) -> Path:
    """Write ``data`` as one UnsignedShort frame after a header padded with blanks to 3072 bytes."""
    data = np.ascontiguousarray(data, dtype=DTYPE)
    header = {"HeaderID": "EH:000001:000000:000000", "Image": 1, "ByteOrder": "LowByteFirst",
              "DataType": "UnsignedShort", "Dim_1": data.shape[1], "Dim_2": data.shape[0],
              "Size": data.nbytes, **keys}  # fmt: skip
    text = ("{\n" + "".join(f"{key} = {value} ;\n" for key, value in header.items())).encode("ascii")
    if len(text) > HEADER_SIZE - 2:
        raise ValueError(f"the header keys take {len(text)} bytes, more than {HEADER_SIZE - 2}")
    path = Path(path)
    path.write_bytes(text.ljust(HEADER_SIZE - 2) + b"}\n" + data.tobytes())
    return path


def header_size(path: str | Path) -> int:
    """Where the data starts: just after the first ``}`` line of the header."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    end = head.find(b"}\n")
    if not head.startswith(b"{") or end < 0:
        raise ValueError(f"{path} does not start with an EDF header")
    return end + 2


def read_fast(path: str | Path) -> np.ndarray:
    """The fast path: seek past the 3072-byte header, read 256×256 little-endian uint16, reshape."""
    with open(path, "rb") as handle:
        handle.seek(HEADER_SIZE)
        return np.fromfile(handle, dtype=DTYPE, count=SHAPE[0] * SHAPE[1]).reshape(SHAPE)


def read_beamio(path: str | Path) -> np.ndarray:
    """Frame 0 through beamio, which reads the header to find shape, type and offset."""
    with beamio.open(path) as f:
        return f[0].frames[0]


def best_time(read: Callable[[Path], np.ndarray], path: Path, repeat: int) -> float:
    """The fastest of ``repeat`` reads, in seconds (the others met a busier machine)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        read(path)
        times.append(time.perf_counter() - start)
    return min(times)


def timings(path: Path, repeat: int) -> dict[str, float]:
    """Reader → best time of one frame: the fast path, beamio.open, and fabio.open when installed."""
    readers: dict[str, Callable[[Path], np.ndarray]] = {"fast path": read_fast, "beamio.open": read_beamio}
    try:
        import fabio
    except ModuleNotFoundError:
        pass
    else:
        readers["fabio.open"] = lambda p: fabio.open(str(p)).data
    return {name: best_time(read, path, repeat) for name, read in readers.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("edf", nargs="?", type=Path, help="a 256x256 UnsignedShort EDF (default: generated)")
    parser.add_argument("--repeat", type=int, default=50, help="reads timed per reader (default 50)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = args.edf
        if path is None:
            counts = np.random.default_rng(0).poisson(40, SHAPE).astype(DTYPE)
            path = write_medipix(Path(folder) / "medipix_0000.edf", counts, title="generated")
        size = header_size(path)
        if size != HEADER_SIZE:
            print(f"{path}: the header is {size} bytes, not {HEADER_SIZE}: the fast path would read the"
                  " wrong bytes", file=sys.stderr)  # fmt: skip
            return 1

        fast, through_beamio = read_fast(path), read_beamio(path)
        if fast.dtype != through_beamio.dtype or not np.array_equal(fast, through_beamio):
            print(f"{path}: the fast path and beamio disagree", file=sys.stderr)
            return 1
        print(f"{path}: {fast.shape} {fast.dtype}, header {size} bytes: fast path == beamio.open")

        times = timings(path, args.repeat)
        for name, seconds in times.items():
            print(f"  {name:12} {seconds * 1e3:8.3f} ms  ({seconds / times['fast path']:.1f}× the fast path)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
