"""beamio's hooks for MCA files: cheap to import (no numpy or file-format libraries).

The spec's signatures live in the core (`beamio.known_format("mca")`) so that
beamio alone can recognise these files and say which distribution reads them.
This version registers the format for detection; its reader and writer are
not written yet, so the spec declares no read or write capability.
"""

from __future__ import annotations

from beamio import FormatSpec, hookimpl, known_format

FORMAT: FormatSpec = known_format("mca")


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The MCA format spec."""
    return [FORMAT]
