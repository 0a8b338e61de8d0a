"""Hostile input (issue 8): every fuzz target runs for a bounded time, every crash it found stays fixed.

``BEAMIO_FUZZ_SECONDS`` sets how long each target runs here (5 s by default; 0 skips
the runs, not the replays); longer runs are ``python fuzz/run.py --seconds 600``.
"""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
sys.path.insert(0, str(FUZZ))

run = importlib.import_module("run")
_target = importlib.import_module("_target")

SECONDS = int(os.environ.get("BEAMIO_FUZZ_SECONDS", "5"))
#: CPU seconds a regression input may take: some were hangs (a quadratic loop on 64 KiB), not crashes.
REPLAY_SECONDS = 5


def _regressions() -> list[tuple[str, Path]]:
    return [
        (target, path)
        for target in run.targets()
        for path in sorted((FUZZ / "regressions" / target).glob("*"))
        if path.is_file()
    ]


@pytest.mark.parametrize(("target", "path"), _regressions(), ids=[f"{t}/{p.name}" for t, p in _regressions()])
def test_a_crash_once_found_stays_fixed(target: str, path: Path) -> None:
    module = importlib.import_module(f"targets.{target}")
    start = time.process_time()
    _target.exercise(path.read_bytes(), module.FORMAT, module.SUFFIX, **getattr(module, "OPTIONS", {}))
    seconds = time.process_time() - start  # CPU time: the other processes of a busy machine add none
    assert seconds < REPLAY_SECONDS, f"{path.name} took {seconds:.1f} s of CPU: a hang that was fixed is back"


@pytest.mark.skipif(SECONDS <= 0, reason="BEAMIO_FUZZ_SECONDS=0")
@pytest.mark.parametrize("target", run.targets())
def test_the_fuzzer_finds_nothing(target: str, tmp_path: Path) -> None:
    pytest.importorskip("atheris")
    code = run.run(target, SECONDS, work=str(tmp_path))
    crashes = sorted((tmp_path / "crashes").glob("*"))
    assert code == 0 and not crashes, (
        f"{target}: the fuzzer found a problem (exit {code}); inputs: {[str(c) for c in crashes]}."
        f" Minimize with fuzz/run.py {target} --minimize CRASH and add it to fuzz/regressions/{target}/"
    )
