"""Run one fuzz target for a bounded time: ``python fuzz/run.py spec --seconds 60``.

Seeds come from the target's SEEDS globs (the corpus in ../shared/corpus, the repository's
samples), each cut to 64 KiB; what the fuzzer learns stays in ``fuzz/work/TARGET/``
(ignored by git) for the next run. A crash, a timeout or an allocation over the RSS
limit is written to ``fuzz/work/TARGET/crashes/`` and the exit code is non-zero:
minimize it (``--minimize CRASH``), then copy it to ``fuzz/regressions/TARGET/``, where
tests/test_fuzz.py replays it in every test run.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import os
import shutil
import subprocess
import sys
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEED_BYTES = 64 << 10


def targets() -> list[str]:
    """The names of the fuzz targets (modules in fuzz/targets/)."""
    return sorted(
        name[:-3]
        for name in os.listdir(os.path.join(HERE, "targets"))
        if name.endswith(".py") and name[0] != "_"
    )


def _module(target: str) -> Any:
    sys.path.insert(0, HERE)
    return importlib.import_module(f"targets.{target}")


def _seed(target: str, corpus: str) -> None:
    module = _module(target)
    os.makedirs(corpus, exist_ok=True)
    for pattern in module.SEEDS:
        for path in sorted(glob.glob(os.path.join(ROOT, pattern))):
            if os.path.isfile(path):
                with open(path, "rb") as source:
                    data = source.read(SEED_BYTES)
                with open(os.path.join(corpus, "seed-" + os.path.basename(path)), "wb") as seed:
                    seed.write(data)


def _inherited_rss_mb() -> int:
    """The peak RSS the fuzzer starts with: this process's, which Linux hands on through fork and exec.

    libFuzzer limits its peak RSS (``ru_maxrss``), and a child's starts at its parent's: started
    from a test run of 1.3 GB, a fuzzer limited to 512 MB stops at its first input.
    """
    try:
        import resource
    except ImportError:  # not POSIX: nothing inherited that way
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak) >> (20 if sys.platform == "darwin" else 10)  # bytes on macOS, KiB on Linux


def run(
    target: str, seconds: int, *, rss_mb: int | None = None, timeout: int = 20, work: str | None = None
) -> int:
    """Fuzz ``target`` for ``seconds``; the fuzzer's exit code (0: nothing found).

    ``rss_mb`` defaults to the target's RSS_MB, else 2048.
    """
    rss_mb = (rss_mb or getattr(_module(target), "RSS_MB", 2048)) + _inherited_rss_mb()
    work = work or os.path.join(HERE, "work", target)
    corpus, crashes = os.path.join(work, "corpus"), os.path.join(work, "crashes")
    os.makedirs(crashes, exist_ok=True)
    _seed(target, corpus)
    command = [
        sys.executable,
        os.path.join(HERE, "harness.py"),
        corpus,
        f"-max_total_time={seconds}",
        f"-rss_limit_mb={rss_mb}",
        f"-timeout={timeout}",
        "-max_len=65536",
        f"-artifact_prefix={crashes}{os.sep}",
        "-print_final_stats=1",
    ]
    env = {**os.environ, "BEAMIO_FUZZ_TARGET": target}
    return subprocess.call(command, env=env, cwd=ROOT)


def minimize(target: str, crash: str, seconds: int = 60) -> int:
    """Shrink a crashing input to the smallest that still crashes (written beside it)."""
    command = [
        sys.executable,
        os.path.join(HERE, "harness.py"),
        "-minimize_crash=1",
        f"-max_total_time={seconds}",
        f"-exact_artifact_path={crash}.min",
        crash,
    ]
    return subprocess.call(command, env={**os.environ, "BEAMIO_FUZZ_TARGET": target}, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", nargs="?", help=f"one of: {', '.join(targets())} (default: all)")
    parser.add_argument("--seconds", type=int, default=60, help="how long to fuzz each target (60)")
    parser.add_argument("--minimize", metavar="CRASH", help="shrink this crashing input of TARGET")
    parser.add_argument("--fresh", action="store_true", help="forget what earlier runs learned")
    args = parser.parse_args(argv)
    if args.minimize:
        return minimize(args.target, args.minimize)
    failed = 0
    for target in [args.target] if args.target else targets():
        if args.fresh:
            shutil.rmtree(os.path.join(HERE, "work", target), ignore_errors=True)
        code = run(target, args.seconds)
        print(f"{target}: {'nothing found' if code == 0 else f'FOUND A PROBLEM (exit {code})'}")
        failed |= code != 0
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
