"""The library type-checks: mypy over the core and the plugins, as developers run it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_mypy_is_clean() -> None:
    beside = Path(sys.executable).with_name("mypy")
    mypy = str(beside) if beside.exists() else shutil.which("mypy")
    if mypy is None:
        pytest.skip("mypy is not installed (pip install -r requirements-test.txt)")
    sources = ["core/src/beamio", *sorted(str(p.relative_to(REPO)) for p in REPO.glob("plugins/*/src"))]
    done = subprocess.run([mypy, *sources], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
