"""beamio.testing.strategies: a clear error without Hypothesis, and Datasets as their readers give them."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
from hypothesis import given, settings

import beamio
from beamio.testing import strategies


def test_without_hypothesis_the_import_error_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import beamio.testing.strategies\n"
        "except ImportError as error:\n    print(error)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert "pip install hypothesis" in done.stdout, done.stdout + done.stderr


@settings(max_examples=20, deadline=None)
@given(strategies.spec_datasets(7))
def test_a_spec_scan_holds_its_lines_and_their_values(scan: beamio.Dataset) -> None:
    assert scan.key == "7.1"
    assert scan.header.entries[0].raw.startswith("#S 7")
    assert all(np.asarray(v).dtype == np.float64 for v in scan.columns.values())
    if scan.columns:
        assert scan.header["L"].split("  ") == list(scan.columns)


@settings(max_examples=20, deadline=None)
@given(strategies.edf_datasets(2))
def test_an_edf_stack_has_the_first_frames_header(stack: beamio.Dataset) -> None:
    assert stack.key == "2.1" and stack.frames is not None
    assert stack.header is stack.frames.frame(0).header
    assert stack.header["Size"] == str(stack.frames.frame(0).data.nbytes)
