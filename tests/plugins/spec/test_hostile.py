"""Hostile input to the SPEC reader (issue 8): it opens and reads, or is a FormatError saying where.

Hypothesis feeds the reader arbitrary bytes, lines of SPEC with bytes of anything in them,
and real files damaged as files get damaged — compiled and pure, lenient and strict —
within a time and memory budget. Hand-made broken files check each message word for word.
"""

from __future__ import annotations

import os
import random
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beamio
from beamio import FormatError, NotThisFormat
from beamio_spec import _compiled, _lines, _numbers

from .samples import HEADER, MCA, SCAN, write

FUZZ = Path(__file__).resolve().parents[3] / "fuzz"
sys.path.insert(0, str(FUZZ))
from _mutate import TOKENS, mutate  # noqa: E402
from _target import allocation_budget, exercise, peak_allocation  # noqa: E402

CORPUS = Path(__file__).resolve().parents[3].parent / "shared" / "corpus" / "spec"
#: Real files to damage: the corpus (its first 8 KiB, at a line end) and the samples of these tests.
ORIGINALS = [
    (data[: data.rfind(b"\n", 0, 8192) + 1] if len(data) > 8192 else data)
    for data in [p.read_bytes() for p in sorted(CORPUS.glob("*")) if p.is_file()]
] + [(HEADER + SCAN).encode(), (HEADER + SCAN + "\n" + MCA).encode()]

HOSTILE = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LINE = st.sampled_from(
    [
        "#F x.spec", "#E 1700000000", "#D Tue Nov 14 22:13:20 2023", "#O0 th  tth", "#o0 th tth",
        "#J0 sec  mon", "#j0 sec mon", "#S 1  ascan th 0 1 2 0.1", "#S 2 ct", "#S", "#N 3", "#N 5 2",
        "#N 1000000000", "#L a  b  c", "#L a b c", "#P0 1 2", "#H0 t  p", "#V0 1 x", "#@MCA 16C",
        "#@CHANN 4 0 3 1", "#@CHANN 1000000000000 0 1 1", "#@CALIB 1 2 3", "#@CTIME 1 2 3", "#@ROI r 0 3",
        "@A 1 2 3 4", "@A 1 2\\", "@A1 5 6 7 8", "1 2 3", "4 5", "nan inf -0", "1e308 1e-320 4e-324",
        "9007199254740993", "#C comment", "", "   ",
    ]
).map(str.encode)  # fmt: skip


@st.composite
def spec_like(draw: st.DrawFn) -> bytes:
    """Lines of SPEC, some with bytes of anything put in, joined by LF or CR LF, ended or not."""
    lines = []
    for line in draw(st.lists(LINE | st.binary(max_size=24), max_size=30)):
        if draw(st.integers(0, 4)) == 0:
            at = draw(st.integers(0, len(line)))
            line = line[:at] + draw(st.sampled_from(TOKENS) | st.binary(max_size=4)) + line[at:]
        lines.append(line)
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    return newline.join(lines) + (newline if draw(st.booleans()) else b"")


@contextmanager
def _path(pure: bool) -> Iterator[None]:
    """The reader's compiled loops, or their Python twins."""
    before = os.environ.get("BEAMIO_SPEC_PURE")
    os.environ["BEAMIO_SPEC_PURE"] = "1" if pure else "0"
    try:
        yield
    finally:
        if before is None:
            del os.environ["BEAMIO_SPEC_PURE"]
        else:
            os.environ["BEAMIO_SPEC_PURE"] = before


def _opens_or_refuses(data: bytes, strict: bool, pure: bool) -> None:
    """Opened and read entirely, or a FormatError; within the memory budget."""
    with _path(pure):
        peak = peak_allocation(data, "spec", ".spec", strict=strict)
    assert peak <= allocation_budget(len(data)), f"{peak} bytes held for {len(data)} bytes of input"


@pytest.fixture(scope="module", autouse=True)
def _imports_done() -> None:
    """Read a file once, so that the reader's imports are not counted in the memory budget."""
    exercise((HEADER + SCAN + "\n" + MCA).encode(), "spec", ".spec")


# -- properties ----------------------------------------------------------------------------------
@HOSTILE
@given(st.binary(max_size=4096), st.booleans(), st.booleans())
def test_any_bytes(data: bytes, strict: bool, pure: bool) -> None:
    _opens_or_refuses(data, strict, pure)


@HOSTILE
@given(spec_like(), st.booleans(), st.booleans())
def test_lines_of_spec_with_anything_in_them(data: bytes, strict: bool, pure: bool) -> None:
    _opens_or_refuses(data, strict, pure)


@HOSTILE
@given(st.sampled_from(ORIGINALS), st.randoms(use_true_random=False), st.integers(1, 6), st.booleans())
def test_real_files_damaged(original: bytes, rng: random.Random, rounds: int, strict: bool) -> None:
    _opens_or_refuses(mutate(original, rng, rounds), strict, pure=False)


@pytest.mark.skipif(_compiled.module() is None, reason="the compiled loops are not built")
@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512) | spec_like(), st.integers(1, 10**6))
def test_the_compiled_lines_agree_with_their_twin_on_any_bytes(data: bytes, first_line: int) -> None:
    assert _lines.split_block(data, first_line) == _lines.split_block_python(data, first_line)


# -- a file cut short ------------------------------------------------------------------------------
SAMPLE = (HEADER + SCAN + "\n" + MCA).encode()
SAMPLE_LINES = SAMPLE.split(b"\n")[:-1]
#: What a file cut after line N (the line ends included) says: nothing, but for these cuts.
SAID_WHEN_CUT_AFTER = {
    38: [("5.1", 38, "MCA @A1: #@CHANN says 6 channels, the spectrum has 3")],  # inside @A1 1 2 3\ …
    41: [
        ("5.1", 38, "MCA @A1: 1 spectra for 2 data points"),
        ("5.1", 40, "MCA @A2: 1 spectra for 2 data points"),
    ],
    42: [("5.1", 40, "MCA @A2: 1 spectra for 2 data points")],
}
UNFINISHED = "the file ends inside this line (no newline after it): left out, as a line still being written"


def _read(path: Path, strict: bool = False) -> tuple[dict[str, dict[str, list[float]]], list[tuple]]:
    """Every column of every scan, and every diagnostic as (scan, line, message)."""
    with beamio.open(path, "spec", strict=strict) as f:
        columns = {ds.key: {n: np.asarray(c).tolist() for n, c in ds.columns.items()} for ds in f.datasets}
        for ds in f.datasets:
            for spectrum in ds.spectra.values():
                np.asarray(spectrum.counts)
        return columns, [(d.scan, d.line, d.message) for d in f.diagnostics]


def _ends() -> list[int]:
    """The offset after each line's newline."""
    return list(np.cumsum([len(line) + 1 for line in SAMPLE_LINES]))


def test_a_file_cut_after_any_line_reads_what_it_holds_and_says_what_it_lost(tmp_path: Path) -> None:
    whole, _ = _read(write(tmp_path, SAMPLE.decode(), "whole.spec"))
    for n, end in enumerate(_ends(), 1):
        cut = tmp_path / "cut.spec"
        cut.write_bytes(SAMPLE[:end])
        columns, said = _read(cut)
        assert said == SAID_WHEN_CUT_AFTER.get(n, []), f"cut after line {n}"
        for key, named in columns.items():  # each column holds the first values of the whole file's
            for name, values in named.items():
                assert values == whole[key][name][: len(values)], f"cut after line {n}: {key} {name}"


def test_a_file_cut_inside_a_line_leaves_that_line_out_and_says_so(tmp_path: Path) -> None:
    ends = [0, *_ends()]
    for n, line in enumerate(SAMPLE_LINES, 1):
        before, _ = _read(_cut(tmp_path, ends[n - 1])) if n > 1 else ({}, [])
        first = 3 if n == 1 else 1  # "#F " at least: "#" alone is no SPEC file
        for inside in sorted({first, len(line) // 2, len(line)} & set(range(1, len(line) + 1))):
            path = _cut(tmp_path, ends[n - 1] + inside)
            scan = "5.1" if n > 30 else "1.1" if n > 12 else None
            columns, said = _read(path)
            lost = [(scan, n, UNFINISHED)] if line[:inside].strip() else []  # blanks lose nothing
            assert said == [*lost, *SAID_WHEN_CUT_AFTER.get(n - 1, [])], f"cut inside line {n}"
            assert columns == before, f"cut inside line {n}"
            if not lost:
                continue
            with pytest.raises(FormatError) as error:
                _read(path, strict=True)
            place = f"{path}, scan {scan}, line {n}" if scan else f"{path}, line {n}"
            assert str(error.value) == f"{place}: {UNFINISHED}"


def _cut(tmp_path: Path, end: int) -> Path:
    path = tmp_path / f"cut{end}.spec"
    path.write_bytes(SAMPLE[:end])
    return path


def test_a_file_of_one_unfinished_line(tmp_path: Path) -> None:
    path = write(tmp_path, "#F demo.sp")
    with beamio.open(path) as f:
        assert len(f) == 0
        assert [str(d) for d in f.diagnostics] == [f"{path}, line 1: {UNFINISHED}"]


def test_an_empty_file_is_not_spec(tmp_path: Path) -> None:
    path = write(tmp_path, "")
    with pytest.raises(NotThisFormat) as error:
        beamio.open(path, "spec")
    assert str(error.value) == f"{path}: no #S or #F line, and not a table of numbers"


# -- header values that lie, and enormous ones -------------------------------------------------
def _diagnostics_and_peak(path: Path) -> tuple[list[str], int]:
    peak = peak_allocation(path.read_bytes(), "spec", ".spec")
    with beamio.open(path) as f:
        for ds in f.datasets:
            dict(ds.columns), [np.asarray(s.counts) for s in ds.spectra.values()]
        return [str(d) for d in f.diagnostics], peak


def test_n_promising_a_billion_columns(tmp_path: Path) -> None:
    path = write(tmp_path, "#S 1 x\n#N 1000000000\n#L a  b\n1 2\n3 4\n")
    said, peak = _diagnostics_and_peak(path)
    assert said == [f"{path}, scan 1.1, line 2: #N says 1000000000 columns, #L names 2"]
    assert peak < 1 << 20
    with beamio.open(path) as f:
        assert {k: v.tolist() for k, v in f["1.1"].columns.items()} == {"a": [1, 3], "b": [2, 4]}


def test_n_promising_rows_of_a_billion_values_written_one_per_line(tmp_path: Path) -> None:
    path = write(tmp_path, "#S 1 x\n#N 1000000000 1\n#L a  b\n1 2\n3 4\n")
    said, peak = _diagnostics_and_peak(path)
    assert said == [
        f"{path}, scan 1.1, line 2: #N says 1000000000 columns, #L names 2",
        f"{path}, scan 1.1, line 3: #L names 2 columns, the data has 4; the others are named column_N",
    ]  # the rows never complete: what there is makes one row
    assert peak < 1 << 20


def test_chann_promising_a_trillion_channels(tmp_path: Path) -> None:
    path = write(tmp_path, "#S 1 x\n#@CHANN 1000000000000 0 999999999999 1\n#L a\n1\n@A 1 2 3 4\n")
    said, peak = _diagnostics_and_peak(path)
    assert said == [
        f"{path}, scan 1.1, line 5: MCA @A: #@CHANN says 1000000000000 channels, the spectrum has 4"
    ]
    assert peak < 1 << 20
    with beamio.open(path) as f:
        spectrum = f["1.1"].spectra["mca_0"]
        assert spectrum.counts.shape == (1, 4) and spectrum.channels.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("#@CHANN nan", "MCA @A: #@CHANN says nan channels, the spectrum has 2"),
        ("#@CHANN 1e999 0 1 1", "MCA @A: #@CHANN says inf channels, the spectrum has 2"),
        ("#@CHANN 3 0 2 1", "MCA @A: #@CHANN says 3 channels, the spectrum has 2"),
    ],
)
def test_chann_that_is_no_channel_count(tmp_path: Path, header: str, message: str) -> None:
    path = write(tmp_path, f"#S 1 x\n{header}\n@A 1 2\n")
    assert _diagnostics_and_peak(path)[0] == [f"{path}, scan 1.1, line 3: {message}"]


@pytest.mark.parametrize(
    "n",
    ["² 1", "9" * 5000 + " 1", "-3 1", "1_0 1", "٣ 1"],
    ids=["superscript", "5000 digits", "negative", "underscore", "arabic-indic"],
)
def test_n_that_is_no_column_count_wraps_nothing(tmp_path: Path, n: str) -> None:
    path = write(tmp_path, f"#S 1 x\n#N {n}\n#L a  b\n1 2\n3 4\n")
    with beamio.open(path) as f:
        assert {k: v.tolist() for k, v in f["1.1"].columns.items()} == {"a": [1, 3], "b": [2, 4]}


def test_line_numbers_in_keys_that_are_not_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, "#O² a\n#O1 b  c\n#S 1 x\n#P² 5\n#P1 6 7\n#S ² y\n#L a\n1\n")
    with beamio.open(path) as f:
        assert list(f) == ["1.1", "0.1"]  # a scan number is ASCII digits
        assert f["1.1"].positioners == {"b": 6.0, "c": 7.0}
        assert f["1.1"].header["P²"] == "5"  # kept, as every line is


# -- bytes of another encoding, NUL, CR LF ---------------------------------------------------
def test_bytes_that_are_not_utf8_are_kept_and_never_read_as_numbers(tmp_path: Path) -> None:
    path = tmp_path / "latin1.spec"
    path.write_bytes(
        b"#O0 \xe9ta  b\xff\n#S 1 caf\xe9 \xff\n#P0 1 \xfe\n#V0 \xff\n#L \xff\xfe  b\n1 2\n@A\xff 1 2\n"
    )
    with beamio.open(path) as f:
        scan = f["1.1"]
        assert scan.title == "caf\udce9 \udcff"  # the bytes, as surrogate escapes: written back as they were
        assert list(scan.columns) == ["\udcff\udcfe", "b"]
        assert scan.positioners["\udce9ta"] == 1.0 and np.isnan(scan.positioners["b\udcff"])
        assert scan.spectra["mca_0"].header["mca"] == "@A\udcff"
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan 1.1, line 3: #P0 value '\\udcfe' is not a number; read as NaN",
            f"{path}, scan 1.1, line 4: #V0 gives 1 values for 0 names in #H",
        ]


def test_nul_bytes_in_rows(tmp_path: Path) -> None:
    path = tmp_path / "nul.spec"
    path.write_bytes(b"#S 1 x\n#L a  b\n1 2\x00\n3\x004\n\x00\n5 6\n")
    with beamio.open(path) as f:
        columns = {k: v.tolist() for k, v in f["1.1"].columns.items()}
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan 1.1, line 3, column 2: '2\\x00' is not a number; read as NaN",
            f"{path}, scan 1.1, line 4: 1 values where the scan has 2 columns; row left out",
            f"{path}, scan 1.1, line 5: 1 values where the scan has 2 columns; row left out",
        ]
    assert columns["a"] == [1, 5] and np.isnan(columns["b"][0]) and columns["b"][1] == 6


@pytest.mark.parametrize("newline", ["\r\n", "mixed"])
def test_crlf_reads_every_value_as_lf_does(tmp_path: Path, newline: str) -> None:
    text = HEADER + SCAN + "\n" + MCA
    lines = text.split("\n")
    crlf = (
        text.replace("\n", "\r\n")
        if newline == "\r\n"
        else "".join(line + ("\r\n" if i % 2 else "\n") for i, line in enumerate(lines[:-1]))
    )
    with (
        beamio.open(write(tmp_path, text, "lf.spec")) as lf,
        beamio.open(write(tmp_path, crlf, "crlf.spec")) as cr,
    ):
        assert [str(d) for d in cr.diagnostics] == []
        assert cr.header.entries == lf.header.entries
        for a, b in zip(lf.datasets, cr.datasets, strict=True):
            assert [(e.key, e.value) for e in a.header.entries] == [
                (e.key, e.value) for e in b.header.entries
            ]
            assert not any("\r" in str(e.value) or "\r" in (e.raw or "") for e in b.header.entries)
            assert a.title == b.title and a.positioners == b.positioners and a.instrument == b.instrument
            for name in a.columns:
                np.testing.assert_array_equal(a.columns[name], b.columns[name])
            for name, spectrum in a.spectra.items():
                np.testing.assert_array_equal(spectrum.counts, b.spectra[name].counts)
                np.testing.assert_array_equal(spectrum.channels, b.spectra[name].channels)
                assert spectrum.calibration == b.spectra[name].calibration
        np.testing.assert_array_equal(cr["5.1"].spectra["mca_0"].counts[0], [1, 2, 3, 4, 5, 6])


@pytest.mark.skipif(_compiled.module() is None, reason="the compiled loops are not built")
@settings(max_examples=300, deadline=None)
@given(st.lists(st.binary(max_size=24) | LINE, max_size=8))
def test_the_compiled_numbers_agree_with_their_twin_on_any_bytes(rows: list[bytes]) -> None:
    compiled = _numbers.parse_rows(rows)
    with _path(pure=True):
        pure = _numbers.parse_rows(rows)
    assert (compiled is None) == (pure is None)
    if compiled is not None and pure is not None:
        np.testing.assert_array_equal(compiled[0].view(np.uint64), pure[0].view(np.uint64))
        np.testing.assert_array_equal(compiled[1], pure[1])
