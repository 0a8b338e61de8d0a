"""Damage a real file the ways files get damaged: for the property tests (Hypothesis draws the Random).

A copy cut short, a bit flipped by a disk or a transfer, a line lost or written twice by a
program that crashed or retried, lines swapped, bytes of another encoding or a NUL put in,
CR LF line ends: each round applies one of these at a place the Random chooses.
"""

from __future__ import annotations

import random

__all__ = ["TOKENS", "mutate"]

#: Bytes that mean something to a reader, or to a decoder: put in where the Random says.
TOKENS = (
    b"\n", b"\r\n", b"\r", b"\x00", b"\xff", b"\xe9", b"\xc3", "²".encode(), b"\\", b"\\\n", b"#", b"@",
    b" ", b"  ", b"\t", b"-", b".", b"e", b"nan", b"inf", b"1e999", b"-0", b"9" * 24, b"4294967296",
    b"#S 1 x\n", b"#L a  b\n", b"#N 2\n", b"#@CHANN 4 0 3 1\n", b"@A 1 2 3 4\n", b"<<DATA>>\n", b"<<END>>\n",
    b"$DATA:\n", b"\xff\xff",
)  # fmt: skip


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def mutate(data: bytes, rng: random.Random, rounds: int = 3) -> bytes:
    """``data`` damaged ``rounds`` times over (each time cut, flipped, a line dropped, doubled …)."""
    out = bytearray(data)
    for _ in range(rounds):
        at = rng.randrange(len(out) + 1)
        kind = rng.randrange(8)
        if kind == 0:  # cut short
            del out[at:]
        elif kind == 1 and out:  # one bit flipped
            out[min(at, len(out) - 1)] ^= 1 << rng.randrange(8)
        elif kind == 2:  # a token put in
            out[at:at] = rng.choice(TOKENS)
        elif kind in (3, 4, 5):  # a line dropped, doubled, or swapped with the next
            lines = _lines(bytes(out))
            i = rng.randrange(len(lines))
            if kind == 3:
                del lines[i]
            elif kind == 4:
                lines.insert(i, lines[i])
            elif i + 1 < len(lines):
                lines[i], lines[i + 1] = lines[i + 1], lines[i]
            out = bytearray(b"".join(lines))
        elif kind == 6:  # a stretch of bytes removed
            del out[at : at + rng.randrange(1, 64)]
        else:  # CR LF line ends from here on
            out[at:] = bytes(out[at:]).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    return bytes(out)
