"""beamio's EDF reader side by side with fabio, PyMca's EdfFile, numpy.fromfile and numpy.memmap.

    python benchmarks/bench_edf.py                         # 500 frames of 1024 × 1024 (1 GB), temporary
    python benchmarks/bench_edf.py --frames 50 --size 512  # a quick look
    python benchmarks/bench_edf.py --file /tmp/big.edf --keep   # generate once, reuse after

The file comes from ``generate_edf.py``: every header is 1024 bytes, so the raw
readers know where each frame's data starts without reading a header. For each
reader, each run is a fresh Python process that imports the reader and warms it up
on a two-frame file, then times:

- *open*: until the number of frames is known (beamio ``beamio.open`` +
  ``f[0].frames`` + ``len``; fabio ``fabio.open`` + ``nframes``; EdfFile
  ``EdfFile(path, "r")`` + ``GetNumImages()``; memmap ``np.memmap``);
- *last* and *random frame*: until the frame is a numpy array in memory (memmap:
  ``np.array`` of its view); *random* is the median over ``--random`` frames picked
  by a seeded generator, the same frames for every reader, each read once;
- *all frames*: from an open file (a second one, opened untimed, so no page of the
  first is already mapped) until the sum of every frame is known: beamio
  ``np.asarray(stack).sum()``; memmap the sum over the mapped stack; the others
  frame by frame, ``getframe(i).data``, ``GetData(i)``, ``np.fromfile(offset=…)``.
  Two more rows read all frames the other way: ``beamio-frames`` one frame at a time
  (``stack[i]``), ``memmap-copy`` copied into one array first (``np.array(stack)``),
  so that each way has its like to be compared with.

Before *all frames*, each child touches and frees 2.5 × the file's size of memory
(``--no-prime`` to skip): on a virtual machine that hands freed memory back to its
host, the first touch of a page costs the host's fault, 1–2 s per GB here against
0.13 s once backed, and a reader making an array as large as the file would
otherwise be timed on the host's state (see :func:`_common.prime_memory`).

Memory is the child's peak resident size (VmHWM, the mapped file's pages included)
and its largest anonymous resident size (sampled every 20 ms: what the process holds
itself), the priming left out; "index MB" is the anonymous memory opening added.
Timings are the best of ``--runs`` runs. The file is read once beforehand so every
reader finds it in the page cache.

Index memory: in separate processes, the memory that opening holds (tracemalloc's
count of Python and numpy allocations, and the anonymous resident size) for the
benchmark file and for a file of as many 64 × 64 frames: it should not grow with the
frame size.

The same run checks the numbers: every frame of beamio, fabio and EdfFile equals the
memory map's, beamio's positioners and counters equal the motor_pos and counter_pos
fabio reads from every header, and every reader's sums agree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    check_lines,
    machine,
    mb,
    prime_memory,
    profiled,
    ratio_line,
    read_through,
    run_child,
    run_children,
    status_kb,
)

HERE = Path(__file__).resolve().parent
SCRIPT = str(Path(__file__).resolve())
sys.path.insert(0, str(HERE))

from generate_edf import DTYPE, HEADER_SIZE, data_offset, frame_bytes, generate  # noqa: E402

TOOLS = ("beamio", "fabio", "edffile", "fromfile", "memmap", "beamio-frames", "memmap-copy")
SMALL = 64  # the frame size the index memory is compared with
# The targets (issue 4), on a 2-core machine.
OPEN_VS_FABIO = 2.0  # fabio's open / beamio's open, at least
RANDOM_VS_RAW = 1.2  # beamio's random frame / np.fromfile's, at most
ALL_VS_MEMMAP = 1.1  # beamio's all frames / np.memmap's, at most
INDEX_GROWTH = 1.1  # beamio's index memory, big frames / small frames, at most (noise)


# -- the readers --------------------------------------------------------------------------------
class _Reader:
    """What the child asks of every reader; all frames are read one at a time unless said."""

    count: int

    def frame(self, i: int) -> np.ndarray:
        raise NotImplementedError

    def total(self) -> int:
        return sum(int(self.frame(i).sum()) for i in range(self.count))

    def close(self) -> None:
        pass


class _Beamio(_Reader):
    def __init__(self, path: str, size: int) -> None:
        import beamio

        self.file = beamio.open(path)
        self.stack = self.file[0].frames
        self.count = len(self.stack)

    def frame(self, i: int) -> np.ndarray:
        return self.stack[i]

    def total(self) -> int:
        return int(np.asarray(self.stack).sum())

    def close(self) -> None:
        self.file.close()


class _BeamioFrameByFrame(_Beamio):
    """beamio reading all frames one at a time, as the raw readers do."""

    total = _Reader.total


class _Fabio(_Reader):
    def __init__(self, path: str, size: int) -> None:
        import fabio

        self.image = fabio.open(path)
        self.count = self.image.nframes

    def frame(self, i: int) -> np.ndarray:
        return self.image.getframe(i).data

    def close(self) -> None:
        self.image.close()


class _EdfFile(_Reader):
    def __init__(self, path: str, size: int) -> None:
        from PyMca5.PyMcaIO.EdfFile import EdfFile

        self.edf = EdfFile(path, "r")
        self.count = self.edf.GetNumImages()

    def frame(self, i: int) -> np.ndarray:
        return self.edf.GetData(i)

    def close(self) -> None:
        del self.edf  # EdfFile closes its file when collected


class _FromFile(_Reader):
    """np.fromfile at offsets known from the generator: no header is read."""

    def __init__(self, path: str, size: int) -> None:
        self.path, self.size = path, size
        self.count = os.path.getsize(path) // frame_bytes(size)

    def frame(self, i: int) -> np.ndarray:
        data = np.fromfile(self.path, DTYPE, self.size * self.size, offset=data_offset(i, self.size))
        return data.reshape(self.size, self.size)


class _Memmap(_Reader):
    """One np.memmap of the whole file: records of a 1024-byte header and a frame."""

    def __init__(self, path: str, size: int) -> None:
        record = np.dtype([("header", f"V{HEADER_SIZE}"), ("data", DTYPE, (size, size))])
        self.map = np.memmap(path, record, "r")
        self.stack = self.map["data"]
        self.count = len(self.stack)

    def frame(self, i: int) -> np.ndarray:
        return np.array(self.stack[i])

    def total(self) -> int:
        return int(self.stack.sum())

    def close(self) -> None:
        del self.map, self.stack  # the map closes when no array refers to it


class _MemmapCopied(_Memmap):
    """The memory map copied into one array in memory first, as ``np.asarray`` of a reader must."""

    def total(self) -> int:
        return int(np.array(self.stack).sum())


READERS: dict[str, type[_Reader]] = {
    "beamio": _Beamio,
    "fabio": _Fabio,
    "edffile": _EdfFile,
    "fromfile": _FromFile,
    "memmap": _Memmap,
    "beamio-frames": _BeamioFrameByFrame,
    "memmap-copy": _MemmapCopied,
}
READABLE = ("beamio", "fabio", "edffile")  # the readers of EDF headers: checked, and their index memory


# -- what a child process measures ----------------------------------------------------------------


def _warm_up(tool: str) -> None:
    """Import the reader and use it once, on a two-frame file: import time is not reading time.

    For beamio this also finds the plugins and imports the EDF reader, once per process.
    """
    with tempfile.TemporaryDirectory() as folder:
        tiny = Path(folder) / "tiny.edf"
        generate(tiny, frames=2, size=16)
        reader = READERS[tool](str(tiny), 16)
        reader.frame(1)
        reader.total()
        reader.close()


def _random_frames(count: int, how_many: int, seed: int) -> list[int]:
    """The frames read one at a time: the same for every reader, never the last."""
    candidates = max(count - 1, 1)
    picks = np.random.default_rng(seed).choice(candidates, size=min(how_many, candidates), replace=False)
    return [int(i) for i in picks]


def child(tool: str, path: str, size: int, options: argparse.Namespace) -> None:
    """Run one reader once and print what it measured as one JSON line."""
    _warm_up(tool)
    clock = time.perf_counter
    cls = READERS[tool]
    baseline, baseline_anon = status_kb("VmRSS"), status_kb("RssAnon")
    began = clock()
    with profiled(options.profile, "open"):
        reader = cls(path, size)
        count = reader.count
    open_s = clock() - began
    index_kb = status_kb("RssAnon") - baseline_anon

    began = clock()
    last = reader.frame(count - 1)
    last_s = clock() - began
    last_sum = int(last.sum())
    del last

    random_s, random_sum = [], 0
    for i in _random_frames(count, options.random, options.seed):
        began = clock()
        frame = reader.frame(i)
        random_s.append(clock() - began)
        random_sum += int(frame.sum())
        del frame
    reader.close()

    peak_kb = status_kb("VmHWM")
    primed = not options.no_prime and prime_memory(int(2.5 * os.path.getsize(path)))
    reader = cls(path, size)  # a fresh one: no page of the file mapped yet
    began = clock()
    with profiled(options.profile, "all frames"):
        total = reader.total()
    all_s = clock() - began
    reader.close()
    result = {
        "open_s": open_s,
        "last_s": last_s,
        "random_s": statistics.median(random_s),
        "all_s": all_s,
        "peak_kb": max(peak_kb, status_kb("VmHWM")),
        "baseline_kb": baseline,
        "baseline_anon_kb": baseline_anon,
        "index_kb": index_kb,
        "primed": primed,
        "frames": count,
        "last_sum": last_sum,
        "random_sum": random_sum,
        "all_sum": total,
    }
    print(json.dumps(result))


def child_index(tool: str, path: str, size: int) -> None:
    """The memory opening holds: tracemalloc's count and the anonymous resident size, as JSON."""
    import gc
    import tracemalloc

    _warm_up(tool)
    gc.collect()
    anon = status_kb("RssAnon")
    tracemalloc.start()
    reader = READERS[tool](path, size)
    traced, _ = tracemalloc.get_traced_memory()
    gc.collect()
    held = status_kb("RssAnon") - anon
    tracemalloc.stop()
    print(json.dumps({"traced_bytes": traced, "anon_kb": held, "frames": reader.count}))
    reader.close()


# -- checking the numbers -------------------------------------------------------------------------
def verify(path: str, size: int, tools: list[str]) -> None:
    """Compare every frame of beamio, fabio and EdfFile (those in ``tools``) with the map; print JSON."""
    problems: list[str] = []
    reference = _Memmap(path, size)
    readers = {name: READERS[name](path, size) for name in READABLE if name in tools}
    for name, reader in readers.items():
        if reader.count != reference.count:
            problems.append(f"{name} finds {reader.count} frames, the file holds {reference.count}")
            continue
        differ = [
            i for i in range(reference.count) if not np.array_equal(reader.frame(i), reference.stack[i])
        ]
        if differ:
            problems.append(f"{name}: {len(differ)} frames differ, the first {differ[0]}")
    if "beamio" in readers and "fabio" in readers:
        problems.extend(_compare_headers(readers["beamio"], readers["fabio"], reference.count))
    for reader in readers.values():
        reader.close()
    reference.close()
    headers = "beamio" in readers and "fabio" in readers
    print(
        json.dumps(
            {"frames": reference.count, "readers": list(readers), "headers": headers, "problems": problems}
        )
    )


def _compare_headers(ours: _Beamio, theirs: _Fabio, count: int) -> list[str]:
    """beamio's positioners and counters against the motor and counter keys fabio reads from every header."""
    problems = []
    dataset = ours.file[0]
    headers = [theirs.image.getframe(i).header for i in range(count)]
    for names_key, values_key, read in (
        ("motor_mne", "motor_pos", dataset.positioners),
        ("counter_mne", "counter_pos", dataset.columns),
    ):
        names = headers[0][names_key].split()
        values = np.array([[float(v) for v in h[values_key].split()] for h in headers])
        for j, name in enumerate(names):
            if name not in read or not np.array_equal(np.asarray(read[name]), values[:, j]):
                problems.append(f"beamio's {name} differs from fabio's {values_key}")
    if dict(ours.stack.frame(count - 1).header) != dict(headers[-1]):
        problems.append("the last frame's header differs between beamio and fabio")
    return problems


# -- the parent: run the children, print the table --------------------------------------------------


def measure(tool: str, path: Path, size: int, options: argparse.Namespace) -> dict:
    """Best-of-N times and the largest memory peaks of one reader's runs."""
    args = [
        "--child",
        tool,
        str(path),
        str(size),
        "--random",
        str(options.random),
        "--seed",
        str(options.seed),
    ]
    if options.no_prime:
        args.append("--no-prime")

    def show(result: dict) -> str:
        return (
            f"open {result['open_s'] * 1e3:.2f} ms, last {result['last_s'] * 1e3:.2f} ms,"
            f" random {result['random_s'] * 1e3:.3f} ms, all {result['all_s']:.3f} s,"
            f" peak {mb(result['hwm_kb']):.0f} MB RSS, {mb(result['anon_kb']):.0f} MB anonymous"
        )

    runs, stopped = run_children(SCRIPT, args, tool, show, runs=options.runs, budget=options.budget)
    if stopped is not None:
        return {"tool": tool, **stopped, "runs": len(runs) + 1}
    best: dict[str, Any] = {"tool": tool, "runs": len(runs), "primed": all(r["primed"] for r in runs)}
    fastest = ("open_s", "last_s", "random_s", "all_s", "baseline_kb", "baseline_anon_kb")
    best.update({k: min(r[k] for r in runs) for k in fastest})
    best.update({k: max(r[k] for r in runs) for k in ("hwm_kb", "anon_kb", "index_kb")})
    return {**best, **{k: runs[0][k] for k in ("frames", "last_sum", "random_sum", "all_sum")}}


def measure_index(path: Path, size: int, small: Path, options: argparse.Namespace) -> list[dict]:
    """The memory opening holds, for the benchmark file and for the file of small frames."""
    found = []
    for tool in (t for t in READABLE if t in options.tools.split(",")):
        row: dict[str, Any] = {"tool": tool}
        for label, file, frame_size in (("small", small, SMALL), ("big", path, size)):
            result, _, _ = run_child(
                SCRIPT, ["--child-index", tool, str(file), str(frame_size)], options.budget
            )
            row[label] = result
        found.append(row)
    return found


def report(results: list[dict], index: list[dict], size: int, frames: int) -> list[str]:
    """The table, the target ratios, the other readers against beamio, and the index memory."""
    lines = [
        f"{'reader':<13} {'runs':>4} {'open ms':>8} {'last ms':>8} {'random ms':>9} {'all s':>7}"
        f" {'peak RSS MB':>11} {'peak anon MB':>12} {'imports MB':>10} {'index MB':>8}  {'frames':>6}"
    ]
    for r in results:
        memory = f" {mb(r['hwm_kb']):>11.0f} {mb(r['anon_kb']):>12.0f}"
        if "stopped" in r:
            lines.append(
                f"{r['tool']:<13} {r['runs']:>4} {'':>35}{memory}  (stopped at {r['stopped']:.0f} s)"
            )
            continue
        lines.append(
            f"{r['tool']:<13} {r['runs']:>4} {r['open_s'] * 1e3:>8.2f} {r['last_s'] * 1e3:>8.2f}"
            f" {r['random_s'] * 1e3:>9.3f} {r['all_s']:>7.3f}{memory} {mb(r['baseline_kb']):>10.0f}"
            f" {mb(r['index_kb']):>8.1f}  {r['frames']:>6}"
        )
    if not all(r.get("primed", True) for r in results):
        lines.append("(memory not primed before 'all': times include the host's first touch, see --no-prime)")
    lines.append("")

    done = {r["tool"]: r for r in results if "stopped" not in r}
    ours = done.get("beamio")
    if ours is None:
        return lines
    # Each target compares like with like: frame by frame against the map summed in place,
    # one array of all frames against a copy of the map.
    targets = (
        ("beamio", "fabio", "open: fabio / beamio", "open_s", False, OPEN_VS_FABIO),
        ("beamio", "fromfile", "random frame: beamio / np.fromfile", "random_s", True, RANDOM_VS_RAW),
        (
            "beamio-frames",
            "memmap",
            "all frames, one by one: beamio / np.memmap",
            "all_s",
            True,
            ALL_VS_MEMMAP,
        ),
        (
            "beamio",
            "memmap-copy",
            "all frames, one array: beamio / np.memmap copy",
            "all_s",
            True,
            ALL_VS_MEMMAP,
        ),
    )
    for mine, tool, label, key, beamio_over, target in targets:
        if tool in done and mine in done:
            if beamio_over:
                ratio = done[mine][key] / done[tool][key]
                lines.append(ratio_line(label, ratio, f"≤ {target:g}×", ratio <= target))
            else:
                ratio = done[tool][key] / done[mine][key]
                lines.append(ratio_line(label, ratio, f"≥ {target:g}×", ratio >= target))
    beamio_index = next((row for row in index if row["tool"] == "beamio"), None)
    if beamio_index:
        growth = beamio_index["big"]["traced_bytes"] / max(beamio_index["small"]["traced_bytes"], 1)
        label = f"index memory: {size}² / {SMALL}² frames"
        lines.append(ratio_line(label, growth, f"≤ {INDEX_GROWTH:g}×: the same", growth <= INDEX_GROWTH))
    lines.append("")
    # The other readers against beamio (above 1: beamio is faster), and the two like-for-like pairs.
    keys = (("open", "open_s"), ("last", "last_s"), ("random", "random_s"), ("all", "all_s"))
    for name, r in done.items():
        if name != "beamio":
            ratios = ", ".join(f"{what} {r[key] / ours[key]:6.2f}×" for what, key in keys)
            lines.append(f"{name + '/beamio':<20} {ratios}")
    pairs = (
        ("beamio", "memmap-copy", "one array of all frames in memory"),
        ("beamio-frames", "memmap", "no array of all frames"),
    )
    for mine, theirs, what in pairs:
        if mine in done and theirs in done:
            ratio = done[mine]["all_s"] / done[theirs]["all_s"]
            lines.append(f"all frames, {what}: {mine} / {theirs} = {ratio:.2f}×")
    if "fromfile" in done:
        lines.append(f"last frame: beamio / np.fromfile = {ours['last_s'] / done['fromfile']['last_s']:.2f}×")
    lines.append("")

    if index:
        lines.append(f"index memory, {frames} frames: what opening holds, tracemalloc (anonymous resident)")
    for row in index:
        held = [
            f"{m['traced_bytes'] / 1e6:6.2f} MB ({mb(m['anon_kb']):5.1f} MB)"
            for m in (row["small"], row["big"])
        ]
        lines.append(f"  {row['tool']:<8} {SMALL}²: {held[0]}   {size}²: {held[1]}")
    lines.append("")

    for field in ("frames", "last_sum", "random_sum", "all_sum"):
        if len({r[field] for r in done.values()}) > 1:
            found = ", ".join(f"{r['tool']} {r[field]}" for r in done.values())
            lines.append(f"WARNING: the readers found different {field}: {found}")
    return lines


def _frame_size(path: Path) -> int:
    """Dim_1 of a file generate_edf.py wrote; a SystemExit when the raw readers' offsets would be wrong."""
    import re

    with open(path, "rb") as handle:
        header = handle.read(HEADER_SIZE)
    dim = re.search(rb"\bDim_1\s*=\s*(\d+)", header)
    size = int(dim.group(1)) if dim else 0
    if not header.endswith(b"}\n") or size <= 0 or path.stat().st_size % frame_bytes(size):
        raise SystemExit(
            f"{path} was not written by generate_edf.py: the raw readers cannot know its offsets"
        )
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=500, help="frames of the generated file (500)")
    parser.add_argument("--size", type=int, default=1024, help="frames are size × size uint16 (1024)")
    parser.add_argument("--file", type=Path, help="use this EDF file; generated there first if missing")
    parser.add_argument("--keep", action="store_true", help="keep the generated file (its path is printed)")
    parser.add_argument("--runs", type=int, default=3, help="runs per reader, fresh process each (3)")
    parser.add_argument("--random", type=int, default=10, help="random frames read one at a time (10)")
    parser.add_argument("--seed", type=int, default=1, help="picks the random frames (1)")
    parser.add_argument("--budget", type=float, default=600.0, help="stop a run after this many seconds")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: " + ",".join(TOOLS))
    parser.add_argument(
        "--profile", action="store_true", help="print cProfiles of beamio's open and all frames"
    )
    parser.add_argument(
        "--no-prime", action="store_true", help="do not touch fresh memory before timing all frames"
    )
    parser.add_argument("--child", nargs=3, metavar=("TOOL", "FILE", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--child-index", nargs=3, metavar=("TOOL", "FILE", "SIZE"), help=argparse.SUPPRESS)
    parser.add_argument("--child-verify", nargs=2, metavar=("FILE", "SIZE"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        tool, file, size = options.child
        child(tool, file, int(size), options)
        return 0
    if options.child_index:
        tool, file, size = options.child_index
        child_index(tool, file, int(size))
        return 0
    if options.child_verify:
        verify(options.child_verify[0], int(options.child_verify[1]), options.tools.split(","))
        return 0

    print(machine(("numpy", "beamio", "beamio-edf", "fabio", "PyMca5"), ("core", "plugins/edf")))
    workdir = Path(tempfile.mkdtemp(prefix="beamio-bench-"))
    path = options.file or workdir / f"bench_{options.frames}x{options.size}.edf"
    generated = not path.exists()
    if generated:
        began = time.perf_counter()
        generate(path, frames=options.frames, size=options.size)
        print(f"generated {path} in {time.perf_counter() - began:.1f} s")
    size = _frame_size(path)
    frames = path.stat().st_size // frame_bytes(size)
    small = workdir / f"index_{frames}x{SMALL}.edf"
    generate(small, frames=frames, size=SMALL)
    try:
        read_through(path)  # the page cache, for every reader alike
        print(f"file: {path}, {frames} frames of {size} × {size} uint16, {path.stat().st_size / 1e6:.1f} MB")
        results = [measure(tool, path, size, options) for tool in options.tools.split(",")]
        index = measure_index(path, size, small, options)
        verify_args = ["--child-verify", str(path), str(size), "--tools", options.tools]
        check, _, _ = run_child(SCRIPT, verify_args, options.budget)
        print()
        for line in report(results, index, size, frames):
            print(line)
        if check is not None:
            headers = ", and beamio's motors and counters vs fabio's headers" if check["headers"] else ""
            compared = f"{', '.join(check['readers'])} vs np.memmap, exact: {check['frames']} frames"
            print("\n".join(check_lines(f"{compared}, every pixel{headers}", check["problems"])))
        if options.profile:
            print("\nprofiles of one beamio run, open and all frames (stderr):", flush=True)
            run_child(SCRIPT, ["--child", "beamio", str(path), str(size), "--profile"], options.budget)
    finally:
        small.unlink(missing_ok=True)
        if generated and not options.keep:
            path.unlink(missing_ok=True)
        elif generated:
            print(f"kept {path}")
        if not any(workdir.iterdir()):
            workdir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
