"""ORTEC binary spectra (.chn): a 32-byte header, 4-byte counts, a 512-byte trailer.

As ORTEC's "Software File Structure Manual" describes them, little-endian:

header   int16 -1 · int16 MCA number · int16 segment · 2 chars start seconds ·
         int32 real time and int32 live time in 20 ms ticks · 8 chars start date
         ``DDMMMYY*`` (``*`` is ``1`` after 2000) · 4 chars start time ``HHMM`` ·
         uint16 first channel · uint16 number of channels
counts   int32 per channel
trailer  int16 -101 (linear energy calibration) or -102 (quadratic) · 2 reserved ·
         float32 energy offset, slope, quadratic term · float32 ×3 width (FWHM)
         calibration · 228 reserved · 1 + 63 chars detector description ·
         1 + 63 chars sample description · 128 reserved
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from beamio import Calibration, File, FormatError, Header, LazyArray, NotThisFormat, Source, Spectrum

from ._text import NAME, check_counts, one_spectrum_file

__all__ = ["HEADER", "TRAILER", "looks_chn", "read", "write"]

HEADER = struct.Struct("<hhh2sii8s4sHH")
TRAILER = struct.Struct("<hh3f3f228sB63sB63s128s")
_TAGS = (-101, -102)
_TICK = 0.02  # seconds: CHN times count 20 ms ticks
_DESCRIPTION = 63
_KEYS = {"mca_number", "segment", "width_calibration", "detector"}  # the header of a CHN file


def looks_chn(header: Header) -> bool:
    """Whether a header was read from a CHN file (it holds what the model does not: MCA number, segment)."""
    return {"mca_number", "segment"} <= set(header) <= _KEYS


def _start_time(seconds: bytes, date: bytes, hhmm: bytes) -> str | None:
    """``b"20", b"14Nov231", b"2213"`` → ``2023-11-14T22:13:20``; None when unknown or not that form."""
    try:
        text = (date[:7] + hhmm + seconds).decode("ascii")
        moment = datetime.datetime.strptime(text, "%d%b%y%H%M%S")
    except (UnicodeDecodeError, ValueError):
        return None
    century = 2000 if date[7:8] == b"1" else 1900
    return moment.replace(year=century + moment.year % 100).isoformat()


def _string(length: int, text: bytes) -> str:
    return text[: min(length, _DESCRIPTION)].decode("latin-1")


def _trailer_at(content: bytes, offset: int) -> bool:
    return len(content) >= offset + 2 and struct.unpack_from("<h", content, offset)[0] in _TAGS


def _layout(content: bytes, declared: int, source: Source) -> tuple[int, int | None]:
    """How many channels the file really holds, and where its trailer starts (None: no trailer).

    The header's channel count is trusted only when the trailer follows those
    channels; else the file's size says, and the disagreement is reported.
    """
    log = source.diagnostics
    end = HEADER.size + 4 * declared
    if _trailer_at(content, end):
        return declared, end
    trailer = len(content) - TRAILER.size
    if trailer >= HEADER.size and (trailer - HEADER.size) % 4 == 0 and _trailer_at(content, trailer):
        present = (trailer - HEADER.size) // 4
        log.report(
            f"the header says {declared} channels, the file holds {present} before its trailer", offset=30
        )
        return present, trailer
    present = min(declared, (len(content) - HEADER.size) // 4)
    if present == declared:
        log.report(
            f"the file ends at byte {len(content)}, after its {declared} channels: the trailer"
            " (calibration, descriptions) is missing",
            offset=len(content),
        )
        return present, None
    log.report(
        f"the file ends at byte {len(content)}, before the {declared} channels and the trailer"
        f" its header announces; {present} channels read",
        offset=len(content),
    )
    return present, None


def read(source: Source, content: bytes) -> File:
    """The File of an ORTEC .chn file: one Dataset, one spectrum."""
    log = source.diagnostics
    if len(content) < HEADER.size:
        raise FormatError(f"a CHN header is {HEADER.size} bytes; the file has {len(content)}", source.path)
    tag, mca, segment, seconds, real, live, date, hhmm, first, declared = HEADER.unpack_from(content)
    if tag != -1:
        raise NotThisFormat(f"a CHN file starts with the tag -1, not {tag}", source.path)
    n, at = _layout(content, declared, source)
    header = Header([("mca_number", str(mca)), ("segment", str(segment))], origin=source.path)
    calibration, title = Calibration(), ""
    if at is not None:
        raw = content[at : at + TRAILER.size]
        if len(raw) < TRAILER.size:
            log.report(
                f"the trailer is cut short at {len(raw)} of its {TRAILER.size} bytes", offset=len(content)
            )
            raw = raw.ljust(TRAILER.size, b"\0")
        fields = TRAILER.unpack(raw)
        a, b, c = (float(v) for v in fields[2:5])
        if (a, b) != (0.0, 0.0):
            calibration = Calibration(a, b, c if fields[0] == -102 else 0.0)
        header = header.add("width_calibration", " ".join(repr(float(v)) for v in fields[5:8]))
        header = header.add("detector", _string(fields[9], fields[10]))
        title = _string(fields[11], fields[12])
    counts_read: list[bool] = []

    def read_counts(key: Any) -> np.ndarray:
        values = np.frombuffer(content, "<i4", count=n, offset=HEADER.size)
        if not counts_read:
            counts_read.append(True)
            check_counts(values, log, lambda i: {"offset": HEADER.size + 4 * i}, "counts")
        return values[key]

    counts = LazyArray((n,), np.dtype("<i4"), read_counts, guard=source.guard, name=NAME)
    spectrum = Spectrum(
        counts,
        channels=first + np.arange(n) if first else None,
        calibration=calibration,
        live_time=live * _TICK,
        real_time=real * _TICK,
        start_time=_start_time(seconds, date, hhmm),
    )
    return one_spectrum_file(source, title, header, spectrum)


# -- writing -----------------------------------------------------------------------------------
def _ticks(seconds: Any, what: str, lossy: Callable[[str], None]) -> int:
    if seconds is None:
        return 0
    ticks = round(float(seconds) / _TICK)
    if ticks * _TICK != float(seconds):
        lossy(f"CHN times count 20 ms ticks; the {what} {seconds!r} s is written as {ticks * _TICK!r} s")
    return ticks


def _start_fields(start: str | None) -> tuple[bytes, bytes, bytes]:
    if start is None:
        return b"\0" * 2, b"\0" * 8, b"\0" * 4
    moment = datetime.datetime.fromisoformat(start)
    century = b"1" if moment.year >= 2000 else b"0"
    return (
        moment.strftime("%S").encode(),
        moment.strftime("%d%b%y").upper().encode() + century,
        moment.strftime("%H%M").encode(),
    )


def _float32(values: tuple[float, ...], what: str, lossy: Callable[[str], None]) -> tuple[float, ...]:
    if any(float(np.float32(v)) != v for v in values):
        lossy(f"CHN holds the {what} in 32-bit floats; {values} is rounded")
    return values


def _description(text: str, what: str, lossy: Callable[[str], None]) -> tuple[int, bytes]:
    raw = text.encode("latin-1", "replace")
    if len(raw) > _DESCRIPTION:
        lossy(f"a CHN {what} holds {_DESCRIPTION} characters; {text!r} is cut")
    return min(len(raw), _DESCRIPTION), raw[:_DESCRIPTION]


def write(
    header: Header, title: str, spectrum: Spectrum, out: BinaryIO, lossy: Callable[[str], None]
) -> None:
    """Write one spectrum as an ORTEC .chn file."""
    counts = np.asarray(spectrum.counts, dtype=np.float64)
    if len(counts) > 0xFFFF:
        raise ValueError(f"a CHN file holds at most 65535 channels, not {len(counts)}")
    whole = np.clip(np.nan_to_num(np.round(counts)), -(2**31), 2**31 - 1)
    if not np.array_equal(whole, counts):
        lossy("CHN counts are 32-bit integers; the others are rounded")
    channels = spectrum.channels
    first = int(channels[0]) if len(channels) else 0
    if len(channels) and not np.array_equal(channels, first + np.arange(len(channels))):
        lossy(f"CHN channels run by one from the first; they are written from {first}")
    seconds, date, hhmm = _start_fields(spectrum.start_time)
    out.write(
        HEADER.pack(
            -1,
            int(header.get("mca_number", "1")),
            int(header.get("segment", "1")),
            seconds,
            _ticks(spectrum.real_time, "real time", lossy),
            _ticks(spectrum.live_time, "live time", lossy),
            date,
            hhmm,
            first,
            len(counts),
        )
    )
    out.write(whole.astype("<i4").tobytes())
    cal = spectrum.calibration
    energy = (0.0, 0.0, 0.0) if cal.is_identity else _float32((cal.a, cal.b, cal.c), "calibration", lossy)
    width = tuple(float(v) for v in str(header.get("width_calibration", "0 0 0")).split())
    out.write(
        TRAILER.pack(
            -102 if cal.c else -101,
            0,
            *energy,
            *width,
            b"",
            *_description(str(header.get("detector", "")), "detector description", lossy),
            *_description(title, "sample description", lossy),
            b"",
        )
    )
