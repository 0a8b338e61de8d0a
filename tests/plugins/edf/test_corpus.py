"""Every EDF file of the corpus, read by beamio and by fabio, and written back by beamio.

Reading: each file opens without a diagnostic and equals fabio's reading frame by frame —
the data exactly (values and dtype) and the header, every key and value in order (fabio's
header is an ordered dict). Where fabio is wrong, KNOWN_DIFFERENCES says why and a test
below checks what beamio does instead.

Writing: EDF → beamio → EDF gives a file that reads back equal in beamio, with every source
entry present in order with its value (the writer may add the mandatory keys a source
lacked: HeaderID, Size …) and bit-identical data; fabio and PyMca's EdfFile read the
rewritten file as beamio does; the BLISS files come back byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio.errors import FormatError, UnsupportedOperation
from beamio.testing import differences

from .samples import MANDATORY, entries, pymca_header

fabio = pytest.importorskip("fabio", reason="fabio is a test dependency (requirements-test.txt)")
EdfFile = pytest.importorskip("PyMca5.PyMcaIO.EdfFile", reason="PyMca5 is a test dependency").EdfFile

#: The EDF files of ../shared/corpus/edf (SOURCES.md); a test checks the list is complete.
FILES = [
    "bliss_chart_1.edf",
    "bliss_chart_2.edf",
    "bliss_chart_3.edf",
    "fabio_F2K_Seb_Lyso0675.edf.bz2",
    "fabio_F2K_Seb_Lyso0675_header_only.edf",
    "fabio_face.edf",
    "fabio_face.edf.gz",
    "fabio_fit2d_click.edf.gz",
    "fabio_i01f0001.edf",
    "fabio_im0000.edf",
    "fabio_im0000.edf.bz2",
    "fabio_run2_1_00148.edf.gz",
    "xicam_AgB_10s_hi_1m.edf",
    "xicam_AgB_10s_lo_1m.edf",
]
TRUNCATED = "fabio_F2K_Seb_Lyso0675_header_only.edf"
BLISS = [name for name in FILES if name.startswith("bliss_")]

KNOWN_DIFFERENCES = {
    TRUNCATED: "the header promises 2048×2048 UnsignedShort (8388608 bytes) and 6928 follow it: fabio "
    "returns a full frame whose last 8381680 bytes are zeros it made up; beamio gives no frame, keeps "
    "the header on the Dataset and reports the bytes expected and found (strict: FormatError).",
}
COMPARED = [name for name in FILES if name not in KNOWN_DIFFERENCES]


@pytest.fixture
def edf(corpus: Path) -> Path:
    return corpus / "edf"


def test_the_list_names_every_corpus_file(edf: Path) -> None:
    assert sorted(p.name for p in edf.iterdir()) == sorted(FILES)


@pytest.mark.parametrize("name", COMPARED)
def test_reads_as_fabio_does(edf: Path, name: str) -> None:
    image = fabio.open(str(edf / name))
    with beamio.open(edf / name, strict=True) as f:
        assert f.format == "edf"
        assert not list(f.diagnostics)
        stack = f[0].frames
        assert len(f) == 1 and stack is not None
        assert len(stack) == image.nframes
        for i in range(image.nframes):
            expected = image.get_frame(i)
            data = stack[i]
            assert data.dtype == expected.data.dtype and data.shape == expected.data.shape
            assert np.array_equal(data, expected.data)
            assert entries(stack.frame(i).header) == list(expected.header.items())
        assert entries(f[0].header) == list(image.header.items())


def test_truncated_file_gives_no_frame_and_says_what_is_missing(edf: Path) -> None:
    path = edf / TRUNCATED
    image = fabio.open(str(path))
    with beamio.open(path) as f:
        assert list(f) == ["1.1"]
        assert f[0].frames is None
        assert entries(f[0].header) == list(image.header.items())
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, frame 0, byte offset 3072: frame 0 needs 8388608 bytes of data, the file has 6928"
            " after its header; the frame is left out"
        ]
    # What fabio does instead: a whole frame, padded with zeros past the 6928 bytes in the file.
    assert image.data.shape == (2048, 2048)
    assert not image.data.ravel()[6928 // 2 :].any()


def test_truncated_file_is_an_error_in_strict_mode(edf: Path) -> None:
    path = edf / TRUNCATED
    with pytest.raises(FormatError) as caught:
        beamio.open(path, strict=True)
    error = caught.value
    assert (error.file, error.frame, error.offset) == (str(path), 0, 3072)
    assert str(error) == (
        f"{path}, frame 0, byte offset 3072: frame 0 needs 8388608 bytes of data, the file has 6928"
        " after its header; the frame is left out"
    )


def test_a_file_without_frames_is_not_written(edf: Path, tmp_path: Path) -> None:
    with beamio.open(edf / TRUNCATED) as f, pytest.raises(UnsupportedOperation, match="has frames"):
        beamio.write(f, tmp_path / "out.edf")
    assert not (tmp_path / "out.edf").exists()


@pytest.fixture(params=COMPARED)
def rewritten(request: pytest.FixtureRequest, edf: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A corpus file and its copy written by beamio."""
    source = edf / request.param
    target = tmp_path / (request.param.split(".edf")[0] + ".copy.edf")
    beamio.convert(source, target)
    return source, target


def _is_subsequence(part: list[tuple[str, str]], whole: list[tuple[str, str]]) -> bool:
    rest = iter(whole)
    return all(item in rest for item in part)


def test_rewritten_file_reads_back_equal(rewritten: tuple[Path, Path]) -> None:
    source, target = rewritten
    with beamio.open(source) as original, beamio.open(target, strict=True) as again:
        assert differences(original, again, check_headers=False) == []
        for ds, copy in zip(original.datasets, again.datasets, strict=True):
            for frame, frame_copy in zip(ds.frames, copy.frames, strict=True):
                assert frame.data.dtype == frame_copy.data.dtype
                assert frame.data.tobytes() == frame_copy.data.tobytes()
                kept, written = entries(frame.header), entries(frame_copy.header)
                assert _is_subsequence(kept, written), f"{source.name}: {kept} is not kept in {written}"
                added = [key for key, _ in written if key not in {k for k, _ in kept}]
                assert set(added) <= set(MANDATORY), f"{source.name}: the writer added {added}"
    text = target.read_bytes()
    header_end = text.index(b"}\n") + 2
    assert header_end % 512 == 0


@pytest.mark.parametrize("name", BLISS)
def test_bliss_files_come_back_byte_for_byte(edf: Path, tmp_path: Path, name: str) -> None:
    beamio.convert(edf / name, tmp_path / name)
    assert (tmp_path / name).read_bytes() == (edf / name).read_bytes()


def test_rewritten_file_reads_the_same_in_fabio_and_pymca(rewritten: tuple[Path, Path]) -> None:
    _, target = rewritten
    image = fabio.open(str(target))
    edf = EdfFile(str(target), "rb")
    with beamio.open(target) as f:
        stack = f[0].frames
        assert image.nframes == edf.GetNumImages() == len(stack)
        for i in range(len(stack)):
            data, header = stack[i], dict(entries(stack.frame(i).header))
            by_fabio, by_pymca = image.get_frame(i).data, edf.GetData(i)
            assert data.dtype == by_fabio.dtype == by_pymca.dtype
            assert np.array_equal(data, by_fabio) and np.array_equal(data, by_pymca)
            assert dict(image.get_frame(i).header) == header
            assert pymca_header(target, i) == header
