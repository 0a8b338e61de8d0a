"""examples/xcom_plot.py draws the file's own numbers, in the colours, scales and labels asked for."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import beamio

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "xcom_plot.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

ENERGY = "PhotonEnergy[keV]"
# The file's #L label of each curve → its colour.
COLORS = {
    "Rayleigh(coherent)[cm2/g]": "blue",
    "Compton(incoherent)[cm2/g]": "green",
    "Photoelectric[cm2/g]": "red",
    "TotalCrossSection[cm2/g]": "black",
}
ELEMENTS = ["H", "Fe", "Pb"]


@pytest.fixture(scope="module")
def xcom() -> ModuleType:
    pytest.importorskip("matplotlib", reason="the XCOM example needs matplotlib (beamio-spec[plot])")
    spec = importlib.util.spec_from_file_location("xcom_plot", EXAMPLE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def xcom_file(corpus: Path) -> Path:
    path = corpus / "spec" / "fisx_XCOM_CrossSections.dat"
    if not path.is_file():
        pytest.skip(f"{path} is absent from the corpus")
    return path


def table_of(path: Path, symbol: str) -> dict[str, np.ndarray]:
    """The element's columns between 1 and 100 keV, read here with beamio, apart from the example."""
    with beamio.open(path) as f:
        (scan,) = [scan for scan in f.datasets if scan.header["S"].split()[1:] == [symbol]]
        columns = {label: scan.columns[label] for label in [ENERGY, *COLORS]}
    shown = (columns[ENERGY] >= 1) & (columns[ENERGY] <= 100)
    return {label: values[shown] for label, values in columns.items()}


@pytest.mark.parametrize("symbol", ELEMENTS)
def test_figure_has_the_asked_for_axes_and_is_saved_as_png(
    xcom: ModuleType, xcom_file: Path, tmp_path: Path, symbol: str
) -> None:
    from matplotlib.colors import to_rgba

    output = tmp_path / f"{symbol}.png"
    figure = xcom.plot_element(symbol, xcom_file, output)

    assert output.read_bytes()[:8] == PNG_SIGNATURE
    (axes,) = figure.axes
    assert axes.get_title() == symbol
    assert (axes.get_xscale(), axes.get_yscale()) == ("log", "log")
    assert axes.get_xlim() == (1.0, 100.0)
    assert axes.get_xlabel() == "Energy (keV)"
    assert axes.get_ylabel() == "Cross Section (cm2/g)"
    assert [to_rgba(line.get_color()) for line in axes.get_lines()] == [
        to_rgba(color) for color in COLORS.values()
    ]


@pytest.mark.parametrize("symbol", ELEMENTS)
def test_lines_are_the_files_values(xcom: ModuleType, xcom_file: Path, symbol: str) -> None:
    table = table_of(xcom_file, symbol)
    lines = xcom.plot_element(symbol, xcom_file).axes[0].get_lines()

    # 1 and 100 keV are points of the XCOM grid: the curves span the whole frame.
    assert (table[ENERGY][0], table[ENERGY][-1]) == (1.0, 100.0)
    for line, label in zip(lines, COLORS, strict=True):
        assert np.array_equal(line.get_xdata(), table[ENERGY]), label
        assert np.array_equal(line.get_ydata(), table[label]), label
    # The total drawn is the sum of the other three (no pair production below 1022 keV).
    coherent, compton, photoelectric, total = (line.get_ydata() for line in lines)
    np.testing.assert_allclose(coherent + compton + photoelectric, total, rtol=1e-5)


def test_values_agree_with_silx(xcom: ModuleType, xcom_file: Path) -> None:
    specfile = pytest.importorskip("silx.io.specfile", reason="silx cross-checks the values")
    lines = xcom.plot_element("Fe", xcom_file).axes[0].get_lines()

    sf = specfile.SpecFile(str(xcom_file))
    try:
        (scan,) = [scan for scan in sf if scan.scan_header_dict["S"].split()[1:] == ["Fe"]]
        energy = scan.data_column_by_name(ENERGY)
        photoelectric = scan.data_column_by_name("Photoelectric[cm2/g]")
    finally:
        sf.close()
    at_edge = np.flatnonzero(energy == 7.112)  # Fe K edge: the energy twice, below and above
    assert len(at_edge) == 2
    x, y = lines[2].get_xdata(), lines[2].get_ydata()
    assert y[x == 7.112].tolist() == photoelectric[at_edge].tolist()


def test_symbol_in_any_case(xcom: ModuleType, xcom_file: Path) -> None:
    assert xcom.plot_element("fE", xcom_file).axes[0].get_title() == "Fe"


def test_unknown_symbol_names_the_available_ones(xcom: ModuleType, xcom_file: Path) -> None:
    with pytest.raises(LookupError, match=r"no element 'Xx' in .*: it has H, He, Li, .*\(100 elements\)"):
        xcom.plot_element("Xx", xcom_file)


def test_energies_in_mev_are_drawn_in_kev(xcom: ModuleType, tmp_path: Path) -> None:
    labels = "  ".join(["PhotonEnergy[MeV]", *COLORS])
    rows = ["5E-04 1 2 3 6", "1E-03 1 2 3 6", "1E-02 1 2 3 6", "1E-01 1 2 3 6", "2E-01 1 2 3 6"]
    path = tmp_path / "mev.dat"
    path.write_text("\n".join(["#F mev.dat", "", "#S 1 Cu", "#N 5", f"#L {labels}", *rows, ""]))

    (axes,) = xcom.plot_element("Cu", path).axes

    for line in axes.get_lines():
        assert np.array_equal(line.get_xdata(), np.array([1e-3, 1e-2, 1e-1]) * 1000)


def test_a_table_without_a_curve_is_refused(xcom: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "short.dat"
    path.write_text("#S 1 Cu\n#N 2\n#L PhotonEnergy[keV]  Photoelectric[cm2/g]\n1 2\n")
    with pytest.raises(LookupError, match=r"scan 1.1 \(Cu\) has no Rayleigh\(coherent\) or .* column"):
        xcom.plot_element("Cu", path)


def test_command_line_writes_the_png(xcom: ModuleType, xcom_file: Path, tmp_path: Path) -> None:
    output = tmp_path / "out.png"
    command = [sys.executable, str(EXAMPLE), "Fe", "-o", str(output)]
    if xcom_file != xcom.DEFAULT_SPEC:
        command += ["--spec", str(xcom_file)]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert output.read_bytes()[:8] == PNG_SIGNATURE


def test_command_line_unknown_symbol_is_one_line_and_exit_1(
    xcom: ModuleType, xcom_file: Path, tmp_path: Path
) -> None:
    command = [sys.executable, str(EXAMPLE), "Xx", "--spec", str(xcom_file), "-o", str(tmp_path / "x.png")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stderr.count("\n") == 1
    assert "no element 'Xx'" in done.stderr
    assert not (tmp_path / "x.png").exists()
