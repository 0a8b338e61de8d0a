"""beamio's hooks for SPEC's shared memory: cheap to import (no numpy, no ctypes).

The ``sps`` format reads no files: it owns the ``sps://`` scheme, so that
``beamio.open("sps://fourc/SCAN_D")`` reaches its reader without detection.
"""

from __future__ import annotations

from beamio import Capabilities, FormatSpec, hookimpl

FORMAT = FormatSpec(
    "sps",
    "live arrays of a running SPEC (System V shared memory): sps://SESSION/ARRAY",
    capabilities=Capabilities(read=True, write=False, multi_frame=True, lazy=True, append=False),
    reader="beamio_sps._reader:SpsReader",
    install_hint="pip install beamio-sps",
    guess=False,
    schemes=("sps",),
)


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The sps format spec."""
    return [FORMAT]
