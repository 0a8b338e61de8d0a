"""Lines of a SPEC block sorted into header lines, data rows and MCA spectra."""

from __future__ import annotations

import re

import attrs

from beamio import HeaderEntry

from . import _compiled

__all__ = ["Block", "header_entry", "split_block"]

_CODE = re.compile(rb"#(\S*)[ \t]?")
# An MCA spectrum: "@A1 v v v\" continued on the next lines while a line ends with "\".
_SPECTRUM = re.compile(rb"^@(\S*)[ \t]?((?:.*\\\r?\n)*.*)", re.MULTILINE)


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
    """One scan's (or file header's) lines, sorted by kind, with their line numbers.

    ``spectra`` maps an MCA's id (``A``, ``A1``…) to its spectra in order: the line
    each starts on and its values as one text (continuations joined).
    """

    entries: list[HeaderEntry] = attrs.field(factory=list)
    entry_lines: list[int] = attrs.field(factory=list)
    rows: list[bytes] = attrs.field(factory=list)
    row_lines: list[int] = attrs.field(factory=list)
    spectra: dict[str, list[tuple[int, bytes]]] = attrs.field(factory=dict)

    def _lines(self, data: bytes, first_line: int) -> None:
        """Sort the lines of a stretch without MCA spectra."""
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        for number, line in enumerate(lines, first_line):
            if line[-1:] == b"\r":
                line = line[:-1]
            if line[:1] == b"#":
                # A # line after the first data row keeps its place (the rows before it).
                self.entries.append(header_entry(line, len(self.rows) if self.rows else None))
                self.entry_lines.append(number)
            elif line.strip():
                self.rows.append(line)
                self.row_lines.append(number)


def split_block(data: bytes, first_line: int) -> Block:
    """Sort the lines of ``data``: ``#`` lines, ``@`` MCA spectra (continued by a final backslash), rows."""
    compiled = _compiled.module()
    if compiled is None:
        return split_block_python(data, first_line)
    headers, rows, row_lines, spectra = compiled.split_block(data, first_line)
    block = Block(
        [header_entry(line, row) for line, _, row in headers], [n for _, n, _ in headers], rows, row_lines
    )
    for mca_id, number, values in spectra:
        block.spectra.setdefault(mca_id, []).append((number, values))
    return block


def split_block_python(data: bytes, first_line: int) -> Block:
    """:func:`split_block` in Python alone (the compiled one's twin)."""
    block = Block()
    position, line = 0, first_line
    for match in _SPECTRUM.finditer(data):
        before = data[position : match.start()]
        block._lines(before, line)
        line += before.count(b"\n")
        values = match.group(2).replace(b"\\\r\n", b" ").replace(b"\\\n", b" ")
        block.spectra.setdefault(_text(match.group(1)), []).append((line, values.rstrip(b"\r")))
        line += match.group(0).count(b"\n")
        position = match.end()
    block._lines(data[position:], line)
    return block
