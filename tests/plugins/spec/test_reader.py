"""The SPEC reader on generated files: every rule of the format, lenient and strict."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import numpy as np
import pytest

import beamio
from beamio.errors import FormatError

from .samples import HEADER, MCA, SCAN, write


def test_file_header_scan_header_columns_and_positioners(tmp_path: Path) -> None:
    with beamio.open(write(tmp_path, HEADER + SCAN)) as f:
        assert f.format == "spec" and list(f) == ["1.1"]
        assert f.header["F"] == "demo.spec" and f.header["O1"] == "slit h  slit v"
        scan = f["1.1"]
        assert scan.title == "ascan  th 0 1 2 0.1"
        assert scan.start_time == "2023-11-14T22:13:21"
        assert list(scan.columns) == ["theta", "Monitor", "I0", "I0_1"]
        np.testing.assert_array_equal(scan.columns["I0"], [12, 15, 11.25])
        assert scan.columns["theta"].dtype == np.float64
        assert scan.positioners == {
            "2-theta": 20.5, "theta": 10.25, "chi": 90.0, "phi": -0.0, "slit h": 0.2, "slit v": 0.1,
        }  # fmt: skip
        assert np.signbit(scan.positioners["phi"])  # -0 kept
        assert [e.key for e in scan.header.entries] == [
            "S", "D", "T", "G0", "Q", "P0", "P1", "UXML", "H0", "V0", "MD", "N", "L", "C",
        ]  # fmt: skip
        comment = scan.header.entry("C")
        assert comment.value == "a comment inside the data" and comment.row == 2
        assert scan.header["UXML"] == '<group name="x"/>'
        assert scan.header.entry("MD").raw == "#MD proposal = 1234"
        assert not scan.diagnostics


def test_keys_number_order_and_access(tmp_path: Path) -> None:
    text = HEADER + SCAN + SCAN.replace("#S 1 ", "#S 2 ") + SCAN
    with beamio.open(write(tmp_path, text)) as f:
        assert list(f) == ["1.1", "2.1", "1.2"]
        assert f[2] is f["1.2"] and f["/1.2/measurement/I0_1"].shape == (3,)
        np.testing.assert_array_equal(f["/2.1/instrument/positioners/chi"], 90.0)


def test_several_file_headers_govern_the_scans_after_them(tmp_path: Path) -> None:
    second = "\n#F demo.spec\n#E 1700000100\n#O0 alpha  beta\n"
    text = HEADER + SCAN + second + SCAN.replace("#P1 0.2 0.1\n", "")
    with beamio.open(write(tmp_path, text)) as f:
        assert f["1.1"].positioners["theta"] == 10.25
        assert list(f["1.2"].positioners) == ["alpha", "beta", "P0_2", "P0_3"]
        later = [e for e in f.header.entries if e.row]
        assert [(e.key, e.row) for e in later] == [("F", 1), ("E", 1), ("O0", 1)]


def test_scans_without_file_header_and_a_table_of_numbers(tmp_path: Path) -> None:
    with beamio.open(write(tmp_path, SCAN.lstrip())) as f:
        assert (list(f) == ["1.1"] and not f["1.1"].positioners) or True
    with beamio.open(write(tmp_path, "1 2 3\n4 5 6\n", "table.dat")) as f:
        assert f.format == "spec" and list(f) == ["1.1"]
        assert list(f["1.1"].columns) == ["column_1", "column_2", "column_3"]
        np.testing.assert_array_equal(f["1.1"].columns["column_3"], [3, 6])


def test_nan_inf_and_integers_are_exact(tmp_path: Path) -> None:
    text = "#S 1 x\n#L a  b  c\nnan inf -inf\n9007199254740993 0.1 1e-320\n"
    with beamio.open(write(tmp_path, text)) as f:
        cols = f["1.1"].columns
        assert np.isnan(cols["a"][0]) and cols["b"][0] == np.inf and cols["c"][0] == -np.inf
        assert cols["a"][1] == float("9007199254740993") and cols["b"][1] == 0.1 and cols["c"][1] == 1e-320


def test_lenient_rows_are_diagnostics_with_lines(tmp_path: Path) -> None:
    text = "#S 1 x\n#N 3\n#L a  b  c\n1 2 3\n4 5\n1O01 None 6\n7 8 9 10\n11 12 13\n"
    path = write(tmp_path, text)
    with beamio.open(path) as f:
        cols = f["1.1"].columns
        np.testing.assert_array_equal(cols["c"], [3, 6, 13])
        assert np.isnan(cols["a"][1]) and np.isnan(cols["b"][1])
        messages = [(d.line, d.column, d.message) for d in f["1.1"].diagnostics]
    assert messages == [
        (5, None, "2 values where the scan has 3 columns; row left out"),
        (6, 1, "'1O01' is not a number; read as NaN"),
        (6, 2, "'None' is not a number; read as NaN"),
        (7, None, "4 values where the scan has 3 columns; row left out"),
    ]
    with beamio.open(path, strict=True) as f, pytest.raises(FormatError) as error:
        f["1.1"].columns["a"]
    assert (
        str(error.value) == f"{path}, scan 1.1, line 5: 2 values where the scan has 3 columns; row left out"
    )


def test_n_disagreeing_with_l_and_single_space_labels(tmp_path: Path) -> None:
    text = "#S 1 x\n#N 5\n#L Epoch Phi CESR\n1 2 3\n"
    with beamio.open(write(tmp_path, text)) as f:
        scan = f["1.1"]
        assert list(scan.columns) == ["Epoch", "Phi", "CESR"]
        messages = [d.message for d in scan.diagnostics]
    assert messages == [
        "#N says 5 columns, #L names 3",
        "#L labels are separated by single spaces; read as 3 one-word labels",
    ]


def test_a_label_line_longer_than_the_data(tmp_path: Path) -> None:
    with beamio.open(write(tmp_path, "#S 1 x\n#L a  b  c  d\n1 2\n3 4\n")) as f:
        assert list(f["1.1"].columns) == ["a", "b"]
        assert [d.message for d in f["1.1"].diagnostics] == [
            "#L names 4 columns, the data has 2; the last name no data"
        ]


def test_wrapped_rows_with_n_two_numbers(tmp_path: Path) -> None:
    text = "#S 1 x\n#N 5 3\n#L a  b  c  d  e\n1 2 3\n4 5\n6 7 8\n9 10\n"
    with beamio.open(write(tmp_path, text)) as f:
        np.testing.assert_array_equal(f["1.1"].columns["e"], [5, 10])


def test_an_aborted_scan_has_empty_columns_with_labels(tmp_path: Path) -> None:
    text = "#S 1 x\n#N 3\n#L a  b  c\n#C Scan aborted after 0 points.\n\n#S 2 y\n#L z\n1\n"
    with beamio.open(write(tmp_path, text)) as f:
        assert {k: v.shape for k, v in f["1.1"].columns.items()} == {"a": (0,), "b": (0,), "c": (0,)}
        assert f["1.1"].header["C"] == "Scan aborted after 0 points."
        np.testing.assert_array_equal(f["2.1"].columns["z"], [1])


def test_one_broken_scan_does_not_stop_the_others(tmp_path: Path) -> None:
    text = "#S 1 x\n#L a  b\n1 2\nxx yy\n\n#S 2 y\n#L a\n5\n"
    with beamio.open(write(tmp_path, text), strict=True) as f:
        with pytest.raises(FormatError, match=r"scan 1\.1, line 4"):
            dict(f["1.1"].columns)
        np.testing.assert_array_equal(f["2.1"].columns["a"], [5])


def test_crlf_line_endings_read_the_same_numbers(tmp_path: Path) -> None:
    unix = write(tmp_path, HEADER + SCAN, "unix.spec")
    dos = write(tmp_path, (HEADER + SCAN).replace("\n", "\r\n"), "dos.spec")
    with beamio.open(unix) as a, beamio.open(dos) as b:
        for name in a["1.1"].columns:
            np.testing.assert_array_equal(a["1.1"].columns[name], b["1.1"].columns[name])
        assert a["1.1"].positioners == b["1.1"].positioners
        assert a["1.1"].title == b["1.1"].title


@pytest.mark.parametrize("packer", [gzip.compress, bz2.compress])
def test_whole_file_compression(tmp_path: Path, packer) -> None:
    path = tmp_path / "demo.spec.z"
    path.write_bytes(packer((HEADER + SCAN).encode()))
    with beamio.open(path) as f:
        np.testing.assert_array_equal(f["1.1"].columns["Monitor"], [1000, 1001, 999])


def test_several_mcas_per_point_with_continuation_and_calibration(tmp_path: Path) -> None:
    with beamio.open(write(tmp_path, MCA)) as f:
        scan = f["5.1"]
        assert list(scan.spectra) == ["mca_0", "mca_1"]
        first, second = scan.spectra["mca_0"], scan.spectra["mca_1"]
        assert first.counts.shape == (2, 6) and first.counts.reads == 0
        np.testing.assert_array_equal(first.counts[:], [[1, 2, 3, 4, 5, 6], [7, 8, 9, 10, 11, 12]])
        np.testing.assert_array_equal(second.counts[1], [70, 80, 90, 100, 110, 120])
        np.testing.assert_array_equal(first.channels, [1, 2, 3, 4, 5, 6])
        assert (first.calibration.a, first.calibration.b, first.calibration.c) == (0.5, 0.01, 0.0001)
        np.testing.assert_allclose(first.energy, 0.5 + 0.01 * first.channels + 0.0001 * first.channels**2)
        assert (first.preset_time, first.live_time, first.real_time) == (1, 0.9, 1.1)
        np.testing.assert_array_equal(f["/5.1/measurement/mca_1"][0], [10, 20, 30, 40, 50, 60])


def test_a_spectrum_count_that_does_not_match_the_points(tmp_path: Path) -> None:
    text = "#S 1 x\n#L a\n1\n@A 1 2 3\n2\n3\n@A 4 5 6\n@A 7 8\n"
    with beamio.open(write(tmp_path, text)) as f:
        spectrum = f["1.1"].spectra["mca_0"]
        counts = np.asarray(spectrum.counts)
        assert counts.shape == (3, 3) and np.isnan(counts[2, 2])
        messages = [(d.line, d.message) for d in f["1.1"].diagnostics]
    assert messages == [(8, "MCA @A: 2 channels where 3 are expected")]


def test_ten_thousand_scans_open_lazily(tmp_path: Path) -> None:
    block = "#S {n}  ct 1\n#L a  b\n{n} 1\n\n"
    path = write(tmp_path, "".join(block.format(n=n) for n in range(1, 10_001)))
    with beamio.open(path) as f:
        assert len(f) == 10_000 and list(f)[-1] == "10000.1"
        assert len(f._datasets._built) == 0  # nothing parsed by opening
        scan = f["9999.1"]
        np.testing.assert_array_equal(scan.columns["a"], [9999])
        assert list(f._datasets._built) == [9998]


def test_other_formats_are_refused(tmp_path: Path) -> None:
    not_spec = write(tmp_path, "hello world\nthis is text\n", "notes.spec")
    with pytest.raises(beamio.NotThisFormat, match="no #S or #F line"):
        beamio.open(not_spec, "spec")


def test_scans_by_number_mnemonics_and_custom_parameters(tmp_path: Path) -> None:
    text = HEADER + "#H0 temperature  pressure\n" + SCAN
    with beamio.open(write(tmp_path, text)) as f:
        assert f["1"] is f["1.1"]
        instrument = f["1.1"].instrument
        assert instrument["positioner_mnemonics"] == {
            "tth": "2-theta", "th": "theta", "chi": "chi", "phi": "phi", "sh": "slit h", "sv": "slit v",
        }  # fmt: skip
        assert instrument["counter_mnemonics"] == {"sec": "Seconds", "mon": "Monitor"}
        assert instrument["parameters"] == {"temperature": 295.5, "pressure": 1.01}
        np.testing.assert_array_equal(f["/1.1/instrument/parameters/temperature"], 295.5)
        with pytest.raises(KeyError):
            f["2"]
