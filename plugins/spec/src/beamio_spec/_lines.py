"""Lines of a SPEC block sorted into header lines, data rows and MCA spectra."""

from __future__ import annotations

import re

import attrs

from beamio import HeaderEntry

__all__ = ["Block", "header_entry", "split_block"]

_CODE = re.compile(rb"#(\S*)[ \t]?")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def header_entry(line: bytes, row: int | None = None) -> HeaderEntry:
    """``#P0 1 2 3`` → key ``P0``, value ``1 2 3``, raw the whole line."""
    match = _CODE.match(line)
    key = _text(match.group(1)) if match else ""
    value = _text(line[match.end() :] if match else line[1:]).strip()
    return HeaderEntry(key, value, _text(line), row)


@attrs.define
class Block:
    """One scan's (or file header's) lines, sorted by kind, with their line numbers."""

    entries: list[HeaderEntry] = attrs.field(factory=list)
    entry_lines: list[int] = attrs.field(factory=list)
    rows: list[bytes] = attrs.field(factory=list)
    row_lines: list[int] = attrs.field(factory=list)
    spectra: dict[str, list[tuple[int, list[bytes]]]] = attrs.field(factory=dict)


def split_block(data: bytes, first_line: int) -> Block:
    r"""Sort the lines of ``data``: ``#`` lines, ``@`` MCA lines (with ``\\`` continuation), data rows.

    A ``#`` line after the first data row keeps its place as ``row`` (the number of
    data rows before it), so a writer can put it back where it was.
    """
    block = Block()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    continued: list[bytes] | None = None
    for number, line in enumerate(lines, first_line):
        if line.endswith(b"\r"):
            line = line[:-1]
        if continued is not None:
            continued.append(line.rstrip(b"\\"))
            if not line.endswith(b"\\"):
                continued = None
            continue
        first = line[:1]
        if first == b"#":
            block.entries.append(header_entry(line, len(block.rows) if block.rows else None))
            block.entry_lines.append(number)
        elif first == b"@":
            name, _, values = line[1:].partition(b" ")
            parts = [values.rstrip(b"\\")]
            block.spectra.setdefault(_text(name.strip()), []).append((number, parts))
            if line.endswith(b"\\"):
                continued = parts
        elif line.strip():
            block.rows.append(line)
            block.row_lines.append(number)
    return block
