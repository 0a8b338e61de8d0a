"""beamio's hooks for EDF files: cheap to import (no numpy or file-format libraries).

The spec's signatures live in the core (`beamio.known_format("edf")`) so that
beamio alone can recognise these files and say which distribution reads them.
This version registers the format for detection; its reader and writer are
not written yet, so the spec declares no read or write capability.
"""

from __future__ import annotations

from beamio import FormatSpec, hookimpl, known_format

FORMAT: FormatSpec = known_format("edf")


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The EDF format spec."""
    return [FORMAT]
