"""Write a large, realistic SPEC file for the benchmarks, the same bytes for the same arguments.

A file header (#F #E #D #C #O0..#O3), then scans of 20 columns × 100 points
(#S #D #T #G0 #G1 #G3 #G4 #Q #P0..#P3 #N #L): the scanned motor and a second motor
written with 6 decimals, H K L, an Epoch column, integer counters and floats
written as SPEC writes them (``%.6g``). One scan in ten also carries a 1024-channel
MCA spectrum for every point (#@MCA #@CHANN #@CALIB #@CTIME, then ``@A`` lines cut
every 16 values with a ``\\`` continuation, written before each point's data line,
as ESRF's mca.mac does).

    python benchmarks/generate_spec.py --size-mb 200 /tmp/big.spec
    python benchmarks/generate_spec.py --scans 500 /tmp/small.spec

The text is formatted a whole scan at a time (one ``%`` over a format string
repeated for every point), so 200 MB are written in a few seconds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["LABELS", "MCA_CHANNELS", "MCA_EVERY", "POINTS", "generate"]

POINTS = 100
MCA_CHANNELS = 1024
MCA_EVERY = 10  # one scan in ten has an MCA
MCA_PER_LINE = 16
START_EPOCH = 1732521660  # Mon Nov 25 08:01:00 2024 UTC

# The scanned motor comes first; it changes from scan to scan, the other labels do not.
SCANNED = [("tth", "Two Theta", 10.0, 60.0), ("th", "Theta", 5.0, 30.0), ("chi", "Chi", -10.0, 10.0)]
LABELS = [
    "<scanned>",
    "Phi",
    "H",
    "K",
    "L",
    "Epoch",
    "Seconds",
    "Monitor",
    "Detector",
    "I0",
    "I1",
    "I2",
    "diode",
    "tfy",
    "roi1",
    "roi2",
    "roi3",
    "temp",
    "ring_cur",
    "ratio",
]
# One format per column: motors with 6 decimals, Epoch with 8 digits, counters as integers,
# the rest as %.6g.
COLUMN_FORMATS = [
    "%.6f",
    "%.6f",
    "%.6g",
    "%.6g",
    "%.6g",
    "%.8g",
    "%d",
    "%d",
    "%d",
    "%d",
    "%d",
    "%d",
    "%d",
    "%d",
    "%d",
    "%d",
    "%d",
    "%.6g",
    "%.6g",
    "%.6g",
]
MOTORS = [
    ["Two Theta", "Theta", "Chi", "Phi", "Sample X", "Sample Y", "Sample Z", "Energy"],
    ["slit1_h", "slit1_v", "slit2_h", "slit2_v", "mono_th", "mono_z", "mirror_p", "mirror_z"],
    ["det_x", "det_z", "att", "filter", "table_x", "table_z", "hexa_x", "hexa_y"],
    ["hexa_z", "hexa_rx", "hexa_ry", "hexa_rz", "bstop_y", "bstop_z", "cryo_t", "gas"],
]
COMMANDS = ["ascan", "dscan", "a2scan"]


def spec_date(epoch: float) -> str:
    """The #D form SPEC writes, ``Mon Nov 25 08:01:00 2024`` (UTC, so every machine writes the same)."""
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(epoch))


def _joined(values: object, spec: str) -> str:
    """``values`` written with one format spec, separated by single spaces."""
    return " ".join(format(float(v), spec) for v in values)


def file_header(path: str) -> str:
    lines = [
        f"#F {path}",
        f"#E {START_EPOCH}",
        f"#D {spec_date(START_EPOCH)}",
        "#C beamio benchmark  User = opid00",
        *(f"#O{i} " + "  ".join(names) for i, names in enumerate(MOTORS)),
        "",
    ]
    return "\n".join(lines) + "\n"


def _mca_format() -> str:
    """One spectrum: ``@A`` then 1024 integers, 16 to a line, ``\\`` at the end of all lines but the last."""
    line = " ".join(["%d"] * MCA_PER_LINE)
    n_lines = MCA_CHANNELS // MCA_PER_LINE
    return "@A " + "\\\n ".join([line] * n_lines) + "\n"


MCA_FORMAT = _mca_format()
ROW_FORMAT = " ".join(COLUMN_FORMATS) + "\n"


class _Scans:
    """The numbers of successive scans, all drawn from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.epoch = 0.0  # seconds since #E
        channels = np.arange(MCA_CHANNELS)
        # An XRF-like spectrum: a falling background and a few fluorescence lines.
        background = 6.0 * np.exp(-channels / 300.0) + 0.5
        peaks = sum(
            height * np.exp(-0.5 * ((channels - centre) / width) ** 2)
            for centre, width, height in [(160, 5, 900), (178, 5, 160), (320, 6, 2500), (355, 6, 420)]
        )
        self.mca_shape = background + peaks

    def header(
        self, number: int, scanned: tuple[str, str, float, float], count_time: float
    ) -> tuple[str, float, float]:
        """The scan's header lines up to #N, and where its motor starts and stops."""
        rng = self.rng
        mnemonic, _, low, high = scanned
        start = float(np.round(rng.uniform(low, high - 2.0), 3))
        stop = float(np.round(start + rng.uniform(0.5, 2.0), 3))
        command = COMMANDS[number % len(COMMANDS)]
        if command == "a2scan":
            args = f"{mnemonic} {start:g} {stop:g} phi 0 1"
        else:
            args = f"{mnemonic} {start:g} {stop:g}"
        positions = rng.normal(0.0, 20.0, size=(len(MOTORS), 8))
        hkl = rng.normal(1.0, 0.1, 3)
        lines = [
            f"#S {number}  {command} {args} {POINTS - 1} {count_time:g}",
            f"#D {spec_date(START_EPOCH + self.epoch)}",
            f"#T {count_time:g}  (Seconds)",
            *self.geometry(hkl),
            "#Q " + _joined(hkl, ".6g"),
            *(f"#P{i} " + _joined(row, ".8g") for i, row in enumerate(positions)),
            f"#N {len(LABELS)}",
        ]
        return "\n".join(lines) + "\n", start, stop

    def geometry(self, hkl: np.ndarray) -> list[str]:
        """#G0..#G4 as SPEC's fourc writes them: mode, lattice and reflections, UB, last hkl."""
        rng = self.rng
        lattice = 3.78 + rng.normal(0.0, 0.01, 3)
        angles = 90.0 + rng.normal(0.0, 0.2, 3)
        reflections = np.round(rng.uniform(-120.0, 120.0, 12), 4)
        g1 = [*lattice, *angles, *(2 * np.pi / lattice), *(180.0 - angles), 0, 0, 2, 1, 1, 3]
        g1 += [*reflections, 1.239424258, 1.239424258]
        g4 = [*hkl, 1.239424258, *rng.uniform(0.0, 90.0, 4), 0.7] + [0] * 8 + [-180] * 9 + [0]
        return [
            "#G0 3 0 1 0 0 1 0 0 0 0 0 0 50 0 0.1 0 68 68 50 -1 1 1 3.13542 3.13542 0 463.6 838.8",
            "#G1 " + _joined(g1, ".10g"),
            "#G3 " + _joined(rng.normal(0.0, 1.0, 9), ".10g"),
            "#G4 " + _joined(g4, ".10g"),
        ]

    def data(self, start: float, stop: float, count_time: float) -> np.ndarray:
        """The points × 20 table of one scan (float64; the counters hold integers)."""
        rng = self.rng
        n = POINTS
        table = np.empty((n, len(LABELS)))
        motor = np.linspace(start, stop, n) + rng.normal(0.0, 2e-6, n)
        table[:, 0] = motor
        table[:, 1] = np.linspace(0.0, 1.0, n) + rng.normal(0.0, 1e-5, n)
        table[:, 2:5] = rng.normal(1.0, 0.05, (n, 3)) * np.array([1.0, 0.5, 2.0])
        elapsed = self.epoch + np.cumsum(np.full(n, count_time + 0.137) + rng.uniform(0.0, 0.01, n))
        table[:, 5] = elapsed
        self.epoch = float(elapsed[-1]) + rng.uniform(5.0, 30.0)
        table[:, 6] = count_time
        monitor = rng.poisson(1.0e6 * count_time, n)
        peak = np.exp(-0.5 * ((np.arange(n) - rng.uniform(30, 70)) / rng.uniform(3, 15)) ** 2)
        detector = rng.poisson(50.0 + 2.0e5 * peak * count_time)
        table[:, 7] = monitor
        table[:, 8] = detector
        table[:, 9:12] = rng.poisson([8.0e5, 4.0e5, 1.0e3], (n, 3))
        table[:, 12:17] = rng.poisson([3.0e4, 1.2e4, 900.0, 90.0, 7.0], (n, 5))
        table[:, 17] = 295.0 + rng.normal(0.0, 0.05, n)
        table[:, 18] = 200.0 - np.linspace(0.0, 0.2, n) + rng.normal(0.0, 0.002, n)
        table[:, 19] = detector / monitor
        return table

    def mca(self, count_time: float) -> np.ndarray:
        """points × 1024 counts, an intensity that follows the scan."""
        scale = count_time * self.rng.uniform(0.3, 1.5, (POINTS, 1))
        return self.rng.poisson(self.mca_shape * scale)


def format_scan(header: str, labels: list[str], table: np.ndarray, spectra: np.ndarray | None) -> str:
    """One scan's text: the header, then each point's @A lines (if any) and its data line."""
    head = header
    if spectra is not None:
        calib = "#@CALIB 0.0123 0.0101 1.2e-07"
        head += f"#@MCA 16C\n#@CHANN {MCA_CHANNELS} 0 {MCA_CHANNELS - 1} 1\n{calib}\n"
        head += f"#@CTIME {table[0, 6]:g} {table[0, 6] * 0.93:.6g} {table[0, 6]:g}\n"
    head += "#L " + "  ".join(labels) + "\n"
    if spectra is None:
        return head + (ROW_FORMAT * len(table)) % tuple(table.ravel().tolist())
    rows = table.tolist()
    counts = spectra.tolist()
    body = [MCA_FORMAT % tuple(c) + ROW_FORMAT % tuple(r) for c, r in zip(counts, rows, strict=True)]
    return head + "".join(body)


def generate(
    path: Path, *, size_mb: float | None = None, scans: int | None = None, seed: int = 20241125
) -> int:
    """Write the file: ``scans`` scans, or as many as make ``size_mb`` MB. Returns the scan count."""
    if (size_mb is None) == (scans is None):
        raise ValueError("give either size_mb or scans")
    limit = None if size_mb is None else int(size_mb * 1_000_000)
    source = _Scans(seed)
    written = 0
    number = 0
    with open(path, "wb", buffering=1 << 20) as out:
        text = file_header(str(path.name)).encode()
        out.write(text)
        written += len(text)
        while (scans is not None and number < scans) or (limit is not None and written < limit):
            number += 1
            scanned = SCANNED[number % len(SCANNED)]
            count_time = 1.0 if number % 4 else 0.5
            header, start, stop = source.header(number, scanned, count_time)
            table = source.data(start, stop, count_time)
            spectra = source.mca(count_time) if number % MCA_EVERY == 0 else None
            labels = [scanned[1], *LABELS[1:]]
            text = (format_scan(header, labels, table, spectra) + "\n").encode()
            out.write(text)
            written += len(text)
    return number


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("output", type=Path, help="the SPEC file to write")
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--size-mb", type=float, help="write scans until the file holds this many MB (default 200)"
    )
    size.add_argument("--scans", type=int, help="write this many scans")
    parser.add_argument("--seed", type=int, default=20241125)
    args = parser.parse_args(argv)
    if args.size_mb is None and args.scans is None:
        args.size_mb = 200.0
    began = time.perf_counter()
    count = generate(args.output, size_mb=args.size_mb, scans=args.scans, seed=args.seed)
    took = time.perf_counter() - began
    size_mb = args.output.stat().st_size / 1e6
    print(f"{args.output}: {count} scans, {size_mb:.1f} MB in {took:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
