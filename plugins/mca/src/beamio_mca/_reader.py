"""McaReader: which MCA file this is, from its head, and the reader of that kind."""

from __future__ import annotations

import re
from collections.abc import Callable

from beamio import File, FormatReader, Head, NotThisFormat, Source
from beamio_spec._numbers import parse_token

from . import _amptek, _chn, _columns, _maestro, _specstyle

__all__ = ["McaReader", "kind_of"]

_BOM = rb"(?:\xef\xbb\xbf)?\s*"
_AMPTEK = re.compile(_BOM + rb"<<PMCA SPECTRUM>>")
_MAESTRO = re.compile(_BOM + rb"\$\w[\w.]*:")
_MAESTRO_DATA = re.compile(rb"^\s*\$DATA:", re.MULTILINE)
_SPEC_LINE = re.compile(rb"^#[SF] ", re.MULTILINE)
_MCA_LINE = re.compile(rb"^(?:#@MCA|#@CHANN|#@CALIB|@A)", re.MULTILINE)
_CHN_TAG = b"\xff\xff"  # the int16 -1 that starts a CHN header

_READERS: dict[str, Callable[[Source, bytes], File]] = {
    "amptek": _amptek.read,
    "maestro": _maestro.read,
    "chn": _chn.read,
    "column": _columns.read,
}


def _one_count_per_line(head: Head) -> bool:
    """``#`` comments and one number per line, at least one of them (in the head's complete lines)."""
    lines = head.data.split(b"\n")
    if head.size is not None and head.size > len(head.data):
        lines.pop()  # cut by the head's end
    numbers = 0
    for line in lines:
        words = line.split()
        if not words or line.lstrip().startswith(b"#"):
            continue
        if len(words) != 1 or parse_token(words[0]) is None:
            return False
        numbers += 1
    return numbers > 0


def kind_of(head: Head, *, guessing: bool) -> str | None:
    """``amptek``, ``maestro``, ``chn``, ``spec`` or ``column`` from a file's head; None for none.

    A column of numbers is an MCA file only when its name ends with .mca while
    guessing (beamio never takes a file for plain numbers from its content alone).
    """
    data = head.data
    if _AMPTEK.match(data):
        return "amptek"
    if _MAESTRO.match(data) and (
        _MAESTRO_DATA.search(data) or not guessing or head.name.lower().endswith(".spe")
    ):
        return "maestro"  # without $DATA:, a Maestro file that lost its counts
    if data.startswith(_CHN_TAG) and (
        len(data) >= _chn.HEADER.size or not guessing or head.name.lower().endswith(".chn")
    ):
        return "chn"  # a CHN file too short for its header is a broken one
    if _SPEC_LINE.search(data) and _MCA_LINE.search(data):
        return "spec"
    if (not guessing or head.name.lower().endswith(".mca")) and _one_count_per_line(head):
        return "column"
    return None


def _refusal(head: Head) -> NotThisFormat:
    return NotThisFormat(
        "no Amptek, Maestro or CHN header, no SPEC scan with MCA spectra, not one count per line in a .mca",
        head.path,
    )


class McaReader(FormatReader):
    """Reads MCA spectrum files: SPEC-style (PyMca), Amptek, ORTEC Maestro .Spe and .chn, one column."""

    @classmethod
    def sniff(cls, head: Head) -> None:
        """Refuse a file whose head is of no MCA kind."""
        if kind_of(head, guessing=True) is None:
            raise _refusal(head)

    def read(self, source: Source) -> File:
        """One Dataset per spectrum file (per scan for SPEC-style files); counts read on first access."""
        kind = kind_of(source.head, guessing=False)
        if kind is None:
            raise _refusal(source.head)
        if kind == "spec":
            return _specstyle.read(source, self.strict)
        return _READERS[kind](source, source.read_bytes())
