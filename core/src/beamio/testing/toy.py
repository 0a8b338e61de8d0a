"""TOY: a tiny text format for testing beamio and as the smallest complete plugin to copy.

Like httpx's MockTransport, it lets tests (beamio's and yours) exercise
``beamio.open``, ``beamio.convert`` and the conformance kit without any real
format plugin. It is not registered through an entry point: use it in a scoped
registry, ``beamio.Registry(plugins=[beamio.testing.toy], entry_points=False)``.

This module is the hook module (cheap to import); the reader and writer are in
:mod:`beamio.testing.toy_io`. The format::

    TOY 1
    # facility = demo          file header: "# key = value"
    @ 1 a title                a dataset: "@ KEY TITLE"
    # exposure = 0.1           its header
    : th Monitor det           its column names
    0 1000 12                  its rows
    % 2 3                      its frames' shape
    = 1 2 3 4 5 6              one frame a line, read lazily
"""

from __future__ import annotations

import os

from .. import Capabilities, FormatSpec, Signature, hookimpl

__all__ = ["MAGIC", "SPEC", "beamio_formats", "write_sample"]

MAGIC = b"TOY 1\n"

SPEC = FormatSpec(
    "toy",
    "TOY, beamio's test format",
    extensions=(".toy",),
    signatures=(Signature(magic=MAGIC, description="the TOY magic line"),),
    capabilities=Capabilities(read=True, write=True, multi_frame=True, lazy=True),
    reader="beamio.testing.toy_io:ToyReader",
    writer="beamio.testing.toy_io:ToyWriter",
)


@hookimpl
def beamio_formats() -> list[FormatSpec]:
    """The TOY format."""
    return [SPEC]


def write_sample(path: str | os.PathLike[str], *, frames: int = 3, shape: tuple[int, int] = (2, 3)) -> None:
    """Write a TOY file with one dataset of three columns and ``frames`` frames."""
    lines = ["TOY 1", "# facility = demo", "@ 1 ascan th 0 1 3 0.1", "# exposure = 0.1",
             ": th Monitor det", "0 1000 12", "0.5 1001 15", "1 999 11.25"]  # fmt: skip
    if frames:
        lines.append("% " + " ".join(map(str, shape)))
        size = shape[0] * shape[1]
        lines.extend("= " + " ".join(str(i * size + j) for j in range(size)) for i in range(frames))
    lines.append("@ 2 a second dataset")
    lines.append(": x y")
    lines.append("1 2")
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
