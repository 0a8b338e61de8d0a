"""Plot an element's photon cross sections from the XCOM tables that fisx ships as a SPEC file.

    python examples/xcom_plot.py Fe -o Fe.png

Needs matplotlib: ``pip install 'beamio-spec[plot]'``.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

import beamio

try:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
except ModuleNotFoundError as error:
    raise ModuleNotFoundError("xcom_plot needs matplotlib: pip install 'beamio-spec[plot]'") from error

__all__ = ["DEFAULT_SPEC", "plot_element"]

DEFAULT_SPEC = Path(__file__).resolve().parents[1].parent / "shared/corpus/spec/fisx_XCOM_CrossSections.dat"

ENERGY_RANGE = (1.0, 100.0)  # keV
KEV_PER_UNIT = {"eV": 1e-3, "keV": 1.0, "MeV": 1e3, "GeV": 1e6}

# Quantity (the #L label without its [unit]) → legend name and line colour.
# "TotalCrossSection" is XCOM's total attenuation *with* coherent scattering (coherent + Compton
# + photoelectric + pair production, the last nil below 1022 keV), so the black line is the sum
# of the coloured ones; "CoherentPlusIncoherent" is scattering alone.
CURVES = {
    "Rayleigh(coherent)": ("Coherent", "blue"),
    "Compton(incoherent)": ("Compton", "green"),
    "Photoelectric": ("Photoelectric", "red"),
    "TotalCrossSection": ("Total", "black"),
}

_LABEL = re.compile(r"(?P<quantity>[^\[]+?)\s*\[(?P<unit>[^\]]*)\]")


def _curves(scan: beamio.Dataset) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The energies in keV and the columns of CURVES, found by the quantity their #L label names."""
    labels = {}
    for label in scan.columns:
        match = _LABEL.fullmatch(label.strip())
        if match:
            labels[match["quantity"]] = (label, match["unit"].strip())
    missing = [quantity for quantity in ("PhotonEnergy", *CURVES) if quantity not in labels]
    if missing:
        raise LookupError(
            f"scan {scan.key} ({scan.title}) has no {' or '.join(missing)} column;"
            f" its #L labels are {', '.join(scan.columns)}"
        )
    label, unit = labels["PhotonEnergy"]
    if unit not in KEV_PER_UNIT:
        raise ValueError(
            f"scan {scan.key} ({scan.title}): energy in {unit!r}, not one of {list(KEV_PER_UNIT)}"
        )
    energy = scan.columns[label] * KEV_PER_UNIT[unit]
    return energy, {quantity: scan.columns[labels[quantity][0]] for quantity in CURVES}


def plot_element(
    symbol: str, spec_path: str | Path | None = None, output: str | Path | None = None
) -> Figure:
    """Draw one element's coherent, Compton, photoelectric and total cross sections.

    Parameters
    ----------
    symbol
        The element's symbol (``Fe``), matched against each scan's #S title, in any case.
    spec_path
        The XCOM SPEC file; by default the copy in the shared corpus.
    output
        Where to save the figure as PNG; not saved when None.

    Raises
    ------
    LookupError
        When no scan of the file is titled ``symbol``, or its table lacks a column.
    ValueError
        When the energies are in a unit other than eV, keV, MeV or GeV.
    """
    spec_path = Path(spec_path) if spec_path is not None else DEFAULT_SPEC
    with beamio.open(spec_path) as f:
        titles = [scan.title for scan in f.datasets]
        wanted = symbol.strip().casefold()
        index = next((i for i, title in enumerate(titles) if title.casefold() == wanted), None)
        if index is None:
            available = ", ".join(titles[:8])
            raise LookupError(
                f"no element {symbol!r} in {spec_path}: it has {available}, … ({len(titles)} elements)"
            )
        scan = f.datasets[index]
        energy, curves = _curves(scan)
    # Only the points in view, so that the y axis scales to them; the XCOM grid has points
    # at 1 and 100 keV exactly, so the curves still reach both sides of the frame.
    shown = (energy >= ENERGY_RANGE[0]) & (energy <= ENERGY_RANGE[1])

    figure = Figure()
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for quantity, values in curves.items():
        name, color = CURVES[quantity]
        axes.plot(energy[shown], values[shown], color=color, label=name)
    axes.set(
        title=scan.title,
        xscale="log",
        yscale="log",
        xlim=ENERGY_RANGE,
        xlabel="Energy (keV)",
        ylabel="Cross Section (cm2/g)",
    )
    axes.legend()
    if output is not None:
        figure.savefig(output, format="png")
    return figure


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("symbol", help="the element's symbol, e.g. Fe")
    parser.add_argument("-o", "--output", type=Path, help="the PNG to write (default: SYMBOL.png)")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the XCOM SPEC file")
    args = parser.parse_args(argv)
    try:
        plot_element(args.symbol, args.spec, args.output or Path(f"{args.symbol}.png"))
    except (LookupError, ValueError, OSError) as error:  # beamio's FormatError is a ValueError
        print(f"{parser.prog}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
