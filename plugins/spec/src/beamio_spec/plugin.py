"""beamio's hooks for SPEC files: cheap to import (no numpy).

The signatures live in the core (``beamio.known_format("spec")``) so that beamio
alone recognises SPEC files and names this distribution; here the spec gains its
reader and writer.
"""

from __future__ import annotations

import attrs

from beamio import Capabilities, FormatSpec, hookimpl, known_format

FORMAT: FormatSpec = attrs.evolve(
    known_format("spec"),
    capabilities=Capabilities(read=True, write=True, multi_frame=False, lazy=True, append=True),
    reader="beamio_spec._reader:SpecReader",
    writer="beamio_spec._writer:SpecWriter",
)


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The SPEC format spec."""
    return [FORMAT]
