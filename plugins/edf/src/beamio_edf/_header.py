"""EDF header blocks: ``{ Key = value ; … }`` padded to a multiple of 512 bytes."""

from __future__ import annotations

import re

import attrs

from beamio import Header, HeaderEntry

__all__ = ["HeaderBlock", "find_header", "parse_header"]

_CLOSE = re.compile(rb"}[ \t]*\r?\n")
#: No EDF header is larger than this; a "{" never closed within it is not a header.
MAX_HEADER = 1 << 20


@attrs.frozen
class HeaderBlock:
    """One header: where it starts, where its data starts, and its entries."""

    start: int
    end: int
    header: Header


def find_header(data: bytes, start: int) -> tuple[int, int] | None:
    """``(start of "{", offset after the closing "}" line)`` of the header at ``start``, or None.

    Whitespace before "{" is skipped (some writers pad between frames).
    ValueError when a "{" is never closed.
    """
    position = start
    while position < len(data) and data[position : position + 1] in (b" ", b"\n", b"\r", b"\t", b"\0"):
        position += 1
    if data[position : position + 1] != b"{":
        return None
    match = _CLOSE.search(data, position, min(len(data), position + MAX_HEADER))
    if match is None:
        raise ValueError("the header's '{' is never closed by '}'")
    return position, match.end()


def parse_header(text: bytes, origin: str) -> Header:
    """The ``Key = value ;`` entries of a header's text (between the braces), in order, verbatim."""
    entries: list[HeaderEntry] = []
    body = text[text.index(b"{") + 1 : text.rindex(b"}")]
    for piece in body.split(b";"):
        stripped = piece.strip()
        if not stripped:
            continue
        raw = piece.decode("utf-8", "surrogateescape")
        key, sep, value = stripped.partition(b"=")
        if not sep:
            entries.append(HeaderEntry("", raw.strip(), raw))
            continue
        name = key.strip().decode("utf-8", "surrogateescape")
        entries.append(HeaderEntry(name, value.strip().decode("utf-8", "surrogateescape"), raw))
    return Header(entries, origin=origin)
