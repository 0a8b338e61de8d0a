"""beamio's NeXus writer: frame, spectrum and balanced chunking, written and read back, in one run.

    python benchmarks/bench_nexus.py                          # 200 frames of 1024 × 1024 float32 (800 MB)
    python benchmarks/bench_nexus.py --frames 20 --size 256   # a quick look
    python benchmarks/bench_nexus.py --folder /tmp/nx --keep  # write there, keep the files

The stack is a seeded ramp plus noise, float32, frames first. For each chunking
policy, each run is a fresh Python process that builds the stack in memory, writes a
tiny file first (imports, plugins), then times only the write: beamio
``beamio.write(Dataset(..., frames=FrameStack.from_array(stack)), path, chunks=policy)``,
which puts the stack at ``/scan/instrument/image/data``; h5py, as a reference,
``create_dataset(data=stack, chunks=…)`` with the chunk shape beamio chose, to a file
of its own. Two rows write the bytes without HDF5, the floors: ``copy``,
``shutil.copyfile`` of the frame-chunked file to a new file in the same folder, and
``raw``, the stack in one ``write()`` from memory. Before each write the
dirty pages are flushed (``os.sync``) and fresh memory is touched and freed (see
:func:`_common.prime_memory`), and no write waits for the disk: each times the bytes
reaching the page cache.

Then, on beamio's file of each policy, in fresh processes that read a tiny file
first: open the file and read one pixel's spectrum ``[:, y, x]``, then open it again
and read one frame, through beamio (``beamio.open(path)["scan"].frames``) and
through plain h5py (``h5py.File(path)[…/data]``). Every file is read once
beforehand, so every read comes from the page cache. Times are the best of
``--runs``; "open" is the open alone, "spectrum" and "frame" the read that follows
it: the targets compare reads from a freshly opened file (no chunk in any cache),
the open is the reader's fixed cost, shown beside.

The same run checks that the spectrum and the frame read back through beamio and
h5py equal the stack written, exactly, for every policy.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from _common import (
    check_lines,
    discard,
    machine,
    mb,
    prime_memory,
    profiled,
    ratio_line,
    read_through,
    run_child,
    status_kb,
)

SCRIPT = str(Path(__file__).resolve())
POLICIES = ("frame", "spectrum", "balanced")
TOOLS = ("beamio", "h5py")
FLOORS = {"raw": "(one write())", "copy": "(file copy)"}  # the rows without chunks: writing the bytes
DATA = "/scan/instrument/image/data"  # where beamio writes the stack; h5py writes it there too
SEED = 7
# The targets (issue 5), on a 2-core machine.
SPECTRUM_GAIN = 50.0  # a pixel's spectrum: frame chunking / spectrum chunking, at least
BALANCED_VS_BEST = 10.0  # balanced / the best layout, for a frame and for a spectrum, at most
WRITE_VS_COPY = 1.2  # beamio's write / a copy of the same bytes, at most


def source_stack(frames: int, size: int) -> np.ndarray:
    """The stack written: a ramp across each frame and along the frames, plus seeded noise."""
    rng = np.random.default_rng(SEED)
    ramp = np.add.outer(np.arange(size, dtype=np.float32), np.arange(size, dtype=np.float32)) / size
    stack = np.empty((frames, size, size), np.float32)
    for i, frame in enumerate(stack):
        rng.standard_normal(dtype=np.float32, out=frame)
        frame += ramp + np.float32(0.5 * i)
    return stack


def pixel_and_frame(frames: int, size: int) -> tuple[tuple[int, int], int]:
    """The pixel whose spectrum is read and the frame read: (517, 301) and 137 at the issue's size."""
    return (517 * size // 1024, 301 * size // 1024), 137 * frames // 200


# -- what a child process measures ------------------------------------------------------------


# Each writer returns what the clock times: a function that writes ``stack`` to ``path``.
Chunks = tuple[int, ...] | None


def _write_beamio(stack: np.ndarray, path: str, policy: str, chunks: Chunks) -> Callable[[], object]:
    """beamio.write with the chunking policy (``chunks`` is beamio's to choose)."""
    import beamio
    from beamio import Dataset, FrameStack

    dataset = Dataset("scan", "bench_nexus", frames=FrameStack.from_array(stack, name="image"))
    return lambda: beamio.write(dataset, path, chunks=policy)


def _write_h5py(stack: np.ndarray, path: str, policy: str, chunks: Chunks) -> Callable[[], object]:
    """One create_dataset of the whole stack, in ``chunks`` (the shape beamio chose)."""
    import h5py

    def write() -> None:
        with h5py.File(path, "w") as h5:
            h5.create_dataset(DATA, data=stack, chunks=chunks)

    return write


def _write_raw(stack: np.ndarray, path: str, policy: str, chunks: Chunks) -> Callable[[], object]:
    """The stack's bytes in one write(), no HDF5."""

    def write() -> None:
        with open(path, "wb") as file:
            file.write(stack.data)

    return write


WRITERS = {"beamio": _write_beamio, "h5py": _write_h5py, "raw": _write_raw}


def _open_beamio(path: str) -> tuple[Any, Any]:
    """The open file (to close) and its stack."""
    import beamio

    file = beamio.open(path)
    return file, file["scan"].frames


def _open_h5py(path: str) -> tuple[Any, Any]:
    import h5py

    h5 = h5py.File(path, "r")
    return h5, h5[DATA]


OPENERS = {"beamio": _open_beamio, "h5py": _open_h5py}


def child_write(tool: str, policy: str, path: str, shape: list[int], options: argparse.Namespace) -> None:
    """Build the stack, write a tiny one, then time one write of the stack; print JSON."""
    import h5py

    frames, size = shape
    chunks = tuple(int(c) for c in options.chunks.split(",")) if options.chunks else None
    stack = source_stack(frames, size)
    tiny = f"{path}.tiny.h5"  # imports, plugins and the writer's module, before the clock
    WRITERS[tool](np.ascontiguousarray(stack[:2, :16, :16]), tiny, policy, chunks and (2, 16, 16))()
    os.unlink(tiny)
    Path(path).unlink(missing_ok=True)
    write = WRITERS[tool](stack, path, policy, chunks)
    os.sync()  # no dirty page of an earlier write is flushed while this one is timed
    primed = not options.no_prime and prime_memory(2 * stack.nbytes)
    baseline_anon = status_kb("RssAnon")
    began = time.perf_counter()
    with profiled(options.profile, f"{tool} write, {policy} chunking"):
        write()
    write_s = time.perf_counter() - began
    written = None
    if h5py.is_hdf5(path):
        with h5py.File(path, "r") as h5:
            written = h5[DATA].chunks
    result = {"write_s": write_s, "bytes": os.path.getsize(path), "chunks": written, "primed": primed}
    print(json.dumps({**result, "baseline_anon_kb": baseline_anon}))


def child_copy(source: str, path: str, options: argparse.Namespace) -> None:
    """Time one copy of ``source`` to ``path`` (a new file), in the state the writes find; print JSON."""
    Path(path).unlink(missing_ok=True)
    os.sync()
    primed = not options.no_prime and prime_memory(2 * os.path.getsize(source))
    began = time.perf_counter()
    shutil.copyfile(source, path)
    write_s = time.perf_counter() - began
    print(json.dumps({"write_s": write_s, "bytes": os.path.getsize(path), "primed": primed}))


def child_read(tool: str, path: str, tiny: str, shape: list[int], options: argparse.Namespace) -> None:
    """Open and read a pixel's spectrum, then open again and read a frame, after a tiny file; print JSON."""
    opener = OPENERS[tool]
    (y, x), index = pixel_and_frame(*shape)
    handle, stack = opener(tiny)  # imports, plugins and the reader's module, before the clock
    np.asarray(stack[:, 1, 1]), np.asarray(stack[1])
    handle.close()
    result: dict[str, float] = {}
    for what, key in (("spectrum", (slice(None), y, x)), ("frame", index)):
        with profiled(options.profile, f"{tool} open and read a {what}"):
            began = time.perf_counter()
            handle, stack = opener(path)
            opened = time.perf_counter()
            np.asarray(stack[key])
            result[f"{what}_s"] = time.perf_counter() - opened  # the read, from a freshly opened file
            handle.close()
        result[f"open_{what}_s"] = opened - began
    print(json.dumps({"open_s": min(result.pop("open_spectrum_s"), result.pop("open_frame_s")), **result}))


# -- checking the numbers ---------------------------------------------------------------------
def verify(paths: list[str], shape: list[int], tools: list[str]) -> None:
    """Each file's pixel spectrum and frame, through each reader, against the stack written; print JSON."""
    (y, x), index = pixel_and_frame(*shape)
    stack = source_stack(*shape)
    expected = {"spectrum": stack[:, y, x], "frame": stack[index]}
    problems: list[str] = []
    for path in paths:
        for tool in tools:
            handle, read = OPENERS[tool](path)
            for what, key in (("spectrum", (slice(None), y, x)), ("frame", index)):
                found = np.asarray(read[key])
                if found.dtype != expected[what].dtype or not np.array_equal(found, expected[what]):
                    problems.append(f"{Path(path).name}, {tool}: the {what} differs from the stack written")
            handle.close()
    print(json.dumps({"files": len(paths), "readers": tools, "problems": problems}))


# -- the parent: run the children, print the table ----------------------------------------------


def _best(label: str, args: list[str], options: argparse.Namespace, keys: tuple[str, ...]) -> dict:
    """Best-of-N of ``keys`` in fresh children, the most memory a write added, the rest of the first run."""
    runs = []
    for _ in range(options.runs):
        result, wall, peaks = run_child(SCRIPT, [*args, *["--no-prime"] * options.no_prime], options.budget)
        if result is None:
            raise SystemExit(f"{label}: stopped after {wall:.0f} s (--budget)")
        if "baseline_anon_kb" in result:
            result["extra_kb"] = peaks["anon_kb"] - result.pop("baseline_anon_kb")
        runs.append(result)
        shown = ", ".join(f"{k[:-2]} {result[k] * 1e3:.2f} ms" for k in keys)
        print(f"  {label}: {shown}", file=sys.stderr, flush=True)
    best = {**runs[0], "runs": len(runs), "primed": all(r.get("primed", True) for r in runs)}
    best.update({k: min(r[k] for r in runs) for k in keys})
    if "extra_kb" in best:
        best["extra_kb"] = max(r["extra_kb"] for r in runs)
    return best


def measure(files: dict[str, Path], tiny: Path, options: argparse.Namespace) -> list[dict]:
    """Write every policy's file (beamio, then h5py), then the floors, then read each file: the rows."""
    shape = [str(options.frames), str(options.size)]
    folder = tiny.parent

    def written(policy: str, tool: str, path: Path, *args: str) -> dict:
        write = ("--child-write", tool or "raw", policy, str(path), *shape, *args)
        return {
            "policy": policy,
            "tool": tool,
            **_best(f"{tool} {policy}".strip(), write, options, ("write_s",)),
        }

    rows: list[dict] = []
    for policy, path in files.items():
        rows.append(written(policy, "beamio", path))
        if "h5py" in options.tools.split(","):
            theirs = path.with_name(f"{path.stem}_h5py.h5")
            rows.append(written(policy, "h5py", theirs, "--chunks", ",".join(map(str, rows[-1]["chunks"]))))
            theirs.unlink()
    raw, copied = folder / "raw.bin", folder / "copy.h5"
    rows.append(written("raw", "", raw))
    raw.unlink()
    copy = ("--child-copy", str(files.get("frame", next(iter(files.values())))), str(copied))
    rows.append({"policy": "copy", "tool": "", **_best("copy", copy, options, ("write_s",))})
    copied.unlink()

    os.sync()  # no write-back while reading
    for path in files.values():
        read_through(path)  # every read from the page cache
    reads = ("open_s", "spectrum_s", "frame_s")
    for row in rows:
        if row["policy"] in files and row["tool"] in OPENERS:
            read = ("--child-read", row["tool"], str(files[row["policy"]]), str(tiny), *shape)
            row.update(_best(f"{row['tool']} {row['policy']} reads", read, options, reads))
    return rows


def profile(files: dict[str, Path], tiny: Path, options: argparse.Namespace) -> None:
    """cProfiles of one beamio write and one beamio read of each policy's file, on stderr."""
    shape = [str(options.frames), str(options.size)]
    for policy, path in files.items():
        for args in (
            ["--child-write", "beamio", policy, str(path), *shape],
            ["--child-read", "beamio", str(path), str(tiny), *shape],
        ):
            run_child(SCRIPT, [*args, "--profile", *["--no-prime"] * options.no_prime], options.budget)


def report(rows: list[dict]) -> list[str]:
    """The table, the target ratios, beamio against h5py."""
    lines = [
        f"{'layout':<9} {'chunks':<16} {'tool':<7} {'runs':>4} {'write s':>8} {'MB/s':>6}"
        f" {'+anon MB':>8} {'open ms':>8} {'spectrum ms':>11} {'frame ms':>9}"
    ]
    for r in rows:
        chunks = " × ".join(str(c) for c in r["chunks"]) if r.get("chunks") else FLOORS[r["policy"]]
        extra = f"{mb(r['extra_kb']):>8.0f}" if "extra_kb" in r else f"{'':>8}"
        line = (
            f"{r['policy']:<9} {chunks:<16} {r['tool']:<7} {r['runs']:>4} {r['write_s']:>8.3f}"
            f" {r['bytes'] / 1e6 / r['write_s']:>6.0f} {extra}"
        )
        if "spectrum_s" in r:
            line += f" {r['open_s'] * 1e3:>8.2f} {r['spectrum_s'] * 1e3:>11.3f} {r['frame_s'] * 1e3:>9.3f}"
        lines.append(line)
    if not all(r["primed"] for r in rows):
        lines.append("(memory not primed before the writes: see --no-prime)")
    lines.append("")

    def of(tool: str) -> dict[str, dict]:
        return {r["policy"]: r for r in rows if r["tool"] == tool and "spectrum_s" in r}

    ours = of("beamio")
    if "frame" in ours and "spectrum" in ours:
        ratio = ours["frame"]["spectrum_s"] / ours["spectrum"]["spectrum_s"]
        label = "pixel spectrum: frame / spectrum chunking"
        lines.append(ratio_line(label, ratio, f"≥ {SPECTRUM_GAIN:g}×", ratio >= SPECTRUM_GAIN))
    if "balanced" in ours:
        for what in ("frame", "spectrum"):
            best = min(ours.values(), key=lambda r: r[f"{what}_s"])
            ratio = ours["balanced"][f"{what}_s"] / best[f"{what}_s"]
            label = f"{what}: balanced / best ({best['policy']})"
            lines.append(ratio_line(label, ratio, f"≤ {BALANCED_VS_BEST:g}×", ratio <= BALANCED_VS_BEST))
    raw, copy = (next(r for r in rows if r["policy"] == floor) for floor in FLOORS)
    for policy, r in ours.items():
        ratio = r["write_s"] / copy["write_s"]
        lines.append(
            ratio_line(
                f"write, {policy}: beamio / file copy", ratio, f"≤ {WRITE_VS_COPY:g}×", ratio <= WRITE_VS_COPY
            )
        )
    lines.append("")
    lines.append(f"raw write() of the stack / file copy = {raw['write_s'] / copy['write_s']:.2f}×")
    theirs = of("h5py")
    for policy in (p for p in ours if p in theirs):
        ratios = ", ".join(
            f"{what} {ours[policy][f'{what}_s'] / theirs[policy][f'{what}_s']:5.2f}×"
            for what in ("write", "open", "spectrum", "frame")
        )
        lines.append(f"beamio/h5py {policy:<9} {ratios}")
    if "frame" in theirs and "spectrum" in theirs:
        ratio = theirs["frame"]["spectrum_s"] / theirs["spectrum"]["spectrum_s"]
        lines.append(f"h5py, pixel spectrum: frame / spectrum chunking = {ratio:.2f}×")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=200, help="frames of the stack (200)")
    parser.add_argument("--size", type=int, default=1024, help="frames are size × size float32 (1024)")
    parser.add_argument("--folder", type=Path, help="write the files here (a temporary folder by default)")
    parser.add_argument("--keep", action="store_true", help="keep beamio's files (their paths are printed)")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement, fresh process each (3)")
    parser.add_argument("--budget", type=float, default=600.0, help="stop a run after this many seconds")
    parser.add_argument(
        "--policies", default=",".join(POLICIES), help="comma-separated: " + ",".join(POLICIES)
    )
    parser.add_argument("--tools", default=",".join(TOOLS), help="beamio,h5py (h5py: the reference rows)")
    parser.add_argument("--profile", action="store_true", help="add cProfiles of beamio's writes and reads")
    parser.add_argument("--no-prime", action="store_true", help="do not touch fresh memory before a write")
    parser.add_argument("--chunks", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child-write", nargs=5, metavar=("TOOL", "POLICY", "FILE", "FRAMES", "SIZE"), help=argparse.SUPPRESS
    )
    parser.add_argument("--child-copy", nargs=2, metavar=("SOURCE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--child-read", nargs=5, metavar=("TOOL", "FILE", "TINY", "FRAMES", "SIZE"), help=argparse.SUPPRESS
    )
    parser.add_argument("--child-verify", nargs="+", metavar="FILE", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if "beamio" not in options.tools.split(","):
        parser.error("--tools: beamio writes the files every reader reads; add h5py or not")
    if options.child_write:
        tool, policy, path, frames, size = options.child_write
        child_write(tool, policy, path, [int(frames), int(size)], options)
        return 0
    if options.child_copy:
        child_copy(*options.child_copy, options)
        return 0
    if options.child_read:
        tool, path, tiny, frames, size = options.child_read
        child_read(tool, path, tiny, [int(frames), int(size)], options)
        return 0
    if options.child_verify:
        verify(options.child_verify, [options.frames, options.size], options.tools.split(","))
        return 0

    print(machine(("numpy", "h5py", "beamio", "beamio-nexus"), ("core", "plugins/nexus")))
    import h5py

    print(f"HDF5 {h5py.version.hdf5_version}")
    folder = options.folder or Path(tempfile.mkdtemp(prefix="beamio-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    nbytes = options.frames * options.size * options.size * 4
    (y, x), index = pixel_and_frame(options.frames, options.size)
    print(
        f"stack: {options.frames} frames of {options.size} × {options.size} float32, {nbytes / 1e6:.1f} MB;"
        f" pixel ({y}, {x}), frame {index}; files in {folder}"
    )
    stem = f"bench_{{}}_{options.frames}x{options.size}.h5"
    files = {policy: folder / stem.format(policy) for policy in options.policies.split(",")}
    tiny = folder / "warm_up.h5"  # what the readers open first
    try:
        run_child(
            SCRIPT, ["--child-write", "beamio", "frame", str(tiny), "2", "16", "--no-prime"], options.budget
        )
        rows = measure(files, tiny, options)
        verify_args = ["--child-verify", *map(str, files.values()), "--frames", str(options.frames)]
        verify_args += ["--size", str(options.size), "--tools", options.tools]
        check, _, _ = run_child(SCRIPT, verify_args, options.budget)
        print()
        for line in report(rows):
            print(line)
        if check is not None:
            compared = f"{', '.join(check['readers'])} vs the stack written, exact"
            what = f"the pixel spectrum and the frame of {check['files']} files"
            print("\n".join(check_lines(f"{compared}: {what}", check["problems"])))
        if options.profile:
            print("\nprofiles of one beamio write and one read of each file (stderr):", flush=True)
            profile(files, tiny, options)
    finally:
        tiny.unlink(missing_ok=True)
        discard(files.values(), options.keep)
        if options.folder is None and not any(folder.iterdir()):
            folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
