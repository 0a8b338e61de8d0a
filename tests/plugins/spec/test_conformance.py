"""The SPEC plugin passes beamio's conformance kit."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from beamio.testing import FormatTests

REPO = Path(__file__).resolve().parents[3]
CORPUS = REPO.parent / "shared" / "corpus" / "spec"
SMALL_CORPUS = ["s2ntest_test_3.spec", "s2n_user6idd.dat", "s2ntest_n_m.txt", "s2ntest_issue109_data.txt"]


class TestSpecConformance(FormatTests):
    format = "spec"
    samples: ClassVar = [REPO / "examples" / "data" / "sample.spec"] + [
        CORPUS / name for name in SMALL_CORPUS if (CORPUS / name).is_file()
    ]
