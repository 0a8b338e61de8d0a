"""Write a large multi-frame EDF file, or a series of one-frame files, for the benchmarks.

The same arguments give the same bytes. N frames of a detector image (square
UnsignedShort in the multi-frame file), each after a header of exactly
``HEADER_SIZE`` (1024) bytes, so frame ``i``'s data starts at
``i * (HEADER_SIZE + size²·2) + HEADER_SIZE`` (:func:`data_offset`). A header holds
the keys a BCU-driven ESRF detector writes: HeaderID, Image, ByteOrder, DataType,
Dim_1, Dim_2, Size, Date, count_time, scan and point numbers, title, and
motor_mne/motor_pos and counter_mne/counter_pos, padded with blanks before ``}``.

The image is a powder pattern: a background falling away from a beam centre off the
middle of the detector, six Debye-Scherrer rings whose intensities change from frame
to frame, a beam stop's shadow, module gaps (zero), a few dead and hot pixels, all
scaled by a decaying beam current and with counting (Poisson-like) noise. A float32
(FloatValue) image is a corrected one: the noisy counts before rounding divided by a
flat field of pixel efficiencies around 1, so its values have full mantissas.

    python benchmarks/generate_edf.py --frames 500 --size 1024 /tmp/big.edf   # 1 GB
    python benchmarks/generate_edf.py --frames 10 --size 64 /tmp/small.edf
    python benchmarks/generate_edf.py --series --frames 100 --size 1024 --columns 2048 \
        --dtype float32 /tmp/frames     # frames_0000.edf … frames_0099.edf, a frame each

Fast because nothing is drawn per pixel per frame: the noise of frame ``i`` is a
window at a random offset into one pool of normal deviates, scaled by the expected
counts (the normal approximation of Poisson noise), so 1 GB is written in a few
seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

__all__ = [
    "DTYPE",
    "DTYPES",
    "HEADER_SIZE",
    "MOTORS",
    "data_offset",
    "frame_bytes",
    "generate",
    "generate_series",
    "header_text",
]

HEADER_SIZE = 1024
DTYPE = np.dtype("<u2")  # UnsignedShort, LowByteFirst: the multi-frame file's
DTYPES = {"uint16": ("UnsignedShort", DTYPE), "float32": ("FloatValue", np.dtype("<f4"))}
START_EPOCH = 1732521660  # Mon Nov 25 08:01:00 2024 UTC
MOTORS = ["samx", "samy", "samz", "phi", "chi", "omega", "tth", "det_x", "det_z", "bstop_y", "energy"]
COUNTERS = ["sec", "mon", "I0", "I1", "diode", "ring_cur", "temp"]
COUNT_TIME = 0.1
# Debye-Scherrer rings: radius (a fraction of the detector), width (pixels at 1024), peak counts.
RINGS = [(0.09, 1.5, 900.0), (0.15, 1.8, 420.0), (0.21, 2.0, 1500.0),
         (0.28, 2.2, 300.0), (0.34, 2.4, 650.0), (0.43, 2.8, 200.0)]  # fmt: skip


def frame_bytes(size: int) -> int:
    """Bytes one frame takes in the file: its header and its data."""
    return HEADER_SIZE + size * size * DTYPE.itemsize


def data_offset(index: int, size: int) -> int:
    """Where frame ``index``'s data starts in a file this module wrote."""
    return index * frame_bytes(size) + HEADER_SIZE


def header_text(entries: list[tuple[str, str]]) -> bytes:
    """``{`` ``Key = value ;`` lines, blanks, ``}`` and a newline: exactly HEADER_SIZE bytes."""
    body = "{\n" + "".join(f"{key} = {value} ;\n" for key, value in entries)
    padding = HEADER_SIZE - len(body) - 2
    if padding < 0:
        raise ValueError(f"the header takes {len(body) + 2} bytes, more than {HEADER_SIZE}")
    return (body + " " * padding + "}\n").encode("ascii")


class _Detector:
    """The expected counts of the powder pattern, and what changes from frame to frame."""

    def __init__(self, shape: tuple[int, int], rng: np.random.Generator, dtype: np.dtype = DTYPE) -> None:
        rows, columns = self.shape = shape
        size = max(shape)  # rings and beam stop scale with the detector's longer side
        self.rng = rng
        y, x = np.mgrid[0:rows, 0:columns].astype(np.float32)
        centre_y, centre_x = 0.53 * rows, 0.47 * columns
        r = np.hypot(y - centre_y, x - centre_x)
        self.background = (40.0 * np.exp(-r / (0.4 * size)) + 4.0).astype(np.float32)
        # Ring widths are in pixels of a 1024-pixel detector; a smaller one has narrower rings.
        scale = size / 1024
        self.rings = [
            (np.exp(-0.5 * ((r - radius * size) / max(width * scale, 0.6)) ** 2) * counts).astype(np.float32)
            for radius, width, counts in RINGS
        ]
        shadow = np.ones(shape, np.float32)
        shadow[r < 0.03 * size] = 0.02
        stem = (np.abs(x - centre_x) < 0.01 * size + 1) & (y < centre_y)
        shadow[stem] = 0.02
        self.shadow = shadow
        self.mask = np.ones(shape, bool)  # False: module gaps and dead pixels, always 0
        module = max(min(shape) // 4, 8)
        gap = max(min(shape) // 128, 1)
        for start in range(module, rows, module):
            self.mask[start : start + gap, :] = False
        for start in range(module, columns, module):
            self.mask[:, start : start + gap] = False
        pixels = rows * columns
        dead = rng.choice(pixels, size=max(pixels // 50000, 1), replace=False)
        self.mask.flat[dead] = False
        self.hot = rng.choice(pixels, size=max(pixels // 100000, 1), replace=False)
        # One pool of deviates; frame i takes a window at a random offset into it.
        self.pool = rng.standard_normal(2 * pixels, dtype=np.float32)
        self.expected = np.empty(shape, np.float32)
        self.work = np.empty(shape, np.float32)
        self.out = np.empty(shape, dtype)
        # Drawn last, so that an integer image's bytes are what they were before float images.
        self.flat = rng.normal(1.0, 0.03, shape).astype(np.float32) if dtype.kind == "f" else None

    def frame(self, current: float, weights: np.ndarray) -> np.ndarray:
        """One image: expected counts with noise; the returned array is reused."""
        expected, work = self.expected, self.work
        np.copyto(expected, self.background)
        for weight, ring in zip(weights, self.rings, strict=True):
            expected += np.float32(weight) * ring
        expected *= self.shadow
        expected *= np.float32(current / 200.0 * COUNT_TIME / 0.1)
        np.sqrt(expected, out=work)
        pixels = work.size
        offset = int(self.rng.integers(0, pixels))
        work *= self.pool[offset : offset + pixels].reshape(self.shape)
        work += expected
        if self.flat is None:  # counts
            np.rint(work, out=work)
            np.clip(work, 0, 65534, out=work)
        else:  # a corrected image
            np.maximum(work, 0, out=work)
            work /= self.flat
        self.out[...] = work
        self.out[~self.mask] = 0
        self.out.flat[self.hot] = 65535
        return self.out


def _date(epoch: float) -> str:
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(epoch))


def _frames(frames: int, shape: tuple[int, int], dtype: str, seed: int) -> Iterator[tuple[bytes, np.ndarray]]:
    """Each frame's header (HEADER_SIZE bytes) and image (an array reused for the next frame)."""
    type_name, data_type = DTYPES[dtype]
    rows, columns = shape
    rng = np.random.default_rng(seed)
    detector = _Detector(shape, rng, data_type)
    motors = rng.normal(0.0, 5.0, len(MOTORS))
    motors[MOTORS.index("energy")] = 17.0
    step = np.zeros(len(MOTORS))
    step[MOTORS.index("omega")] = 0.2  # the scanned motor
    fixed = [
        ("ByteOrder", "LowByteFirst"),
        ("DataType", type_name),
        ("Dim_1", str(columns)),
        ("Dim_2", str(rows)),
        ("Size", str(rows * columns * data_type.itemsize)),
    ]
    for i in range(frames):
        current = 200.0 * np.exp(-i / 5000.0)  # the ring current decays slowly
        weights = rng.uniform(0.7, 1.3, len(RINGS))  # texture: ring intensities change
        image = detector.frame(current, weights)
        counts = [COUNT_TIME, 1.0e5 * current, 8.0e4 * current, 3.1e4 * current,
                  float(image[: rows // 2].mean()), current, 295.0 + rng.normal(0.0, 0.05)]  # fmt: skip
        entries = [
            ("HeaderID", f"EH:{i + 1:06d}:000000:000000"),
            ("Image", str(i + 1)),
            *fixed,
            ("Date", _date(START_EPOCH + i * (COUNT_TIME + 0.012))),
            ("count_time", f"{COUNT_TIME:g}"),
            ("scan_no", "12"),
            ("point_no", str(i)),
            ("title", "benchmark powder pattern"),
            ("motor_mne", " ".join(MOTORS)),
            ("motor_pos", " ".join(f"{v:.6f}" for v in motors + i * step)),
            ("counter_mne", " ".join(COUNTERS)),
            ("counter_pos", " ".join(f"{v:.6g}" for v in counts)),
        ]
        yield header_text(entries), image


def generate(path: Path, *, frames: int = 500, size: int = 1024, seed: int = 20241125) -> int:
    """Write ``frames`` frames of ``size`` × ``size`` UnsignedShort to ``path``; return the file size."""
    with open(path, "wb", buffering=0) as out:
        for header, image in _frames(frames, (size, size), "uint16", seed):
            out.write(header)
            out.write(image.data)
    return frames * frame_bytes(size)


def generate_series(
    folder: Path,
    *,
    frames: int = 100,
    shape: tuple[int, int] = (1024, 2048),
    dtype: str = "uint16",
    seed: int = 20241125,
) -> list[Path]:
    """Write ``frames`` one-frame files, ``frames_0000.edf`` …, into ``folder``; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (header, image) in enumerate(_frames(frames, shape, dtype, seed)):
        paths.append(folder / f"frames_{i:04d}.edf")
        with open(paths[-1], "wb", buffering=0) as out:
            out.write(header)
            out.write(image.data)
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path, help="the EDF file to write (a folder with --series)")
    parser.add_argument("--frames", type=int, default=500, help="number of frames (500)")
    parser.add_argument("--size", type=int, default=1024, help="frames are size × size pixels (1024)")
    parser.add_argument("--columns", type=int, help="with --series: frames are size × columns pixels")
    parser.add_argument("--dtype", choices=DTYPES, default="uint16", help="with --series (uint16)")
    parser.add_argument("--series", action="store_true", help="one file per frame: OUTPUT/frames_0000.edf …")
    parser.add_argument("--seed", type=int, default=20241125)
    args = parser.parse_args(argv)
    if not args.series and (args.columns is not None or args.dtype != "uint16"):
        parser.error("--columns and --dtype are for --series (the multi-frame file is square uint16)")
    began = time.perf_counter()
    if args.series:
        shape = (args.size, args.columns or args.size)
        paths = generate_series(
            args.output, frames=args.frames, shape=shape, dtype=args.dtype, seed=args.seed
        )
        written = sum(path.stat().st_size for path in paths)
    else:
        written = generate(args.output, frames=args.frames, size=args.size, seed=args.seed)
    took = time.perf_counter() - began
    print(f"{args.output}: {args.frames} frames, {written / 1e6:.1f} MB in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
