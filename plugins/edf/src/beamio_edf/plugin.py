"""beamio's hooks for EDF files: cheap to import (no numpy or fabio).

The signature lives in the core (``beamio.known_format("edf")``) so that beamio
alone recognises EDF files and names this distribution; here the spec gains its
reader and writer.
"""

from __future__ import annotations

import attrs

from beamio import Capabilities, FormatSpec, hookimpl, known_format

from ._fabio import FORMAT as FABIO_FORMAT

FORMAT: FormatSpec = attrs.evolve(
    known_format("edf"),
    capabilities=Capabilities(read=True, write=True, multi_frame=True, lazy=True, append=True, series=True),
    reader="beamio_edf._reader:EdfReader",
    writer="beamio_edf._writer:EdfWriter",
)


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The EDF format spec, and the bridge to fabio's other detector formats."""
    return [FORMAT, FABIO_FORMAT]
