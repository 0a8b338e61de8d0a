"""SPEC → NeXus → SPEC and EDF → NeXus → EDF give back equal files, for the whole corpus.

Each file is read (A) and written as NeXus (B); B is written in the source's format
again (C), and A straight back in its own format (D). A must equal B and C must
equal D through ``beamio.testing.assert_equal`` — headers entry by entry, columns,
positioners, frames with their headers, spectra: NeXus in the middle loses nothing.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio import LossyConversionWarning
from beamio.testing import assert_equal

from ..edf.samples import fabio_write, frame_data

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"


def _files(kind: str) -> list[str]:
    folder = CORPUS / kind
    return (
        sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix != ".md")
        if folder.is_dir()
        else []
    )


def _round_trip(source: Path, tmp_path: Path, fmt: str, suffix: str) -> None:
    """A == B (NeXus) and C (back through NeXus) == D (written straight back in its own format)."""
    nexus, back, straight = tmp_path / "via.h5", tmp_path / f"back{suffix}", tmp_path / f"straight{suffix}"
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossyConversionWarning)  # nothing may be dropped on the way
        beamio.convert(source, nexus, read_format=fmt)
        with beamio.open(source, fmt) as a, beamio.open(nexus) as b:
            assert_equal(a, b)
            if fmt == "edf" and all(ds.frames is None for ds in a.datasets):
                return  # a header without its image: nothing EDF can write back (see the EDF tests)
        beamio.convert(nexus, back, fmt)
        beamio.convert(source, straight, fmt, read_format=fmt)
    with beamio.open(back, fmt) as c, beamio.open(straight, fmt) as d:
        assert_equal(d, c)


@pytest.mark.parametrize("name", _files("spec") or ["(corpus absent)"])
def test_spec_to_nexus_to_spec(name: str, tmp_path: Path) -> None:
    if not (CORPUS / "spec" / name).is_file():
        pytest.skip("the corpus is absent")
    _round_trip(CORPUS / "spec" / name, tmp_path, "spec", ".spec")


@pytest.mark.parametrize("name", _files("edf") or ["(corpus absent)"])
def test_edf_to_nexus_to_edf(name: str, tmp_path: Path) -> None:
    if not (CORPUS / "edf" / name).is_file():
        pytest.skip("the corpus is absent")
    _round_trip(CORPUS / "edf" / name, tmp_path, "edf", ".edf")


@pytest.mark.parametrize("dtype", ["uint16", "int32", "float32", "float64"])
def test_a_generated_multi_frame_edf_round_trips(dtype: str, tmp_path: Path) -> None:
    frames = [
        (
            frame_data(dtype, (6, 5), i),
            {
                "motor_mne": "th tth",
                "motor_pos": f"{i}.25 {2 * i}",
                "counter_mne": "mon det",
                "counter_pos": f"1000 {7 * i}",
                "title": f"frame {i}",
                **({"only_in_frame_2": "yes"} if i == 2 else {}),
            },
        )
        for i in range(5)
    ]
    fabio_write(tmp_path / "stack.edf", frames)
    _round_trip(tmp_path / "stack.edf", tmp_path, "edf", ".edf")
    with beamio.open(tmp_path / "via.h5") as f:
        ds = f["1.1"]
        assert ds.frames is not None and ds.frames.shape == (5, 6, 5) and ds.frames.dtype == np.dtype(dtype)
        assert ds.frames.frame(2).header["only_in_frame_2"] == "yes"
        assert "only_in_frame_2" not in ds.frames.frame(3).header
        np.testing.assert_array_equal(ds.positioners["th"], [0.25, 1.25, 2.25, 3.25, 4.25])


def test_text_hdf5_cannot_hold_comes_back_in_columns_positioners_and_sample(tmp_path: Path) -> None:
    """Text holding NUL, or a value that is not text among text, goes as JSON and comes back as it was."""
    ds = beamio.Dataset(
        "1.1",
        "t",
        {"k": "v"},
        columns={"c": np.array(["a\x00b", "c"], dtype=object), "o": np.array(["a", 1], dtype=object)},
        positioners={"m": "x\x00y"},
        sample={"name": "s\x00t"},
    )
    beamio.write(ds, tmp_path / "out.h5")
    with beamio.open(tmp_path / "out.h5") as f:
        again = f[0]
        assert list(np.asarray(again.columns["c"])) == ["a\x00b", "c"]
        assert list(np.asarray(again.columns["o"])) == ["a", 1]
        assert again.positioners["m"] == "x\x00y"
        assert again.sample["name"] == "s\x00t"
