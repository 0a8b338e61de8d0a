"""FormatSpec: what a plugin declares about a format, checked without importing its code."""

from __future__ import annotations

import re
from typing import Any

import attrs

from ._convert import as_tuple
from ._source import Head

__all__ = ["Capabilities", "FormatSpec", "Signature"]

_NAME = re.compile(r"^[a-z][a-z0-9_\-]*$")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.\-]+$")  # RFC 3986, two letters at least: "C:" is a drive
_IMPORT = re.compile(r"^[A-Za-z_][\w.]*:[A-Za-z_][\w.]*$")


def _name(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError(
            f"format name {value!r} is invalid: use lower-case letters, digits, '_' and '-',"
            " starting with a letter"
        )


def _import_string(instance: Any, attribute: attrs.Attribute, value: str | None) -> None:
    if value is not None and (not isinstance(value, str) or not _IMPORT.match(value)):
        raise ValueError(f"{attribute.name} {value!r} is not an import string like 'package.module:Class'")


def _extensions(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    out = []
    for value in values:
        value = str(value).lower()
        out.append(value if value.startswith(".") else "." + value)
    return tuple(out)


def _schemes(values: Any) -> tuple[str, ...]:
    if isinstance(values, str):
        values = (values,)
    out = []
    for value in values:
        scheme = str(value).lower().removesuffix("://")
        if not _SCHEME.match(scheme):
            raise ValueError(f"URL scheme {value!r} is invalid: use letters, digits, '+', '-' and '.'")
        out.append(scheme)
    return tuple(out)


def _to_bytes(value: Any) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("latin-1")
    raise TypeError(f"a signature's magic must be bytes, not {type(value).__name__}")


def _to_regex(value: Any) -> re.Pattern[bytes] | None:
    if value is None or isinstance(value, re.Pattern):
        return value
    if isinstance(value, str):
        value = value.encode("latin-1")
    return re.compile(value, re.MULTILINE)


@attrs.frozen
class Signature:
    """Bytes at an offset, or a regular expression over the head of the file.

    ``offsets`` lists where the magic may stand (HDF5's signature may follow a
    user block of 512, 1024, … bytes). ``score`` is what a match adds to the
    format's rank; a magic number is worth more than a loose pattern.
    """

    magic: bytes | None = attrs.field(default=None, converter=_to_bytes)
    offsets: tuple[int, ...] = attrs.field(default=(0,), converter=as_tuple)
    regex: re.Pattern[bytes] | None = attrs.field(default=None, converter=_to_regex)
    score: int = 100
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if (self.magic is None) == (self.regex is None):
            raise ValueError("a signature has either magic bytes or a regex, not both or neither")
        if any(o < 0 for o in self.offsets):
            raise ValueError(f"signature offsets must be >= 0, not {self.offsets}")

    def match(self, head: Head) -> str | None:
        """Why the head matches (for the detection report), or None."""
        if self.magic is not None:
            for offset in self.offsets:
                if head.data[offset : offset + len(self.magic)] == self.magic:
                    return self.description or f"magic {self.magic!r} at byte {offset}"
            return None
        assert self.regex is not None
        if self.regex.search(head.data):
            return self.description or f"pattern {self.regex.pattern!r}"
        return None


@attrs.frozen
class Capabilities:
    """What a format's plugin can do."""

    read: bool = True
    write: bool = False
    multi_frame: bool = False
    lazy: bool = True
    append: bool = False
    series: bool = False

    def names(self) -> list[str]:
        """The capabilities that are on, by name."""
        return [f.name for f in attrs.fields(Capabilities) if getattr(self, f.name)]


@attrs.frozen
class FormatSpec:
    """An immutable description of one format, as a plugin's hook returns it.

    Parameters
    ----------
    name
        Short unique name (``"spec"``, ``"edf"``), used with ``format=``.
    description
        One line for ``beamio formats``.
    extensions
        File name endings, with or without the dot (``.edf``; compression endings
        such as ``.gz`` are handled by beamio and need not be listed).
    signatures
        How to recognise the format from the head of a file.
    capabilities
        Read, write, multi-frame, lazy, append.
    reader, writer
        Import strings (``"beamio_edf._reader:EdfReader"``), imported only when a file
        needs them.
    install_hint
        What to install to get this format (``pip install beamio-edf``).
    priority
        Breaks ties between equal scores; a catch-all bridge ranks itself below.
    guess
        False for formats that are only used when asked with ``format=`` (plain CSV).
    replaces
        Names of formats this one deliberately replaces.
    schemes
        URL schemes whose addresses the reader opens instead of files (``"sps"`` for
        ``sps://fourc/SCAN_D``); its Source then has an empty head and no file.
    """

    name: str = attrs.field(validator=_name)
    description: str = ""
    extensions: tuple[str, ...] = attrs.field(default=(), converter=_extensions)
    signatures: tuple[Signature, ...] = attrs.field(
        default=(),
        converter=as_tuple,
        validator=attrs.validators.deep_iterable(attrs.validators.instance_of(Signature)),
    )
    capabilities: Capabilities = attrs.field(
        factory=Capabilities, validator=attrs.validators.instance_of(Capabilities)
    )
    reader: str | None = attrs.field(default=None, validator=_import_string)
    writer: str | None = attrs.field(default=None, validator=_import_string)
    install_hint: str = ""
    priority: int = 0
    guess: bool = True
    replaces: tuple[str, ...] = attrs.field(default=(), converter=as_tuple)
    schemes: tuple[str, ...] = attrs.field(default=(), converter=_schemes)

    def __attrs_post_init__(self) -> None:
        caps = self.capabilities
        if self.schemes and not caps.read:
            raise ValueError(f"format {self.name!r} opens {self.schemes[0]}:// addresses but does not read")
        if caps.read and self.reader is None:
            raise ValueError(f"format {self.name!r} says it reads but names no reader")
        if caps.write and self.writer is None:
            raise ValueError(f"format {self.name!r} says it writes but names no writer")

    def score(self, head: Head) -> tuple[int, list[str]]:
        """Rank this format for a file from its head and name, with the reasons."""
        score, reasons = 0, []
        for signature in self.signatures:
            why = signature.match(head)
            if why is not None:
                score += signature.score
                reasons.append(why)
        name = head.name.lower()
        for ext in sorted(self.extensions, key=len, reverse=True):
            if name.endswith(ext):
                score += 10
                reasons.append(f"extension {ext}")
                break
        return score, reasons
