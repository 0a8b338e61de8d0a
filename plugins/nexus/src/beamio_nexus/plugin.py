"""beamio's hooks for HDF5/NeXus files: cheap to import (no numpy or file-format libraries).

The spec's signatures live in the core (`beamio.known_format("nexus")`) so that
beamio alone can recognise these files and say which distribution reads them.
This version registers the format for detection; its reader and writer are
not written yet, so the spec declares no read or write capability.
"""

from __future__ import annotations

from beamio import FormatSpec, hookimpl, known_format

FORMAT: FormatSpec = known_format("nexus")


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The HDF5/NeXus format spec."""
    return [FORMAT]
