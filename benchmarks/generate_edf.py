"""Write a large multi-frame EDF file for the benchmarks, the same bytes for the same arguments.

N frames of a square UnsignedShort detector image, each after a header of exactly
``HEADER_SIZE`` (1024) bytes, so frame ``i``'s data starts at
``i * (HEADER_SIZE + size²·2) + HEADER_SIZE`` (:func:`data_offset`). A header holds
the keys a BCU-driven ESRF detector writes: HeaderID, Image, ByteOrder, DataType,
Dim_1, Dim_2, Size, Date, count_time, scan and point numbers, title, and
motor_mne/motor_pos and counter_mne/counter_pos, padded with blanks before ``}``.

The image is a powder pattern: a background falling away from a beam centre off the
middle of the detector, six Debye-Scherrer rings whose intensities change from frame
to frame, a beam stop's shadow, module gaps (zero), a few dead and hot pixels, all
scaled by a decaying beam current and with counting (Poisson-like) noise.

    python benchmarks/generate_edf.py --frames 500 --size 1024 /tmp/big.edf   # 1 GB
    python benchmarks/generate_edf.py --frames 10 --size 64 /tmp/small.edf

Fast because nothing is drawn per pixel per frame: the noise of frame ``i`` is a
window at a random offset into one pool of normal deviates, scaled by the expected
counts (the normal approximation of Poisson noise), so 1 GB is written in a few
seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["DTYPE", "HEADER_SIZE", "MOTORS", "data_offset", "frame_bytes", "generate", "header_text"]

HEADER_SIZE = 1024
DTYPE = np.dtype("<u2")  # UnsignedShort, LowByteFirst
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

    def __init__(self, size: int, rng: np.random.Generator) -> None:
        self.size = size
        self.rng = rng
        y, x = np.mgrid[0:size, 0:size].astype(np.float32)
        centre_y, centre_x = 0.53 * size, 0.47 * size
        r = np.hypot(y - centre_y, x - centre_x)
        self.background = (40.0 * np.exp(-r / (0.4 * size)) + 4.0).astype(np.float32)
        # Ring widths are in pixels of a 1024-pixel detector; a smaller one has narrower rings.
        scale = size / 1024
        self.rings = [
            (np.exp(-0.5 * ((r - radius * size) / max(width * scale, 0.6)) ** 2) * counts).astype(np.float32)
            for radius, width, counts in RINGS
        ]
        shadow = np.ones((size, size), np.float32)
        shadow[r < 0.03 * size] = 0.02
        stem = (np.abs(x - centre_x) < 0.01 * size + 1) & (y < centre_y)
        shadow[stem] = 0.02
        self.shadow = shadow
        self.mask = np.ones((size, size), bool)  # False: module gaps and dead pixels, always 0
        module = max(size // 4, 8)
        gap = max(size // 128, 1)
        for start in range(module, size, module):
            self.mask[start : start + gap, :] = False
            self.mask[:, start : start + gap] = False
        pixels = size * size
        dead = rng.choice(pixels, size=max(pixels // 50000, 1), replace=False)
        self.mask.flat[dead] = False
        self.hot = rng.choice(pixels, size=max(pixels // 100000, 1), replace=False)
        # One pool of deviates; frame i takes a window at a random offset into it.
        self.pool = rng.standard_normal(2 * pixels, dtype=np.float32)
        self.expected = np.empty((size, size), np.float32)
        self.work = np.empty((size, size), np.float32)
        self.out = np.empty((size, size), DTYPE)

    def frame(self, current: float, weights: np.ndarray) -> np.ndarray:
        """One image: expected counts with noise, uint16; the returned array is reused."""
        expected, work = self.expected, self.work
        np.copyto(expected, self.background)
        for weight, ring in zip(weights, self.rings, strict=True):
            expected += np.float32(weight) * ring
        expected *= self.shadow
        expected *= np.float32(current / 200.0 * COUNT_TIME / 0.1)
        np.sqrt(expected, out=work)
        pixels = self.size * self.size
        offset = int(self.rng.integers(0, pixels))
        work *= self.pool[offset : offset + pixels].reshape(self.size, self.size)
        work += expected
        np.rint(work, out=work)
        np.clip(work, 0, 65534, out=work)
        self.out[...] = work
        self.out[~self.mask] = 0
        self.out.flat[self.hot] = 65535
        return self.out


def _date(epoch: float) -> str:
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(epoch))


def generate(path: Path, *, frames: int = 500, size: int = 1024, seed: int = 20241125) -> int:
    """Write ``frames`` frames of ``size`` × ``size`` UnsignedShort to ``path``; return the file size."""
    rng = np.random.default_rng(seed)
    detector = _Detector(size, rng)
    motors = rng.normal(0.0, 5.0, len(MOTORS))
    motors[MOTORS.index("energy")] = 17.0
    step = np.zeros(len(MOTORS))
    step[MOTORS.index("omega")] = 0.2  # the scanned motor
    fixed = [
        ("ByteOrder", "LowByteFirst"),
        ("DataType", "UnsignedShort"),
        ("Dim_1", str(size)),
        ("Dim_2", str(size)),
        ("Size", str(size * size * DTYPE.itemsize)),
    ]
    with open(path, "wb", buffering=0) as out:
        for i in range(frames):
            current = 200.0 * np.exp(-i / 5000.0)  # the ring current decays slowly
            weights = rng.uniform(0.7, 1.3, len(RINGS))  # texture: ring intensities change
            image = detector.frame(current, weights)
            counts = [COUNT_TIME, 1.0e5 * current, 8.0e4 * current, 3.1e4 * current,
                      float(image[: size // 2].mean()), current, 295.0 + rng.normal(0.0, 0.05)]  # fmt: skip
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
            out.write(header_text(entries))
            out.write(image.data)
    return frames * frame_bytes(size)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path, help="the EDF file to write")
    parser.add_argument("--frames", type=int, default=500, help="number of frames (500)")
    parser.add_argument("--size", type=int, default=1024, help="frames are size × size pixels (1024)")
    parser.add_argument("--seed", type=int, default=20241125)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    written = generate(args.output, frames=args.frames, size=args.size, seed=args.seed)
    took = time.perf_counter() - began
    print(f"{args.output}: {args.frames} frames, {written / 1e6:.1f} MB in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
