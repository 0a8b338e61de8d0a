"""beamio's hooks for MCA files: cheap to import (no numpy or file-format libraries).

The signatures of the ``mca`` format live in the core (``beamio.known_format("mca")``)
so that beamio alone recognises these files and names this distribution; here the
spec gains its reader and writer. ``mca-text`` (plain columns of numbers) is never
guessed: it is used only when asked for with ``format="mca-text"``.
"""

from __future__ import annotations

import attrs

from beamio import Capabilities, FormatSpec, hookimpl, known_format

FORMAT: FormatSpec = attrs.evolve(
    known_format("mca"),
    capabilities=Capabilities(read=True, write=True, multi_frame=False, lazy=True, append=False),
    reader="beamio_mca._reader:McaReader",
    writer="beamio_mca._writer:McaWriter",
)

TEXT_FORMAT = FormatSpec(
    "mca-text",
    "spectra as one column (counts) or two (channel or energy, counts) of text or CSV; only with format=",
    extensions=(".txt", ".csv"),
    capabilities=Capabilities(read=True, write=False, multi_frame=False, lazy=False, append=False),
    reader="beamio_mca._columns:TextSpectrumReader",
    install_hint="pip install beamio-mca",
    guess=False,
)


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The MCA format spec, and the plain-columns one."""
    return [FORMAT, TEXT_FORMAT]
