"""What the benchmarks share: children in fresh processes, their memory, the page cache, the machine line."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

HERE = Path(__file__).resolve().parent


def status_kb(field: str, pid: str = "self") -> int:
    """A ``VmRSS``, ``VmHWM`` or ``RssAnon`` line of /proc/<pid>/status, in kB (0 once gone)."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def mb(kb: float) -> float:
    """Kibibytes to megabytes."""
    return kb * 1024 / 1e6


def run_child(script: str, args: list[str], budget: float) -> tuple[dict | None, float, dict[str, int]]:
    """Run ``script args`` in a fresh Python; return its last JSON line (None when stopped), wall time, peaks.

    The peaks are sampled from /proc/<pid>/status every 20 ms: VmHWM (exact, the
    kernel keeps it) and RssAnon (the largest sample): the child's own memory, without
    the pages of a memory-mapped file, which the kernel can drop and read again.
    Between a child's "priming" and "primed" lines nothing is sampled.
    """
    began = time.perf_counter()
    process = subprocess.Popen([sys.executable, script, *args], stdout=subprocess.PIPE)
    assert process.stdout is not None
    pid, out = str(process.pid), process.stdout.fileno()
    peaks = {"hwm_kb": 0, "anon_kb": 0}
    output, sampling = b"", True
    while True:
        if select.select([out], [], [], 0.02)[0]:
            chunk = os.read(out, 1 << 16)
            if not chunk:
                break
            output += chunk
            lines = output.splitlines()
            if b"priming" in lines:
                sampling = b"primed" in lines
        if sampling:
            peaks["hwm_kb"] = max(peaks["hwm_kb"], status_kb("VmHWM", pid))
            peaks["anon_kb"] = max(peaks["anon_kb"], status_kb("RssAnon", pid))
        if time.perf_counter() - began > budget:
            process.kill()
            process.wait()
            return None, time.perf_counter() - began, peaks
    process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed with exit code {process.returncode}")
    return json.loads(output.strip().splitlines()[-1]), time.perf_counter() - began, peaks


def run_children(
    script: str,
    args: list[str],
    label: str,
    show: Callable[[dict], str],
    *,
    runs: int,
    budget: float,
    repeat_under: float = float("inf"),
) -> tuple[list[dict], dict | None]:
    """Up to ``runs`` fresh children of ``script args``: their results, and what is known of one stopped.

    Each result gets ``hwm_kb``, the larger of the child's own ``peak_kb`` (VmHWM, if
    it said) and the sampled one, and ``anon_kb``, the sampled anonymous peak; ``show``
    makes the line printed to stderr after each run. A run that took longer than
    ``repeat_under`` seconds is the last; one over ``budget`` is stopped, and then the
    second value holds its wall time (``stopped``) and peaks (None otherwise).
    """
    results: list[dict] = []
    for _ in range(runs):
        result, wall, peaks = run_child(script, args, budget)
        if result is None:
            print(f"  {label}: stopped after {wall:.0f} s (budget)", file=sys.stderr, flush=True)
            return results, {"stopped": wall, **peaks}
        result["hwm_kb"] = max(result.pop("peak_kb", 0), peaks["hwm_kb"])
        result["anon_kb"] = peaks["anon_kb"]
        results.append(result)
        print(f"  {label}: {show(result)}", file=sys.stderr, flush=True)
        if wall > repeat_under:
            break
    return results, None


def discard(paths: Iterable[Path], keep: bool) -> None:
    """Delete the files and folders a benchmark made, or, with ``keep``, say where they are."""
    for path in paths:
        if keep:
            print(f"kept {path}")
        elif path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def read_through(path: str | os.PathLike[str]) -> None:
    """Read a file once, so that every reader after finds it in the page cache alike."""
    with open(path, "rb") as file:
        while file.read(1 << 24):
            pass


def evict(paths: list[str]) -> bool:
    """Drop files from the page cache (flushed first): the next read comes from the disk.

    ``posix_fadvise(POSIX_FADV_DONTNEED)`` drops a file's clean pages, no privilege
    needed; False where the system has no such call (the files stay cached).
    """
    if not hasattr(os, "posix_fadvise"):
        return False
    os.sync()
    for path in paths:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(descriptor)
    return True


def durable(path: str | os.PathLike[str]) -> None:
    """Wait until a written file is on the disk (``fsync``), as a copy that replaces its source must."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def prime_memory(nbytes: int) -> bool:
    """Touch ``nbytes`` of fresh memory and free it, then forget the peak it made (VmHWM).

    On a virtual machine whose free memory goes back to the host (virtio-balloon free
    page reporting, about 2 s after it is freed), the first touch of a page costs the
    host's fault: 1–2 s per GB here, against 0.13 s once the host has backed it. A
    reader that makes an array as large as the file, or a writer filling the page
    cache, would be timed on the host's state, not on its own work; the memory touched
    just before is backed, and the kernel hands recently freed pages out first. The
    parent (:func:`run_child`) does not sample the memory meanwhile. False when the
    peak cannot be reset.
    """
    import numpy as np

    def reset_peak() -> bool:
        try:
            with open("/proc/self/clear_refs", "w") as clear:
                clear.write("5")  # VmHWM starts again from the resident size
        except OSError:
            return False
        return True

    try:
        with open("/proc/meminfo") as info:
            available = next(int(line.split()[1]) * 1024 for line in info if line.startswith("MemAvailable"))
    except (OSError, StopIteration):
        return False
    if not reset_peak():  # the caller has kept the peak so far
        return False
    print("priming", flush=True)  # the parent stops sampling this process's memory
    time.sleep(0.05)
    block = np.ones(min(nbytes, available // 2), np.uint8)
    del block
    reset_peak()
    print("primed", flush=True)
    return True


@contextlib.contextmanager
def profiled(enabled: bool, what: str) -> Iterator[None]:
    """A cProfile of the block, printed to stderr, when ``enabled``."""
    if not enabled:
        yield
        return
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    yield
    profiler.disable()
    print(f"\n--- {what} ---", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).strip_dirs().sort_stats("tottime").print_stats(20)


def ratio_line(label: str, ratio: float, target: str, ok: bool) -> str:
    """One target's line: the ratio, the target, and whether it is met."""
    return f"{label:<42} = {ratio:6.2f}×  (target {target})  {'ok' if ok else 'BELOW TARGET'}"


def check_lines(compared: str, problems: list[str], most: int = 10) -> list[str]:
    """A check's line, what was compared and "equal" or how many differ, then the first problems."""
    verdict = "equal" if not problems else f"{len(problems)} DIFFER"
    return [f"{compared}: {verdict}", *("  " + problem for problem in problems[:most])]


def machine(packages: tuple[str, ...], folders: tuple[str, ...]) -> str:
    """The beamio commit measured, the CPU, Python and the versions of ``packages``."""
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            model = next(line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    versions = []
    for name in packages:
        try:
            versions.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} (not installed)")
    return (
        f"{_revision(folders)}\n"
        f"machine: {os.cpu_count()} CPUs ({len(os.sched_getaffinity(0))} usable), {model}; "
        f"Python {platform.python_version()}, {', '.join(versions)}"
    )


def _revision(folders: tuple[str, ...]) -> str:
    """The commit of the beamio tree measured and, if the measured code had uncommitted changes, their digest.

    The digest (of ``git diff HEAD`` and the untracked files in ``folders``) tells two
    results measured on different uncommitted states apart.
    """

    def git(*args: str) -> str:
        command = ["git", "-C", str(HERE.parent), *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("log", "-1", "--format=%h %s")
        changed = git("status", "--porcelain", "--", *folders)
        if not changed:
            return f"beamio: {commit}"
        digest = hashlib.sha1(git("diff", "HEAD", "--", *folders).encode())
        for name in sorted(git("ls-files", "--others", "--exclude-standard", "--", *folders).splitlines()):
            digest.update(name.encode() + (HERE.parent / name).read_bytes())
    except (OSError, subprocess.CalledProcessError):
        return "beamio: not a git checkout"
    where = ", ".join(folders)
    return f"beamio: {commit} (with uncommitted changes in {where}, digest {digest.hexdigest()[:8]})"
