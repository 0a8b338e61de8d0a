"""The MCA plugin passes beamio's conformance kit: the corpus file and generated files of every kind."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import ClassVar

from beamio.testing import FormatTests

from . import samples

FOLDER = Path(tempfile.mkdtemp(prefix="beamio-mca-kit-"))
COUNTS = samples.peak_counts(64)
GENERATED = [
    samples.write(FOLDER, "amptek.mca", samples.amptek(COUNTS)),
    samples.write(FOLDER, "maestro.Spe", samples.maestro(COUNTS)),
    samples.write(FOLDER, "offset.chn", samples.chn(COUNTS, first=16)),
    samples.write(FOLDER, "pymca.mca", samples.pymca_mca(COUNTS)),
]


class TestMcaConformance(FormatTests):
    format = "mca"
    samples: ClassVar = GENERATED + ([samples.CORPUS_MCA] if samples.CORPUS_MCA.is_file() else [])
