"""StaticPlugin: a plugin made of values, for scoped registries in tests."""

from __future__ import annotations

from collections.abc import Iterable

from .._profiles import Profile
from .._spec import FormatSpec
from ..hookspecs import hookimpl

__all__ = ["StaticPlugin"]


class StaticPlugin:
    """A plugin that offers the given format specs and profiles, nothing else.

    ``beamio.Registry(plugins=[StaticPlugin(formats=[spec])], entry_points=False)``
    builds a registry around a format under test without packaging it.
    """

    def __init__(self, formats: Iterable[FormatSpec] = (), profiles: Iterable[Profile] = ()) -> None:
        self.formats = list(formats)
        self.profiles = list(profiles)

    @hookimpl
    def beamio_formats(self) -> list[FormatSpec]:
        """The given specs."""
        return list(self.formats)

    @hookimpl
    def beamio_profiles(self) -> list[Profile]:
        """The given profiles."""
        return list(self.profiles)
