"""beamio's hooks for HDF5/NeXus files: cheap to import (no numpy or file-format libraries).

The spec's signatures live in the core (`beamio.known_format("nexus")`) so that
beamio alone can recognise these files and say which distribution reads them.
It reads any HDF5 file and writes NeXus in the layout ESRF tools read.
"""

from __future__ import annotations

import attrs

from beamio import Capabilities, FormatSpec, hookimpl, known_format

FORMAT: FormatSpec = attrs.evolve(
    known_format("nexus"),
    capabilities=Capabilities(read=True, write=True, multi_frame=True, lazy=True, append=True),
    reader="beamio_nexus._reader:NexusReader",
    writer="beamio_nexus._writer:NexusWriter",
)


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The HDF5/NeXus format spec."""
    return [FORMAT]
