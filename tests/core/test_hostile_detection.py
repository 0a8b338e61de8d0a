"""Hostile input to detection (issue 8): beamio.open without a format on any bytes, any path.

Any bytes under any name open as some format or raise a FormatError (NoFormatMatched when
no format reads them), within a time and memory budget: arbitrary bytes, real files damaged,
whole-file gzip cut short. A path that is no readable file raises the operating system's
error, whose message names the path and says why.
"""

from __future__ import annotations

import gzip
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beamio
import beamio_mca.plugin
import beamio_spec.plugin
from beamio import FormatError, NoFormatMatched, Registry

FUZZ = Path(__file__).resolve().parents[2] / "fuzz"
sys.path.insert(0, str(FUZZ))
from _mutate import mutate  # noqa: E402
from _target import allocation_budget, exercise, peak_allocation  # noqa: E402

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
KIT = Path(beamio.__file__).parent / "testing" / "samples"
#: Files of the text formats and EDF, to damage (fabio's images and HDF5 have their own tests).
ORIGINALS = [
    (data[: data.rfind(b"\n", 0, 8192) + 1] if len(data) > 8192 else data)
    for data in [
        *(p.read_bytes() for p in sorted(CORPUS.glob("spec/*"))[:8] if p.is_file()),
        *(p.read_bytes() for p in sorted(CORPUS.glob("mca/*")) if p.is_file()),
        *((KIT / name).read_bytes() for name in ("sample.spec", "sample.mca", "sample.spe", "sample.csv")),
    ]
] + [(KIT / "sample.edf").read_bytes()]
#: Names a file may have: no extension, or one of a format detection knows.
SUFFIXES = st.sampled_from(["", ".spec", ".dat", ".mca", ".Spe", ".chn", ".txt", ".edf", ".bin"])

HOSTILE = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _detected_or_refused(data: bytes, suffix: str) -> None:
    """Opened as some format and read entirely, or a FormatError; within the memory budget."""
    peak = peak_allocation(data, None, suffix)
    assert peak <= allocation_budget(len(data)), f"{peak} bytes held for {len(data)} bytes of input"


@pytest.fixture(scope="module", autouse=True)
def _imports_done() -> None:
    """Detect and read a file of each format once: the readers' imports are not counted in the budget."""
    for data in ORIGINALS:
        exercise(data, None, "")


@HOSTILE
@given(st.binary(max_size=4096), SUFFIXES)
def test_any_bytes_under_any_name(data: bytes, suffix: str) -> None:
    _detected_or_refused(data, suffix)


@HOSTILE
@given(st.sampled_from(ORIGINALS), st.randoms(use_true_random=False), st.integers(1, 6), SUFFIXES)
def test_real_files_damaged(original: bytes, rng: random.Random, rounds: int, suffix: str) -> None:
    _detected_or_refused(mutate(original, rng, rounds), suffix)


@HOSTILE
@given(st.sampled_from(ORIGINALS), st.randoms(use_true_random=False), st.integers(0, 4), st.data())
def test_whole_file_gzip_damaged_or_cut_short(
    original: bytes, rng: random.Random, rounds: int, data: st.DataObject
) -> None:
    packed = gzip.compress(mutate(original, rng, rounds) if rounds else original)
    cut = data.draw(st.integers(0, len(packed)))
    _detected_or_refused(packed[:cut], data.draw(st.sampled_from([".gz", ".spec.gz", ""])))


@HOSTILE
@given(data=st.binary(max_size=1024) | st.sampled_from(ORIGINALS).map(lambda d: d[:1024]), suffix=SUFFIXES)
def test_ranking_alone_never_fails(
    data: bytes, suffix: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path = tmp_path_factory.mktemp("rank") / f"input{suffix}"
    path.write_bytes(data)
    try:
        report = beamio.detect(path)
    except FormatError:  # a damaged compression
        return
    assert all(c.outcome == "not tried" for c in report.candidates)


# -- paths that are no readable file -------------------------------------------------------------
@pytest.fixture
def spec_and_mca() -> Registry:
    """Only beamio-spec and beamio-mca: what detection says does not depend on other plugins."""
    return Registry(plugins=[beamio_spec.plugin, beamio_mca.plugin], entry_points=False)


def test_an_empty_file(tmp_path: Path, spec_and_mca: Registry) -> None:
    path = tmp_path / "empty.spec"
    path.write_bytes(b"")
    with pytest.raises(NoFormatMatched) as error:
        spec_and_mca.open(path)
    assert str(error.value) == (
        f"{path}: no installed format reads this file: it is empty (0 bytes)\n"
        "  asked: spec (refused: no #S or #F line, and not a table of numbers);"
        " mca (refused: no Amptek, Maestro or CHN header, no SPEC scan with MCA spectra,"
        " not one count per line in a .mca)"
    )


def test_a_file_of_blanks_is_not_empty(tmp_path: Path, spec_and_mca: Registry) -> None:
    path = tmp_path / "blanks.dat"
    path.write_bytes(b" \n\n\t\n")
    with pytest.raises(NoFormatMatched) as error:
        spec_and_mca.open(path)
    assert str(error.value).startswith(
        f"{path}: no installed format reads this file\n  asked: spec (refused:"
    )


def test_a_directory(tmp_path: Path, spec_and_mca: Registry) -> None:
    with pytest.raises(IsADirectoryError) as error:
        spec_and_mca.open(tmp_path)
    assert str(error.value) == f"[Errno 21] Is a directory (beamio opens files): '{tmp_path}'"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_and_a_device_are_refused_not_waited_on(tmp_path: Path, spec_and_mca: Registry) -> None:
    fifo = tmp_path / "scan.spec"
    os.mkfifo(fifo)  # reading it would wait for a writer that never comes
    for path, kind in [(fifo, "a FIFO"), (Path("/dev/null"), "a character device")]:
        expected = (
            f"[Errno 22] Is {kind}, not a file (beamio opens files: reading it could wait forever): '{path}'"
        )
        with pytest.raises(OSError) as error:
            spec_and_mca.open(path)
        assert str(error.value) == expected
        with pytest.raises(OSError) as error:
            beamio.detect(path)
        assert str(error.value) == expected
    # In a series, only files are members: the FIFO is left out, the file opens.
    (tmp_path / "scan_0001.spec").write_text("#S 1 a\n#L x\n1\n")
    os.rename(fifo, tmp_path / "scan_0002.spec")
    with spec_and_mca.open(tmp_path / "scan_*.spec") as f:
        assert list(f.paths) == [str(tmp_path / "scan_0001.spec")] and f.path == f.paths[0]
        assert f["1.1"].columns["x"].tolist() == [1.0]


def test_a_missing_file_and_a_dangling_link(tmp_path: Path, spec_and_mca: Registry) -> None:
    missing = tmp_path / "missing.spec"
    with pytest.raises(FileNotFoundError) as error:
        spec_and_mca.open(missing)
    assert str(error.value) == f"[Errno 2] No such file or directory: '{missing}'"
    dangling = tmp_path / "dangling.spec"
    dangling.symlink_to(missing)
    with pytest.raises(FileNotFoundError) as error:
        spec_and_mca.open(dangling, "spec")
    assert str(error.value) == f"[Errno 2] No such file or directory: '{dangling}'"


def test_a_loop_of_symbolic_links(tmp_path: Path, spec_and_mca: Registry) -> None:
    one, other = tmp_path / "one.spec", tmp_path / "other.spec"
    one.symlink_to(other)
    other.symlink_to(one)
    with pytest.raises(OSError) as error:
        spec_and_mca.open(one)
    assert str(error.value) == f"[Errno 40] Too many levels of symbolic links: '{one}'"
    with pytest.raises(OSError) as error:
        beamio.detect(one)
    assert str(error.value) == f"[Errno 40] Too many levels of symbolic links: '{one}'"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_a_file_without_read_permission(tmp_path: Path, spec_and_mca: Registry) -> None:
    path = tmp_path / "locked.spec"
    path.write_bytes(b"#S 1 x\n#L a\n1\n")
    path.chmod(0)
    try:
        with pytest.raises(PermissionError) as error:
            spec_and_mca.open(path)
        assert str(error.value) == f"[Errno 13] Permission denied: '{path}'"
    finally:
        path.chmod(0o644)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0, reason="root searches a folder whatever its mode"
)
def test_a_file_in_a_folder_without_search_permission(tmp_path: Path, spec_and_mca: Registry) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "scan.spec"
    path.write_bytes(b"#S 1 x\n#L a\n1\n")
    folder.chmod(0o600)
    try:
        with pytest.raises(PermissionError) as error:
            spec_and_mca.open(path)
        assert str(error.value) == f"[Errno 13] Permission denied: '{path}'"
    finally:
        folder.chmod(0o755)
