"""EDF header blocks: ``{ Key = value ; … }`` padded to a multiple of 512 bytes."""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from beamio import Header, HeaderEntry

__all__ = ["HeaderBlock", "find_header", "parse_header", "starts_header"]

_CLOSE = re.compile(rb"}[ \t]*(?:\r?\n|\r)")  # LF, CRLF, or the CR of old Macs
#: No EDF header is larger than this; a "{" never closed within it is not a header.
MAX_HEADER = 1 << 20
#: What writers put between frames.
_BLANKS = b" \n\r\t\0"


@attrs.frozen
class HeaderBlock:
    """One header: where it starts, where its data starts, and its entries."""

    start: int
    end: int
    header: Header


def find_header(read_at: Callable[[int, int], bytes], start: int) -> tuple[int, int, bytes] | None:
    """``(start of "{", offset after the closing "}" line, header bytes)`` of the header at ``start``.

    ``read_at(offset, size)`` gives the file's bytes. Whitespace before "{" is skipped
    (some writers pad between frames); None when no header starts there; ValueError
    when a "{" is never closed. A "}" that ends the file closes the header (no data follows).
    """
    chunk = read_at(start, 4096)
    skipped = len(chunk) - len(chunk.lstrip(_BLANKS))
    if chunk[skipped : skipped + 1] != b"{":
        return None
    position = start + skipped
    chunk = chunk[skipped:]
    wanted = 4096 - skipped
    match = _CLOSE.search(chunk)
    if match is None and len(chunk) >= wanted:
        wanted = MAX_HEADER
        chunk = read_at(position, wanted)
        match = _CLOSE.search(chunk)
    if match is not None:
        return position, position + match.end(), chunk[: match.end()]
    if len(chunk) < wanted and chunk.rstrip(b" \t\r").endswith(b"}"):  # closed where the file ends
        return position, position + len(chunk), chunk
    raise ValueError("the header's '{' is never closed by '}'")


def starts_header(read_at: Callable[[int, int], bytes], start: int) -> bool:
    """Whether a header's "{" (closed or not) follows ``start``, after blanks."""
    return read_at(start, 4096).lstrip(_BLANKS).startswith(b"{")


def parse_header(text: bytes, origin: str) -> Header:
    """The ``Key = value ;`` entries of a header's text (between the braces), in order, verbatim."""
    entries: list[HeaderEntry] = []
    body = text[text.index(b"{") + 1 : text.rindex(b"}")]
    for piece in body.split(b";"):
        stripped = piece.strip(_BLANKS)  # NULs too: some writers pad the header with them
        if not stripped:
            continue
        raw = piece.decode("utf-8", "surrogateescape")
        key, sep, value = stripped.partition(b"=")
        if not sep:
            entries.append(HeaderEntry("", stripped.decode("utf-8", "surrogateescape"), raw))
            continue
        name = key.strip().decode("utf-8", "surrogateescape")
        entries.append(HeaderEntry(name, value.strip().decode("utf-8", "surrogateescape"), raw))
    return Header(entries, origin=origin)
