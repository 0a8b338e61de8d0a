"""Hostile input to the MCA readers (issue 8): it opens and reads, or is a FormatError saying where.

Every kind the ``mca`` format reads (SPEC-style, single column, Amptek, Maestro .Spe, .chn)
and ``mca-text``: Hypothesis feeds them arbitrary bytes, lines of each kind with anything in
them and real files damaged, within a time and memory budget; hand-made broken files, each
cut at every line (every byte for .chn), check each message word for word.
"""

from __future__ import annotations

import random
import struct
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import beamio
from beamio import FormatError, NotThisFormat

from . import samples

FUZZ = Path(__file__).resolve().parents[3] / "fuzz"
sys.path.insert(0, str(FUZZ))
from _mutate import TOKENS, mutate  # noqa: E402
from _target import allocation_budget, exercise, peak_allocation  # noqa: E402

COUNTS = samples.peak_counts(8)
KIT = Path(beamio.__file__).parent / "testing" / "samples"
#: One file of each kind, to damage.
ORIGINALS = {
    "amptek": samples.amptek(COUNTS),
    "maestro": samples.maestro(COUNTS, first=3),
    "chn": samples.chn(COUNTS),
    "spec": samples.pymca_mca(samples.peak_counts(40)),
    "column": samples.lines("# a comment", *map(str, COUNTS.astype(int))),
    "corpus": samples.CORPUS_MCA.read_bytes() if samples.CORPUS_MCA.is_file() else b"",
    "kit amptek": (KIT / "sample.mca").read_bytes(),
    "kit maestro": (KIT / "sample.spe").read_bytes(),
}
CSV = samples.lines("energy,counts", *(f"{0.1 + 0.02 * i:.3f},{int(c)}" for i, c in enumerate(COUNTS)))

HOSTILE = settings(
    max_examples=150,
    deadline=timedelta(seconds=5),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

LINE = st.sampled_from(
    [
        "<<PMCA SPECTRUM>>", "<<CALIBRATION>>", "<<ROI>>", "<<DATA>>", "<<END>>", "<<DP5 CONFIGURATION>>",
        "<<DP5 CONFIGURATION END>>", "REAL_TIME - 10", "LIVE_TIME - x", "START_TIME - 13/45/2023 99:99:99",
        "LABEL - keV", "101 5.899", "101 5.899", "95 108", "108 95", "MCAC=1024;", "MCAC=²;", "Fast Count: 1",
        "$SPEC_ID:", "$DATA:", "0 7", "1e300 1e300", "-5 3", "$ROI:", "2", "$MEAS_TIM:", "9 10", "$MCA_CAL:",
        "3", "1 2 3 keV", "$ENER_FIT:", "0 1", "$DATE_MEA:", "10/20/1998 12:17:17", "#F x", "#S 1 x",
        "#@CHANN 4 0 3 1", "#@CALIB 0 1 0", "#@CTIME 1 2 3", "#@ROI r 0 3", "@A 1 2 3 4", "@A 1 2\\\\", "# c",
        "1", "-1", "nan", "inf", "4294967296", "", "  ",
    ]
).map(str.encode)  # fmt: skip


@st.composite
def mca_like(draw: st.DrawFn) -> bytes:
    """Lines of the MCA kinds, some with bytes of anything put in, joined by LF or CR LF."""
    lines = []
    for line in draw(st.lists(LINE | st.binary(max_size=16), max_size=40)):
        if draw(st.integers(0, 4)) == 0:
            at = draw(st.integers(0, len(line)))
            line = line[:at] + draw(st.sampled_from(TOKENS) | st.binary(max_size=4)) + line[at:]
        lines.append(line)
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    return newline.join(lines) + (newline if draw(st.booleans()) else b"")


@st.composite
def chn_files(draw: st.DrawFn) -> bytes:
    """A .chn whose header says anything: tag, channel count, times, date; counts and trailer or not."""
    header = struct.pack(
        "<hhh2sii8s4sHH",
        -1,
        draw(st.integers(-(2**15), 2**15 - 1)),
        draw(st.integers(-(2**15), 2**15 - 1)),
        draw(st.binary(min_size=2, max_size=2)),
        draw(st.integers(-(2**31), 2**31 - 1)),
        draw(st.integers(-(2**31), 2**31 - 1)),
        draw(st.sampled_from([b"14NOV231", b"31FEB991", b"\xff" * 8, b"\0" * 8])),
        draw(st.binary(min_size=4, max_size=4)),
        draw(st.integers(0, 2**16 - 1)),
        draw(st.integers(0, 2**16 - 1)),
    )
    counts = draw(st.binary(max_size=256))
    tail = struct.pack("<hh", draw(st.sampled_from([-101, -102, 0])), 0) + draw(st.binary(max_size=520))
    return header + counts + (tail if draw(st.booleans()) else b"")


def _opens_or_refuses(data: bytes, format: str, suffix: str, strict: bool = False) -> None:
    """Opened and read entirely, or a FormatError; within the memory budget."""
    peak = peak_allocation(data, format, suffix, strict=strict)
    assert peak <= allocation_budget(len(data)), f"{peak} bytes held for {len(data)} bytes of input"


@pytest.fixture(scope="module", autouse=True)
def _imports_done() -> None:
    """Read a file of each kind once, so that the readers' imports are not counted in the budget."""
    for data in ORIGINALS.values():
        exercise(data, "mca", ".mca")
    exercise(CSV, "mca-text", ".csv")


# -- properties ----------------------------------------------------------------------------------
@HOSTILE
@given(st.binary(max_size=4096), st.sampled_from(["mca", "mca-text"]), st.booleans())
def test_any_bytes(data: bytes, format: str, strict: bool) -> None:
    _opens_or_refuses(data, format, ".mca", strict)


@HOSTILE
@given(mca_like(), st.sampled_from(["mca", "mca-text"]), st.booleans())
def test_lines_of_each_kind_with_anything_in_them(data: bytes, format: str, strict: bool) -> None:
    _opens_or_refuses(data, format, ".mca", strict)


@HOSTILE
@given(
    st.sampled_from(sorted(ORIGINALS)), st.randoms(use_true_random=False), st.integers(1, 6), st.booleans()
)
def test_real_files_damaged(kind: str, rng: random.Random, rounds: int, strict: bool) -> None:
    _opens_or_refuses(mutate(ORIGINALS[kind], rng, rounds), "mca", ".mca", strict)


@HOSTILE
@given(st.randoms(use_true_random=False), st.integers(1, 6), st.booleans())
def test_csv_damaged(rng: random.Random, rounds: int, strict: bool) -> None:
    _opens_or_refuses(mutate(CSV, rng, rounds), "mca-text", ".csv", strict)


@HOSTILE
@given(chn_files(), st.booleans())
def test_chn_headers_that_say_anything(data: bytes, strict: bool) -> None:
    _opens_or_refuses(data, "mca", ".chn", strict)


# -- files cut short, after every line (every byte of a .chn) --------------------------------
def _read(path: Path, format: str = "mca") -> tuple[list[float], list[tuple[int | None, int | None, str]]]:
    """The counts of the first spectrum (none: []), and every diagnostic as (line, offset, message)."""
    with beamio.open(path, format) as f:
        spectra = [s for ds in f.datasets for s in ds.spectra.values()]
        counts = np.asarray(spectra[0].counts).ravel().tolist() if spectra else []
        return counts, [(d.line, d.offset, d.message) for d in f.diagnostics]


def _line_ends(data: bytes, newline: bytes) -> list[int]:
    return list(np.cumsum([len(line) + len(newline) for line in data.split(newline)[:-1]]))


def test_an_amptek_file_cut_after_any_line(tmp_path: Path) -> None:
    data = samples.amptek(COUNTS)
    lines = data.split(b"\r\n")
    number = {line: n for n, line in enumerate(lines, 1)}  # the line of each section marker
    after = {
        number[b"<<DATA>>"]: "no <<END>> after the counts: the file is truncated",
        number[b"<<DP5 CONFIGURATION>>"]: "no <<DP5 CONFIGURATION END>> after <<DP5 CONFIGURATION>>:"
        " the file is truncated",
        number[b"<<DPP STATUS>>"]: "no <<DPP STATUS END>> after <<DPP STATUS>>: the file is truncated",
    }
    closed = {number[b"<<END>>"], number[b"<<DP5 CONFIGURATION END>>"], number[b"<<DPP STATUS END>>"]}
    for n, end in enumerate(_line_ends(data, b"\r\n"), 1):
        path = samples.write(tmp_path, "cut.mca", data[:end])
        counts, said = _read(path)
        opened = max([m for m in [*after, *closed] if m <= n], default=None)
        message = "no <<DATA>> section: the file holds no counts" if opened is None else after.get(opened)
        assert said == ([(n, None, message)] if message else []), f"cut after line {n}"
        assert counts == COUNTS[: max(0, n - number[b"<<DATA>>"])].tolist(), f"cut after line {n}"


NO_DATA = "no $DATA: block: the file holds no counts"
#: What a Maestro file cut after line N says, besides its counts; nothing for the cuts not here.
MAESTRO_SAID_WHEN_CUT_AFTER = {
    **{n: [(n, None, NO_DATA)] for n in range(1, 11)},
    9: [(9, None, NO_DATA), (9, None, "$MEAS_TIM: 0 numbers, not a live and a real time")],
    11: [(11, None, "$DATA: the range is not a first and a last channel")],
    **{n: [(11, None, f"$DATA: channels 0 to 7 are 8 channels, but {n - 12} counts follow")]
       for n in range(12, 20)},
    21: [(21, None, "$ROI: says '' ROIs, 0 follow")],
    22: [(21, None, "$ROI: says '2' ROIs, 0 follow")],
    23: [(21, None, "$ROI: says '2' ROIs, 1 follow")],
    31: [(31, None, "$MCA_CAL: '' is not 2 or 3 coefficients")],
    32: [(31, None, "$MCA_CAL: '3' is not 2 or 3 coefficients")],
}  # fmt: skip


def test_a_maestro_file_cut_after_any_line(tmp_path: Path) -> None:
    data = samples.maestro(COUNTS)
    for n, end in enumerate(_line_ends(data, b"\r\n"), 1):
        counts, said = _read(samples.write(tmp_path, "cut.Spe", data[:end]))
        assert said == MAESTRO_SAID_WHEN_CUT_AFTER.get(n, []), f"cut after line {n}"
        assert counts == COUNTS[: max(0, min(n - 12, 8))].tolist(), f"cut after line {n}"


def test_a_chn_file_cut_at_any_byte(tmp_path: Path) -> None:
    data = samples.chn(COUNTS)  # 32 bytes of header, 8 counts of 4, a trailer of 512
    for n in range(len(data) + 1):
        path = samples.write(tmp_path, "cut.chn", data[:n])
        if n < 2:  # not even the tag
            with pytest.raises(NotThisFormat) as refusal:
                _read(path)
            assert refusal.value.message.startswith("no Amptek, Maestro or CHN header")
            continue
        if n < 32:
            with pytest.raises(FormatError) as error:
                _read(path)
            assert str(error.value) == f"{path}: a CHN header is 32 bytes; the file has {n}"
            continue
        counts, said = _read(path)
        if n < 64:
            message = (
                f"the file ends at byte {n}, before the 8 channels and the trailer its header announces;"
                f" {(n - 32) // 4} channels read"
            )
        elif n < 66:  # not even the trailer's tag
            message = (
                f"the file ends at byte {n}, after its 8 channels: the trailer (calibration, descriptions)"
                " is missing"
            )
        elif n < len(data):
            message = f"the trailer is cut short at {n - 64} of its 512 bytes"
        assert said == ([(None, n, message)] if n < len(data) else []), f"cut at byte {n}"
        assert counts == COUNTS[: (n - 32) // 4].tolist(), f"cut at byte {n}"


def test_a_spec_style_file_cut_after_any_line(tmp_path: Path) -> None:
    counts40 = samples.peak_counts(40)
    data = samples.pymca_mca(counts40)  # the spectrum: line 9, continued on 10 and 11
    for n, end in enumerate(_line_ends(data, b"\n"), 1):
        path = samples.write(tmp_path, "cut.mca", data[:end])
        if n < 6:  # a SPEC file, but none of its lines is of MCA spectra yet
            with pytest.raises(NotThisFormat):
                _read(path)
            continue
        counts, said = _read(path)
        held = {9: 16, 10: 32}.get(n, 40 if n > 10 else 0)
        assert counts == counts40[:held].tolist(), f"cut after line {n}"
        message = f"MCA @A: #@CHANN says 40 channels, the spectrum has {held}"
        assert said == ([(9, None, message)] if held in (16, 32) else []), f"cut after line {n}"


# -- header values that lie, or are no numbers ----------------------------------------------
def test_a_chn_header_claiming_the_most_channels_it_can(tmp_path: Path) -> None:
    """The count is 16 bits: 65535 channels, 256 KiB promised, none believed."""
    path = samples.write(tmp_path, "lies.chn", samples.chn(COUNTS[:4], declared=65535, trailer=False))
    with beamio.open(path) as f:
        assert f[0].spectra["mca_0"].counts.shape == (4,)
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, byte offset 48: the file ends at byte 48, before the 65535 channels and the trailer"
            " its header announces; 4 channels read"
        ]
    assert peak_allocation(path.read_bytes(), "mca", ".chn") < 1 << 20


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ("0 1e300", "$DATA: the range is not a first and a last channel"),
        ("1e300 1e300", "$DATA: the range is not a first and a last channel"),
        (
            "0 999999999999",
            "$DATA: channels 0 to 999999999999 are 1000000000000 channels, but 8 counts follow",
        ),
        ("² ³", "$DATA: '² ³' is not a first and a last channel; left out"),
    ],
)
def test_a_maestro_data_range_that_lies(tmp_path: Path, bounds: str, message: str) -> None:
    text = samples.maestro(COUNTS).replace(b"$DATA:\r\n0 7\r\n", f"$DATA:\r\n{bounds}\r\n".encode())
    path = samples.write(tmp_path, "lies.Spe", text)
    with beamio.open(path) as f:
        np.testing.assert_array_equal(f[0].spectra["mca_0"].counts, COUNTS)
        assert f[0].spectra["mca_0"].channels.tolist() == list(range(8))
        assert [str(d) for d in f.diagnostics] == [f"{path}, line 11: {message}"]
    assert peak_allocation(text, "mca", ".Spe") < 1 << 20


def test_maestro_rois_that_are_no_channels(tmp_path: Path) -> None:
    text = samples.maestro(COUNTS).replace(b"95 108\r\n", "² ³\r\n".encode())
    path = samples.write(tmp_path, "roi.Spe", text)
    with beamio.open(path) as f:
        assert [(r.first, r.last) for r in f[0].spectra["mca_0"].rois] == [(225, 238)]
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, line 21: $ROI: '² ³' is no channel range; left out"
        ]


@pytest.mark.parametrize("mcac", ["²", "9" * 30, "-8"])
def test_an_amptek_channel_count_that_is_no_count(tmp_path: Path, mcac: str) -> None:
    text = samples.amptek(COUNTS).replace(b"MCAC=8;", f"MCAC={mcac};".encode())
    path = samples.write(tmp_path, "mcac.mca", text)
    with beamio.open(path) as f:
        np.testing.assert_array_equal(f[0].spectra["mca_0"].counts, COUNTS)
        expected = [f"{path}, line 32: DP5 CONFIGURATION/MCAC=-8 channels, but <<DATA>> holds 8 counts"]
        assert [str(d) for d in f.diagnostics] == (expected if mcac == "-8" else [])


def test_spec_style_settings_with_a_word_before_numbers(tmp_path: Path) -> None:
    text = samples.pymca_mca(samples.peak_counts(40)).replace(b"#@CHANN 40 0 39 1", b"#@CHANN 4\x000 0 39 1")
    path = samples.write(tmp_path, "word.mca", text)
    with beamio.open(path) as f:
        spectrum = f[0].spectra["mca_0"]
        assert spectrum.counts.shape == (1, 40) and spectrum.channels.tolist() == list(range(40))
        assert [str(d) for d in f.diagnostics] == [
            f"{path}, scan 1.1, line 7: #@CHANN value '4\\x000' is not a number;"
            " the values after it are left out"
        ]


def test_spec_style_rois_that_are_no_channels(tmp_path: Path) -> None:
    text = samples.pymca_mca(samples.peak_counts(40)).replace(b"#@CALIB", "#@ROI peak ² ³\n#@CALIB".encode())
    with beamio.open(samples.write(tmp_path, "roi.mca", text)) as f:
        assert f[0].spectra["mca_0"].rois == ()
        assert [d.message for d in f.diagnostics] == ["#@ROI 'peak ² ³' is not 'name first last'; left out"]


# -- bytes of another encoding, NUL, CR LF ---------------------------------------------------
def test_counts_with_nul_or_bytes_of_another_encoding(tmp_path: Path) -> None:
    bad = b"12\x00\r\n\xff\r\n"
    amptek = samples.amptek(COUNTS).replace(b"<<DATA>>\r\n", b"<<DATA>>\r\n" + bad, 1)
    maestro = samples.maestro(COUNTS).replace(b"$DATA:\r\n0 7\r\n", b"$DATA:\r\n0 9\r\n" + bad, 1)
    for name, text, first, section in [("a.mca", amptek, 20, "<<DATA>>"), ("m.Spe", maestro, 13, "$DATA")]:
        path = samples.write(tmp_path, name, text)
        with beamio.open(path) as f:
            counts = np.asarray(f[0].spectra["mca_0"].counts)
            said = [str(d) for d in f.diagnostics]
        assert np.isnan(counts[:2]).all() and counts[2:].tolist() == COUNTS.tolist()
        assert said[-2:] == [
            f"{path}, line {first}, column 1: {section}: count '12\\x00' is not a number; read as NaN",
            f"{path}, line {first + 1}, column 1: {section}: count '\\udcff' is not a number; read as NaN",
        ]


def test_header_text_of_another_encoding_is_kept(tmp_path: Path) -> None:
    text = samples.amptek(COUNTS).replace(b"DESCRIPTION - Fe55", b"DESCRIPTION - \xe9\xff Fe55")
    with beamio.open(samples.write(tmp_path, "latin1.mca", text)) as f:
        assert f[0].title == "\udce9\udcff Fe55 source, 10 s"  # the bytes, written back as they were
        np.testing.assert_array_equal(f[0].spectra["mca_0"].counts, COUNTS)


@pytest.mark.parametrize("kind", ["amptek", "maestro", "spec", "column"])
def test_lf_and_crlf_read_the_same(tmp_path: Path, kind: str) -> None:
    text = ORIGINALS[kind]
    lf, crlf = text.replace(b"\r\n", b"\n"), text.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    with (
        beamio.open(samples.write(tmp_path, "lf.mca", lf)) as a,
        beamio.open(samples.write(tmp_path, "crlf.mca", crlf)) as b,
    ):
        assert not a.diagnostics and not b.diagnostics
        assert [(e.key, e.value) for e in a[0].header.entries] == [
            (e.key, e.value) for e in b[0].header.entries
        ]
        one, other = a[0].spectra["mca_0"], b[0].spectra["mca_0"]
        np.testing.assert_array_equal(one.counts, other.counts)
        np.testing.assert_array_equal(one.channels, other.channels)
        assert (one.calibration, one.rois, one.live_time, one.real_time, one.start_time) == (
            other.calibration, other.rois, other.live_time, other.real_time, other.start_time,
        )  # fmt: skip


def test_empty_files(tmp_path: Path) -> None:
    path = samples.write(tmp_path, "empty.mca", b"")
    with pytest.raises(NotThisFormat) as refusal:
        beamio.open(path, "mca")
    assert str(refusal.value) == (
        f"{path}: no Amptek, Maestro or CHN header, no SPEC scan with MCA spectra,"
        " not one count per line in a .mca"
    )
    with pytest.raises(NotThisFormat) as refusal:
        beamio.open(path, "mca-text")
    assert str(refusal.value) == f"{path}: not one or two columns of numbers"


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        ("0.5 1\nnan 2\n1.5 3\n", "line 2: energy nan is not a finite number; no calibration"),
        ("0.5 1\ninf 2\n1.5 3\n", "line 2: energy inf is not a finite number; no calibration"),
        ("0.5 1\nx 2\n1.5 3\n", "line 2: energy nan is not a finite number; no calibration"),
    ],
)
def test_energies_that_are_no_finite_numbers(tmp_path: Path, rows: str, said: str) -> None:
    path = samples.write(tmp_path, "e.txt", rows.encode())
    with beamio.open(path, "mca-text") as f:
        spectrum = f[0].spectra["mca_0"]
        assert spectrum.calibration == beamio.Calibration()
        assert str(f.diagnostics[-1]) == f"{path}, {said}"
