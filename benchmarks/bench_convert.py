"""beamio.convert at scale beside the field's tools: an EDF series to one HDF5 stack, SPEC to NeXus.

    python benchmarks/bench_convert.py              # 2 × 100 EDF files of 1024 × 2048, 55 MB of SPEC
    python benchmarks/bench_convert.py --files 10 --size 256 --spec-mb 5   # a quick look
    python benchmarks/bench_convert.py --folder /tmp/conv --keep   # generate there once, reuse after

**The EDF series** (issue 7's exercise): ``--files`` one-frame EDF files
``frames_0000.edf`` … of ``--size`` × 2·``--size`` pixels, once float32 (a corrected
image: noisy counts divided by a flat field) and once uint16 (counts), made by
``generate_edf.generate_series`` (a powder pattern with noise, gaps, a beam stop),
each converted into one HDF5 stack by:

- ``beamio``: ``beamio.convert("<folder>/frames_*.edf", out, "nexus")``;
- ``beamio-gzip``: the same with ``compression="gzip", compression_level=4``
  (shuffle, then deflate);
- ``h5py``: a plain loop, ``fabio.open`` of each file and its ``.data`` written into
  an h5py dataset of (files, rows, columns) chunked a frame per chunk, created at the
  first file;
- ``h5py-gzip``: the same loop with h5py's ``compression="gzip",
  compression_opts=4, shuffle=True``;
- ``cat``: ``cat frames_* > out`` in a subprocess, the floor: the same bytes, no HDF5.

**SPEC → NeXus**: a SPEC file with MCA spectra from ``generate_spec.py``
(``--spec-mb``, 55) converted by ``beamio.convert(spec, "out.h5")``, by ``silx
convert spec -o out.h5`` (``silx.app.convert.main``, what the ``silx`` command runs)
and by ``spec2nexus -f -o out.h5 spec`` (``spec2nexus.nexus.main``).

Each run is a fresh Python process that converts a tiny input of the same kind
first (imports, plugins, filters), flushes the dirty pages (``os.sync``), touches and
frees fresh memory (see :func:`_common.prime_memory`), then times one conversion:
until the output file is complete, not until it is on the disk. Times are the best
of ``--runs``; a tool slower than ``--repeat-under`` s is run once, one over
``--budget`` is stopped and shown as "> N". MB/s is the input's size over the time.
Memory: the child's peak resident size (VmHWM) and its largest anonymous resident
size (sampled every 20 ms), "imports" the resident size before the conversion; the
``cat`` row shows ``cat``'s own peak (its maxrss). The inputs are read once first, so
every tool finds them in the page cache.

The same run checks the outputs: frames of every HDF5 stack (the first, the middle,
the last and two more) equal fabio's reading of their EDF files, exactly, dtype
included; beamio's SPEC output has no float32 array and its data columns equal
``silx.io.specfile``'s (float64), exactly; the dtypes of every tool's SPEC output
are printed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import (
    HERE,
    check_lines,
    discard,
    durable,
    evict,
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

from generate_edf import generate_series  # noqa: E402
from generate_spec import generate as generate_spec  # noqa: E402

EDF_TOOLS = ("cat", "beamio", "beamio-gzip", "h5py", "h5py-gzip")
SPEC_TOOLS = ("beamio", "silx", "spec2nexus")
GZIP_LEVEL = 4
DATA = "/entry/instrument/detector/data"  # where the h5py loop writes its stack
SEED = 3  # picks the frames checked beside the first, middle and last
# The targets (issue 7), on a 2-core machine.
UNCOMPRESSED_VS_CAT = 1.2  # beamio uncompressed / cat, at most
GZIP_VS_H5PY = 1.8  # h5py's gzip / beamio's gzip, at least
GZIP_SIZE = 0.01  # beamio's gzip output within this fraction of h5py's
SPEC_VS_SILX = 3.0  # silx convert / beamio, at least, with no array narrowed to these:
NARROW = ("float32", "float16")
STREAMING_MB = 300.0  # beamio's peak resident memory converting EDF, at most (issue 7's streaming)


# -- the converters: each returns what the clock times -----------------------------------------
Convert = Callable[[], object]


def _edf_cat(files: list[str], folder: str, out: str) -> Convert:
    """``cat files > out``: the bytes, no HDF5."""

    def convert() -> None:
        with open(out, "wb") as target:
            subprocess.run(["cat", *files], stdout=target, check=True)

    return convert


def _edf_beamio(files: list[str], folder: str, out: str, **options: Any) -> Convert:
    """``beamio.convert`` of the series' glob to NeXus, with the writer's ``options``."""
    import beamio

    return lambda: beamio.convert(os.path.join(folder, "frames_*.edf"), out, "nexus", **options)


def _edf_beamio_gzip(files: list[str], folder: str, out: str) -> Convert:
    return _edf_beamio(files, folder, out, compression="gzip", compression_level=GZIP_LEVEL)


def _edf_h5py(files: list[str], folder: str, out: str, **compression: Any) -> Convert:
    """fabio reads each file, h5py writes its frame into a stack made at the first."""
    import fabio
    import h5py

    def convert() -> None:
        with h5py.File(out, "w") as h5:
            for i, name in enumerate(files):
                image = fabio.open(name).data
                if i == 0:
                    shape = (len(files), *image.shape)
                    chunks = (1, *image.shape)
                    stack = h5.create_dataset(DATA, shape, image.dtype, chunks=chunks, **compression)
                stack[i] = image

    return convert


def _edf_h5py_gzip(files: list[str], folder: str, out: str) -> Convert:
    return _edf_h5py(files, folder, out, compression="gzip", compression_opts=GZIP_LEVEL, shuffle=True)


EDF_CONVERTERS = {
    "cat": _edf_cat,
    "beamio": _edf_beamio,
    "beamio-gzip": _edf_beamio_gzip,
    "h5py": _edf_h5py,
    "h5py-gzip": _edf_h5py_gzip,
}


def _spec_beamio(spec: str, out: str) -> Convert:
    import beamio

    return lambda: beamio.convert(spec, out)


def _spec_silx(spec: str, out: str) -> Convert:
    import silx.app.convert

    return lambda: silx.app.convert.main(["silx convert", spec, "-o", out, "-m", "w"])


def _spec_spec2nexus(spec: str, out: str) -> Convert:
    import spec2nexus.nexus

    def convert() -> None:
        sys.argv = ["spec2nexus", "--quiet", "-f", "-o", out, spec]  # its main reads sys.argv
        spec2nexus.nexus.main()

    return convert


SPEC_CONVERTERS = {"beamio": _spec_beamio, "silx": _spec_silx, "spec2nexus": _spec_spec2nexus}


# -- what a child process measures ------------------------------------------------------------


def _series(folder: Path) -> list[str]:
    return sorted(str(path) for path in folder.glob("frames_*.edf"))


def _quietly(convert: Convert) -> None:
    """Run a conversion, what the tool prints sent to stderr (stdout is the child's answer), no warnings."""
    import warnings

    with warnings.catch_warnings(), contextlib.redirect_stdout(sys.stderr):
        warnings.simplefilter("ignore")  # spec2nexus warns per scan; a warning is not the benchmark
        convert()


def _convert_once(
    convert: Convert, out: str, prime: int, label: str, options: argparse.Namespace, inputs: list[str]
) -> None:
    """Time one conversion into ``out``, from a flushed, primed state; print JSON.

    With ``options.cold`` (bench_link's cold rows), the ``inputs`` are dropped from the
    page cache first and the time ends when ``out`` is on the disk (``fsync``).
    """
    Path(out).unlink(missing_ok=True)
    os.sync()  # no dirty page of an earlier run is flushed while this one is timed
    primed = not options.no_prime and prime_memory(prime)
    cold = getattr(options, "cold", False) and evict(inputs)
    baseline, baseline_anon = status_kb("VmRSS"), status_kb("RssAnon")
    began = time.perf_counter()
    with profiled(options.profile, label):
        _quietly(convert)
    if cold:
        durable(out)
    seconds = time.perf_counter() - began
    result = {
        "seconds": seconds,
        "bytes": os.path.getsize(out),
        "peak_kb": status_kb("VmHWM"),
        "baseline_kb": baseline,
        "baseline_anon_kb": baseline_anon,
        "primed": primed,
        "children_peak_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,  # cat's
    }
    print(json.dumps(result))


def child_edf(tool: str, folder: str, out: str, dtype: str, options: argparse.Namespace) -> None:
    """Convert a tiny series first (imports, plugins, filters), then time the conversion of ``folder``'s."""
    converter = EDF_CONVERTERS[tool]
    with tempfile.TemporaryDirectory() as scratch:
        tiny = Path(scratch) / "series"
        files = [str(path) for path in generate_series(tiny, frames=2, shape=(16, 32), dtype=dtype)]
        _quietly(converter(files, str(tiny), f"{scratch}/tiny.h5"))
    files = _series(Path(folder))
    size = sum(os.path.getsize(name) for name in files)
    _convert_once(converter(files, folder, out), out, 2 * size, f"{tool}, {dtype} series", options, files)


def child_spec(tool: str, spec: str, out: str, options: argparse.Namespace) -> None:
    """Convert a tiny SPEC file (10 scans, one with MCA) first, then time the conversion of ``spec``."""
    converter = SPEC_CONVERTERS[tool]
    with tempfile.TemporaryDirectory() as scratch:
        tiny = Path(scratch) / "tiny.spec"
        generate_spec(tiny, scans=10)
        _quietly(converter(str(tiny), f"{scratch}/tiny.h5"))
    # The NeXus files are 3 to 6 times the SPEC file: prime at least the largest.
    _convert_once(converter(spec, out), out, 6 * os.path.getsize(spec), f"{tool}, SPEC", options, [spec])


# -- checking the outputs -----------------------------------------------------------------------
def _image_stack(h5: Any) -> Any:
    """The first dataset of three or more axes in an HDF5 file: the converted stack."""
    import h5py

    found = []

    def visit(name: str, node: Any) -> None:
        if isinstance(node, h5py.Dataset) and node.ndim >= 3 and not found:
            found.append(node)

    h5.visititems(visit)
    return found[0] if found else None


def verify_edf(folder: str, outputs: dict[str, str]) -> None:
    """Frames of each HDF5 stack against fabio's reading of their EDF files, exactly; print JSON."""
    import fabio
    import h5py
    import numpy as np

    files = _series(Path(folder))
    count = len(files)
    rng = np.random.default_rng(SEED)
    picks = sorted({0, count // 2, count - 1, *(int(i) for i in rng.integers(0, count, 2))})
    expected = {i: fabio.open(files[i]).data for i in picks}
    problems = []
    for path in outputs.values():
        with h5py.File(path, "r") as h5:
            stack = _image_stack(h5)
            if stack is None or stack.shape != (count, *expected[0].shape):
                problems.append(f"{Path(path).name}: no stack of {count} frames")
                continue
            for i in picks:
                frame = stack[i]
                if frame.dtype != expected[i].dtype or not np.array_equal(frame, expected[i]):
                    problems.append(f"{Path(path).name}: frame {i} differs from {Path(files[i]).name}")
    print(json.dumps({"frames": picks, "outputs": list(outputs), "problems": problems}))


def _numeric_dtypes(path: str) -> dict[str, dict[str, int]]:
    """How many numeric arrays of each dtype: data columns (1-D, in a measurement or data group), the rest."""
    import h5py

    found: dict[str, Counter[str]] = {"columns": Counter(), "other arrays": Counter()}

    def visit(name: str, node: Any) -> None:
        if isinstance(node, h5py.Dataset) and node.dtype.kind in "iuf" and node.size > 1:
            column = node.ndim == 1 and node.parent.name.rsplit("/", 1)[-1] in ("measurement", "data")
            found["columns" if column else "other arrays"][str(node.dtype)] += 1

    with h5py.File(path, "r") as h5:
        h5.visititems(visit)
    return {kind: dict(counts) for kind, counts in found.items()}


def verify_spec(spec: str, outputs: dict[str, str], every: int) -> None:
    """Every tool's dtypes; beamio's data columns against silx.io.specfile's, exactly; print JSON."""
    import h5py
    import numpy as np
    from silx.io.specfile import SpecFile

    dtypes = {tool: _numeric_dtypes(path) for tool, path in outputs.items()}
    problems: list[str] = []
    compared = 0
    if "beamio" in outputs:
        specfile = SpecFile(spec)
        with h5py.File(outputs["beamio"], "r") as h5:
            entries = {h5[name].attrs.get("original_name", name): h5[name] for name in h5}
            keys = specfile.keys()
            for i in range(0, len(keys), every):
                scan, key = specfile[i], keys[i]
                entry = entries.get(key)
                if entry is None:
                    problems.append(f"scan {key}: no entry in beamio's file")
                    continue
                measurement = entry["measurement"]
                columns = {measurement[n].attrs.get("original_name", n): n for n in measurement}
                for label in scan.labels:
                    found = measurement[columns[label]][()] if label in columns else None
                    theirs = scan.data_column_by_name(label)
                    if found is None or found.dtype != np.float64 or not np.array_equal(found, theirs):
                        problems.append(f"scan {key}, {label}: differs from silx's float64 column")
                compared += 1
        specfile.close()
    print(json.dumps({"dtypes": dtypes, "scans": compared, "problems": problems}))


# -- the parent: run the children, print the tables ---------------------------------------------


def _best(label: str, args: list[str], options: argparse.Namespace) -> dict:
    """Best time of up to ``--runs`` fresh children, the largest memory peaks; "stopped" at the budget."""

    def show(result: dict) -> str:
        return (
            f"{result['seconds']:.3f} s, {result['bytes'] / 1e6:.1f} MB,"
            f" peak {mb(result['hwm_kb']):.0f} MB RSS, {mb(result['anon_kb']):.0f} MB anonymous"
        )

    args = [*args, *["--no-prime"] * options.no_prime]
    runs, stopped = run_children(
        SCRIPT, args, label, show, runs=options.runs, budget=options.budget, repeat_under=options.repeat_under
    )
    if stopped is not None:
        return {**stopped, "runs": len(runs) + 1}
    best = {**runs[0], "runs": len(runs), "primed": all(r["primed"] for r in runs)}
    best.update({k: min(r[k] for r in runs) for k in ("seconds", "baseline_kb", "baseline_anon_kb")})
    best.update({k: max(r[k] for r in runs) for k in ("hwm_kb", "anon_kb", "children_peak_kb")})
    return best


def measure(
    label: str,
    size: int,
    runs: dict[str, tuple[list[str], Path]],
    verify: list[str],
    options: argparse.Namespace,
) -> tuple[list[dict], dict | None]:
    """Each tool's conversion, ``runs[tool]`` its child's arguments and output; then the check.

    The check is a child run with ``verify`` and the JSON of the HDF5 outputs; every
    output is deleted at the end unless ``--keep``, a stopped tool's always.
    """
    rows, outputs = [], {}
    try:
        for tool, (args, out) in runs.items():
            row = {"input": label, "tool": tool, "bytes_in": size, **_best(f"{label} {tool}", args, options)}
            rows.append(row)
            if "stopped" in row:
                out.unlink(missing_ok=True)  # what a stopped tool left
            elif out.suffix == ".h5":
                outputs[tool] = out
            else:
                discard([out], options.keep)
        check = None
        if outputs:
            paths = json.dumps({tool: str(out) for tool, out in outputs.items()})
            check, _, _ = run_child(SCRIPT, [*verify, paths], options.budget)
    finally:
        discard(outputs.values(), options.keep)
    return rows, check


def _edf_run(tool: str, folder: Path, dtype: str) -> tuple[list[str], Path]:
    """The child's arguments converting a series with ``tool``, and its output beside the series."""
    out = folder.parent / f"{folder.name}_{tool}.{'bin' if tool == 'cat' else 'h5'}"
    return ["--child-edf", tool, str(folder), str(out), dtype], out


def _spec_run(tool: str, spec: Path) -> tuple[list[str], Path]:
    """The child's arguments converting the SPEC file with ``tool``, and its output beside it."""
    out = spec.with_name(f"{spec.stem}_{tool}.h5")
    return ["--child-spec", tool, str(spec), str(out)], out


def profile(series: dict[str, Path], spec: Path | None, options: argparse.Namespace) -> None:
    """cProfiles (stderr) of one beamio conversion of each input, uncompressed and gzip for the series."""
    runs = [
        _edf_run(tool, place, dtype) for dtype, place in series.items() for tool in ("beamio", "beamio-gzip")
    ]
    if spec is not None:
        runs.append(_spec_run("beamio", spec))
    for args, out in runs:
        run_child(SCRIPT, [*args, "--profile", *["--no-prime"] * options.no_prime], options.budget)
        out.unlink(missing_ok=True)


def measure_edf(folder: Path, dtype: str, options: argparse.Namespace) -> tuple[list[dict], dict | None]:
    """Every tool's conversion of one series, then the check of their stacks."""
    files = _series(folder)
    for name in files:
        read_through(name)  # the page cache, for every tool alike
    runs = {tool: _edf_run(tool, folder, dtype) for tool in options.edf_tools.split(",")}
    size = sum(os.path.getsize(name) for name in files)
    return measure(dtype, size, runs, ["--child-verify-edf", str(folder)], options)


def measure_spec(spec: Path, options: argparse.Namespace) -> tuple[list[dict], dict | None]:
    """Every tool's conversion of the SPEC file, then the check of the outputs."""
    read_through(spec)
    runs = {tool: _spec_run(tool, spec) for tool in options.spec_tools.split(",")}
    verify = ["--verify-every", str(options.verify_every), "--child-verify-spec", str(spec)]
    return measure("SPEC", spec.stat().st_size, runs, verify, options)


def table(rows: list[dict]) -> list[str]:
    """The rows: time, MB/s of input, output size, memory."""
    lines = [
        f"{'input':<8} {'tool':<12} {'runs':>4} {'time s':>8} {'MB/s':>6} {'out MB':>8}"
        f" {'peak RSS MB':>11} {'peak anon MB':>12} {'imports MB':>10}"
    ]
    for r in rows:
        head = f"{r['input']:<8} {r['tool']:<12} {r['runs']:>4}"
        if "stopped" in r:
            lines.append(f"{head} {'> ' + format(r['stopped'], '.0f'):>8}  (stopped at --budget)")
            continue
        if r["tool"] == "cat":  # the child only waits: cat's own peak
            memory = f" {mb(r['children_peak_kb']):>11.0f} {'':>12} {'':>10}"
        else:
            memory = f" {mb(r['hwm_kb']):>11.0f} {mb(r['anon_kb']):>12.0f} {mb(r['baseline_kb']):>10.0f}"
        rate = r["bytes_in"] / 1e6 / r["seconds"]
        shown = f"{rate:>6.0f}" if rate >= 10 else f"{rate:>6.2f}"
        lines.append(f"{head} {r['seconds']:>8.3f} {shown} {r['bytes'] / 1e6:>8.1f}{memory}")
    if not all(r.get("primed", True) for r in rows):
        lines.append("(memory not primed before the conversions: see --no-prime)")
    return lines


def edf_ratios(rows: list[dict]) -> list[str]:
    """The targets of one series: uncompressed against cat, gzip against h5py's, in time and size."""
    done = {r["tool"]: r for r in rows if "stopped" not in r}
    dtype = rows[0]["input"]
    lines = []
    if "beamio" in done and "cat" in done:
        ratio = done["beamio"]["seconds"] / done["cat"]["seconds"]
        label = f"{dtype}, uncompressed: beamio / cat"
        lines.append(ratio_line(label, ratio, f"≤ {UNCOMPRESSED_VS_CAT:g}×", ratio <= UNCOMPRESSED_VS_CAT))
    if "beamio-gzip" in done and "h5py-gzip" in done:
        ours, theirs = done["beamio-gzip"], done["h5py-gzip"]
        ratio = theirs["seconds"] / ours["seconds"]
        label = f"{dtype}, gzip {GZIP_LEVEL}: h5py / beamio"
        lines.append(ratio_line(label, ratio, f"≥ {GZIP_VS_H5PY:g}×", ratio >= GZIP_VS_H5PY))
        ratio = ours["bytes"] / theirs["bytes"]
        label = f"{dtype}, gzip size: beamio / h5py"
        lines.append(ratio_line(label, ratio, f"1 ± {GZIP_SIZE:.0%}", abs(ratio - 1) <= GZIP_SIZE))
        lines.append(
            f"  gzip output: beamio {ours['bytes'] / 1e6:.1f} MB, h5py {theirs['bytes'] / 1e6:.1f} MB,"
            f" {ours['bytes'] / ours['bytes_in']:.2f} of the input"
        )
    for mine, theirs in (("beamio", "h5py"), ("beamio-gzip", "h5py-gzip")):
        if mine in done and theirs in done:
            ratio = done[theirs]["seconds"] / done[mine]["seconds"]
            lines.append(f"  {theirs} (fabio + h5py loop) / {mine} = {ratio:.2f}×")
    for tool in ("beamio", "beamio-gzip"):
        if tool in done:
            rss = mb(done[tool]["hwm_kb"])
            verdict = "ok" if rss < STREAMING_MB else "ABOVE TARGET"
            lines.append(
                f"  {tool} peak memory: {rss:.0f} MB RSS, {mb(done[tool]['anon_kb']):.0f} MB anonymous"
                f" (issue 7's streaming: < {STREAMING_MB:g} MB RSS: {verdict})"
            )
    return lines


def spec_ratios(rows: list[dict], check: dict | None) -> list[str]:
    """The target against silx, no narrowing, spec2nexus against beamio, and the dtypes each wrote."""
    done = {r["tool"]: r for r in rows if "stopped" not in r}
    ours = done.get("beamio")
    if ours is None:
        return []
    lines, others = [], []
    for r in rows:
        if r["tool"] == "silx" and "stopped" not in r:
            ratio = r["seconds"] / ours["seconds"]
            label = "SPEC → NeXus: silx convert / beamio"
            lines.append(ratio_line(label, ratio, f"≥ {SPEC_VS_SILX:g}×", ratio >= SPEC_VS_SILX))
        elif "stopped" in r:
            others.append(
                f"  {r['tool']} / beamio > {r['stopped'] / ours['seconds']:.0f}× (stopped at --budget)"
            )
        elif r["tool"] != "beamio":
            others.append(f"  {r['tool']} / beamio = {r['seconds'] / ours['seconds']:.2f}×")
    dtypes = check["dtypes"] if check else {}
    if "beamio" in dtypes:
        narrowed = sorted(
            {dtype for kinds in dtypes["beamio"].values() for dtype in kinds if dtype in NARROW}
        )
        verdict = "ok" if not narrowed else f"NARROWED ({', '.join(narrowed)})"
        lines.append(f"beamio: no float32 array in the file (target: no narrowing)  {verdict}")
    lines.extend(others)
    if dtypes:
        lines.append("  numeric arrays written (columns: 1-D, in a measurement or data group):")
    for tool, kinds in dtypes.items():
        shown = "; ".join(
            f"{kind}: " + ", ".join(f"{dtype} × {n}" for dtype, n in sorted(counts.items()))
            for kind, counts in kinds.items()
            if counts
        )
        lines.append(f"    {tool:<11} {shown}")
    return lines


def _inputs(options: argparse.Namespace, folder: Path) -> tuple[dict[str, Path], Path | None, list[Path]]:
    """The EDF series and the SPEC file, generated where missing; what was generated (to delete)."""
    generated: list[Path] = []
    series = {}
    shape = (options.size, options.columns or 2 * options.size)
    if "edf" in options.parts:
        for dtype in options.dtypes.split(","):
            place = folder / f"edf_{dtype}_{options.files}x{shape[0]}x{shape[1]}"
            if len(_series(place)) != options.files:
                shutil.rmtree(place, ignore_errors=True)
                began = time.perf_counter()
                generate_series(place, frames=options.files, shape=shape, dtype=dtype)
                print(f"generated {place} in {time.perf_counter() - began:.1f} s")
                generated.append(place)
            series[dtype] = place
    spec = None
    if "spec" in options.parts:
        spec = options.spec_file or folder / f"bench_{options.spec_mb:g}MB.spec"
        if not spec.exists():
            began = time.perf_counter()
            generate_spec(spec, size_mb=options.spec_mb)
            print(f"generated {spec} in {time.perf_counter() - began:.1f} s")
            generated.append(spec)
    return series, spec, generated


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", type=int, default=100, help="EDF files in a series, a frame each (100)")
    parser.add_argument("--size", type=int, default=1024, help="frame rows (1024)")
    parser.add_argument("--columns", type=int, help="frame columns (twice --size)")
    parser.add_argument("--dtypes", default="float32,uint16", help="the series converted: float32,uint16")
    parser.add_argument("--spec-mb", type=float, default=55.0, help="size of the generated SPEC file (55)")
    parser.add_argument("--spec-file", type=Path, help="use this SPEC file; generated there first if missing")
    parser.add_argument("--parts", default="edf,spec", help="edf,spec (which conversions)")
    parser.add_argument(
        "--edf-tools", default=",".join(EDF_TOOLS), help="comma-separated: " + ",".join(EDF_TOOLS)
    )
    parser.add_argument(
        "--spec-tools", default=",".join(SPEC_TOOLS), help="comma-separated: " + ",".join(SPEC_TOOLS)
    )
    parser.add_argument("--folder", type=Path, help="inputs and outputs here (a temporary folder by default)")
    parser.add_argument("--keep", action="store_true", help="keep the generated inputs and the outputs")
    parser.add_argument("--runs", type=int, default=3, help="runs per conversion, fresh process each (3)")
    parser.add_argument("--repeat-under", type=float, default=120.0, help="run once a tool slower than this")
    parser.add_argument("--budget", type=float, default=900.0, help="stop a run after this many seconds")
    parser.add_argument(
        "--verify-every", type=int, default=1, help="compare beamio's columns with silx every Nth scan"
    )
    parser.add_argument("--profile", action="store_true", help="add cProfiles of beamio's conversions")
    parser.add_argument(
        "--no-prime", action="store_true", help="do not touch fresh memory before a conversion"
    )
    parser.add_argument(
        "--child-edf", nargs=4, metavar=("TOOL", "FOLDER", "OUT", "DTYPE"), help=argparse.SUPPRESS
    )
    parser.add_argument("--child-spec", nargs=3, metavar=("TOOL", "SPEC", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--child-verify-edf", nargs=2, metavar=("FOLDER", "OUTPUTS"), help=argparse.SUPPRESS)
    parser.add_argument("--child-verify-spec", nargs=2, metavar=("SPEC", "OUTPUTS"), help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child_edf:
        tool, folder, out, dtype = options.child_edf
        child_edf(tool, folder, out, dtype, options)
        return 0
    if options.child_spec:
        child_spec(*options.child_spec, options)
        return 0
    if options.child_verify_edf:
        folder, outputs = options.child_verify_edf
        verify_edf(folder, json.loads(outputs))
        return 0
    if options.child_verify_spec:
        spec, outputs = options.child_verify_spec
        verify_spec(spec, json.loads(outputs), options.verify_every)
        return 0

    packages = (
        "numpy",
        "h5py",
        "fabio",
        "silx",
        "spec2nexus",
        "beamio",
        "beamio-edf",
        "beamio-spec",
        "beamio-nexus",
    )
    print(machine(packages, ("core", "plugins/edf", "plugins/spec", "plugins/nexus")))
    import h5py

    print(f"HDF5 {h5py.version.hdf5_version}; gzip level {GZIP_LEVEL} with shuffle")
    folder = options.folder or Path(tempfile.mkdtemp(prefix="beamio-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    series, spec, generated = _inputs(options, folder)
    shape = f"{options.size} × {options.columns or 2 * options.size}"
    try:
        edf = []
        for dtype, place in series.items():
            files = _series(place)
            size = sum(os.path.getsize(name) for name in files)
            print(f"series: {place}, {len(files)} files of {shape} {dtype}, {size / 1e6:.1f} MB")
            edf.append((dtype, *measure_edf(place, dtype, options)))
        spec_result = None
        if spec is not None:
            print(f"SPEC file: {spec}, {spec.stat().st_size / 1e6:.1f} MB")
            spec_result = measure_spec(spec, options)
        print()
        if edf:
            for line in table([row for _, rows, _ in edf for row in rows]):
                print(line)
            print()
            for dtype, rows, check in edf:
                for line in edf_ratios(rows):
                    print(line)
                if check is not None:
                    compared = (
                        f"{dtype}: {', '.join(check['outputs'])} vs fabio, exact, frames {check['frames']}"
                    )
                    print("\n".join(check_lines(compared, check["problems"])))
            print()
        if spec_result is not None:
            rows, check = spec_result
            for line in table(rows):
                print(line)
            print()
            for line in spec_ratios(rows, check):
                print(line)
            if check is not None and check["scans"]:
                compared = (
                    f"beamio's data columns vs silx.io.specfile, exact, float64: {check['scans']} scans"
                )
                compared += f" (every {options.verify_every})"
                print("\n".join(check_lines(compared, check["problems"])))
        if options.profile:
            print("\nprofiles of one beamio conversion of each input (stderr):", flush=True)
            profile(series, spec, options)
    finally:
        discard(generated, options.keep)
        if options.folder is None and not any(folder.iterdir()):
            folder.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
