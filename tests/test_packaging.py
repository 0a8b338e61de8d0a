"""Each distribution of the workspace builds its own wheel, with its entry point and data."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DISTRIBUTIONS = {
    "core": ("beamio", None),
    "plugins/spec": ("beamio_spec", "spec = beamio_spec.plugin"),
    "plugins/edf": ("beamio_edf", "edf = beamio_edf.plugin"),
    "plugins/nexus": ("beamio_nexus", "nexus = beamio_nexus.plugin"),
    "plugins/mca": ("beamio_mca", "mca = beamio_mca.plugin"),
    "plugins/sps": ("beamio_sps", "sps = beamio_sps.plugin"),
}


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("wheels")
    command = [
        sys.executable,
        "-m",
        "pip",
        "wheel",
        "--no-deps",
        "--no-build-isolation",
        "-q",
        "-w",
        str(out),
    ]
    done = subprocess.run(command + [str(REPO / d) for d in DISTRIBUTIONS], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return {w.name.split("-")[0]: w for w in out.glob("*.whl")}


@pytest.mark.venv
@pytest.mark.parametrize("folder", list(DISTRIBUTIONS))
def test_each_distribution_builds_its_own_wheel(wheels: dict[str, Path], folder: str) -> None:
    package, entry_point = DISTRIBUTIONS[folder]
    wheel = wheels[package]
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert f"{package}/__init__.py" in names
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        requires = [
            line for line in archive.read(metadata).decode().splitlines() if line.startswith("Requires-Dist")
        ]
        if entry_point is None:
            assert "beamio/testing/samples/sample.edf" in names  # the kit ships its samples
            assert "beamio/py.typed" in names
            assert {r.split(":")[1].split(">")[0].strip() for r in requires if "extra" not in r} >= {
                "numpy",
                "attrs",
                "pluggy",
            }
            assert not any("h5py" in r or "fabio" in r for r in requires)
        else:
            points = archive.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
            assert "[beamio]" in points and entry_point in points
            assert any(r.startswith("Requires-Dist: beamio") for r in requires)
        if package == "beamio_spec":  # its compiled loops, built into the wheel
            assert any(n.startswith("beamio_spec/_cspec") and n.endswith((".so", ".pyd")) for n in names)
