"""The EDF plugin passes beamio's conformance kit: small corpus files and generated multi-frame files."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

import beamio
from beamio.testing import FormatTests

from .samples import dataset, fabio_write, frame_data, pymca_write

pytest.importorskip("fabio", reason="fabio is a test dependency (requirements-test.txt)")
pytest.importorskip("PyMca5.PyMcaIO.EdfFile", reason="PyMca5 is a test dependency")

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO.parent / "shared" / "corpus" / "edf"
# Files whose headers hold every mandatory key, so that the kit's round trip compares them whole.
SMALL_CORPUS = ["bliss_chart_3.edf", "fabio_i01f0001.edf"]
SAMPLE_DIR = Path(tempfile.mkdtemp(prefix="beamio-edf-kit-"))


def _generated() -> list[Path]:
    """Multi-frame files written by beamio (big-endian, BCU keys), fabio and PyMca."""
    folder = SAMPLE_DIR / "plain"
    folder.mkdir()
    stack = [(frame_data("int16", (6, 5), i), {"title": f"frame {i}"}) for i in range(4)]
    bcu = dataset(stack, positioners={"th": np.array([0.0, 0.5, 1.0, 1.5])}, columns={"mon": np.arange(4.0)})
    beamio.write(bcu, folder / "beamio_big_endian.edf", byte_order="HighByteFirst")
    floats = [(frame_data("float32", (4, 3), i), {"i": f"{i}"}) for i in range(3)]
    fabio_write(folder / "fabio_stack.edf", floats)
    volumes = [(frame_data("uint32", (2, 3, 4), i), {}) for i in range(2)]
    pymca_write(folder / "pymca_stack.edf", volumes, "HighByteFirst")
    return sorted(folder.glob("*.edf"))


def _compressed() -> list[Path]:
    """A file of gzip data blocks, and a whole-file .gz larger than the 64 KiB head read for detection."""
    folder = SAMPLE_DIR / "compressed"
    folder.mkdir()
    stack = [(frame_data("int16", (6, 5), i), {"title": f"frame {i}"}) for i in range(4)]
    beamio.write(dataset(stack), folder / "gzip_blocks.edf", compression="gzip")
    plain = folder / "stack.edf"
    beamio.write(dataset([(frame_data("uint16", (128, 128), i), {}) for i in range(3)]), plain)
    (folder / "stack.edf.gz").write_bytes(gzip.compress(plain.read_bytes()))
    plain.unlink()
    return sorted(folder.iterdir())


_EMPTY_FILE_BUG = (
    "BUG: open(empty.bin, format='edf') returns an empty Dataset instead of raising NotThisFormat "
    "(_reader.EdfReader.read builds _empty() when index_frames finds nothing in 0 bytes); "
    "see test_bad_input.py::test_an_empty_file_is_not_edf"
)

GENERATED = _generated()
COMPRESSED = _compressed()


class TestEdfConformance(FormatTests):
    format = "edf"
    samples: ClassVar = [CORPUS / name for name in SMALL_CORPUS if (CORPUS / name).is_file()] + GENERATED

    def test_forced_format_refuses_other_formats(self) -> None:
        super().test_forced_format_refuses_other_formats()


class TestEdfCompressedConformance(FormatTests):
    """Compressed samples (data blocks, whole file) apart, where the kit finds two more bugs."""

    format = "edf"
    samples: ClassVar = COMPRESSED

    def test_forced_format_refuses_other_formats(self) -> None:
        super().test_forced_format_refuses_other_formats()

    def test_corrupted_inputs_give_format_errors(self) -> None:
        super().test_corrupted_inputs_give_format_errors()

    def test_round_trip(self) -> None:
        super().test_round_trip()
