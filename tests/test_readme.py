"""The README's Python example runs as written, on the sample shipped in the repository."""

from __future__ import annotations

import os
import re
import shlex
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


def test_the_series_examples_convert(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    import fabio
    import h5py
    import numpy as np

    from beamio.cli import main

    text = (REPO / "README.md").read_text()
    block = re.search(r"A series of image files converts.*?```sh\n(.*?)```", text, re.S)
    assert block, "the README lost its series examples"
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(3)
    images = [rng.poisson(20, (40, 60)).astype(np.int32) for _ in range(3)]
    for i, image in enumerate(images):
        fabio.edfimage.EdfImage(data=image, header={"title": f"frame {i}"}).write(f"frames_{i:04d}.edf")
        fabio.cbfimage.CbfImage(data=image, header={}).write(f"img_{i:05d}.cbf")
    fabio.edfimage.EdfImage(data=images[0], header={}).write("dark.edf")
    fabio.tifimage.TifImage(data=images[2], header={}).write("img_00002.tif")
    for line in block.group(1).strip().splitlines():
        words = shlex.split(line)
        assert words[0] == "beamio"
        assert main(words[1:]) == 0, line
        target = next(word for word in words if word.endswith(".h5"))
        with h5py.File(target) as h5:
            np.testing.assert_array_equal(h5["/_1_1/instrument/image/data"][...], images)
    out = capsys.readouterr().out
    assert "(edf)" in out and "(fabio)" in out and "(edf+fabio)" in out


def test_the_link_examples_run_and_reference_the_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import gzip

    import fabio
    import h5py
    import numpy as np

    from beamio.cli import main

    text = (REPO / "README.md").read_text()
    block = re.search(r"### Linking instead of copying.*?```sh\n(.*?)```", text, re.S)
    assert block, "the README lost its link examples"
    monkeypatch.chdir(tmp_path)
    images = [np.full((4, 6), i, np.uint16) + np.arange(24, dtype=np.uint16).reshape(4, 6) for i in range(3)]
    for i, image in enumerate(images):
        fabio.edfimage.EdfImage(data=image, header={"title": f"frame {i}"}).write(f"frames_{i:04d}.edf")
    for line in block.group(1).strip().splitlines():
        words = shlex.split(line.split("#")[0])
        assert main(words[1:]) == 0, line
        target = next(word for word in words if word.endswith(".h5"))
        with h5py.File(target) as h5:
            data = h5["/_1_1/instrument/image/data"]
            assert len(data.external) == 3, line
            relative = "--relative" in words
            assert [os.path.isabs(name) for name, _, _ in data.external] == [not relative] * 3
            if not relative:
                np.testing.assert_array_equal(data[...], images)
    # A compressed file among them: --link refuses it, --link=auto copies it and says so.
    with open("frames_0001.edf", "rb") as plain, gzip.open("frames_0001.edf.gz", "wb") as packed:
        packed.write(plain.read())
    os.remove("frames_0001.edf")
    capsys.readouterr()
    assert main(["convert", "frames_*", "x.h5", "--link"]) == 1
    assert main(["convert", "frames_*", "y.h5", "--link=auto"]) == 0
    assert (
        "copied the frames of 1 file:\n  frames_0001.edf.gz: the file is gzip-compressed"
        in capsys.readouterr().out
    )
