"""The README's Python example runs as written, on the sample shipped in the repository."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_the_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    text = (REPO / "README.md").read_text()
    block = re.search(r"## In Python\n\n```python\n(.*?)```", text, re.S)
    assert block, "the README lost its Python example"
    shutil.copytree(REPO / "examples" / "data", tmp_path / "examples" / "data")
    monkeypatch.chdir(tmp_path)
    exec(compile(block.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "spec ['1.1', '2.1']"
    assert out[1] == "(3, 16) [0.1  0.12 0.14]"
    assert (tmp_path / "sample-copy.spec").read_text().startswith("#F sample.spec")


def test_the_quick_start_converts_the_sample(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    from beamio.cli import main

    text = (REPO / "README.md").read_text()
    block = re.search(r"## Quick start\n.*?```sh\n(.*?)\n```", text, re.S)
    assert block, "the README lost its quick start"
    commands = [c.strip() for c in block.group(1).split("&&")]
    assert commands[0] == "python -m pip install -r requirements.txt"
    shutil.copytree(REPO / "examples" / "data", tmp_path / "examples" / "data")
    monkeypatch.chdir(tmp_path)
    for command in commands[1:]:
        words = command.split()
        assert words[0] == "beamio"
        assert main(words[1:]) == 0
    out = capsys.readouterr().out
    assert "wrote sample.h5" in out and "sample.h5: nexus" in out
    assert "columns (8): theta, H, K, L, Epoch, Seconds, Monitor, Detector" in out
    assert "spectrum mca_0: (3, 16) float64" in out
