"""Round-trip properties: each writer gives back what its format holds; conversions through NeXus and CBF.

The Datasets come from :mod:`beamio.testing.strategies`, built as each format's reader
gives them back, so ``write → read`` must be equal (headers entry by entry, columns,
positioners, frames and their headers, spectra), with no ``LossyConversionWarning``.
Where a writer is lossy by design the property says what it keeps: the Amptek and
Maestro writers make their header lines from the model (values equal, and a second
round trip gives the same file back); the CBF writer keeps the frame's values (its
type too, unless it says why not). The last properties give every writer anything the
model holds: what it does not warn about must come back.

The tests at the end pin what the NeXus properties once missed: an entry without
header, keys holding "/" or of one NeXus name, frame header values that are not
text, text holding NUL, a #G1 line of words, empty start times.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beamio
from beamio import Dataset, File, LossyConversionWarning
from beamio.testing import assert_equal, differences, strategies

pytest.importorskip("h5py")
pytest.importorskip("fabio")

PROPERTY = settings(
    max_examples=int(os.environ.get("BEAMIO_EXAMPLES", "30")),  # more, to search longer: BEAMIO_EXAMPLES=2000
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.function_scoped_fixture,  # each example writes in a folder of its own (fresh())
    ],
)
EXTENSIONS = {"spec": ".spec", "edf": ".edf", "nexus": ".h5", "mca": ".mca"}
_MCA_EXTENSIONS = {"chn": ".chn", "maestro": ".Spe"}


def extension(fmt: str, variant: str | None = None) -> str:
    """The file ending of a format (of an MCA kind: .chn, .Spe, else .mca)."""
    return _MCA_EXTENSIONS.get(variant or "", EXTENSIONS[fmt])


@contextmanager
def nothing_lost() -> Iterator[None]:
    """A LossyConversionWarning is an error: the writer must keep everything."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", LossyConversionWarning)
        yield


def fresh(tmp_path: Path) -> Path:
    """A new folder under ``tmp_path`` for one example."""
    return Path(tempfile.mkdtemp(dir=tmp_path))


def written(folder: Path, data: File | Dataset, name: str, fmt: str, **options: Any) -> Path:
    """``data`` written in ``fmt`` (nothing may be lost) to ``folder/name``; a fresh name each call."""
    path = folder / name
    n = 0
    while path.exists():
        n += 1
        path = folder / f"{n}-{name}"
    with nothing_lost():
        beamio.write(data, path, fmt, **options)
    return path


def one_point(spectrum: beamio.Spectrum) -> beamio.Spectrum:
    """A spectrum of one point as a one-spectrum file gives it back: its counts and times 1-D."""
    counts = np.asarray(spectrum.counts)
    if counts.ndim < 2 or counts.shape[0] != 1:
        return spectrum
    times = {
        name: None if value is None else float(np.ravel(value)[0])
        for name in ("preset_time", "live_time", "real_time")
        for value in [getattr(spectrum, name)]
    }
    return attrs.evolve(spectrum, counts=counts[0], **times)


# -- each writer → its reader ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fmt", "variant"), [("spec", None), ("edf", None), ("mca", "spec"), ("mca", "chn"), ("mca", "column")]
)
@PROPERTY
@given(data=st.data())
def test_a_writer_gives_back_every_value_and_header_line(
    tmp_path: Path, fmt: str, variant: str | None, data: st.DataObject
) -> None:
    folder = fresh(tmp_path)
    file = data.draw(strategies.files(fmt, variant=variant or "spec"), label="file")
    options = {"variant": variant} if variant else {}
    path = written(folder, file, f"a{extension(fmt, variant)}", fmt, **options)
    with beamio.open(path, fmt) as again:
        assert_equal(file, again)
        if fmt != "mca":  # the MCA readers report negative counts, which the files hold
            assert [list(ds.diagnostics) for ds in again.datasets] == [[] for _ in again.datasets]


@PROPERTY
@given(file=strategies.files("nexus"))
def test_the_nexus_writer_gives_back_anything_the_model_holds(tmp_path: Path, file: File) -> None:
    folder = fresh(tmp_path)
    path = written(folder, file, "a.h5", "nexus")
    with beamio.open(path, "nexus") as again:
        assert_equal(file, again)
        assert [(ds.start_time, ds.end_time) for ds in again.datasets] == [
            (ds.start_time, ds.end_time) for ds in file.datasets
        ]


@pytest.mark.parametrize("variant", ["amptek", "maestro"])
@PROPERTY
@given(data=st.data())
def test_amptek_and_maestro_files_give_back_the_values_and_then_their_own_lines(
    tmp_path: Path, variant: str, data: st.DataObject
) -> None:
    """These writers make their header lines from the model: values come back, then the file does."""
    folder = fresh(tmp_path)
    file = data.draw(strategies.files("mca", variant=variant), label="file")
    first = written(folder, file, f"a{extension('mca', variant)}", "mca", variant=variant)
    with beamio.open(first, "mca") as again:
        assert_equal(file, again, check_headers=False)
        second = written(folder, again, f"b{extension('mca', variant)}", "mca", variant=variant)
    assert second.read_bytes() == first.read_bytes()


# -- through NeXus and back -----------------------------------------------------------------------
def through_nexus(folder: Path, file: File, fmt: str, **options: Any) -> None:
    """``file`` → its format (A) → NeXus (B) → its format (C): A, B and C all equal ``file``."""
    a = written(folder, file, f"a{extension(fmt, options.get('variant'))}", fmt, **options)
    with beamio.open(a, fmt) as first:
        b = written(folder, first, "b.h5", "nexus")
    with beamio.open(b, "nexus") as middle:
        assert_equal(file, middle)
        c = written(folder, middle, f"c{extension(fmt, options.get('variant'))}", fmt, **options)
    with beamio.open(c, fmt) as last:
        assert_equal(file, last)


@PROPERTY
@given(file=strategies.files("spec"))
def test_spec_to_nexus_to_spec(tmp_path: Path, file: File) -> None:
    folder = fresh(tmp_path)
    through_nexus(folder, file, "spec")


@PROPERTY
@given(file=strategies.files("edf"))
def test_edf_to_nexus_to_edf(tmp_path: Path, file: File) -> None:
    folder = fresh(tmp_path)
    through_nexus(folder, file, "edf")


@pytest.mark.parametrize("variant", ["spec", "chn", "column"])
@PROPERTY
@given(data=st.data())
def test_mca_to_nexus_to_mca(tmp_path: Path, variant: str, data: st.DataObject) -> None:
    folder = fresh(tmp_path)
    file = data.draw(strategies.files("mca", variant=variant), label="file")
    through_nexus(folder, file, "mca", variant=variant)


@pytest.mark.parametrize("variant", ["amptek", "maestro"])
@PROPERTY
@given(data=st.data())
def test_amptek_and_maestro_values_through_nexus(tmp_path: Path, variant: str, data: st.DataObject) -> None:
    folder = fresh(tmp_path)
    file = data.draw(strategies.files("mca", variant=variant), label="file")
    a = written(folder, file, f"a{extension('mca', variant)}", "mca", variant=variant)
    with beamio.open(a, "mca") as first:
        b = written(folder, first, "b.h5", "nexus")
    with beamio.open(b, "nexus") as middle:
        c = written(folder, middle, f"c{extension('mca', variant)}", "mca", variant=variant)
    assert c.read_bytes() == a.read_bytes()


_IMAGES = strategies.edf_datasets(
    dtypes=("int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64", "float32", "float64"),
    shapes=st.tuples(st.integers(1, 8), st.integers(1, 8)),
    max_frames=1,
)


@PROPERTY
@given(image=_IMAGES)
def test_edf_to_cbf_to_edf_keeps_the_values(tmp_path: Path, image: Dataset) -> None:
    """CBF holds integers: other values are rounded, and a type changes only when the writer says so."""
    folder = fresh(tmp_path)
    edf = written(folder, image, "a.edf", "edf")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always", LossyConversionWarning)
        try:
            beamio.convert(edf, folder / "b.cbf")
        except beamio.errors.UnsupportedOperation as refusal:  # NaN, values beyond int32, a step of -2**63
            assert str(refusal).startswith("cbf ") or "CBF" in str(refusal)
            return
        beamio.convert(folder / "b.cbf", folder / "c.edf")
    messages = [str(w.message) for w in said]
    with beamio.open(edf) as a, beamio.open(folder / "c.edf") as c:
        before, after = np.asarray(a[0].frames), np.asarray(c[0].frames)
        if before.dtype.kind == "f":
            assert any(f"float{8 * before.dtype.itemsize} frames" in m for m in messages)
            before = np.rint(before)
        np.testing.assert_array_equal(after, before)
        if after.dtype != before.dtype:
            assert any(f"as {after.dtype}" in m for m in messages), messages


# -- what a writer does not say it leaves out comes back ------------------------------------------
def kept(original: Dataset, again: Dataset, said: str) -> list[str]:
    """What ``again`` lacks of ``original`` (values, not headers), but what the warnings ``said``."""
    out = []
    if original.title != again.title and "title" not in said:
        out.append(f"title {original.title!r} != {again.title!r}")
    for what in ("columns", "positioners"):
        for name, value in getattr(original, what).items():
            back = getattr(again, what).get(name)
            if name in said or repr(name) in said or what[:-1] in said:
                continue
            if back is None:
                out.append(f"{what[:-1]} {name!r} is missing")
            elif np.size(value) == 1 and np.shape(value) != np.shape(back):  # one value, or one per frame
                if np.any(np.asarray(back) != np.ravel(value)[0]):
                    out.append(f"{what[:-1]} {name!r}: {value!r} != {back!r}")
            else:
                found = differences(
                    Dataset("x", **{what: {name: value}}), Dataset("x", **{what: {name: back}})
                )
                out.extend(found)
    return out


@pytest.mark.parametrize("fmt", ["spec", "edf"])
@PROPERTY
@given(data=st.data())
def test_spec_and_edf_writers_say_what_they_leave_out(tmp_path: Path, fmt: str, data: st.DataObject) -> None:
    folder = fresh(tmp_path)
    ds = data.draw(strategies.nexus_datasets("1.1"), label="dataset")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LossyConversionWarning)
        try:
            beamio.write(ds, folder / f"a{EXTENSIONS[fmt]}", fmt)
        except beamio.errors.UnsupportedOperation:
            return
    with beamio.open(folder / f"a{EXTENSIONS[fmt]}", fmt) as again:
        assert kept(ds, again[0], " | ".join(str(w.message) for w in caught)) == []


@pytest.mark.parametrize("variant", strategies.MCA_VARIANTS)
@PROPERTY
@given(data=st.data())
def test_mca_writers_say_what_they_leave_out(tmp_path: Path, variant: str, data: st.DataObject) -> None:
    """A spectrum with anything the model holds: written whole, or the writer says what it left out."""
    folder = fresh(tmp_path)
    ds = data.draw(strategies.nexus_datasets("1.1"), label="dataset")
    # MCA files name their spectra by their place (mca_0, mca_1 …): that is no loss.
    spectra = {f"mca_{k}": one_point(s) for k, s in enumerate(list(ds.spectra.values())[:1])}
    ds = Dataset("1.1", ds.title if variant != "column" else "", spectra=spectra)
    path = folder / f"a{extension('mca', variant)}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", LossyConversionWarning)
        try:
            beamio.write(ds, path, "mca", variant=variant)
        except beamio.errors.BeamioError:
            return  # refused (no spectrum; a value CHN's binary fields cannot hold): said
    if caught:
        return
    with beamio.open(path, "mca") as again:
        expected = attrs.evolve(ds, spectra={n: one_point(s) for n, s in ds.spectra.items()})
        back = attrs.evolve(again[0], spectra={n: one_point(s) for n, s in again[0].spectra.items()})
        assert differences(expected, back, check_headers=False) == []


# -- what beamio-nexus once got wrong --------------------------------------------------------------
def _nexus_round_trip(tmp_path: Path, ds: Dataset, *others: Dataset) -> File:
    beamio.write(File("<memory>", [ds, *others]), tmp_path / "x.h5")
    return beamio.open(tmp_path / "x.h5")


def test_a_dataset_without_header_comes_back_without(tmp_path: Path) -> None:
    with _nexus_round_trip(tmp_path, Dataset("1.1", "t")) as again:
        assert list(again[0].header.entries) == []


def test_a_key_holding_a_slash_comes_back(tmp_path: Path) -> None:
    ds = Dataset("a/b", "t", {"k": "v"}, columns={"x": np.arange(3.0)})
    with _nexus_round_trip(tmp_path, ds, Dataset("a", "u", {"k": "w"})) as again:
        assert [ds.key for ds in again.datasets] == ["a/b", "a"]
        assert (again["a/b"].title, again["a/b"].header["k"]) == ("t", "v")
        np.testing.assert_array_equal(again["/a/b/measurement/x"][...], np.arange(3.0))


def test_keys_of_one_nexus_name_are_two_entries(tmp_path: Path) -> None:
    with _nexus_round_trip(
        tmp_path, Dataset("a b", "t", {"k": "v"}), Dataset("a_b", "u", {"k": "w"})
    ) as again:
        assert list(again) == ["a b", "a_b"]
        assert [(ds.title, ds.header["k"]) for ds in again.datasets] == [("t", "v"), ("u", "w")]


def test_frame_header_values_keep_their_type(tmp_path: Path) -> None:
    headers = [
        beamio.Header([("count", 5), ("gain", "5"), ("roi", [1, 2.5]), ("on", True)]),
        beamio.Header([("gain", None), ("count", 6.5)]),
    ]
    stack = beamio.FrameStack.from_array(np.zeros((2, 2, 2)), headers)
    with _nexus_round_trip(tmp_path, Dataset("1.1", "t", {"k": "v"}, frames=stack)) as again:
        assert again[0].frames.frame(0).header["count"] == 5
        assert [list(again[0].frames.frame(i).header.items()) for i in range(2)] == [
            [("count", 5), ("gain", "5"), ("roi", [1, 2.5]), ("on", True)],
            [("gain", None), ("count", 6.5)],
        ]


def test_text_holding_a_nul_is_written(tmp_path: Path) -> None:
    with _nexus_round_trip(tmp_path, Dataset("1.1", "t", {"C": "a\x00b"})) as again:
        assert again[0].header["C"] == "a\x00b"


def test_text_holding_a_nul_comes_back_wherever_the_model_holds_text(tmp_path: Path) -> None:
    nul = "a\x00b"
    header = beamio.Header(
        [beamio.HeaderEntry(f"K{nul}", nul, f"#K {nul}", 1), ("L", [nul, 1]), (nul, "\x00")]
    )
    frames = beamio.FrameStack.from_array(
        np.zeros((2, 2, 2)), [header, beamio.Header([(nul, nul)])], name=nul
    )
    spectrum = beamio.Spectrum(np.arange(3), start_time=nul, rois=[beamio.Roi(nul, 0, 1)], header=header)
    ds = Dataset(
        f"1.1{nul}",
        nul,
        header,
        columns={nul: np.arange(2.0)},
        positioners={nul: 1.0},
        frames=frames,
        spectra={nul: spectrum},
        start_time=nul,
        end_time="\x00",
    )
    file = File("<memory>", [ds], header=header)
    path = written(tmp_path, file, "a.h5", "nexus")
    with beamio.open(path) as again:
        assert_equal(file, again)
        assert (again[0].start_time, again[0].end_time, again[0].spectra[nul].start_time) == (
            nul,
            "\x00",
            nul,
        )
        assert [again[0].header.entries, again.header.entries] == [header.entries, header.entries]
        assert again[0].spectra[nul].rois == spectrum.rois and again[0].frames.name == nul


def test_a_lattice_line_of_words_is_kept(tmp_path: Path) -> None:
    with _nexus_round_trip(tmp_path, Dataset("1.1", "t", {"G1": "not measured"})) as again:
        assert again[0].header["G1"] == "not measured"
        assert "unit_cell" not in again[0].sample


def test_an_empty_start_time_comes_back(tmp_path: Path) -> None:
    spectrum = beamio.Spectrum(np.arange(3), start_time="")
    ds = Dataset("1.1", "t", {"k": "v"}, spectra={"mca_0": spectrum}, start_time="", end_time="")
    with _nexus_round_trip(tmp_path, ds) as again:
        assert again[0].spectra["mca_0"].start_time == ""
        assert (again[0].start_time, again[0].end_time) == ("", "")
