"""The hooks a beamio plugin may implement, and the ``hookimpl`` marker to mark them.

A plugin is a module published under the entry-point group ``beamio``::

    [project.entry-points.beamio]
    edf = "beamio_edf.plugin"

whose functions are decorated with :data:`hookimpl`. Importing it must be cheap:
return specs that name the reader and writer by import string.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from ._dataset import Dataset
    from ._file import File
    from ._profiles import Profile
    from ._spec import FormatSpec

__all__ = ["PROJECT", "hookimpl", "hookspec"]

#: The pluggy project name, also the entry-point group.
PROJECT = "beamio"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def beamio_formats() -> Sequence[FormatSpec]:
    """Return the format specs this plugin offers."""
    raise NotImplementedError


@hookspec
def beamio_profiles() -> Sequence[Profile]:
    """Return the profiles this plugin offers (activated only when asked for)."""
    raise NotImplementedError


@hookspec
def beamio_read_completed(file: File, format: FormatSpec) -> None:
    """Observe a file that was just opened (logging, provenance, catalogues)."""


@hookspec
def beamio_before_write(dataset: Dataset, format: FormatSpec, options: dict[str, Any]) -> None:
    """Adjust a Dataset (a copy, yours to change) before a writer writes it."""
