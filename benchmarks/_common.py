"""What the benchmarks share: children in fresh processes, their memory peaks, the machine line."""

from __future__ import annotations

import json
import os
import platform
import select
import subprocess
import sys
import time
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
    """The commit of the beamio tree measured, and whether the measured code had uncommitted changes."""

    def git(*args: str) -> str:
        command = ["git", "-C", str(HERE.parent), *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()

    try:
        commit = git("log", "-1", "--format=%h %s")
        changed = git("status", "--porcelain", "--", *folders)
    except (OSError, subprocess.CalledProcessError):
        return "beamio: not a git checkout"
    return f"beamio: {commit}" + (f" (with uncommitted changes in {', '.join(folders)})" if changed else "")
