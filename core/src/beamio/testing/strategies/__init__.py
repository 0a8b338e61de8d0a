"""Hypothesis strategies for Datasets and Files that a format can hold, for round-trip properties.

Each strategy builds values in the form the format's reader gives them back, so that
``write → read`` must give an equal Dataset (:func:`beamio.testing.assert_equal`)::

    from hypothesis import given
    from beamio.testing import assert_equal, strategies

    @given(strategies.files("spec"))
    def test_spec_round_trip(tmp_path, file):
        beamio.write(file, tmp_path / "x.spec", overwrite=True)
        with beamio.open(tmp_path / "x.spec") as again:
            assert_equal(file, again)

:func:`spec_datasets` are SPEC scans with their header lines, :func:`edf_datasets`
frame stacks with their EDF headers, :func:`mca_datasets` spectra as an MCA file of
each kind holds them, :func:`nexus_datasets` anything the model holds; :func:`files`
puts some of them in one File. Hypothesis is needed (``pip install hypothesis``).
"""

try:
    import hypothesis  # noqa: F401
except ImportError as error:  # pragma: no cover - the test extras install it
    raise ImportError(
        "beamio.testing.strategies builds Hypothesis strategies: install Hypothesis"
        " (pip install hypothesis) to use it"
    ) from error

from ._edf import EDF_DTYPES, edf_datasets
from ._files import files
from ._mca import MCA_VARIANTS, mca_datasets
from ._nexus import nexus_datasets
from ._spec import spec_datasets

__all__ = [
    "EDF_DTYPES",
    "MCA_VARIANTS",
    "edf_datasets",
    "files",
    "mca_datasets",
    "nexus_datasets",
    "spec_datasets",
]
