"""beamio_spec.compat against PyMca's specfile reader (and silx's wrapper), value by value."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from beamio_spec import compat

# Corpus files whose every scan PyMca reads as beamio does (apart from the scans
# without data lines, which PyMca cannot read at all).
AGREED = [
    "fisx_XCOM_CrossSections.dat",
    "pymca_EXAFS_Cu.dat",
    "s2n_02_03_setup.dat",
    "s2n_03_06_JanTest.dat",
    "s2n_33bm_spec.dat",
    "s2n_APS_spec_data.dat",
    "s2n_CdSe",
    "s2n_usaxs-bluesky-specwritercallback.dat",
    "s2ntest_issue119_data.txt",
    "s2ntest_issue82_data.txt",
    "s2ntest_refresh1.txt",
    "s2ntest_test_3.spec",
    "s2ntest_test_4.spec",
]

EVERY_FILE = [
    *AGREED,
    "s2n_05_02_test.dat",
    "s2n_mca_spectra_example.dat",
    "s2n_spec_from_spock.spc",
    "s2n_user6idd.dat",
    "s2ntest_JL124_1.spc",
    "s2ntest_issue109_data.txt",
    "s2ntest_issue161_spock_spec_file",
    "s2ntest_issue196_data.txt",
    "s2ntest_issue216_scan1.spec",
    "s2ntest_issue64_data.txt",
    "s2ntest_n_m.txt",
    "s2ntest_refresh2.txt",
    "s2ntest_refresh3.txt",
]


@pytest.fixture
def specfile() -> ModuleType:
    """PyMca's C reader: what users migrate from."""
    return pytest.importorskip("PyMca5.PyMcaIO.specfile")


def spec(corpus: Path, name: str) -> str:
    return str(corpus / "spec" / name)


def assert_same_or_both_missing(new: Callable[[], object], old: Callable[[], object], error: type) -> None:
    """``new()`` equals ``old()``, or raises a LookupError where PyMca raises its error."""
    try:
        expected = old()
    except error:
        with pytest.raises(LookupError):
            new()
        return
    assert new() == expected


def assert_scan_equal(old: object, new: compat.Scan, specfile: ModuleType) -> None:
    """Every call of one scan gives PyMca's value."""
    assert (new.number(), new.order()) == (old.number(), old.order())
    assert new.command() == old.command()
    for key in ("", "S", "D", "L", "N", "P", "C", "@", "F", "E", "O"):
        assert new.header(key) == old.header(key), key
        assert new.fileheader(key) == old.fileheader(key), key
    try:
        lines = old.lines()
    except specfile.error:  # a scan without data lines: PyMca cannot read it
        assert new.lines() == 0
        assert new.data().shape == (len(new.alllabels()), 0)
        return
    assert_same_or_both_missing(new.date, old.date, specfile.error)
    assert (new.cols(), new.lines()) == (old.cols(), lines)
    assert new.alllabels() == old.alllabels()
    np.testing.assert_array_equal(new.data(), old.data())
    for number, label in enumerate(old.alllabels(), 1):
        np.testing.assert_array_equal(new.datacol(label), old.datacol(label))
        np.testing.assert_array_equal(new.datacol(number), old.datacol(number))
    for line in {1, lines, -1} if lines else ():
        np.testing.assert_array_equal(new.dataline(line), old.dataline(line))
    try:
        motors = old.allmotors()
    except SystemError:  # PyMca, for a file without #O
        motors = []
    assert new.allmotors() == motors
    if motors:
        assert new.allmotorpos() == old.allmotorpos()
        assert [new.motorpos(m) for m in motors] == [old.motorpos(m) for m in motors]
    assert new.nbmca() == old.nbmca()
    assert_same_or_both_missing(new.hkl, old.hkl, specfile.error)


@pytest.mark.parametrize("name", EVERY_FILE)
def test_scan_list_and_keys_match_pymca(corpus: Path, specfile: ModuleType, name: str) -> None:
    old = specfile.Specfile(spec(corpus, name))
    with compat.Specfile(spec(corpus, name)) as new:
        assert new.scanno() == len(new) == old.scanno()
        assert new.list() == old.list()
        assert [(s.number(), s.order()) for s in new] == [(s.number(), s.order()) for s in old]
        for scan in new:
            assert new.select(scan.dataset.key).index == scan.index
            assert old.select(scan.dataset.key).number() == scan.number()


@pytest.mark.parametrize("name", AGREED)
def test_every_scan_matches_pymca_value_by_value(corpus: Path, specfile: ModuleType, name: str) -> None:
    old = specfile.Specfile(spec(corpus, name))
    with compat.Specfile(spec(corpus, name)) as new:
        for i in range(old.scanno()):
            assert_scan_equal(old[i], new[i], specfile)


def test_list_and_keys_match_silx(corpus: Path) -> None:
    silx_wrapper = pytest.importorskip("silx.io.specfilewrapper")
    for name in ("s2n_05_02_test.dat", "s2ntest_issue109_data.txt", "s2ntest_issue161_spock_spec_file"):
        old = silx_wrapper.Specfile(spec(corpus, name))
        with compat.Specfile(spec(corpus, name)) as new:
            assert new.list() == old.list()
            assert new.keys() == old.keys()


# -- MCA ---------------------------------------------------------------------------------------
def test_mca_numbering_is_pymcas_without_the_digit_read_as_a_channel(
    corpus: Path, specfile: ModuleType
) -> None:
    old = specfile.Specfile(spec(corpus, "s2n_mca_spectra_example.dat"))
    with compat.Specfile(spec(corpus, "s2n_mca_spectra_example.dat")) as new:
        for i in range(old.scanno()):
            before, after = old[i], new[i]
            assert after.nbmca() == before.nbmca() == 4 * after.lines()
            spectra = after.dataset.spectra
            for n in range(1, after.nbmca() + 1):
                counts = before.mca(n)
                # PyMca reads "@A3 0 0 …" as the channels 3, 0, 0, …: the MCA index first.
                assert counts[0] == (n - 1) % 4 + 1
                np.testing.assert_array_equal(after.mca(n), counts[1:])
                point, which = divmod(n - 1, 4)
                np.testing.assert_array_equal(after.mca(n), spectra[f"mca_{which}"].counts[point])


def test_mca_numbering_matches_silx(corpus: Path) -> None:
    silx_specfile = pytest.importorskip("silx.io.specfile")
    old = silx_specfile.SpecFile(spec(corpus, "s2n_mca_spectra_example.dat"))
    with compat.Specfile(spec(corpus, "s2n_mca_spectra_example.dat")) as new:
        assert len(old[0].mca) == new[0].nbmca()
        for n in (1, 2, 3, 4, 5, 17, new[0].nbmca()):
            np.testing.assert_array_equal(new[0].mca(n), old[0].mca[n - 1][1:])


MCA_FILE = """#F mca.spec
#E 1700000000
#O0 m1  m2

#S 1  ascan m1 0 1 2 1
#P0 1.5 2.5
#@MCA 4C
#@CHANN 4 0 3 1
#N 2
#L x  y
1 10
@A 1 2 3 4
2 20
@A 5 6 \\
7 8
3 30
@A 9 10 11 12

#S 2  ascan m1 0 1 2 1
#N 2
#L x  y
1 10
@A1 1 2 3 4
@A2 11 12 13 14
2 20
@A1 5 6 7 8
@A2 15 16 17 18
3 30
@A1 9 10 11 12
"""


def test_mca_spectra_without_index_digit_equal_pymcas(tmp_path: Path, specfile: ModuleType) -> None:
    path = tmp_path / "mca.spec"
    path.write_text(MCA_FILE)
    with compat.Specfile(path) as new:
        old = specfile.Specfile(str(path))
        assert new[0].nbmca() == old[0].nbmca() == 3
        for n in (1, 2, 3):
            np.testing.assert_array_equal(new[0].mca(n), old[0].mca(n))
        assert_scan_equal(old[0], new[0], specfile)


def test_a_missing_last_spectrum_keeps_the_file_order(tmp_path: Path, specfile: ModuleType) -> None:
    path = tmp_path / "mca.spec"
    path.write_text(MCA_FILE)
    with compat.Specfile(path) as new:
        old = specfile.Specfile(str(path))
        assert new[1].nbmca() == old[1].nbmca() == 5
        for n in range(1, 6):
            np.testing.assert_array_equal(new[1].mca(n), old[1].mca(n)[1:])
        assert [new[1].mca(n)[0] for n in range(1, 6)] == [1, 11, 5, 15, 9]


# -- where beamio differs on purpose -----------------------------------------------------------
@pytest.mark.parametrize("name", ["s2n_05_02_test.dat", "s2n_spec_from_spock.spc"])
def test_nan_and_none_are_nan_where_pymca_reads_zero(corpus: Path, specfile: ModuleType, name: str) -> None:
    old = specfile.Specfile(spec(corpus, name))
    seen_nan = False
    with compat.Specfile(spec(corpus, name)) as new:
        for i in range(old.scanno()):
            try:
                expected = old[i].data()
            except specfile.error:  # no data lines
                continue
            got = new[i].data()
            assert got.shape == expected.shape
            assert new[i].alllabels() == old[i].alllabels()
            nan = np.isnan(got)
            seen_nan = seen_nan or nan.any()
            np.testing.assert_array_equal(got[~nan], expected[~nan])
            assert (expected[nan] == 0).all()
    assert seen_nan


def test_cols_counts_the_data_where_pymca_reports_the_n_line(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2n_05_02_test.dat"))
    with compat.Specfile(spec(corpus, "s2n_05_02_test.dat")) as new:
        assert old[0].header("N") == ["#N 31"]  # Bluesky writes the number of points there
        assert old[0].cols() == 31
        assert new[0].cols() == len(new[0]) == len(old[0].alllabels()) == 14
        assert new[0].data().shape == (14, 31)


def test_scan_without_data_lines_has_labels_and_date(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2n_02_03_setup.dat"))
    with compat.Specfile(spec(corpus, "s2n_02_03_setup.dat")) as new:
        scan = new.select("5.1")
        with pytest.raises(specfile.error):
            old.select("5.1").data()
        with pytest.raises(specfile.error):
            old.select("5.1").date()
        assert scan.date() == "Wed Feb 03 16:53:06 2016"
        assert scan.alllabels()[:3] == ["ar", "ay", "dy"]
        assert scan.data().shape == (scan.cols(), 0)
        assert scan.nbmca() == 0


def test_wrapped_rows_are_joined(corpus: Path) -> None:
    # "#N 15 8": each point's 15 values are written 8 to a line.
    with compat.Specfile(spec(corpus, "s2ntest_n_m.txt")) as new:
        scan = new[0]
        assert (scan.cols(), scan.lines()) == (15, 31)  # ascan of 30 intervals
        first = "15.61017  -0.010 111.529 15.498519 3 99997 999970 9.99968e-08 627 0.3 38 9 100075 243 243"
        np.testing.assert_array_equal(scan.dataline(1), [float(v) for v in first.split()])
        assert scan.alllabels()[-2:] == ["I0", "I0"]


def test_single_space_labels_are_split_where_pymca_reads_one(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2n_user6idd.dat"))
    with compat.Specfile(spec(corpus, "s2n_user6idd.dat")) as new:
        (label,) = old[1].alllabels()
        assert new[1].alllabels() == label.split()
        np.testing.assert_array_equal(new[1].data(), old[1].data())


def test_single_space_motor_names_are_split(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2n_user6idd.dat"))
    with compat.Specfile(spec(corpus, "s2n_user6idd.dat")) as new:
        assert new[1].allmotors() == " ".join(old[1].allmotors()).split()
        positions = [float(v) for line in new[1].header("P") for v in line.split()[1:]]
        assert new[1].allmotorpos() == positions
        assert new[1].motorpos("Delta") == positions[0]


def test_motor_names_keep_the_space_pymca_drops(corpus: Path, specfile: ModuleType) -> None:
    for name, key, motor in [
        ("s2ntest_JL124_1.spc", "1.1", "Motor 9"),
        ("s2ntest_issue109_data.txt", "11.1", "Cryo X"),
    ]:
        old = specfile.Specfile(spec(corpus, name)).select(key)
        with compat.Specfile(spec(corpus, name)) as new:
            scan = new.select(key)
            assert motor in scan.allmotors()
            assert motor.replace(" ", "") in old.allmotors()
            assert [m.replace(" ", "") for m in scan.allmotors()] == [
                m.replace(" ", "") for m in old.allmotors()
            ]
            assert scan.allmotorpos() == old.allmotorpos()
            assert scan.motorpos(motor) == old.motorpos(motor.replace(" ", ""))


def test_tab_separated_motor_names_are_split(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2ntest_issue64_data.txt"))[0]
    with compat.Specfile(spec(corpus, "s2ntest_issue64_data.txt")) as new:
        scan = new[0]
        assert any("\t" in m for m in old.allmotors())
        assert not any("\t" in m for m in scan.allmotors())
        assert len(scan.allmotors()) > len(old.allmotors())
        positions = [float(v) for line in scan.header("P") for v in line.split()[1:]]
        assert scan.allmotorpos() == positions
        assert scan.motorpos("si6t") == positions[2]


def test_an_empty_o_line_names_no_motor(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2ntest_issue196_data.txt"))
    with compat.Specfile(spec(corpus, "s2ntest_issue196_data.txt")) as new:
        assert old[0].allmotors() == [""]
        assert new[0].allmotors() == new.allmotors() == []
        assert new[0].allmotorpos() == []


def test_each_scan_has_the_file_header_before_it(corpus: Path, specfile: ModuleType) -> None:
    for name in ("s2n_05_02_test.dat", "s2ntest_issue109_data.txt"):
        old = specfile.Specfile(spec(corpus, name))
        with compat.Specfile(spec(corpus, name)) as new:
            epochs = set()
            for i in range(old.scanno()):
                assert new[i].fileheader() == old[i].fileheader("")
                assert new[i].header("E") == old[i].header("E")  # from the file header
                epochs.add(new[i].header("E")[0])
            assert len(epochs) > 1


def test_a_file_without_f_has_no_file_header(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2n_spec_from_spock.spc"))
    with compat.Specfile(spec(corpus, "s2n_spec_from_spock.spc")) as new:
        assert old[0].fileheader("")[0].startswith("#S 1 ")  # PyMca: the first scan's lines
        assert new[0].fileheader() == []
        assert new[0].header("") == old[0].header("")


# -- the calls themselves ------------------------------------------------------------------------
def test_duplicate_labels_read_the_first_and_the_distinct_name_the_second(corpus: Path) -> None:
    with compat.Specfile(spec(corpus, "s2n_02_03_setup.dat")) as new:
        scan = new[0]
        assert scan.alllabels()[-2:] == ["I0", "I0"]
        assert list(scan.dataset.columns)[-2:] == ["I0", "I0_1"]
        np.testing.assert_array_equal(scan.datacol("I0"), scan.datacol(17))
        np.testing.assert_array_equal(scan.datacol("I0_1"), scan.datacol(18))
        np.testing.assert_array_equal(scan.datacol(-1), scan.datacol(18))
        np.testing.assert_array_equal(scan[0], scan.datacol(1))
        np.testing.assert_array_equal(scan.dataline(-1), scan.data()[:, -1])


def test_select_accepts_what_pymca_accepts(corpus: Path, specfile: ModuleType) -> None:
    old = specfile.Specfile(spec(corpus, "s2n_05_02_test.dat"))
    with compat.Specfile(spec(corpus, "s2n_05_02_test.dat")) as new:
        for key in ("1", "1.2", " 1.3", "105"):
            assert (new.select(key).number(), new.select(key).order()) == (
                old.select(key).number(),
                old.select(key).order(),
            )
        for key in ("7.1", "1.0", "x"):
            with pytest.raises(specfile.error):
                old.select(key)
            with pytest.raises(KeyError):
                new.select(key)


def test_what_is_not_there_raises_a_lookup_error(corpus: Path) -> None:
    with compat.Specfile(spec(corpus, "s2n_mca_spectra_example.dat")) as new:
        scan = new[0]
        calls = [
            lambda: new[2],
            lambda: new.select("3.1"),
            lambda: scan.datacol(0),
            lambda: scan.datacol(22),
            lambda: scan.datacol("nope"),
            lambda: scan.dataline(0),
            lambda: scan.dataline(scan.lines() + 1),
            lambda: scan.mca(0),
            lambda: scan.mca(scan.nbmca() + 1),
            lambda: scan.motorpos("nope"),
        ]
        for call in calls:
            with pytest.raises(compat.error, match=re.escape("s2n_mca_spectra_example.dat")):
                call()
        with pytest.raises(KeyError, match=r"scan 1\.1 has no column 'nope'; its labels: Energy, H"):
            scan.datacol("nope")


def test_file_calls(corpus: Path) -> None:
    path = spec(corpus, "s2n_mca_spectra_example.dat")
    with compat.Specfile(path) as new:
        assert new.allmotors() == new[0].allmotors()
        assert new.allmotors()[:3] == ["Hex_X", "Hex_Y", "Hex_Z"]
        assert new.date() == "Sun May 15 11:19:51 2016"
        assert new.epoch() == 1463332791
        assert new[-1].dataset.key == "2.1"
        assert new[0].header() == new[0].header("")
        assert repr(new) == f"<Specfile {path!r} (2 scans)>"
    assert new.file.closed
