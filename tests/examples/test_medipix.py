"""examples/medipix_fast_path.py: seeking past a 3072-byte header reads what beamio and fabio read."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import beamio

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "medipix_fast_path.py"
FRAME_BYTES = 256 * 256 * 2
# Long enough to take a 512-byte-padded header past 2560 bytes, short enough to stay within 3072.
FILLER = "x" * 2700


@pytest.fixture(scope="module")
def medipix() -> ModuleType:
    spec = importlib.util.spec_from_file_location("medipix_fast_path", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def counts() -> np.ndarray:
    # The whole uint16 range, so that a byte-order or type slip shows.
    return np.random.default_rng(5).integers(0, 65536, (256, 256)).astype(np.uint16)


def by_hand(medipix: ModuleType, path: Path, data: np.ndarray) -> None:
    medipix.write_medipix(path, data, title="by hand")


def with_fabio(medipix: ModuleType, path: Path, data: np.ndarray) -> None:
    edfimage = pytest.importorskip("fabio.edfimage")
    edfimage.EdfImage(data=data, header={"filler": FILLER}).write(str(path))


def with_beamio(medipix: ModuleType, path: Path, data: np.ndarray) -> None:
    frame = beamio.Frame(0, data, beamio.Header({"filler": FILLER}))
    dataset = beamio.Dataset("1.1", frames=beamio.FrameStack.from_frames([frame]))
    beamio.write(dataset, path, byte_order="LowByteFirst")


WRITERS: dict[str, Callable[[ModuleType, Path, np.ndarray], None]] = {
    "by hand": by_hand,
    "fabio": with_fabio,
    "beamio": with_beamio,
}


@pytest.mark.parametrize("writer", WRITERS)
def test_fast_path_equals_beamio_and_fabio(
    medipix: ModuleType, counts: np.ndarray, tmp_path: Path, writer: str
) -> None:
    fabio = pytest.importorskip("fabio")
    path = tmp_path / "medipix_0000.edf"
    WRITERS[writer](medipix, path, counts)

    head = path.read_bytes()[: medipix.HEADER_SIZE]
    assert head.startswith(b"{") and head.endswith(b"}\n") and head.count(b"}") == 1
    assert medipix.header_size(path) == 3072
    assert path.stat().st_size == 3072 + FRAME_BYTES

    fast = medipix.read_fast(path)
    with beamio.open(path) as f:
        through_beamio = f[0].frames[0]
    through_fabio = fabio.open(str(path)).data

    for data in (fast, through_beamio, through_fabio):
        assert data.dtype == np.uint16
        assert data.shape == (256, 256)
        assert np.array_equal(data, counts)
    assert np.array_equal(medipix.read_beamio(path), counts)


def test_main_checks_and_times_a_generated_file(medipix: ModuleType, capsys: pytest.CaptureFixture) -> None:
    assert medipix.main(["--repeat", "2"]) == 0

    out = capsys.readouterr().out
    assert "(256, 256) uint16, header 3072 bytes: fast path == beamio.open" in out
    assert "fast path" in out and "beamio.open" in out


def test_main_refuses_a_file_whose_header_is_not_3072_bytes(
    medipix: ModuleType, counts: np.ndarray, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "short_header.edf"
    frame = beamio.Frame(0, counts, beamio.Header({"title": "one block"}))
    beamio.write(beamio.Dataset("1.1", frames=beamio.FrameStack.from_frames([frame])), path)

    assert medipix.header_size(path) == 512
    with pytest.raises(ValueError, match="cannot reshape"):  # 2560 bytes short of a frame
        medipix.read_fast(path)
    assert medipix.main([str(path), "--repeat", "1"]) == 1
    assert "the header is 512 bytes, not 3072" in capsys.readouterr().err


def test_command_line(medipix: ModuleType, counts: np.ndarray, tmp_path: Path) -> None:
    path = medipix.write_medipix(tmp_path / "frame.edf", counts)
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(path), "--repeat", "2"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "fast path == beamio.open" in done.stdout
