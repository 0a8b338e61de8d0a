"""Profiles: a facility's preferences, default options and header aliases, activated on request."""

from __future__ import annotations

import fnmatch
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from .errors import ProfileError

__all__ = ["Preference", "Profile", "configured_profile"]


@attrs.frozen
class Preference:
    """Files whose name matches ``pattern`` (a glob such as ``*.dat``) are tried as ``format`` first."""

    pattern: str
    format: str

    def matches(self, path: str) -> bool:
        """Whether the file name (or the whole path, for patterns with '/') matches."""
        target = path if "/" in self.pattern else os.path.basename(path)
        return fnmatch.fnmatch(target, self.pattern)


def _preferences(value: Any) -> tuple[Preference, ...]:
    if isinstance(value, Mapping):
        value = [Preference(p, f) for p, f in value.items()]
    return tuple(value)


def _nested(value: Mapping[str, Mapping[str, Any]] | None) -> Mapping[str, Mapping[str, Any]]:
    return {str(k): dict(v) for k, v in (value or {}).items()}


@attrs.frozen
class Profile:
    """A named set of conventions a facility bundle offers.

    Parameters
    ----------
    name
        How users activate it (``profile="esrf"``, ``BEAMIO_PROFILE=esrf``).
    preferences
        ``{"*.dat": "spec"}``: formats tried first for matching file names.
    reader_options, writer_options
        Per format, default options (explicit options still win).
    header_aliases
        Alias → header key, so ``header["ring_current"]`` reads ``SRCUR``.
    conventions
        Free-form settings for writers (for example the NeXus layout to write).
    """

    name: str
    description: str = ""
    preferences: tuple[Preference, ...] = attrs.field(default=(), converter=_preferences)
    reader_options: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, converter=_nested)
    writer_options: Mapping[str, Mapping[str, Any]] = attrs.field(factory=dict, converter=_nested)
    header_aliases: Mapping[str, str] = attrs.field(factory=dict, converter=dict)
    conventions: Mapping[str, Any] = attrs.field(factory=dict, converter=dict)

    def preferred_formats(self, path: str) -> list[str]:
        """Formats this profile prefers for ``path``, in order."""
        return [p.format for p in self.preferences if p.matches(path)]


def _config_path() -> Path:
    explicit = os.environ.get("BEAMIO_CONFIG")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "beamio" / "config.toml"


def configured_profile() -> str | None:
    """The profile named by ``BEAMIO_PROFILE``, else by the config file's ``profile = "…"``."""
    name = os.environ.get("BEAMIO_PROFILE")
    if name:
        return name
    path = _config_path()
    if not path.is_file():
        return None
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ProfileError(f"{path}: cannot read the beamio config file: {error}") from None
    profile = config.get("profile")
    if profile is not None and not isinstance(profile, str):
        raise ProfileError(f"{path}: 'profile' must be a string, found {profile!r}")
    return profile
