"""File series: a glob (``frames_*.edf``) or a %-pattern (``ROOT_%04d_%04d.edf``) → files in order."""

from __future__ import annotations

import glob
import os
import re

__all__ = ["expand_series", "is_pattern", "siblings"]

_PERCENT = re.compile(r"%(0?)(\d*)d")
_NUMBERS = re.compile(r"\d+")


def is_pattern(path: str) -> bool:
    """Whether ``path`` names several files: glob characters or a ``%d`` / ``%04d`` field."""
    name = os.path.basename(path)
    return any(c in name for c in "*?[") or bool(_PERCENT.search(name))


def _order(path: str) -> tuple[object, ...]:
    """Sort key: the numbers in the name compared as numbers (``f_10`` after ``f_9``)."""
    parts = _NUMBERS.split(os.path.basename(path))
    numbers = [int(n) for n in _NUMBERS.findall(os.path.basename(path))]
    return (
        os.path.dirname(path),
        *[x for pair in zip(parts, numbers, strict=False) for x in pair],
        parts[-1],
    )


def expand_series(pattern: str) -> list[str]:
    """The files a glob or %-pattern names, in numeric order (empty when none exists)."""
    folder, name = os.path.split(pattern)
    if _PERCENT.search(name):
        regex = re.compile(
            "^"
            + "".join(
                (r"\d{%s}" % width if zero else r"\d+") if kind else re.escape(text)  # noqa: UP031
                for text, zero, width, kind in _tokens(name)
            )
            + "$"
        )
        candidates = glob.glob(os.path.join(glob.escape(folder) if folder else "", _PERCENT.sub("*", name)))
        files = [c for c in candidates if regex.match(os.path.basename(c))]
    else:
        files = glob.glob(pattern)
    return sorted((f for f in files if os.path.isfile(f)), key=_order)


def _tokens(name: str) -> list[tuple[str, str, str, bool]]:
    out: list[tuple[str, str, str, bool]] = []
    position = 0
    for match in _PERCENT.finditer(name):
        out.append((name[position : match.start()], "", "", False))
        out.append(("", match.group(1), match.group(2) or "1", True))
        position = match.end()
    out.append((name[position:], "", "", False))
    return out


def siblings(first: str) -> list[str]:
    """The numbered series ``first`` begins: the same name with its last number varying, from ``first`` on."""
    folder, name = os.path.split(first)
    numbers = list(_NUMBERS.finditer(name))
    if not numbers:
        return [first]
    last = numbers[-1]
    pattern = name[: last.start()] + "%0" + str(len(last.group())) + "d" + name[last.end() :]
    files = expand_series(os.path.join(folder, pattern))
    start = int(last.group())
    return [f for f in files if int(_NUMBERS.findall(os.path.basename(f))[len(numbers) - 1]) >= start] or [
        first
    ]
