"""beamio's SPEC reader side by side with silx.io.specfile and spec2nexus, in one run.

    python benchmarks/bench_spec.py                    # a 200 MB file in a temporary folder
    python benchmarks/bench_spec.py --size-mb 20       # a quick look
    python benchmarks/bench_spec.py --file /tmp/big.spec --keep   # generate once, reuse after

For each reader, each run is a fresh Python process that imports the reader, then
times (a) opening the file until its scan keys are known (the index) and (b) opening
it and reading every scan's data columns and every MCA spectrum into numpy arrays
(the full read, index included). Memory is the child's peak resident size (VmHWM,
imports included) and its largest anonymous resident size (sampled every 20 ms: the
pages of a memory-mapped file are not counted there, the kernel can drop them);
"imports" is the resident size just before opening. Timings are the best of
``--runs`` runs; a reader whose run takes longer than ``--repeat-under`` seconds is
run once, and one that exceeds ``--budget`` is stopped and reported as "> budget".
The file is read once beforehand so every reader finds it in the page cache.

The same run checks that beamio's numbers are silx's: labels, every data column and
every MCA spectrum of a sample of scans (``--verify-every``), compared exactly, and
that every reader found the same number of scans, points and spectra.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from _common import check_lines, machine, mb, read_through, run_child, run_children, status_kb

HERE = Path(__file__).resolve().parent
SCRIPT = str(Path(__file__).resolve())
TOOLS = ("beamio", "silx", "spec2nexus")
TARGET = 2.0  # the target: beamio at least twice as fast as silx


# -- what a child process measures ------------------------------------------------------------


def _beamio(path: str) -> tuple[float, float, dict[str, int]]:
    import numpy as np

    import beamio

    began = time.perf_counter()
    with beamio.open(path) as f:
        keys = list(f)
        indexed = time.perf_counter()
        points = spectra = 0
        for key in keys:
            dataset = f[key]
            columns = [dataset.columns[label] for label in dataset.columns]
            points += len(columns[0]) if columns else 0
            for spectrum in dataset.spectra.values():
                spectra += len(np.asarray(spectrum.counts))
        done = time.perf_counter()
    return indexed - began, done - began, {"scans": len(keys), "points": points, "spectra": spectra}


def _silx(path: str) -> tuple[float, float, dict[str, int]]:
    from silx.io.specfile import SpecFile

    began = time.perf_counter()
    specfile = SpecFile(path)
    keys = specfile.keys()
    indexed = time.perf_counter()
    points = spectra = 0
    for scan in specfile:
        data = scan.data  # columns × points
        points += data.shape[1] if data.ndim == 2 else 0
        mca = scan.mca
        spectra += len([mca[i] for i in range(len(mca))])
    done = time.perf_counter()
    specfile.close()
    return indexed - began, done - began, {"scans": len(keys), "points": points, "spectra": spectra}


def _spec2nexus(path: str) -> tuple[float, float, dict[str, int]]:
    # spec2nexus splits the whole file into scan blocks at open (its index) and interprets a
    # scan's lines on first use; its numbers are Python lists, made numpy arrays here so all
    # three readers hand over the same thing.
    import numpy as np
    from spec2nexus.spec import MCA_DATA_KEY, SpecDataFile

    began = time.perf_counter()
    specfile = SpecDataFile(path)
    keys = specfile.getScanNumbers()
    indexed = time.perf_counter()
    points = spectra = 0
    for scan in specfile.scans.values():
        scan.interpret()
        columns = {
            label: np.asarray(v, dtype=float) for label, v in scan.data.items() if label != MCA_DATA_KEY
        }
        points += len(next(iter(columns.values()))) if columns else 0
        for counts in scan.data.get(MCA_DATA_KEY, {}).values():
            spectra += len(np.asarray(counts, dtype=float))
    done = time.perf_counter()
    return indexed - began, done - began, {"scans": len(keys), "points": points, "spectra": spectra}


READERS = {"beamio": _beamio, "silx": _silx, "spec2nexus": _spec2nexus}


def _import(tool: str) -> None:
    """Import the reader (and numpy) before the clock starts: import time is not reading time."""
    import numpy  # noqa: F401

    if tool == "beamio":
        import beamio

        # Finding the plugins and importing the SPEC reader happen once per process, like an
        # import: do them on a one-line file, so the clock sees only the benchmark file.
        with tempfile.TemporaryDirectory() as folder:
            tiny = Path(folder) / "tiny.spec"
            tiny.write_text("#F tiny\n#S 1  ascan\n#L a  b\n1 2\n")
            with beamio.open(tiny) as f:
                len(f)
    elif tool == "silx":
        import silx.io.specfile  # noqa: F401
    else:
        import spec2nexus.spec  # noqa: F401


def child(tool: str, path: str, profile: bool) -> None:
    """Run one reader once and print what it measured as one JSON line."""
    import warnings

    warnings.simplefilter("ignore")  # spec2nexus warns per scan; a warning is not the benchmark
    _import(tool)
    baseline, baseline_anon = status_kb("VmRSS"), status_kb("RssAnon")
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
    index_s, read_s, counts = READERS[tool](path)
    if profile:
        profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr).strip_dirs().sort_stats("tottime")
        stats.print_stats(25)
    result = {
        "index_s": index_s,
        "read_s": read_s,
        "peak_kb": status_kb("VmHWM"),
        "baseline_kb": baseline,
        "baseline_anon_kb": baseline_anon,
    }
    print(json.dumps({**result, **counts}))


# -- checking the numbers ---------------------------------------------------------------------
def verify(path: str, every: int) -> None:
    """Compare beamio with silx, exactly, on every ``every``-th scan: labels, data, MCA; print JSON."""
    import numpy as np
    from silx.io.specfile import SpecFile

    import beamio

    compared = spectra = 0
    problems: list[str] = []
    specfile = SpecFile(path)
    with beamio.open(path) as f:
        if list(f) != specfile.keys():
            problems.append(f"keys differ: beamio {len(f)}, silx {len(specfile)}")
        for i in range(0, len(specfile), every):
            scan, dataset = specfile[i], f[i]
            compared += 1
            labels = list(dataset.columns)
            if labels != list(scan.labels):
                problems.append(f"scan {dataset.key}: labels {labels[:3]}… vs silx {scan.labels[:3]}…")
                continue
            data = np.array([dataset.columns[label] for label in labels])
            if data.shape != scan.data.shape or not np.array_equal(data, scan.data, equal_nan=True):
                problems.append(f"scan {dataset.key}: data differ{_difference(data, scan.data)}")
            # silx lists the spectra of every MCA of a scan one after the other
            theirs = np.array([scan.mca[j] for j in range(len(scan.mca))])
            counts = [np.asarray(spectrum.counts) for spectrum in dataset.spectra.values()]
            ours = np.concatenate(counts) if counts else np.empty((0,))
            if len(ours) != len(theirs) or (len(theirs) and not np.array_equal(ours, theirs, equal_nan=True)):
                problems.append(f"scan {dataset.key}: MCA differ{_difference(ours, theirs)}")
            spectra += len(theirs)
    specfile.close()
    print(json.dumps({"scans": compared, "spectra": spectra, "problems": problems}))


def _difference(a: object, b: object) -> str:
    import numpy as np

    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape:
        return f" in shape: {a.shape} vs {b.shape}"
    return f": largest difference {np.nanmax(np.abs(a - b)):.3g}"


# -- the parent: run the children, print the table ----------------------------------------------


def measure(tool: str, path: Path, options: argparse.Namespace) -> dict:
    """Best-of-N times and the largest memory peaks of one reader's runs."""

    def show(result: dict) -> str:
        return (
            f"index {result['index_s']:.3f} s, read all {result['read_s']:.3f} s,"
            f" peak {mb(result['hwm_kb']):.0f} MB RSS, {mb(result['anon_kb']):.0f} MB anonymous"
        )

    args = ["--child", tool, str(path)]
    runs, stopped = run_children(
        SCRIPT, args, tool, show, runs=options.runs, budget=options.budget, repeat_under=options.repeat_under
    )
    if stopped is not None:
        return {"tool": tool, **stopped, "runs": len(runs) + 1}
    best = {"tool": tool, "runs": len(runs)}
    fastest = ("index_s", "read_s", "baseline_kb", "baseline_anon_kb")
    best.update({k: min(r[k] for r in runs) for k in fastest})
    best.update({k: max(r[k] for r in runs) for k in ("hwm_kb", "anon_kb")})
    return {**best, **{k: runs[0][k] for k in ("scans", "points", "spectra")}}


def report(results: list[dict], size_mb: float) -> list[str]:
    """The table, the ratios against beamio, and the checks of what each reader found."""
    lines = [
        f"{'reader':<11} {'runs':>4} {'index s':>8} {'read all s':>10} {'peak RSS MB':>11}"
        f" {'peak anon MB':>12} {'imports MB':>10}  {'scans':>6} {'points':>7} {'spectra':>7}"
    ]
    for r in results:
        memory = f" {mb(r['hwm_kb']):>11.0f} {mb(r['anon_kb']):>12.0f}"
        if "stopped" in r:
            stopped = "> " + format(r["stopped"], ".0f")
            lines.append(f"{r['tool']:<11} {r['runs']:>4} {'':>8} {stopped:>10}{memory}  (stopped)")
            continue
        lines.append(
            f"{r['tool']:<11} {r['runs']:>4} {r['index_s']:>8.3f} {r['read_s']:>10.3f}{memory}"
            f" {mb(r['baseline_kb']):>10.0f}  {r['scans']:>6} {r['points']:>7} {r['spectra']:>7}"
        )
    lines.append("")
    ours = next((r for r in results if r["tool"] == "beamio"), None)
    if ours is None or "stopped" in ours:
        return lines
    for other in results:
        if other is ours:
            continue
        name = other["tool"]
        if "stopped" in other:
            ratio = other["stopped"] / ours["read_s"]
            lines.append(f"{name}/beamio read all > {ratio:.0f}× (stopped at the budget)")
            continue
        target = f" (target ≥ {TARGET:g}×)" if name == "silx" else ""
        for what, label in (("index_s", "index   "), ("read_s", "read all")):
            ratio = other[what] / ours[what]
            mark = ("  ok" if ratio >= TARGET else "  BELOW TARGET") if target else ""
            lines.append(f"{name}/beamio {label} = {ratio:6.2f}×{target}{mark}")
    anon, rss = mb(ours["anon_kb"]) / size_mb, mb(ours["hwm_kb"]) / size_mb
    above = mb(ours["anon_kb"] - ours["baseline_anon_kb"]) / size_mb
    verdict = "ok" if anon < 1 else "ABOVE TARGET"
    lines.append(
        f"beamio peak memory / file size = {anon:.2f} anonymous ({above:.2f} above imports),"
        f" {rss:.2f} RSS with the mapped file (target < 1: {verdict})"
    )
    finished = [r for r in results if "stopped" not in r]
    for field in ("scans", "points", "spectra"):
        if len({r[field] for r in finished}) > 1:
            found = ", ".join(f"{r['tool']} {r[field]}" for r in finished)
            lines.append(f"WARNING: the readers found different numbers of {field}: {found}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=float, default=200.0, help="size of the generated file (200)")
    parser.add_argument("--file", type=Path, help="use this SPEC file; generated there first if missing")
    parser.add_argument("--keep", action="store_true", help="keep the generated file (its path is printed)")
    parser.add_argument("--runs", type=int, default=3, help="runs per reader, fresh process each (3)")
    parser.add_argument(
        "--repeat-under", type=float, default=120.0, help="run once a reader slower than this"
    )
    parser.add_argument("--budget", type=float, default=900.0, help="stop a run after this many seconds")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated: " + ",".join(TOOLS))
    parser.add_argument("--verify-every", type=int, default=1, help="compare with silx every Nth scan (1)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of one beamio full read")
    parser.add_argument("--child", nargs=2, metavar=("TOOL", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--child-verify", metavar="FILE", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(*options.child, profile=options.profile)
        return 0
    if options.child_verify:
        verify(options.child_verify, options.verify_every)
        return 0

    print(machine(("numpy", "beamio", "beamio-spec", "silx", "spec2nexus"), ("core", "plugins/spec")))
    workdir = None
    path = options.file
    if path is None:
        workdir = tempfile.mkdtemp(prefix="beamio-bench-")
        path = Path(workdir) / f"bench_{options.size_mb:g}MB.spec"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from generate_spec import generate

        began = time.perf_counter()
        generate(path, size_mb=options.size_mb)
        print(f"generated {path} in {time.perf_counter() - began:.1f} s")
    size_mb = path.stat().st_size / 1e6
    try:
        read_through(path)  # the page cache, for every reader alike
        print(f"file: {path}, {size_mb:.1f} MB")
        results = [measure(tool, path, options) for tool in options.tools.split(",")]

        check, _, _ = run_child(
            SCRIPT, ["--child-verify", str(path), "--verify-every", str(options.verify_every)], options.budget
        )
        print()
        for line in report(results, size_mb):
            print(line)
        if check is not None:
            compared = f"beamio vs silx, exact: {check['scans']} scans (every {options.verify_every})"
            print("\n".join(check_lines(f"{compared}, {check['spectra']} spectra", check["problems"])))
        if options.profile:
            print("\nprofile of one beamio full read (stderr):", flush=True)
            run_child(SCRIPT, ["--child", "beamio", str(path), "--profile"], options.budget)
    finally:
        if workdir is not None and not options.keep:
            path.unlink(missing_ok=True)
            os.rmdir(workdir)
        elif workdir is not None:
            print(f"kept {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
