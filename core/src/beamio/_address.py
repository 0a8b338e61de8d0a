"""Addresses that are not files: ``sps://fourc/SCAN_D`` opened by the format that owns its scheme.

A format spec lists the URL schemes it opens (``FormatSpec.schemes``); :func:`beamio.open`
hands such an address to that format's reader, with a Source that has no file and an
empty head, instead of detecting a file's format.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Any

from ._detect import Candidate, DetectionReport
from ._source import Head, Source
from .errors import FormatError, NoFormatMatched, PluginFailed

if TYPE_CHECKING:
    from ._file import File
    from ._registry import FormatEntry, Registry

__all__ = ["address_owner", "open_address", "scheme_of"]

_ADDRESS = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]+)://")


def scheme_of(text: str) -> str | None:
    """``"sps"`` for ``sps://fourc/SCAN_D``; None for a path (an existing file always stays a file)."""
    match = _ADDRESS.match(text)
    if match is None or os.path.exists(text):
        return None
    return match.group(1).lower()


def address_owner(registry: Registry, text: str, format: str | None = None) -> FormatEntry | None:
    """The format that opens the address ``text``; None when ``text`` is a path.

    With ``format`` given, that format if it owns the scheme (else None: the text is
    taken for a path). An address whose scheme no installed format owns is a
    NoFormatMatched naming the formats that open addresses.
    """
    scheme = scheme_of(text)
    if scheme is None:
        return None
    if format is not None:
        entry = registry.entry(format)
        return entry if scheme in entry.spec.schemes else None
    owners = [e for e in registry.entries_in_use() if scheme in e.spec.schemes and e.spec.capabilities.read]
    if not owners:
        others = sorted(f"{s}:// ({e.spec.name})" for e in registry.entries_in_use() for s in e.spec.schemes)
        raise NoFormatMatched(
            f"no installed plugin opens {scheme}:// addresses (installed: {', '.join(others) or 'none'};"
            " `beamio formats` lists the plugins)",
            text,
            report=DetectionReport(text),
        )
    return max(owners, key=lambda e: e.spec.priority)


def run_reader(entry: FormatEntry, reader: Any, source: Source) -> File:
    """``reader.read(source)``: its FormatError as it is, anything else a PluginFailed naming the plugin."""
    from ._file import File

    try:
        file = reader.read(source)
    except (FormatError, OSError, MemoryError):
        source.close()
        raise
    except Exception as error:
        source.close()
        raise PluginFailed(
            f"{entry.plugin.label}: the {entry.spec.name} reader failed on {source.path}:"
            f" {type(error).__name__}: {error}"
        ) from error
    if not isinstance(file, File):
        source.close()
        raise PluginFailed(
            f"{entry.plugin.label}: the {entry.spec.name} reader returned"
            f" {type(file).__name__}, not a beamio.File"
        )
    return file


def open_address(
    registry: Registry, entry: FormatEntry, address: str, settings: dict[str, Any]
) -> tuple[File, DetectionReport]:
    """Read ``address`` with the reader of ``entry``; the File and the report that says who opened it."""
    reader = registry.reader_class(entry)(entry.spec, **settings)
    scheme = scheme_of(address) or ""
    source = Source(address, Head(address, b"", address), entry.spec.name, reader.strict)
    file = run_reader(entry, reader, source)
    why = [f"opens {scheme}:// addresses"]
    report = DetectionReport(address, candidates=[Candidate(entry.spec.name, entry.plugin.label, 0, why)])
    report.candidates[0].outcome = "accepted"
    report.chosen = entry.spec.name
    return file, report
