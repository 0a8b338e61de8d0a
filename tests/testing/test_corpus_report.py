"""docs/corpus-report.md is what `python -m beamio.testing.corpus` writes today (regenerate it when not)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from beamio.testing import corpus as report

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "docs" / "corpus-report.md"
REGENERATE = "python -m beamio.testing.corpus ../shared/corpus docs/corpus-report.md"
#: Small files of each kind, for the fast check: a scan with diagnostics, an EDF image, an MCA spectrum.
SMALL = ["spec/s2ntest_issue216_scan1.spec", "edf/fabio_im0000.edf.bz2", "mca/pymca_XRFSpectrum.mca"]


def _by_file(page: str) -> dict[str, tuple[str, str]]:
    """Each file's table row and details section."""
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]+)` \|.*$", page, re.M)}
    details = {
        m.group(1): m.group(2).strip()
        for m in re.finditer(r"^### `([^`]+)`\n(.*?)(?=^### |\Z)", page, re.M | re.S)
    }
    return {name: (row, details.get(name, "")) for name, row in rows.items()}


def _survey(corpus: Path, names: list[str] | None = None) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return report.render(report.survey(corpus, names), corpus.name)


def test_the_small_files_rows_are_up_to_date(corpus: Path) -> None:
    fresh, committed = _by_file(_survey(corpus, SMALL)), _by_file(COMMITTED.read_text(encoding="utf-8"))
    for name in SMALL:
        assert fresh[name] == committed.get(name), f"{name} changed: regenerate the report ({REGENERATE})"


@pytest.mark.slow
def test_the_whole_report_is_up_to_date(corpus: Path) -> None:
    """The whole corpus, about 90 s: run with -m slow."""
    assert _survey(corpus) == COMMITTED.read_text(encoding="utf-8"), f"regenerate the report: {REGENERATE}"


def test_the_report_names_each_round_trip_and_what_was_said(tmp_path: Path) -> None:
    source = tmp_path / "corpus" / "spec"
    source.mkdir(parents=True)
    (source / "a.spec").write_text("#F a\n\n#S 1 ascan  th 0 1 1 1\n#N 2\n#L th  det\n0 1\n1 nan\n")
    assert report.main([str(tmp_path / "corpus"), str(tmp_path / "report.md")]) == 0
    page = (tmp_path / "report.md").read_text()
    assert "| `spec/a.spec` | spec | 1 dataset, 1 scan | equal | equal | — | equal | — | — | 0 |" in page
    assert str(tmp_path) not in page


def test_the_report_says_which_frames_link_in_place(tmp_path: Path) -> None:
    import gzip

    import fabio
    import numpy as np

    source = tmp_path / "corpus" / "edf"
    source.mkdir(parents=True)
    fabio.edfimage.EdfImage(data=np.arange(12, dtype=np.uint16).reshape(3, 4), header={}).write(
        str(source / "plain.edf")
    )
    (source / "packed.edf.gz").write_bytes(gzip.compress((source / "plain.edf").read_bytes()))
    assert report.main([str(tmp_path / "corpus"), str(tmp_path / "report.md")]) == 0
    rows = _by_file((tmp_path / "report.md").read_text())
    linked = 3 + report.TRIPS.index("→ NeXus linked")  # after the file, its format, what it holds
    assert [rows[name][0].split(" | ")[linked] for name in ("edf/plain.edf", "edf/packed.edf.gz")] == [
        "equal",
        "refused",
    ]
    assert "the file is gzip-compressed as a whole" in (tmp_path / "report.md").read_text()
