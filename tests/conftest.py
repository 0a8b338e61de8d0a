"""Fixtures shared by the whole suite: the real corpus and files built on the fly."""

from __future__ import annotations

from pathlib import Path

import pytest

import beamio
import beamio.testing.toy as toy

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus"


@pytest.fixture
def corpus() -> Path:
    """The real files of ../shared/corpus; skipped with a reason where it is absent."""
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus folder {CORPUS} is absent (it is present in CI)")
    return CORPUS


@pytest.fixture
def toy_registry() -> beamio.Registry:
    """A scoped registry with only the TOY test format."""
    return beamio.Registry(plugins=[toy], entry_points=False)


@pytest.fixture
def toy_file(tmp_path: Path) -> Path:
    """A TOY file with two datasets, columns and three 2x3 frames."""
    path = tmp_path / "sample.toy"
    toy.write_sample(path)
    return path
