"""Every SPEC file of the corpus, read by beamio and by silx.io.specfile, scan by scan.

For each file in ../shared/corpus/spec the scan count and keys, the column labels, the
data (exactly, as float64), the positioners and the MCA spectra (channels and calibration
included) are compared with silx.io.specfile. Two rules hold for every file:

- beamio keeps repeated labels distinct (``I0  I0`` → ``I0``, ``I0_1``; the original #L
  stays in the header); silx repeats them. The comparison applies the same rule to silx.
- a scan without data points has, in beamio, one empty float64 column per label; silx
  gives a (0, 0) array. Those scans are checked on their own.

Where beamio differs from silx on purpose, KNOWN_DIFFERENCES says why, file by file; those
files are left out of the generic comparison of what differs and a test below checks what
beamio does there instead. The oddities SOURCES.md lists (#N against #L, tokens that are
not numbers, rows of another length, labels separated by one space) are checked as
diagnostics with their file, scan and line. The other side of each comparison is the
file's own text, read here line by line (``TextScan``), so that neither reader is the
judge of the other.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import beamio
from beamio import Dataset, Diagnostic

specfile = pytest.importorskip("silx.io.specfile", reason="silx is a test dependency (requirements-test.txt)")

SPEC = (Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus" / "spec").resolve()
if not SPEC.is_dir():
    pytest.skip(f"the corpus folder {SPEC} is absent (it is present in CI)", allow_module_level=True)

FILES = sorted(p.name for p in SPEC.iterdir() if p.is_file())

BLUESKY_NONE = "s2n_05_02_test.dat"
SPOCK_NAN = "s2n_spec_from_spock.spc"
USER6IDD = "s2n_user6idd.dat"
WRAPPED = "s2ntest_n_m.txt"
ISSUE216 = "s2ntest_issue216_scan1.spec"
ISSUE64 = "s2ntest_issue64_data.txt"
ISSUE196 = "s2ntest_issue196_data.txt"
ISSUE109 = "s2ntest_issue109_data.txt"
MCA = "s2n_mca_spectra_example.dat"
CDSE = "s2n_CdSe"

KNOWN_DIFFERENCES = {
    BLUESKY_NONE: "Bluesky wrote 'None' for counters it did not read (8 tokens): beamio reads NaN and "
    "records a diagnostic with line and column; silx reads 0.0, a count the detector never gave.",
    SPOCK_NAN: "10784 'nan' tokens: beamio keeps NaN (values keep what the file says); silx reads 0.0.",
    USER6IDD: "#L and #O lines separated by single spaces: beamio splits them (25 labels, 59 motors) "
    "with a diagnostic; silx keeps each line as one name ('dummy Time DelTime …').",
    WRAPPED: "'#N 15 8' writes each point's 15 values 8 to a line: beamio joins the two lines of a "
    "point (31 points × 15 columns); silx reads the first line of each point as 8 columns and prints "
    "'Error on scan 1 line 2' … 'line 32' on stdout. #P0 has no #O names: beamio names the values P0_0…P0_7 "
    "(diagnostic); silx gives values without names.",
    "s2ntest_refresh2.txt": "#P0 without #O names (scans 4 and 5): beamio names the values P0_0…P0_7 "
    "(diagnostic); silx gives values without names.",
    "s2ntest_refresh3.txt": "#P0 without #O names: beamio names the values P0_0…P0_7 (diagnostic); "
    "silx gives values without names.",
    "s2ntest_JL124_1.spc": "'Motor 9', the last name of #O1, keeps the space the file has; silx drops "
    "the space of the last name of an #O line ('Motor9').",
    ISSUE109: "'Cryo X' and 'LAUE X', last names of their #O lines under the second "
    "#F header, keep their space; silx gives 'CryoX' and 'LAUEX'. Scan 11 has '#@CALIB -0.00442719 "
    "0.0161734 0 mca1' and no @A line: beamio has no spectrum and keeps the line in the header; "
    "silx raises ValueError (could not convert 'mca1') on scan.mca.",
    ISSUE196: "scan 108 has an empty '#O0' and an empty '#P0' line: beamio has no positioner; silx "
    "makes one named '' at 0.0.",
    ISSUE64: "#O names separated by tabs: beamio splits at tabs as at two spaces (100 names for the "
    "100 positions); silx splits at two spaces only (82 names such as 'si6b\\tsi6t\\t'). #P12 has 4 "
    "values for the 2 names of #O12: beamio names the others P12_2, P12_3 (diagnostic).",
    MCA: "@A1…@A4 are four MCAs: beamio has four Spectra of points × 256 channels. silx reads the "
    "digit after '@A' as the count of channel 0 (257 channels, channels 0…256) and interleaves the "
    "MCAs point by point: scan.mca[4 * point + k] is MCA k + 1 at that point.",
    CDSE: "scan 92 was aborted in the middle of a line: its 20th point is cut over two lines, the "
    "second glued to a #C comment. Both readers leave the two lines out (19 points); silx prints "
    "'Error on scan 92 line 20' on stdout, beamio records a diagnostic with each line's number.",
    ISSUE216: "#L has 6 labels separated by single spaces for 7 data columns: beamio is to read "
    "EPOCH … DIODE and name the 7th column_7, with a diagnostic; silx keeps one label 'EPOCH Phi CESR "
    "IC1 IC2 DIODE' for 7 columns.",
}

# What SOURCES.md counts in each file: scans whose #N and #L disagree, scans without points.
SOURCES_COUNTS = {
    "s2n_02_03_setup.dat": (11, 11),
    "s2n_03_06_JanTest.dat": (4, 4),
    BLUESKY_NONE: (38, 3),
    "s2n_33bm_spec.dat": (0, 1),
    CDSE: (0, 2),
    SPOCK_NAN: (0, 10),
    USER6IDD: (2, 1),
    "s2ntest_JL124_1.spc": (0, 2),
    "s2ntest_issue161_spock_spec_file": (0, 1),
    ISSUE216: (1, 0),
}

# Files left out of one generic comparison; each has its KNOWN_DIFFERENCES entry and own test.
LABELS_DIFFER = {USER6IDD, ISSUE216}
DATA_DIFFER = {BLUESKY_NONE, SPOCK_NAN, WRAPPED}
POSITIONERS_DIFFER = {
    USER6IDD,
    WRAPPED,
    ISSUE64,
    ISSUE196,
    "s2ntest_JL124_1.spc",
    ISSUE109,
    "s2ntest_refresh2.txt",
    "s2ntest_refresh3.txt",
}
SPECTRA_DIFFER = {MCA, ISSUE109}


# -- the file's own text -----------------------------------------------------------------------
@dataclass
class TextScan:
    """One scan as the file's text has it: its key and its lines with their numbers."""

    key: str
    lines: list[tuple[int, str]] = field(default_factory=list)

    def first(self, code: str) -> tuple[int, str] | None:
        """The line number and the value of the scan's first ``#<code>`` line."""
        for number, line in self.lines:
            if line.split(None, 1)[:1] == [f"#{code}"]:
                return number, line[len(code) + 1 :].strip()
        return None

    @property
    def rows(self) -> list[tuple[int, list[str]]]:
        """The data lines: their numbers and their tokens."""
        return [(n, line.split()) for n, line in self.lines if line.strip() and line[0] not in "#@"]

    def n_and_l_disagree(self) -> tuple[int, int, int] | None:
        """(#N line, #N columns, #L names) when #N and the two-space names of #L disagree."""
        n, labels = self.first("N"), self.first("L")
        if n is None or labels is None:
            return None
        declared, named = int(n[1].split()[0]), len(two_space_names(labels[1]))
        return (n[0], declared, named) if declared != named else None


@functools.cache
def text_lines(name: str) -> tuple[str, ...]:
    """The file's lines, without their line ends."""
    return tuple(SPEC.joinpath(name).read_text("latin-1").splitlines())


@functools.cache
def text_scans(name: str) -> dict[str, TextScan]:
    """The scans of the file by key ("number.order", as silx names them), from #S to #S or #F."""
    scans: dict[str, TextScan] = {}
    orders: Counter[str] = Counter()
    current = None
    for number, line in enumerate(text_lines(name), 1):
        if line.startswith("#S "):
            scan_number = line.split()[1]
            orders[scan_number] += 1
            current = TextScan(f"{scan_number}.{orders[scan_number]}")
            scans[current.key] = current
        elif line.startswith("#F "):
            current = None
        if current is not None:
            current.lines.append((number, line))
    return scans


def latest_line(name: str, code: str, before: int) -> int | None:
    """The number of the last ``#<code>`` line before line ``before`` (a file-header line)."""
    found = None
    for number, line in enumerate(text_lines(name)[: before - 1], 1):
        if line.split(None, 1)[:1] == [f"#{code}"]:
            found = number
    return found


def two_space_names(text: str) -> list[str]:
    """SPEC names: separated by two spaces or more."""
    return [word for word in re.split(r"\s{2,}", text.strip()) if word]


def distinct(labels: list[str]) -> list[str]:
    """Repeated labels made distinct the way beamio promises: I0, I0 → I0, I0_1."""
    out: list[str] = []
    for label in labels:
        candidate, n = label, 0
        while candidate in out:
            n += 1
            candidate = f"{label}_{n}"
        out.append(candidate)
    return out


# -- both readers ------------------------------------------------------------------------------
Opened = Callable[[str], tuple[beamio.File, Any]]


@pytest.fixture(scope="module")
def opened() -> Iterator[Opened]:
    """Each corpus file opened once by beamio and once by silx, closed after the module."""
    files: dict[str, tuple[beamio.File, Any]] = {}

    def get(name: str) -> tuple[beamio.File, Any]:
        if name not in files:
            path = SPEC / name
            files[name] = (beamio.open(path), specfile.SpecFile(str(path)))
        return files[name]

    yield get
    for f, sf in files.values():
        f.close()
        sf.close()


def table(ds: Dataset) -> np.ndarray:
    """The scan's columns as silx returns them: columns × points, each column float64."""
    columns = list(ds.columns.values())
    assert all(c.dtype == np.float64 and c.ndim == 1 for c in columns)
    return np.array(columns, dtype=np.float64)


def load(ds: Dataset) -> Dataset:
    """Parse everything of the scan, so that all its diagnostics are recorded."""
    list(ds.columns.values())
    for spectrum in ds.spectra.values():
        np.asarray(spectrum.counts)
    return ds


def reported(ds: Dataset, name: str, line: int | None, *words: str) -> list[Diagnostic]:
    """The diagnostics of ``ds`` at ``line`` saying ``words``; fails when there are none."""
    found = [d for d in load(ds).diagnostics if d.line == line and all(w in d.message for w in words)]
    assert found, f"no diagnostic at line {line} saying {words}: {[str(d) for d in ds.diagnostics]}"
    for diagnostic in found:
        assert diagnostic.file == str(SPEC / name)
        assert diagnostic.scan == ds.key
    return found


def has_points(scan: Any) -> bool:
    return bool(scan.data.size)


def _generic(excluded: set[str]) -> list[str]:
    return [name for name in FILES if name not in excluded]


# -- the corpus itself -------------------------------------------------------------------------
def test_every_difference_is_a_corpus_file_and_every_excluded_file_is_explained() -> None:
    assert set(KNOWN_DIFFERENCES) <= set(FILES)
    excluded = LABELS_DIFFER | DATA_DIFFER | POSITIONERS_DIFFER | SPECTRA_DIFFER
    assert excluded <= set(KNOWN_DIFFERENCES)


def test_the_text_has_the_oddities_sources_md_counts() -> None:
    for name in FILES:
        scans = text_scans(name).values()
        disagree = sum(1 for s in scans if s.n_and_l_disagree())
        empty = sum(1 for s in scans if not s.rows)
        assert (disagree, empty) == SOURCES_COUNTS.get(name, (0, 0)), name


# -- the generic comparison with silx --------------------------------------------------------------
@pytest.mark.parametrize("name", FILES)
def test_scan_count_and_keys(opened: Opened, name: str) -> None:
    f, sf = opened(name)
    assert len(f) == len(sf) == len(text_scans(name))
    assert list(f) == list(sf.keys()) == list(text_scans(name))


@pytest.mark.parametrize("name", _generic(LABELS_DIFFER))
def test_labels(opened: Opened, name: str) -> None:
    f, sf = opened(name)
    for key in f:
        ds, scan = f[key], sf[key]
        if not has_points(scan):
            continue  # test_a_scan_without_points_has_empty_columns_named_by_its_l_line
        assert list(ds.columns) == distinct(list(scan.labels)), key
        if "L" in ds.header:  # the original labels, repeats included, stay in the header
            assert ds.header["L"] == scan.scan_header_dict["L"], key


@pytest.mark.parametrize("name", _generic(DATA_DIFFER))
def test_data(opened: Opened, name: str) -> None:
    f, sf = opened(name)
    for key in f:
        ds, scan = f[key], sf[key]
        if has_points(scan):
            np.testing.assert_array_equal(table(ds), scan.data, err_msg=key, strict=True)


@pytest.mark.parametrize("name", _generic(POSITIONERS_DIFFER))
def test_positioners(opened: Opened, name: str) -> None:
    f, sf = opened(name)
    for key in f:
        ds, scan = f[key], sf[key]
        assert list(ds.positioners) == list(scan.motor_names), key
        values = np.array(list(ds.positioners.values()), dtype=np.float64)
        np.testing.assert_array_equal(values, np.asarray(scan.motor_positions, dtype=np.float64), key)


@pytest.mark.parametrize("name", _generic(SPECTRA_DIFFER))
def test_spectra(opened: Opened, name: str) -> None:
    f, sf = opened(name)
    for key in f:
        assert not f[key].spectra, key
        assert len(sf[key].mca) == 0, key


# -- scans without points, #N against #L -----------------------------------------------------------
@pytest.mark.parametrize("name", [name for name, (_, empty) in SOURCES_COUNTS.items() if empty])
def test_a_scan_without_points_has_empty_columns_named_by_its_l_line(opened: Opened, name: str) -> None:
    f, sf = opened(name)
    empty = [key for key, text in text_scans(name).items() if not text.rows]
    assert len(empty) == SOURCES_COUNTS[name][1]
    for key in empty:
        ds, scan = f[key], sf[key]
        assert scan.data.size == 0, key
        labels = list(scan.labels)
        if name == USER6IDD:  # single spaces, see KNOWN_DIFFERENCES
            labels = labels[0].split()
        assert list(ds.columns) == distinct(labels), key
        for column in ds.columns.values():
            assert column.dtype == np.float64, key
            assert column.shape == (0,), key


@pytest.mark.parametrize("name", [name for name, (disagree, _) in SOURCES_COUNTS.items() if disagree])
def test_n_disagreeing_with_l_is_a_diagnostic(opened: Opened, name: str) -> None:
    """Said at the #N line; or at the #L line where #L was read otherwise (single spaces)."""
    f, _ = opened(name)
    checked = 0
    for key, text in text_scans(name).items():
        disagreement = text.n_and_l_disagree()
        labels = text.first("L")
        if disagreement is None or labels is None:
            continue
        line, declared, named = disagreement
        ds = load(f[key])
        at_n = [d for d in ds.diagnostics if d.line == line]
        if not any(all(w in d.message for w in ("#N", str(declared), "#L", str(named))) for d in at_n):
            reported(ds, name, labels[0], "#L")
        for diagnostic in at_n:
            assert diagnostic.file == str(SPEC / name)
            assert diagnostic.scan == key
        checked += 1
    assert checked == SOURCES_COUNTS[name][0]


# -- what beamio does on purpose -------------------------------------------------------------------
@pytest.mark.parametrize(("name", "total"), [(BLUESKY_NONE, 8), (SPOCK_NAN, 10784)])
def test_none_and_nan_stay_nan_where_silx_reads_zero(opened: Opened, name: str, total: int) -> None:
    f, sf = opened(name)
    found = 0
    for key, text in text_scans(name).items():
        if not text.rows:
            continue
        ds, scan = f[key], sf[key]
        tokens = np.array([row for _, row in text.rows])
        missing = np.isin(tokens, ["None", "nan"])
        values = table(ds).T
        np.testing.assert_array_equal(np.isnan(values), missing, err_msg=key)
        np.testing.assert_array_equal(values[~missing], scan.data.T[~missing], err_msg=key)
        assert (scan.data.T[missing] == 0.0).all(), key
        for (line, row), row_missing in zip(text.rows, missing, strict=True):
            for column in np.flatnonzero(row_missing) + 1:
                at = [d for d in load(ds).diagnostics if d.line == line and d.column == column]
                if row[column - 1] == "None":  # not a number: said, with line and column
                    said = [d for d in reported(ds, name, line, "'None'") if d.column == column]
                    assert len(said) == len(at) == 1
                else:  # nan is a number: nothing to forgive
                    assert not at
        found += int(missing.sum())
    assert found == total


def test_single_spaced_labels_and_motors_are_split(opened: Opened) -> None:
    f, sf = opened(USER6IDD)
    for key, text in text_scans(USER6IDD).items():
        ds, scan = f[key], sf[key]
        labels = text.first("L")
        assert labels is not None
        assert list(scan.labels) == [labels[1]]
        assert list(ds.columns) == labels[1].split()
        reported(ds, USER6IDD, labels[0], "single space")
        assert len(scan.motor_names) == 8
        assert list(ds.positioners) == [word for name in scan.motor_names for word in name.split()]
        np.testing.assert_array_equal(list(ds.positioners.values()), scan.motor_positions)


def test_silx_reads_a_short_single_spaced_l_as_one_label(opened: Opened) -> None:
    f, sf = opened(ISSUE216)
    scan = sf["1.1"]
    assert list(scan.labels) == ["EPOCH Phi CESR IC1 IC2 DIODE"]
    np.testing.assert_array_equal(table(f["1.1"]), scan.data)
    assert scan.data.shape == (7, 9)


def test_single_spaced_labels_fewer_than_the_columns(opened: Opened) -> None:
    f, _ = opened(ISSUE216)
    ds = f["1.1"]
    labels = text_scans(ISSUE216)["1.1"].first("L")
    assert labels is not None
    assert list(ds.columns) == ["EPOCH", "Phi", "CESR", "IC1", "IC2", "DIODE", "column_7"]
    reported(ds, ISSUE216, labels[0], "single space")


def test_wrapped_points_are_joined(opened: Opened) -> None:
    f, sf = opened(WRAPPED)
    ds, scan = f["6.1"], sf["6.1"]
    assert ds.header["N"] == "15 8"
    rows = text_scans(WRAPPED)["6.1"].rows
    assert [len(r) for _, r in rows] == [8, 7] * 31
    joined = [first + second for (_, first), (_, second) in zip(rows[::2], rows[1::2], strict=True)]
    values = table(ds)
    np.testing.assert_array_equal(values.T, np.array(joined, dtype=np.float64))
    assert list(ds.columns) == distinct(list(scan.labels))
    assert scan.data.shape == (8, 31)  # silx: the first line of each point only
    np.testing.assert_array_equal(values[:8], scan.data)
    data_lines = {line for line, _ in rows}
    assert not [d for d in load(ds).diagnostics if d.line in data_lines]


def test_cut_rows_are_left_out_with_their_line(opened: Opened) -> None:
    f, sf = opened(CDSE)
    cut: dict[str, list[tuple[int, int]]] = {}
    for key, text in text_scans(CDSE).items():
        labels = text.first("L")
        width = len(two_space_names(labels[1])) if labels else 0
        short = [(line, len(row)) for line, row in text.rows if len(row) != width]
        if short:
            cut[key] = short
    assert cut == {"92.1": [(5918, 29), (5919, 12)]}
    ds = f["92.1"]
    for line, count in cut["92.1"]:
        reported(ds, CDSE, line, str(count))
    assert {len(c) for c in ds.columns.values()} == {19}  # "#C … Scan aborted after 19 points."
    np.testing.assert_array_equal(table(ds), sf["92.1"].data)


def test_a_calib_line_without_spectra_is_kept_in_the_header(opened: Opened) -> None:
    f, sf = opened(ISSUE109)
    for key in f:
        assert not f[key].spectra, key
    assert f["11.1"].header["@CALIB"] == "-0.00442719 0.0161734 0 mca1"
    with pytest.raises(ValueError, match="mca1"):
        len(sf["11.1"].mca)


@pytest.mark.parametrize(
    ("name", "spaced"),
    [
        ("s2ntest_JL124_1.spc", {"Motor 9"}),
        (ISSUE109, {"Cryo X", "LAUE X"}),
    ],
)
def test_the_last_motor_of_an_o_line_keeps_its_space(opened: Opened, name: str, spaced: set[str]) -> None:
    f, sf = opened(name)
    o_lines = [line for line in text_lines(name) if line.startswith("#O")]
    changed = set()
    for key in f:
        ds, scan = f[key], sf[key]
        assert len(ds.positioners) == len(scan.motor_names)
        for ours, theirs in zip(ds.positioners, scan.motor_names, strict=True):
            if ours != theirs:
                assert theirs == ours.replace(" ", "")
                assert any(line.rstrip().endswith(f"  {ours}") for line in o_lines)
                changed.add(ours)
        np.testing.assert_array_equal(list(ds.positioners.values()), scan.motor_positions)
    assert changed == spaced


def test_empty_o_and_p_lines_make_no_positioner(opened: Opened) -> None:
    f, sf = opened(ISSUE196)
    assert dict(f["108.1"].positioners) == {}
    assert list(sf["108.1"].motor_names) == [""]
    assert list(sf["108.1"].motor_positions) == [0.0]


def test_motor_names_separated_by_tabs(opened: Opened) -> None:
    f, sf = opened(ISSUE64)
    ds, scan = f["50.1"], sf["50.1"]
    assert len(scan.motor_names) == 82
    assert "si6b\tsi6t\t" in scan.motor_names
    split = [word.strip() for name in scan.motor_names for word in name.split("\t") if word.strip()]
    assert list(ds.positioners) == [*split, "P12_2", "P12_3"]
    np.testing.assert_array_equal(list(ds.positioners.values()), scan.motor_positions)
    assert len(ds.positioners) == 100


@pytest.mark.parametrize("name", [WRAPPED, "s2ntest_refresh2.txt", "s2ntest_refresh3.txt"])
def test_positions_without_o_names_are_numbered(opened: Opened, name: str) -> None:
    f, sf = opened(name)
    for key in f:
        ds, scan = f[key], sf[key]
        assert list(scan.motor_names) == []
        assert list(ds.positioners) == [f"P0_{i}" for i in range(len(scan.motor_positions))]
        assert len(ds.positioners) == 8
        np.testing.assert_array_equal(list(ds.positioners.values()), scan.motor_positions)


def test_the_digit_of_at_a1_is_the_mca_number(opened: Opened) -> None:
    f, sf = opened(MCA)
    for key in f:
        ds, scan = f[key], sf[key]
        points = scan.data.shape[1]
        spectra = list(ds.spectra.values())
        assert [s.header["mca"] for s in spectra] == ["@A1", "@A2", "@A3", "@A4"]
        assert len(scan.mca) == 4 * points
        theirs = np.array([scan.mca[i] for i in range(len(scan.mca))]).reshape(points, 4, 257)
        (silx_channels,) = scan.mca.channels
        (silx_calibration,) = scan.mca.calibration
        for k, spectrum in enumerate(spectra):
            counts = np.asarray(spectrum.counts)
            assert counts.dtype == np.float64
            assert counts.shape == (points, 256)
            assert (theirs[:, k, 0] == k + 1).all()  # silx: the MCA number as channel 0
            np.testing.assert_array_equal(counts, theirs[:, k, 1:])
            np.testing.assert_array_equal(spectrum.channels, np.asarray(silx_channels)[:-1])
            calibration = spectrum.calibration
            assert [calibration.a, calibration.b, calibration.c] == list(silx_calibration) == [0, 1, 0]
            np.testing.assert_array_equal(spectrum.energy, np.arange(256.0))


ONE_SPACE_IN_LABELS = [
    BLUESKY_NONE,
    "s2n_usaxs-bluesky-specwritercallback.dat",
    ISSUE109,
    "pymca_EXAFS_Cu.dat",
]


@pytest.mark.parametrize("name", ONE_SPACE_IN_LABELS)
def test_a_label_with_one_space_between_two_spaced_labels_is_one_label(opened: Opened, name: str) -> None:
    f, _ = opened(name)
    checked = 0
    for key, text in text_scans(name).items():
        labels = text.first("L")
        spaced = [n for n in two_space_names(labels[1]) if " " in n] if labels and text.rows else []
        if spaced:
            ds = load(f[key])
            assert set(spaced) <= set(ds.columns), key
            assert not [d for d in ds.diagnostics if "single space" in d.message], key
            checked += 1
    assert checked


# Diagnostics about positioners: (scan, the #O or #P line they are about).
POSITIONER_DIAGNOSTICS = {
    USER6IDD: [(key, f"O{i}") for key in ("1.1", "2.1") for i in range(8)],
    ISSUE64: [("50.1", "P12")],
    WRAPPED: [("6.1", "P0")],
    "s2ntest_refresh2.txt": [("4.1", "P0"), ("5.1", "P0")],
    "s2ntest_refresh3.txt": [("6.1", "P0")],
}


@pytest.mark.parametrize("name", list(POSITIONER_DIAGNOSTICS))
def test_positioner_diagnostics_name_their_line(opened: Opened, name: str) -> None:
    """At the #P line of the scan or at the #O line of its file header."""
    f, _ = opened(name)
    for key, code in POSITIONER_DIAGNOSTICS[name]:
        ds = f[key]
        text = text_scans(name)[key]
        saying = [d for d in ds.diagnostics if re.search(rf"#{code}\b", d.message)]
        assert saying, (key, code)
        p_line = text.first(f"P{code[1:]}")
        lines = {p_line[0] if p_line else None, latest_line(name, code, text.lines[0][0])} - {None}
        assert any(d.line in lines for d in saying), [str(d) for d in saying]
