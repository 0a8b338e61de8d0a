"""The compiled loops (``_cspec``) give exactly what their numpy and Python twins give.

The reader sorts a scan's lines and parses its numbers in C when the extension was
built; ``BEAMIO_SPEC_PURE=1`` switches to the Python code. Here both run on generated
text (numbers of every spelling float() knows, and tokens that are not numbers) and on
every file of the corpus, and must agree to the bit, diagnostics included.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import beamio
from beamio.testing import assert_equal
from beamio_spec import _compiled, _lines, _numbers

SPEC = (Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "spec").resolve()
CORPUS = sorted(p for p in SPEC.iterdir() if p.is_file() and p.suffix != ".md") if SPEC.is_dir() else []

compiled = _compiled.module()
needs_compiled = pytest.mark.skipif(
    compiled is None, reason="the compiled loops are not built or switched off"
)


def test_the_compiled_loops_are_built() -> None:
    if os.environ.get("BEAMIO_SPEC_PURE", "") not in ("", "0"):
        pytest.skip("BEAMIO_SPEC_PURE is set")
    assert compiled is not None, (
        "beamio-spec was installed without its compiled part (beamio_spec._cspec): is there a C compiler?"
        " `pip install -e plugins/spec` builds it"
    )


def test_pure_switch_turns_them_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEAMIO_SPEC_PURE", "1")
    assert _compiled.module() is None


# -- numbers -------------------------------------------------------------------------------------
def _spellings(value: float) -> st.SearchStrategy[str]:
    return st.sampled_from(
        [
            repr(value),
            f"{value:.17g}",
            f"{value:.6g}",
            f"{value:e}",
            f"{value:.3f}",
            f"{value:E}",
            f"{value:+.10g}",
        ]
    )


NUMBER = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).flatmap(_spellings),
    st.floats(min_value=-1e6, max_value=1e6).flatmap(_spellings),
    st.integers(-(10**25), 10**25).map(str),
    st.integers(0, 99_999_999).map(str),
    st.sampled_from(
        [
            "nan", "NaN", "-nan", "inf", "-inf", "+inf", "Infinity", "-0", "-0.0", "0e-400", "1e400",
            "-1e400", "1.", ".5", "+.5e3", "4.9e-324", "2.2250738585072014e-308", "9007199254740993",
            "0.1000000000000000055511151231257827", "00000000000000000000012", "1e22", "1e23", "8.0e-23",
        ]
    ),
)  # fmt: skip
NOT_A_NUMBER = st.sampled_from(
    ["1O01", "None", ".", "e5", "1e", "1e+", "+-1", "--", "0x10", "1,5", "é", "1\x00", "nan1"]
)
TOKEN = st.one_of(NUMBER, NUMBER, NUMBER, NOT_A_NUMBER, st.sampled_from(["1_000", "1_0.5"]))
BLANK = st.sampled_from([" ", "  ", "\t", " \t ", "\x0b", "\x0c", "\r"])


@st.composite
def lines(draw: st.DrawFn, tokens: st.SearchStrategy[str]) -> list[bytes]:
    out = []
    for _ in range(draw(st.integers(0, 6))):
        words = draw(st.lists(tokens, max_size=8))
        lead, trail = draw(st.sampled_from(["", " ", "\t"])), draw(st.sampled_from(["", " ", "\r"]))
        out.append(
            (lead + "".join(w + draw(BLANK) for w in words[:-1]) + "".join(words[-1:]) + trail).encode()
        )
    return out


def _float(token: bytes) -> float | None:
    try:
        return float(token)
    except ValueError:
        return None


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(lines(NUMBER))
def test_numbers_are_read_exactly_as_float_reads_them(rows: list[bytes]) -> None:
    parsed = compiled.parse_rows(rows)
    assert parsed is not None
    values, counts = np.frombuffer(parsed[0], np.float64), np.frombuffer(parsed[1], np.int64)
    expected = np.array([float(t) for row in rows for t in row.split()], dtype=np.float64)
    np.testing.assert_array_equal(values.view(np.uint64), expected.view(np.uint64))
    assert counts.tolist() == [len(row.split()) for row in rows]


@needs_compiled
@settings(max_examples=400, deadline=None)
@given(lines(TOKEN))
def test_a_token_that_is_not_a_number_hands_over_to_the_lenient_path(rows: list[bytes]) -> None:
    tokens = [t for row in rows for t in row.split()]
    parsed = _numbers.parse_rows(rows)
    if parsed is None:
        # Only a token float() refuses, or spells with underscores, hands over.
        assert any(_float(t) is None or b"_" in t for t in tokens)
        return
    expected = np.array([float(t) for t in tokens], dtype=np.float64)
    np.testing.assert_array_equal(parsed[0].view(np.uint64), expected.view(np.uint64))


@pytest.mark.parametrize("mode", ["compiled", "python"])
def test_parse_rows_on_both_paths(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "python":
        monkeypatch.setenv("BEAMIO_SPEC_PURE", "1")
    elif compiled is None:
        pytest.skip("the compiled loops are not built")
    parsed = _numbers.parse_rows([b"1 2.5 -3e-2", b"  nan\tinf ", b"", b"0.1"])
    assert parsed is not None
    values, counts = parsed
    assert counts.tolist() == [3, 2, 0, 1]
    assert values.dtype == np.float64
    assert values[:3].tolist() == [1.0, 2.5, -0.03]
    assert math.isnan(values[3]) and values[4] == math.inf and values[5] == 0.1
    assert _numbers.parse_rows([b"1 2", b"3 1O01"]) is None


# -- lines ---------------------------------------------------------------------------------------
LINE = st.sampled_from(
    [
        "#S 1  ascan  th 0 1 10 0.1", "#C a comment", "#L a  b  c", "#", "#N 3", "1 2 3", "  4 5 6  ", "",
        "   ", "\t", "@A 1 2 3", "@A 1 2 \\", "@A1 4 5\\", "7 8 9\\", "@", "@A", "@A\\", "@A \\", "@ 1 2",
        "@A\t9 9", "x\\", "\\", "#C inside\\", "@0 1 1", "\x00", "é 1",
    ]
)  # fmt: skip


@needs_compiled
@settings(max_examples=500, deadline=None)
@given(st.lists(LINE, max_size=14), st.sampled_from(["\n", "\r\n"]), st.booleans(), st.integers(1, 10**6))
def test_lines_are_sorted_as_the_python_code_sorts_them(
    picked: list[str], newline: str, final: bool, first_line: int
) -> None:
    data = (newline.join(picked) + (newline if final else "")).encode()
    expected = _lines.split_block_python(data, first_line)
    got = _lines.split_block(data, first_line)
    assert got == expected


def _loaded(file: beamio.File) -> list[beamio.Dataset]:
    """Every scan of ``file`` with its columns and spectra parsed now (held, so not parsed again)."""
    scans = [file[k] for k in file]
    for scan in scans:
        for name in scan.columns:
            np.asarray(scan.columns[name])
        for spectrum in scan.spectra.values():
            np.asarray(spectrum.counts)
    return scans


@needs_compiled
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_every_corpus_file_reads_the_same_on_both_paths(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with beamio.open(path, format="spec") as fast:
        fast_scans = _loaded(fast)
        fast_notes = [str(d) for d in fast.diagnostics]
        monkeypatch.setenv("BEAMIO_SPEC_PURE", "1")
        with beamio.open(path, format="spec") as pure:
            pure_scans = _loaded(pure)
            assert [str(d) for d in pure.diagnostics] == fast_notes
            assert len(pure_scans) == len(fast_scans)
            for a, b in zip(fast_scans, pure_scans, strict=True):
                assert_equal(a, b)
