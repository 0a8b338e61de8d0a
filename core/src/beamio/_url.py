"""Addresses inside files: ``scan.spec::/1.1/measurement/det``, ``stack.edf::/1.1/frames[5]``."""

from __future__ import annotations

import os
import re
from typing import Any

import attrs

__all__ = ["Url", "parse_index", "parse_url"]

_INDEX = re.compile(r"^(?P<path>.*?)\[(?P<index>[^\[\]]*)\]$")


@attrs.frozen
class Url:
    """A file path, an optional path inside it, and an optional index into the node there."""

    file: str
    inner: str | None = None
    index: tuple[Any, ...] | None = None


def _part(text: str) -> Any:
    text = text.strip()
    if text == "...":
        return Ellipsis
    if ":" in text:
        pieces = text.split(":")
        if len(pieces) > 3:
            raise ValueError(f"{text!r} is not a slice")
        return slice(*(int(p) if p.strip() else None for p in pieces))
    return int(text)


def parse_index(text: str) -> tuple[Any, ...]:
    """``"10:20, :, 5"`` → ``(slice(10, 20), slice(None), 5)``; ValueError if it is not one."""
    try:
        return tuple(_part(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"[{text}] is not an index like [5], [10:20], [:, 3]") from None


def parse_url(url: str | os.PathLike[str]) -> Url:
    """Split ``file::/inner/path[index]``; a plain path has no inner part."""
    text = os.fspath(url)
    if "::" not in text:
        return Url(text)
    file, _, inner = text.partition("::")
    index = None
    match = _INDEX.match(inner)
    if match:
        inner, index = match["path"], parse_index(match["index"])
    elif "[" in inner or "]" in inner:
        raise ValueError(f"{text}: an index goes last, in brackets, like ::/1.1/frames[5]")
    return Url(file, inner or "/", index)
