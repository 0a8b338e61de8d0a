"""Linking an EDF series into NeXus in place beside copying it and ``cat``; reading frames through the link.

    python benchmarks/bench_link.py            # 100 EDF files of 1024 × 2048 (and 256, 2048 rows)
    python benchmarks/bench_link.py --quick    # a smoke run: 10 files of 256 × 512 and 64 × 128, one run each
    python benchmarks/bench_link.py --folder /tmp/conv --keep   # generate there once, reuse after

**The inputs** (issue 10's exercise): ``--files`` one-frame EDF files
``frames_0000.edf`` … of ``--size`` × 2·``--size`` pixels, uint16 and float32, made by
``generate_edf.generate_series`` and named as ``bench_convert.py`` names them (one
``--folder`` serves both), and the same series at each of ``--more-sizes`` rows (256
and 2048: 16 times fewer and 4 times more pixels), to show whether linking grows with
the frame size.

**Conversion**, each series by:

- ``cat``: ``cat frames_* > out`` in a subprocess, the floor of any copy: the same bytes;
- ``copy``: ``beamio.convert("<folder>/frames_*.edf", out, "nexus")``, the frames copied;
- ``link``: the same with ``link=True``: the stack is HDF5 external storage over the
  EDF data blocks, one segment per frame, and no pixel is copied;
- ``h5py-link``: the least a Python program can do to link, with h5py: each header
  read and split into keys, one stack with external storage, a column of text per key;
  no detection, checks, positioners or plot. What a link in Python cannot beat;
- ``cat-cold``, ``link-cold``: ``cat`` and ``link`` as a conversion of data that is not
  in memory meets them: the EDF files dropped from the page cache first
  (``posix_fadvise(DONTNEED)``), the time ending when the output is on the disk (``fsync``).

Each run is ``bench_convert.py``'s: a fresh Python process converts a tiny series
first (imports, plugins), flushes the dirty pages (``os.sync``), touches and frees
fresh memory (:func:`_common.prime_memory`), then times one conversion until the
output file is complete. The inputs are read once first (the page cache), but for the
``-cold`` rows.

**Reading all frames** of the ``--size`` series into one array, each run a fresh
process that reads a tiny series and its link first:

- through the linked file: ``h5py``, ``h5py.File(out)[stack][()]``; ``h5py-frames``,
  frame by frame, ``read_direct`` into one array; ``beamio-link``,
  ``np.asarray(beamio.open(out)[0].frames)``;
- the EDF files directly: ``readinto``, each file's data block read into its slot of
  one array (``seek`` to the data offset, ``readinto``: one copy, the floor);
  ``fromfile``, ``np.fromfile(name, dtype, count, offset=1024)`` per file into its
  slot; ``beamio-edf``, ``np.asarray(beamio.open("<folder>/frames_*.edf")[0].frames)``;
  ``fabio``, ``fabio.open(name).data`` per file into its slot.

The EDF files and the linked file are read once first, so every reader finds them in
the page cache; each child primes twice the stack's size of memory before the clock.
Times are the best of ``--runs``; memory is the child's peak resident size (VmHWM)
and its largest anonymous resident size (sampled every 20 ms).

The same run checks the values: every frame read through the link, by h5py and by
beamio, equals ``np.fromfile`` of its EDF data block, exactly, dtype included; the
linked stack has one external segment per file; every reader's sum, shape and dtype agree.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from _common import (
    HERE,
    check_lines,
    discard,
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

SCRIPT = str(Path(__file__).resolve())
sys.path.insert(0, str(HERE))

from bench_convert import EDF_CONVERTERS, _edf_beamio, _image_stack, _inputs, _series, child_edf  # noqa: E402
from generate_edf import DTYPES, HEADER_SIZE, generate_series  # noqa: E402

# bench_convert's children time the conversions; linking is one more of its converters.
EDF_CONVERTERS["link"] = functools.partial(_edf_beamio, link=True)


def _edf_h5py_link(files: list[str], folder: str, out: str) -> Callable[[], None]:
    """The least a Python program can do to link: each header read, one external stack, the keys' columns.

    No detection, no checks, no positioners, counters or plot: the floor under any
    linking conversion in Python with h5py, to weigh ``link`` against.
    """
    import h5py
    import numpy as np

    def convert() -> None:
        columns: dict[str, list[str]] = {}
        segments = []
        for i, name in enumerate(files):
            with open(name, "rb") as file:
                head = file.read(HEADER_SIZE)
            for item in head[head.index(b"{") + 1 : head.index(b"}")].split(b";"):
                key, _, value = item.partition(b"=")
                if value:
                    columns.setdefault(key.strip().decode(), [""] * len(files))[i] = value.strip().decode()
            segments.append((name, HEADER_SIZE, os.path.getsize(name) - HEADER_SIZE))
        rows, columns_ = int(columns["Dim_2"][0]), int(columns["Dim_1"][0])
        dtype = next(numpy for edf, numpy in DTYPES.values() if edf == columns["DataType"][0])
        with h5py.File(out, "w") as h5:
            entry = h5.create_group("entry")
            entry.attrs["NX_class"] = "NXentry"
            data = entry.create_group("data")
            data.attrs.update({"NX_class": "NXdata", "signal": "data"})
            data.create_dataset("data", (len(files), rows, columns_), dtype, external=segments)
            header = entry.create_group("header")
            for key, values in columns.items():
                header.create_dataset(key, data=np.array(values, dtype=h5py.string_dtype()))

    return convert


EDF_CONVERTERS["h5py-link"] = _edf_h5py_link
# This benchmark's names → bench_convert's; "-cold": the inputs out of the page cache, the output on disk.
TOOLS = {
    "cat": "cat",
    "copy": "beamio",
    "link": "link",
    "h5py-link": "h5py-link",
    "cat-cold": "cat",
    "link-cold": "link",
}
# The targets (issue 10), on a 2-core machine.
LINK_VS_CAT = 100.0  # cat / link, at least, at --size
LINK_GROWTH = 1.5  # link at the largest frames / at the smallest, at most: the same, but for the noise
READ_VS_EDF = 1.2  # all frames through the link (h5py) / the EDF files read directly, at most
QUICK = {"files": 10, "size": 256, "more_sizes": "64", "runs": 1}


# -- the readers of all frames: each returns one array of them ----------------------------------
class Stack(NamedTuple):
    """The linked stack: its path in the HDF5 file, dtype and frame shape (the raw readers' layout)."""

    name: str
    dtype: str
    frame: tuple[int, ...]


def _stack(linked: str) -> Stack:
    import h5py

    with h5py.File(linked, "r") as h5:
        data = _image_stack(h5)
        return Stack(data.name, data.dtype.str, data.shape[1:])


def _readinto(name: str, slot: Any) -> None:
    with open(name, "rb", buffering=0) as file:
        file.seek(HEADER_SIZE)
        file.readinto(slot)


def _fromfile(name: str, slot: Any) -> None:
    import numpy as np

    slot[...] = np.fromfile(name, slot.dtype, slot.size, offset=HEADER_SIZE).reshape(slot.shape)


def _fabio(name: str, slot: Any) -> None:
    import fabio

    slot[...] = fabio.open(name).data


def _each_file(
    read_one: Callable[[str, Any], None], files: list[str], folder: str, linked: str, stack: Stack
) -> Any:
    """One array of every frame, ``read_one(name, slot)`` filling each file's slot."""
    import numpy as np

    out = np.empty((len(files), *stack.frame), stack.dtype)
    for name, slot in zip(files, out, strict=True):
        read_one(name, slot)
    return out


def _beamio(path: str) -> Any:
    """``np.asarray`` of the frames of ``path``'s first Dataset (a file or a pattern)."""
    import numpy as np

    import beamio

    with beamio.open(path) as file:
        return np.asarray(file[0].frames)


def _h5py(files: list[str], folder: str, linked: str, stack: Stack) -> Any:
    import h5py

    with h5py.File(linked, "r") as h5:
        return h5[stack.name][()]


def _h5py_frames(files: list[str], folder: str, linked: str, stack: Stack) -> Any:
    """Frame by frame, each read straight into its slot of one array."""
    import h5py
    import numpy as np

    with h5py.File(linked, "r") as h5:
        data = h5[stack.name]
        out = np.empty(data.shape, data.dtype)
        for i in range(len(data)):
            data.read_direct(out, np.s_[i], np.s_[i])
    return out


READERS: dict[str, Callable[[list[str], str, str, Stack], Any]] = {
    "h5py": _h5py,
    "h5py-frames": _h5py_frames,
    "beamio-link": lambda files, folder, linked, stack: _beamio(linked),
    "readinto": functools.partial(_each_file, _readinto),
    "fromfile": functools.partial(_each_file, _fromfile),
    "beamio-edf": lambda files, folder, linked, stack: _beamio(os.path.join(folder, "frames_*.edf")),
    "fabio": functools.partial(_each_file, _fabio),
}


# -- what a child process measures ------------------------------------------------------------
def child_read(tool: str, folder: str, linked: str, options: argparse.Namespace) -> None:
    """Read a tiny series and its link first, then time reading every frame of ``folder``'s; print JSON."""
    import numpy as np

    read = READERS[tool]
    stack = _stack(linked)
    with tempfile.TemporaryDirectory() as scratch:
        tiny = Path(scratch) / "series"
        dtype = np.dtype(stack.dtype).name
        files = [str(path) for path in generate_series(tiny, frames=2, shape=(16, 32), dtype=dtype)]
        EDF_CONVERTERS["link"](files, str(tiny), f"{scratch}/tiny.h5")()
        read(files, str(tiny), f"{scratch}/tiny.h5", _stack(f"{scratch}/tiny.h5"))
    files = _series(Path(folder))
    nbytes = len(files) * int(np.prod(stack.frame)) * np.dtype(stack.dtype).itemsize
    primed = not options.no_prime and prime_memory(2 * nbytes)
    began = time.perf_counter()
    with profiled(options.profile, f"{tool}, all frames"):
        frames = read(files, folder, linked, stack)
    seconds = time.perf_counter() - began
    result = {
        "seconds": seconds,
        "peak_kb": status_kb("VmHWM"),
        "primed": primed,
        "shape": list(frames.shape),
        "array_dtype": frames.dtype.str,
        "sum": float(frames.sum(dtype=np.float64)),
    }
    print(json.dumps(result))


def verify(folder: str, linked: str, dtype: str) -> None:
    """Every frame through the link (h5py, beamio) against np.fromfile of its EDF data block; print JSON."""
    import h5py
    import numpy as np

    import beamio

    files = _series(Path(folder))
    edf_dtype = DTYPES[dtype][1]
    problems = []
    with h5py.File(linked, "r") as h5, beamio.open(linked) as opened:
        data, frames = _image_stack(h5), opened[0].frames
        segments = data.id.get_create_plist().get_external_count()
        if data.shape[0] != len(files) or segments != len(files):
            problems.append(
                f"a stack of {data.shape[0]} frames in {segments} external segments, not {len(files)}"
            )
        for i, name in enumerate(files):
            count = int(np.prod(data.shape[1:]))
            expected = np.fromfile(name, edf_dtype, count, offset=HEADER_SIZE).reshape(data.shape[1:])
            for who, frame in (("h5py", data[i]), ("beamio", np.asarray(frames[i]))):
                if frame.dtype != expected.dtype or not np.array_equal(frame, expected):
                    problems.append(f"frame {i}: {who} differs from {Path(name).name}")
    print(json.dumps({"frames": len(files), "segments": segments, "problems": problems}))


# -- the parent: run the children, print the tables ---------------------------------------------
def _best(label: str, args: list[str], options: argparse.Namespace) -> dict:
    """The fastest of up to ``--runs`` fresh children, the largest memory peaks; "stopped" at the budget."""

    def show(result: dict) -> str:
        return f"{result['seconds'] * 1e3:.2f} ms, peak {mb(result['hwm_kb']):.0f} MB RSS"

    args = [*args, *["--no-prime"] * options.no_prime]
    runs, stopped = run_children(
        SCRIPT, args, label, show, runs=options.runs, budget=options.budget, repeat_under=options.repeat_under
    )
    if stopped is not None:
        return {**stopped, "runs": len(runs) + 1}
    peaks = {k: max(r.get(k, 0) for r in runs) for k in ("hwm_kb", "anon_kb", "children_peak_kb")}
    primed = all(r["primed"] for r in runs)
    return {**min(runs, key=lambda r: r["seconds"]), **peaks, "runs": len(runs), "primed": primed}


def _shape(rows: int, options: argparse.Namespace) -> str:
    return f"{rows}×{options.columns or 2 * rows}"


def measure_conversions(place: Path, dtype: str, rows: int, options: argparse.Namespace) -> list[dict]:
    """Each tool's conversion of one series; the outputs deleted unless ``--keep``."""
    files = _series(place)
    for name in files:
        read_through(name)  # the page cache, for every tool alike
    size = sum(os.path.getsize(name) for name in files)
    measured = []
    for tool in options.tools.split(","):
        out = place.parent / f"{place.name}_{tool}.{'bin' if tool.startswith('cat') else 'h5'}"
        label = f"{dtype} {_shape(rows, options)} {tool}"
        best = _best(label, ["--child-convert", tool, str(place), str(out), dtype], options)
        measured.append({"dtype": dtype, "rows": rows, "tool": tool, "bytes_in": size, **best})
        discard([out], options.keep and "stopped" not in best)
    return measured


def measure_reads(place: Path, dtype: str, options: argparse.Namespace) -> tuple[list[dict], dict | None]:
    """Every reader's read of all frames of one series, the link made first; then the check."""
    import beamio

    linked = place.parent / f"{place.name}_linked.h5"
    beamio.convert(os.path.join(place, "frames_*.edf"), linked, "nexus", link=True, overwrite=True)
    files = _series(place)
    for name in [*files, linked]:
        read_through(name)
    size = sum(os.path.getsize(name) for name in files)
    measured = []
    try:
        for tool in options.readers.split(","):
            best = _best(f"{dtype} {tool}", ["--child-read", tool, str(place), str(linked)], options)
            measured.append({"dtype": dtype, "rows": options.size, "tool": tool, "bytes_in": size, **best})
        check, _, _ = run_child(SCRIPT, ["--child-verify", str(place), str(linked), dtype], options.budget)
        if check is not None:
            check["linked_bytes"] = linked.stat().st_size
    finally:
        discard([linked], options.keep)
    return measured, check


def table(rows: list[dict], options: argparse.Namespace) -> list[str]:
    """The rows: time, MB/s of input, output size (conversions), memory."""
    converting = "bytes" in next((r for r in rows if "stopped" not in r), {})
    out = f" {'out MB':>8}" if converting else ""
    lines = [
        f"{'input':<8} {'frames':<10} {'tool':<12} {'runs':>4} {'time ms':>9} {'MB/s':>7}{out}"
        f" {'peak RSS MB':>11} {'peak anon MB':>12}"
    ]
    for r in rows:
        head = f"{r['dtype']:<8} {_shape(r['rows'], options):<10} {r['tool']:<12} {r['runs']:>4}"
        if "stopped" in r:
            lines.append(f"{head} {'> ' + format(r['stopped'] * 1e3, '.0f'):>9}  (stopped at --budget)")
            continue
        if r["tool"].startswith("cat"):  # the child only waits: cat's own peak
            memory = f" {mb(r['children_peak_kb']):>11.0f} {'':>12}"
        else:
            memory = f" {mb(r['hwm_kb']):>11.0f} {mb(r['anon_kb']):>12.0f}"
        written = f" {r['bytes'] / 1e6:>8.3f}" if converting else ""
        rate = r["bytes_in"] / 1e6 / r["seconds"]
        lines.append(f"{head} {r['seconds'] * 1e3:>9.2f} {rate:>7.0f}{written}{memory}")
    if not all(r.get("primed", True) for r in rows):
        lines.append("(memory not primed before the runs: see --no-prime)")
    return lines


def conversion_ratios(rows: list[dict], options: argparse.Namespace) -> list[str]:
    """Linking against cat at ``--size``, how linking grows with the frames, then every size's times."""
    done = {(r["dtype"], r["rows"], r["tool"]): r["seconds"] for r in rows if "stopped" not in r}
    lines = []
    for dtype in options.dtypes.split(","):
        sizes = sorted({r for d, r, tool in done if d == dtype and tool == "link"})
        link = {rows_: done[(dtype, rows_, "link")] for rows_ in sizes}
        if (dtype, options.size, "cat") in done and options.size in link:
            ratio = done[(dtype, options.size, "cat")] / link[options.size]
            label = f"{dtype} {_shape(options.size, options)}: cat / link"
            lines.append(ratio_line(label, ratio, f"≥ {LINK_VS_CAT:g}×", ratio >= LINK_VS_CAT))
        cold = [done.get((dtype, options.size, tool)) for tool in ("cat-cold", "link-cold")]
        if all(cold):
            ratio = cold[0] / cold[1]
            label = f"{dtype} {_shape(options.size, options)}: cold cat / cold link"
            lines.append(f"{label:<42} = {ratio:6.2f}×  (both from the disk, the output fsynced)")
        lean = done.get((dtype, options.size, "h5py-link"))
        if lean and (dtype, options.size, "cat") in done:
            ratio = done[(dtype, options.size, "cat")] / lean
            label = f"{dtype} {_shape(options.size, options)}: cat / h5py-link"
            lines.append(f"{label:<42} = {ratio:6.2f}×  (a link in Python with h5py: the most any reaches)")
        if len(sizes) > 1:
            ratio = link[sizes[-1]] / link[sizes[0]]
            label = f"{dtype}: link {_shape(sizes[-1], options)} / {_shape(sizes[0], options)}"
            lines.append(ratio_line(label, ratio, f"≤ {LINK_GROWTH:g}×: the same", ratio <= LINK_GROWTH))
        for rows_ in sizes:
            others = [(tool, done.get((dtype, rows_, tool))) for tool in ("cat", "copy")]
            shown = "".join(f", {tool} / link = {t / link[rows_]:.1f}×" for tool, t in others if t)
            lines.append(f"  {dtype} {_shape(rows_, options)}: link {link[rows_] * 1e3:.1f} ms{shown}")
    return lines


def read_ratios(rows: list[dict], check: dict | None) -> list[str]:
    """Reading through the link against the EDF files read directly; the sums; the check."""
    done = {r["tool"]: r for r in rows if "stopped" not in r}
    dtype = rows[0]["dtype"]
    lines = []
    direct = min(
        (done[t] for t in ("readinto", "fromfile") if t in done), key=lambda r: r["seconds"], default=None
    )
    if direct is not None and "h5py" in done:
        ratio = done["h5py"]["seconds"] / direct["seconds"]
        label = f"{dtype}: link h5py / EDF {direct['tool']}"
        lines.append(ratio_line(label, ratio, f"≤ {READ_VS_EDF:g}×", ratio <= READ_VS_EDF))
    pairs = [("h5py", "readinto"), ("h5py", "fromfile"), ("h5py-frames", "readinto"),
             ("beamio-link", "beamio-edf"), ("beamio-link", "readinto"), ("beamio-edf", "readinto"),
             ("fabio", "readinto")]  # fmt: skip
    for mine, theirs in pairs:
        if mine in done and theirs in done and (mine, theirs) != ("h5py", direct and direct["tool"]):
            lines.append(f"  {mine} / {theirs} = {done[mine]['seconds'] / done[theirs]['seconds']:.2f}×")
    sums = {tool: (r["sum"], tuple(r["shape"]), r["array_dtype"]) for tool, r in done.items()}
    differing = sorted(tool for tool, got in sums.items() if got != next(iter(sums.values())))
    verdict = "agree" if not differing else "DIFFER: " + ", ".join(differing)
    lines.append(f"  sums, shapes, dtypes of every reader: {verdict}")
    if check is not None:
        compared = (
            f"{dtype}: {check['frames']} frames through the link (h5py, beamio) vs np.fromfile of each EDF,"
            f" exact, dtype included; {check['segments']} external segments,"
            f" the linked file {check['linked_bytes'] / 1e3:.0f} kB"
        )
        lines.extend(check_lines(compared, check["problems"]))
    return lines


def profile(place: Path, dtype: str, options: argparse.Namespace) -> None:
    """cProfiles (stderr) of one link conversion and of beamio's read through the link."""
    out = place.parent / f"{place.name}_profiled.h5"
    run_child(SCRIPT, ["--child-convert", "link", str(place), str(out), dtype, "--profile"], options.budget)
    run_child(SCRIPT, ["--child-read", "beamio-link", str(place), str(out), "--profile"], options.budget)
    out.unlink(missing_ok=True)


def _load() -> str:
    return "load average " + ", ".join(f"{load:.2f}" for load in os.getloadavg()) + " (1, 5, 15 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100, help="EDF files in a series, a frame each (100)")
    parser.add_argument("--size", type=int, default=1024, help="frame rows where reads are measured (1024)")
    parser.add_argument("--columns", type=int, help="frame columns (twice the rows)")
    parser.add_argument(
        "--more-sizes", default="256,2048", help="more frame rows, conversions only (256,2048)"
    )
    parser.add_argument("--dtypes", default="uint16,float32", help="the series: uint16,float32")
    parser.add_argument("--parts", default="convert,read", help="convert,read (what is measured)")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: " + ",".join(TOOLS))
    parser.add_argument("--readers", default=",".join(READERS), help="comma-separated: " + ",".join(READERS))
    parser.add_argument(
        "--quick", action="store_true", help="a smoke run: 10 files of 256 and 64 rows, one run"
    )
    parser.add_argument("--folder", type=Path, help="inputs and outputs here (a temporary folder by default)")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs and the outputs")
    parser.add_argument("--runs", type=int, default=3, help="runs per tool, fresh process each (3)")
    parser.add_argument("--repeat-under", type=float, default=120.0, help="run once a tool slower than this")
    parser.add_argument("--budget", type=float, default=900.0, help="stop a run after this many seconds")
    parser.add_argument("--profile", action="store_true", help="add cProfiles of beamio's link and its read")
    parser.add_argument("--no-prime", action="store_true", help="do not touch fresh memory before a run")
    parser.add_argument(
        "--child-convert", nargs=4, metavar=("TOOL", "FOLDER", "OUT", "DTYPE"), help=argparse.SUPPRESS
    )
    parser.add_argument("--child-read", nargs=3, metavar=("TOOL", "FOLDER", "LINKED"), help=argparse.SUPPRESS)
    parser.add_argument(
        "--child-verify", nargs=3, metavar=("FOLDER", "LINKED", "DTYPE"), help=argparse.SUPPRESS
    )
    options = parser.parse_args(argv)
    if options.quick:  # its sizes, unless given
        parser.set_defaults(**QUICK)
        options = parser.parse_args(argv)
    if options.child_convert:
        tool, folder, out, dtype = options.child_convert
        options.cold = tool.endswith("-cold")
        child_edf(TOOLS[tool], folder, out, dtype, options)
        return 0
    if options.child_read:
        child_read(*options.child_read, options)
        return 0
    if options.child_verify:
        verify(*options.child_verify)
        return 0

    packages = ("numpy", "h5py", "fabio", "beamio", "beamio-edf", "beamio-nexus")
    print(machine(packages, ("core", "plugins/edf", "plugins/nexus")))
    import h5py

    print(f"HDF5 {h5py.version.hdf5_version}; {_load()}")
    temporary = options.folder is None
    folder = options.folder or Path(tempfile.mkdtemp(prefix="beamio-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    sizes = [options.size, *(int(s) for s in options.more_sizes.split(",") if s)]
    generated: list[Path] = [folder] if temporary else []  # a temporary folder goes as a whole
    try:
        series = {}
        for rows in sizes:
            wanted = argparse.Namespace(**{**vars(options), "parts": "edf", "size": rows})
            found, _, made = _inputs(wanted, folder)
            generated.extend(made if not temporary else [])
            series.update({(dtype, rows): place for dtype, place in found.items()})
        converted, reads = [], []
        for (dtype, rows), place in series.items():
            size = sum(os.path.getsize(name) for name in _series(place))
            shape = f"{options.files} files of {_shape(rows, options)} {dtype}"
            print(f"series: {place}, {shape}, {size / 1e6:.1f} MB", flush=True)
            if "convert" in options.parts:
                converted.extend(measure_conversions(place, dtype, rows, options))
            if "read" in options.parts and rows == options.size:
                reads.append(measure_reads(place, dtype, options))
        print(f"\n{_load()}\n")
        if converted:
            print("\n".join(table(converted, options)), end="\n\n")
            print("\n".join(conversion_ratios(converted, options)), end="\n\n")
        for rows_read, check in reads:
            print("\n".join(table(rows_read, options)), end="\n\n")
            print("\n".join(read_ratios(rows_read, check)), end="\n\n")
        if options.profile:
            print("profiles of one link conversion and of beamio's read through it (stderr)", flush=True)
            for (dtype, rows), place in series.items():
                if rows == options.size:
                    profile(place, dtype, options)
    finally:
        discard(generated, options.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
